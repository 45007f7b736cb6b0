package storetest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/portal-dev/portal/functions/portal"
)

// appTests check portal.AppStore, and Store methods whose promises reach
// into it (DeleteDeveloper).
var appTests = []struct {
	name string
	fn   func(su suite, t *testing.T, s portal.FullStore)
}{
	{"PublishAPIs", suite.testPublishAPIs},
	{"TeamApplications", suite.testTeamApplications},
	{"PublishAPIsRemovesRegistrations", suite.testPublishAPIsRemovesRegistrations},
	{"PublishAPIsConcurrent", suite.testPublishAPIsConcurrent},
	{"AuthStrategies", suite.testAuthStrategies},
	{"Applications", suite.testApplications},
	{"ListApplications", suite.testListApplications},
	{"ApplicationLimitConcurrent", suite.testApplicationLimitConcurrent},
	{"Registrations", suite.testRegistrations},
	{"RegistrationsConcurrent", suite.testRegistrationsConcurrent},
	{"ListAllRegistrations", suite.testListAllRegistrations},
	{"RegistrationStatus", suite.testRegistrationStatus},
	{"RegistrationStatusConcurrent", suite.testRegistrationStatusConcurrent},
	{"Credentials", suite.testCredentials},
	{"CredentialLimitConcurrent", suite.testCredentialLimitConcurrent},
	{"CredentialHashConcurrent", suite.testCredentialHashConcurrent},
	{"DeleteApplication", suite.testDeleteApplication},
	{"DeleteDeveloperApplications", suite.testDeleteDeveloperApplications},
	{"DeveloperRoles", suite.testDeveloperRoles},
}

func api(slug string) portal.API {
	return portal.API{
		ID: "api-" + slug + "-" + newID()[:8], Slug: slug, Name: strings.ToUpper(slug), Version: "1.0",
		Description: "The " + slug + " API", Visibility: "public", Labels: map[string]string{"team": "core"},
		SpecType: "openapi", SpecVersion: "3.1.0", AuthStrategyID: portal.DefaultAuthStrategyID,
		RouteHost: slug + ".acme.example", RoutePrefix: "/gateway/" + slug + "/", UpstreamURL: "https://" + slug + ".example.com",
	}
}

// published is apis as the store returns them after a publish at at.
func published(at time.Time, apis ...portal.API) []portal.API {
	out := make([]portal.API, len(apis))
	for i, a := range apis {
		a.PublishedAt = at
		out[i] = a
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slug < out[j].Slug })
	return out
}

func (su suite) mustPublish(t *testing.T, s portal.FullStore, want int, apis ...portal.API) portal.AuditEvent {
	t.Helper()
	ev := su.event("catalog.published", "")
	n, err := s.PublishAPIs(ctx, apis, ev)
	if err != nil || n != want {
		t.Fatalf("PublishAPIs(%d APIs) = %d, %v, want %d, nil", len(apis), n, err, want)
	}
	return ev
}

func application(developerID, name string, created time.Time) portal.Application {
	return portal.Application{
		ID: newID(), Name: name, Description: "app " + name, DeveloperID: developerID,
		AuthStrategyID: portal.DefaultAuthStrategyID, CreatedAt: created, UpdatedAt: created,
	}
}

func (su suite) mustCreateApp(t *testing.T, s portal.FullStore, developerID, name string, created time.Time) portal.Application {
	t.Helper()
	a := application(developerID, name, created)
	if err := s.CreateApplication(ctx, a, su.event("application.created", a.ID)); err != nil {
		t.Fatalf("CreateApplication(%s) = %v, want nil", name, err)
	}
	a.Version = 1
	return a
}

func (su suite) registration(appID, apiID string, st portal.RegistrationStatus) portal.Registration {
	n := su.now()
	return portal.Registration{ID: newID(), ApplicationID: appID, APIID: apiID, Status: st, CreatedAt: n, UpdatedAt: n}
}

func (su suite) mustRegister(t *testing.T, s portal.FullStore, appID, apiID string) portal.Registration {
	t.Helper()
	r := su.registration(appID, apiID, portal.RegistrationPending)
	if err := s.CreateRegistration(ctx, r, su.event("registration.created", r.ID)); err != nil {
		t.Fatalf("CreateRegistration(%s, %s) = %v, want nil", appID, apiID, err)
	}
	r.Version = 1
	return r
}

// credential is a new key of the application; set DeveloperID to the
// application's developer to compare it with what the store returns.
func (su suite) credential(appID string) portal.Credential {
	hash := newID() + newID() + newID()
	return portal.Credential{ID: newID(), ApplicationID: appID, DisplayName: "key " + hash[:4], Hash: hash, Hint: "pk_…" + hash[:4], CreatedAt: su.now()}
}

func (su suite) mustCreateCredential(t *testing.T, s portal.FullStore, app portal.Application) portal.Credential {
	t.Helper()
	c := su.credential(app.ID)
	c.DeveloperID = "ignored: the store sets it"
	if err := s.CreateCredential(ctx, c, su.event("credential.created", c.ID)); err != nil {
		t.Fatalf("CreateCredential(%s) = %v, want nil", app.ID, err)
	}
	c.DeveloperID = app.DeveloperID
	return c
}

func appID(a portal.Application) string     { return a.ID }
func regID(r portal.Registration) string    { return r.ID }
func credID(c portal.Credential) string     { return c.ID }
func roleID(r portal.RoleAssignment) string { return r.ID }

func wantAPIs(t *testing.T, s portal.FullStore, what string, want []portal.API) {
	t.Helper()
	got, err := s.ListAPIs(ctx)
	wantNil(t, "ListAPIs", err)
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ListAPIs %s (-want +got):\n%s", what, diff)
	}
}

func (su suite) testPublishAPIs(t *testing.T, s portal.FullStore) {
	a, b, c := api("billing"), api("accounts"), api("catalog")
	b.Labels = nil
	ev := su.mustPublish(t, s, 3, a, b, c)
	want := published(ev.At, a, b, c)
	wantAPIs(t, s, "after the first publish", want)
	got, err := s.GetAPI(ctx, a.ID)
	wantNil(t, "GetAPI", err)
	if diff := cmp.Diff(want[1], got); diff != "" {
		t.Errorf("GetAPI (-want +got):\n%s", diff)
	}
	got, err = s.GetAPIBySlug(ctx, "catalog")
	wantNil(t, "GetAPIBySlug", err)
	if diff := cmp.Diff(want[2], got); diff != "" {
		t.Errorf("GetAPIBySlug (-want +got):\n%s", diff)
	}
	_, err = s.GetAPI(ctx, newID())
	wantCode(t, "GetAPI(unknown)", err, portal.ENotFound)
	_, err = s.GetAPIBySlug(ctx, "nope")
	wantCode(t, "GetAPIBySlug(unknown)", err, portal.ENotFound)
	evs, err := s.ListAuditEvents(ctx, a.ID)
	wantNil(t, "ListAuditEvents", err)
	if len(evs) != 1 || evs[0].ID != ev.ID || evs[0].Action != ev.Action || evs[0].Detail["change"] != "created" || evs[0].Detail["case"] != ev.Action {
		t.Errorf("ListAuditEvents(%s) = %+v, want one event %s with the caller's detail and change=created", a.ID, evs, ev.ID)
	}

	// The same catalog again, whatever its PublishedAt and however empty
	// its labels, changes nothing and writes no event.
	again := []portal.API{c, a, b}
	again[0].PublishedAt = su.now().Add(time.Hour)
	again[2].Labels = map[string]string{}
	n, err := s.PublishAPIs(ctx, again, su.event("catalog.published", ""))
	if err != nil || n != 0 {
		t.Errorf("PublishAPIs(same catalog) = %d, %v, want 0, nil", n, err)
	}
	wantAPIs(t, s, "after an identical publish", want)
	wantAudit(t, s, a.ID, "catalog.published")

	// One API changes, one is renamed, one leaves the catalog.
	a2 := a
	a2.Visibility, a2.Labels = "private", map[string]string{"team": "money"}
	c2 := c
	c2.Slug = "products"
	ev2 := su.mustPublish(t, s, 3, a2, c2)
	want = []portal.API{published(ev2.At, a2)[0], published(ev2.At, c2)[0]}
	wantAPIs(t, s, "after changes", want)
	_, err = s.GetAPI(ctx, b.ID)
	wantCode(t, "GetAPI(removed)", err, portal.ENotFound)
	_, err = s.GetAPIBySlug(ctx, "accounts")
	wantCode(t, "GetAPIBySlug(removed)", err, portal.ENotFound)
	_, err = s.GetAPIBySlug(ctx, "catalog")
	wantCode(t, "GetAPIBySlug(old slug)", err, portal.ENotFound)
	got, err = s.GetAPIBySlug(ctx, "products")
	wantNil(t, "GetAPIBySlug(new slug)", err)
	if got.ID != c.ID || !got.PublishedAt.Equal(ev2.At) {
		t.Errorf("GetAPIBySlug(products) = %s published %v, want %s published %v", got.ID, got.PublishedAt, c.ID, ev2.At)
	}
	for id, change := range map[string]string{a.ID: "updated", b.ID: "deleted", c.ID: "updated"} {
		evs, err := s.ListAuditEvents(ctx, id)
		wantNil(t, "ListAuditEvents", err)
		if len(evs) != 2 || evs[1].ID != ev2.ID || evs[1].Detail["change"] != change {
			t.Errorf("ListAuditEvents(%s) = %+v, want a second event %s with change=%s", id, evs, ev2.ID, change)
		}
	}

	// Two APIs swap slugs in one publish.
	a3, c3 := a2, c2
	a3.Slug, c3.Slug = c2.Slug, a2.Slug
	ev3 := su.mustPublish(t, s, 2, a3, c3)
	wantAPIs(t, s, "after a swap", published(ev3.At, a3, c3))
	for _, x := range []portal.API{a3, c3} {
		got, err := s.GetAPIBySlug(ctx, x.Slug)
		wantNil(t, "GetAPIBySlug(swapped)", err)
		if got.ID != x.ID {
			t.Errorf("GetAPIBySlug(%s) = %s, want %s", x.Slug, got.ID, x.ID)
		}
	}

	// A catalog with a repeated id or slug is refused, and changes nothing.
	d := api("dup")
	for name, bad := range map[string][]portal.API{
		"same id":   {d, func() portal.API { x := api("other"); x.ID = d.ID; return x }()},
		"same slug": {d, api("dup")},
		"no id":     {func() portal.API { x := api("x"); x.ID = ""; return x }()},
	} {
		n, err := s.PublishAPIs(ctx, bad, su.event("catalog.published", ""))
		wantCode(t, "PublishAPIs("+name+")", err, portal.EInvalid)
		if n != 0 {
			t.Errorf("PublishAPIs(%s) changed %d, want 0", name, n)
		}
	}
	wantAPIs(t, s, "after refused publishes", published(ev3.At, a3, c3))
	wantAudit(t, s, d.ID)

	// An empty catalog removes everything.
	su.mustPublish(t, s, 2)
	wantAPIs(t, s, "after an empty publish", nil)
}

func (su suite) testPublishAPIsRemovesRegistrations(t *testing.T, s portal.FullStore) {
	gone, kept := api("legacy"), api("current")
	su.mustPublish(t, s, 2, gone, kept)
	d := su.mustCreateDeveloper(t, s, "reg@example.com")
	a1 := su.mustCreateApp(t, s, d.ID, "one", su.now())
	a2 := su.mustCreateApp(t, s, d.ID, "two", su.now().Add(time.Second))
	r1 := su.mustRegister(t, s, a1.ID, gone.ID)
	r2 := su.mustRegister(t, s, a2.ID, gone.ID)
	rk := su.mustRegister(t, s, a1.ID, kept.ID)

	su.mustPublish(t, s, 1, kept)
	for _, r := range []portal.Registration{r1, r2} {
		_, err := s.GetRegistration(ctx, r.ID)
		wantCode(t, "GetRegistration(removed API's)", err, portal.ENotFound)
		_, err = s.FindRegistration(ctx, r.ApplicationID, gone.ID)
		wantCode(t, "FindRegistration(removed API)", err, portal.ENotFound)
	}
	regs, err := s.ListRegistrations(ctx, a1.ID)
	wantNil(t, "ListRegistrations", err)
	if diff := cmp.Diff([]portal.Registration{rk}, regs); diff != "" {
		t.Errorf("ListRegistrations after the API left (-want +got):\n%s", diff)
	}
	all, total, err := s.ListAllRegistrations(ctx, "", portal.Page{})
	wantNil(t, "ListAllRegistrations", err)
	if total != 1 || len(all) != 1 || all[0].ID != rk.ID {
		t.Errorf("ListAllRegistrations = %v (total %d), want [%s]", ids(all, regID), total, rk.ID)
	}
	_, total, err = s.ListAllRegistrations(ctx, portal.RegistrationPending, portal.Page{})
	wantNil(t, "ListAllRegistrations(pending)", err)
	if total != 1 {
		t.Errorf("ListAllRegistrations(pending) total = %d, want 1", total)
	}
	err = s.CreateRegistration(ctx, su.registration(a2.ID, gone.ID, portal.RegistrationPending), su.event("registration.created", "x"))
	wantCode(t, "CreateRegistration(removed API)", err, portal.ENotFound)

	// Published again, the API starts with no registrations.
	su.mustPublish(t, s, 1, gone, kept)
	_, err = s.FindRegistration(ctx, a1.ID, gone.ID)
	wantCode(t, "FindRegistration(republished API)", err, portal.ENotFound)
	su.mustRegister(t, s, a1.ID, gone.ID)
}

func (su suite) testPublishAPIsConcurrent(t *testing.T, s portal.FullStore) {
	var apis []portal.API
	for i := range 5 {
		apis = append(apis, api(fmt.Sprintf("api%d", i)))
	}
	var total atomic.Int64
	errs := race(concurrency, func(int) error {
		n, err := s.PublishAPIs(ctx, apis, su.event("catalog.published", ""))
		total.Add(int64(n))
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent PublishAPIs %d = %v, want nil", i, err)
		}
	}
	if total.Load() != int64(len(apis)) {
		t.Errorf("concurrent identical PublishAPIs changed %d in all, want %d", total.Load(), len(apis))
	}
	for _, a := range apis {
		wantAudit(t, s, a.ID, "catalog.published")
	}
	got, err := s.ListAPIs(ctx)
	wantNil(t, "ListAPIs", err)
	if len(got) != len(apis) {
		t.Errorf("ListAPIs after concurrent publishes = %d APIs, want %d", len(got), len(apis))
	}
}

func (su suite) testAuthStrategies(t *testing.T, s portal.FullStore) {
	def := portal.DefaultAuthStrategy()
	got, err := s.GetAuthStrategy(ctx, portal.DefaultAuthStrategyID)
	wantNil(t, "GetAuthStrategy(default)", err)
	if diff := cmp.Diff(def, got); diff != "" {
		t.Errorf("GetAuthStrategy(default) (-want +got):\n%s", diff)
	}
	if got.Type != "key_auth" || !slices.Equal(got.KeyNames, []string{"apikey"}) || got.KeyInQuery {
		t.Errorf("default strategy = %+v, want key_auth on header apikey, not in the query", got)
	}
	list, err := s.ListAuthStrategies(ctx)
	wantNil(t, "ListAuthStrategies", err)
	if diff := cmp.Diff([]portal.AuthStrategy{def}, list); diff != "" {
		t.Errorf("ListAuthStrategies(none stored) (-want +got):\n%s", diff)
	}

	base := su.now()
	long := portal.AuthStrategy{ID: "long", Name: "long", DisplayName: "Long keys", Type: "key_auth", KeyNames: []string{"x-api-key", "apikey"}, TTL: 3600, KeyInQuery: true, CreatedAt: base.Add(time.Second)}
	short := portal.AuthStrategy{ID: "short", Name: "short", DisplayName: "Short keys", Type: "key_auth", KeyNames: []string{"apikey"}, TTL: 60, CreatedAt: base}
	for _, st := range []portal.AuthStrategy{long, short} {
		wantNil(t, "CreateAuthStrategy", s.CreateAuthStrategy(ctx, st, su.event("auth_strategy.created", st.ID)))
	}
	dup := short
	dup.TTL = 1
	wantCode(t, "CreateAuthStrategy(same id)", s.CreateAuthStrategy(ctx, dup, su.event("auth_strategy.created", short.ID)), portal.EConflict)
	got, err = s.GetAuthStrategy(ctx, "long")
	wantNil(t, "GetAuthStrategy", err)
	if diff := cmp.Diff(long, got); diff != "" {
		t.Errorf("GetAuthStrategy (-want +got):\n%s", diff)
	}
	_, err = s.GetAuthStrategy(ctx, "nope")
	wantCode(t, "GetAuthStrategy(unknown)", err, portal.ENotFound)
	list, err = s.ListAuthStrategies(ctx)
	wantNil(t, "ListAuthStrategies", err)
	if diff := cmp.Diff([]portal.AuthStrategy{def, short, long}, list); diff != "" {
		t.Errorf("ListAuthStrategies (-want +got):\n%s", diff)
	}
	wantAudit(t, s, short.ID, "auth_strategy.created")

	// The default can be replaced, once.
	custom := def
	custom.TTL, custom.CreatedAt = 86400, base.Add(2*time.Second)
	wantNil(t, "CreateAuthStrategy(default id)", s.CreateAuthStrategy(ctx, custom, su.event("auth_strategy.created", custom.ID)))
	wantCode(t, "CreateAuthStrategy(default id again)", s.CreateAuthStrategy(ctx, custom, su.event("auth_strategy.created", custom.ID)), portal.EConflict)
	got, err = s.GetAuthStrategy(ctx, portal.DefaultAuthStrategyID)
	wantNil(t, "GetAuthStrategy(replaced default)", err)
	if diff := cmp.Diff(custom, got); diff != "" {
		t.Errorf("GetAuthStrategy(replaced default) (-want +got):\n%s", diff)
	}
	list, err = s.ListAuthStrategies(ctx)
	wantNil(t, "ListAuthStrategies", err)
	if diff := cmp.Diff([]portal.AuthStrategy{short, long, custom}, list); diff != "" {
		t.Errorf("ListAuthStrategies after replacing the default (-want +got):\n%s", diff)
	}
}

func (su suite) testApplications(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "apps@example.com")
	a := application(d.ID, "Weather app", su.now())
	ev := su.event("application.created", a.ID)
	wantNil(t, "CreateApplication", s.CreateApplication(ctx, a, ev))
	a.Version = 1
	got, err := s.GetApplication(ctx, a.ID)
	wantNil(t, "GetApplication", err)
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("GetApplication (-want +got):\n%s", diff)
	}
	evs, err := s.ListAuditEvents(ctx, a.ID)
	wantNil(t, "ListAuditEvents", err)
	if diff := cmp.Diff([]portal.AuditEvent{ev}, evs); diff != "" {
		t.Errorf("ListAuditEvents(%s) (-want +got):\n%s", a.ID, diff)
	}
	_, err = s.GetApplication(ctx, newID())
	wantCode(t, "GetApplication(unknown)", err, portal.ENotFound)

	sameID := application(d.ID, "copy", su.now())
	sameID.ID = a.ID
	wantCode(t, "CreateApplication(same id)", s.CreateApplication(ctx, sameID, su.event("application.created", a.ID)), portal.EConflict)
	orphan := application(newID(), "orphan", su.now())
	wantCode(t, "CreateApplication(unknown developer)", s.CreateApplication(ctx, orphan, su.event("application.created", orphan.ID)), portal.ENotFound)
	_, err = s.GetApplication(ctx, orphan.ID)
	wantCode(t, "GetApplication(refused)", err, portal.ENotFound)
	wantAudit(t, s, orphan.ID)
	list, total, err := s.ListApplications(ctx, d.ID, portal.Page{})
	wantNil(t, "ListApplications", err)
	if diff := cmp.Diff([]portal.Application{a}, list); diff != "" || total != 1 {
		t.Errorf("ListApplications after refused creates: total %d (-want +got):\n%s", total, diff)
	}

	change := a
	change.Name, change.Description, change.AuthStrategyID = "Forecast", "renamed", "long"
	change.DeveloperID = newID()               // ignored
	change.CreatedAt = su.now().Add(time.Hour) // ignored
	ev = su.event("application.updated", a.ID)
	got, err = s.UpdateApplication(ctx, change, ev)
	wantNil(t, "UpdateApplication", err)
	want := a
	want.Name, want.Description, want.AuthStrategyID, want.UpdatedAt, want.Version = "Forecast", "renamed", "long", ev.At, 2
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UpdateApplication (-want +got):\n%s", diff)
	}
	stored, err := s.GetApplication(ctx, a.ID)
	wantNil(t, "GetApplication", err)
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("GetApplication after update (-want +got):\n%s", diff)
	}
	_, err = s.UpdateApplication(ctx, change, su.event("application.updated", a.ID)) // version 1 is stale
	wantCode(t, "UpdateApplication(stale)", err, portal.EConflict)
	unknown := application(d.ID, "ghost", su.now())
	unknown.Version = 1
	_, err = s.UpdateApplication(ctx, unknown, su.event("application.updated", unknown.ID))
	wantCode(t, "UpdateApplication(unknown)", err, portal.ENotFound)
	wantAudit(t, s, unknown.ID)
	wantAudit(t, s, a.ID, "application.created", "application.updated")

	// Concurrent updates of one version: one wins.
	errs := race(concurrency, func(i int) error {
		c := got
		c.Name = fmt.Sprintf("race %d", i)
		_, err := s.UpdateApplication(ctx, c, su.event("application.updated", a.ID))
		return err
	})
	w := oneWinner(t, "concurrent UpdateApplication", errs, portal.EConflict)
	stored, err = s.GetApplication(ctx, a.ID)
	wantNil(t, "GetApplication", err)
	if stored.Name != fmt.Sprintf("race %d", w) || stored.Version != 3 {
		t.Errorf("GetApplication after race = %q v%d, want %q v3", stored.Name, stored.Version, fmt.Sprintf("race %d", w))
	}
}

func (su suite) testListApplications(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "many@example.com")
	other := su.mustCreateDeveloper(t, s, "few@example.com")
	base := su.now().Add(-time.Hour)
	var mine, all []portal.Application
	for i := range 12 {
		a := su.mustCreateApp(t, s, d.ID, fmt.Sprintf("app %02d", i), base.Add(time.Duration((i*5)%12)*time.Second))
		mine = append(mine, a)
		all = append(all, a)
	}
	for i := range 3 {
		all = append(all, su.mustCreateApp(t, s, other.ID, fmt.Sprintf("other %d", i), base.Add(time.Duration(i)*time.Second+time.Millisecond)))
	}
	byCreated := func(as []portal.Application) {
		sort.Slice(as, func(i, j int) bool { return as[i].CreatedAt.Before(as[j].CreatedAt) })
	}
	byCreated(mine)
	byCreated(all)
	for _, tc := range []struct {
		p    portal.Page
		want []portal.Application
	}{
		{portal.Page{Size: 5, Number: 1}, mine[:5]},
		{portal.Page{Size: 5, Number: 3}, mine[10:]},
		{portal.Page{Size: 5, Number: 4}, nil},
		{portal.Page{Size: 100, Number: farPage}, nil},
		{portal.Page{}, mine},
	} {
		got, total, err := s.ListApplications(ctx, d.ID, tc.p)
		wantNil(t, "ListApplications", err)
		if total != 12 {
			t.Errorf("ListApplications(%+v) total = %d, want 12", tc.p, total)
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ListApplications(%+v) (-want +got):\n%s", tc.p, diff)
		}
	}
	for _, tc := range []struct {
		p    portal.Page
		want []portal.Application
	}{
		{portal.Page{Size: 4, Number: 2}, all[4:8]},
		{portal.Page{Size: 10, Number: 2}, all[10:]},
		{portal.Page{Size: 100, Number: farPage}, nil},
		{portal.Page{}, all},
	} {
		got, total, err := s.ListAllApplications(ctx, tc.p)
		wantNil(t, "ListAllApplications", err)
		if total != 15 {
			t.Errorf("ListAllApplications(%+v) total = %d, want 15", tc.p, total)
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ListAllApplications(%+v) (-want +got):\n%s", tc.p, diff)
		}
	}
	got, total, err := s.ListApplications(ctx, newID(), portal.Page{})
	wantNil(t, "ListApplications(unknown developer)", err)
	if total != 0 || len(got) != 0 {
		t.Errorf("ListApplications(unknown developer) = %d (total %d), want none", len(got), total)
	}
}

// fill runs n calls of fn on a few goroutines and fails the test on an
// error: setup for the limit tests, not a check.
func fill(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	const workers = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				errs[i] = fn(i)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("setup call %d = %v, want nil", i, err)
		}
	}
}

// countWinners checks that exactly want of errs are nil and the others
// carry code, and returns the winners' indexes.
func countWinners(t *testing.T, what string, errs []error, want int, code string) []int {
	t.Helper()
	var won []int
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, i)
		case !portal.IsCode(err, code):
			t.Errorf("%s: call %d = %v, want nil or code %s", what, i, err, code)
		}
	}
	if len(won) != want {
		t.Errorf("%s: %d calls succeeded, want exactly %d", what, len(won), want)
	}
	return won
}

func (su suite) testApplicationLimitConcurrent(t *testing.T, s portal.FullStore) {
	const max = portal.MaxApplicationsPerDeveloper
	const room = concurrency / 2
	d := su.mustCreateDeveloper(t, s, "limit@example.com")
	other := su.mustCreateDeveloper(t, s, "other@example.com")
	base := su.now().Add(-time.Hour)
	fill(t, max-room, func(i int) error {
		a := application(d.ID, fmt.Sprintf("app %d", i), base.Add(time.Duration(i)*time.Millisecond))
		return s.CreateApplication(ctx, a, su.event("application.created", a.ID))
	})
	apps := make([]portal.Application, concurrency)
	for i := range apps {
		apps[i] = application(d.ID, fmt.Sprintf("race %d", i), su.now())
	}
	errs := race(concurrency, func(i int) error {
		return s.CreateApplication(ctx, apps[i], su.event("application.created", apps[i].ID))
	})
	won := countWinners(t, "concurrent CreateApplication at the limit", errs, room, portal.EPrecondition)
	for i, a := range apps {
		if slices.Contains(won, i) {
			wantAudit(t, s, a.ID, "application.created")
			continue
		}
		_, err := s.GetApplication(ctx, a.ID)
		wantCode(t, "GetApplication(refused over the limit)", err, portal.ENotFound)
		wantAudit(t, s, a.ID)
	}
	list, total, err := s.ListApplications(ctx, d.ID, portal.Page{Size: 100, Number: 5})
	wantNil(t, "ListApplications", err)
	if total != max || len(list) != 100 {
		t.Errorf("ListApplications(page 5) = %d apps, total %d, want 100, %d", len(list), total, max)
	}
	_, total, err = s.ListAllApplications(ctx, portal.Page{})
	wantNil(t, "ListAllApplications", err)
	if total != max {
		t.Errorf("ListAllApplications total = %d, want %d", total, max)
	}

	// The limit is per developer, and deleting makes room for one.
	su.mustCreateApp(t, s, other.ID, "elsewhere", su.now())
	extra := application(d.ID, "extra", su.now())
	wantCode(t, "CreateApplication(over the limit)", s.CreateApplication(ctx, extra, su.event("application.created", extra.ID)), portal.EPrecondition)
	wantNil(t, "DeleteApplication", s.DeleteApplication(ctx, list[0].ID, su.event("application.deleted", list[0].ID)))
	wantNil(t, "CreateApplication(after a delete)", s.CreateApplication(ctx, extra, su.event("application.created", extra.ID)))
	again := application(d.ID, "again", su.now())
	wantCode(t, "CreateApplication(over the limit again)", s.CreateApplication(ctx, again, su.event("application.created", again.ID)), portal.EPrecondition)
}

func (su suite) testRegistrations(t *testing.T, s portal.FullStore) {
	a1, a2 := api("one"), api("two")
	su.mustPublish(t, s, 2, a1, a2)
	d := su.mustCreateDeveloper(t, s, "registrant@example.com")
	app := su.mustCreateApp(t, s, d.ID, "app", su.now())
	other := su.mustCreateApp(t, s, d.ID, "other", su.now())

	r2 := su.registration(app.ID, a2.ID, portal.RegistrationApproved)
	r1 := su.registration(app.ID, a1.ID, portal.RegistrationPending)
	r1.CreatedAt = r2.CreatedAt.Add(-time.Second)
	ev := su.event("registration.created", r2.ID)
	wantNil(t, "CreateRegistration(approved)", s.CreateRegistration(ctx, r2, ev))
	wantNil(t, "CreateRegistration(pending)", s.CreateRegistration(ctx, r1, su.event("registration.created", r1.ID)))
	r1.Version, r2.Version = 1, 1
	got, err := s.GetRegistration(ctx, r2.ID)
	wantNil(t, "GetRegistration", err)
	if diff := cmp.Diff(r2, got); diff != "" {
		t.Errorf("GetRegistration (-want +got):\n%s", diff)
	}
	got, err = s.FindRegistration(ctx, app.ID, a1.ID)
	wantNil(t, "FindRegistration", err)
	if diff := cmp.Diff(r1, got); diff != "" {
		t.Errorf("FindRegistration (-want +got):\n%s", diff)
	}
	_, err = s.FindRegistration(ctx, other.ID, a1.ID)
	wantCode(t, "FindRegistration(not registered)", err, portal.ENotFound)
	_, err = s.GetRegistration(ctx, newID())
	wantCode(t, "GetRegistration(unknown)", err, portal.ENotFound)
	evs, err := s.ListAuditEvents(ctx, r2.ID)
	wantNil(t, "ListAuditEvents", err)
	if diff := cmp.Diff([]portal.AuditEvent{ev}, evs); diff != "" {
		t.Errorf("ListAuditEvents(%s) (-want +got):\n%s", r2.ID, diff)
	}

	dup := su.registration(app.ID, a1.ID, portal.RegistrationPending)
	wantCode(t, "CreateRegistration(same application and API)", s.CreateRegistration(ctx, dup, su.event("registration.created", dup.ID)), portal.EConflict)
	wantAudit(t, s, dup.ID)
	sameID := su.registration(other.ID, a1.ID, portal.RegistrationPending)
	sameID.ID = r1.ID
	wantCode(t, "CreateRegistration(same id)", s.CreateRegistration(ctx, sameID, su.event("registration.created", r1.ID)), portal.EConflict)
	_, err = s.FindRegistration(ctx, other.ID, a1.ID)
	wantCode(t, "FindRegistration(refused same id)", err, portal.ENotFound)
	noApp := su.registration(newID(), a1.ID, portal.RegistrationPending)
	wantCode(t, "CreateRegistration(unknown application)", s.CreateRegistration(ctx, noApp, su.event("registration.created", noApp.ID)), portal.ENotFound)
	noAPI := su.registration(app.ID, newID(), portal.RegistrationPending)
	wantCode(t, "CreateRegistration(unknown API)", s.CreateRegistration(ctx, noAPI, su.event("registration.created", noAPI.ID)), portal.ENotFound)
	wantAudit(t, s, noAPI.ID)

	regs, err := s.ListRegistrations(ctx, app.ID)
	wantNil(t, "ListRegistrations", err)
	if diff := cmp.Diff([]portal.Registration{r1, r2}, regs); diff != "" {
		t.Errorf("ListRegistrations (-want +got):\n%s", diff)
	}
	regs, err = s.ListRegistrations(ctx, newID())
	wantNil(t, "ListRegistrations(unknown application)", err)
	if len(regs) != 0 {
		t.Errorf("ListRegistrations(unknown application) = %v, want none", ids(regs, regID))
	}

	wantNil(t, "DeleteRegistration", s.DeleteRegistration(ctx, r1.ID, su.event("registration.deleted", r1.ID)))
	wantCode(t, "DeleteRegistration(again)", s.DeleteRegistration(ctx, r1.ID, su.event("registration.deleted", r1.ID)), portal.ENotFound)
	_, err = s.GetRegistration(ctx, r1.ID)
	wantCode(t, "GetRegistration(deleted)", err, portal.ENotFound)
	_, err = s.FindRegistration(ctx, app.ID, a1.ID)
	wantCode(t, "FindRegistration(deleted)", err, portal.ENotFound)
	wantAudit(t, s, r1.ID, "registration.created", "registration.deleted")
	_, total, err := s.ListAllRegistrations(ctx, "", portal.Page{})
	wantNil(t, "ListAllRegistrations", err)
	if total != 1 {
		t.Errorf("ListAllRegistrations total after delete = %d, want 1", total)
	}
	// Registering again after a delete works.
	su.mustRegister(t, s, app.ID, a1.ID)
}

func (su suite) testRegistrationsConcurrent(t *testing.T, s portal.FullStore) {
	a := api("contested")
	su.mustPublish(t, s, 1, a)
	d := su.mustCreateDeveloper(t, s, "racer@example.com")
	app := su.mustCreateApp(t, s, d.ID, "app", su.now())
	regs := make([]portal.Registration, concurrency)
	for i := range regs {
		regs[i] = su.registration(app.ID, a.ID, portal.RegistrationPending)
	}
	errs := race(concurrency, func(i int) error {
		return s.CreateRegistration(ctx, regs[i], su.event("registration.created", regs[i].ID))
	})
	w := oneWinner(t, "concurrent CreateRegistration", errs, portal.EConflict)
	got, err := s.ListRegistrations(ctx, app.ID)
	wantNil(t, "ListRegistrations", err)
	if len(got) != 1 || got[0].ID != regs[w].ID {
		t.Errorf("ListRegistrations after race = %v, want [%s]", ids(got, regID), regs[w].ID)
	}
	_, total, err := s.ListAllRegistrations(ctx, "", portal.Page{})
	wantNil(t, "ListAllRegistrations", err)
	if total != 1 {
		t.Errorf("ListAllRegistrations total after race = %d, want 1", total)
	}
	for i, r := range regs {
		if i != w {
			wantAudit(t, s, r.ID)
			_, err := s.GetRegistration(ctx, r.ID)
			wantCode(t, "GetRegistration(loser)", err, portal.ENotFound)
		}
	}
}

func (su suite) testListAllRegistrations(t *testing.T, s portal.FullStore) {
	var apis []portal.API
	for i := range 4 {
		apis = append(apis, api(fmt.Sprintf("list%d", i)))
	}
	su.mustPublish(t, s, 4, apis...)
	d := su.mustCreateDeveloper(t, s, "lister@example.com")
	base := su.now().Add(-time.Hour)
	var all, approved, pending []portal.Registration
	for i := range 3 {
		app := su.mustCreateApp(t, s, d.ID, fmt.Sprintf("app %d", i), base)
		for j, a := range apis {
			r := su.registration(app.ID, a.ID, portal.RegistrationPending)
			r.CreatedAt = base.Add(time.Duration((i*4+j)*7%12) * time.Second)
			r.UpdatedAt = r.CreatedAt
			if j%2 == 0 {
				r.Status = portal.RegistrationApproved
			}
			wantNil(t, "CreateRegistration", s.CreateRegistration(ctx, r, su.event("registration.created", r.ID)))
			r.Version = 1
			all = append(all, r)
			if r.Status == portal.RegistrationApproved {
				approved = append(approved, r)
			} else {
				pending = append(pending, r)
			}
		}
	}
	byCreated := func(rs []portal.Registration) {
		sort.Slice(rs, func(i, j int) bool { return rs[i].CreatedAt.Before(rs[j].CreatedAt) })
	}
	byCreated(all)
	byCreated(approved)
	byCreated(pending)
	for _, tc := range []struct {
		st   portal.RegistrationStatus
		p    portal.Page
		want []portal.Registration
		tot  int
	}{
		{"", portal.Page{Size: 5, Number: 1}, all[:5], 12},
		{"", portal.Page{Size: 5, Number: 3}, all[10:], 12},
		{"", portal.Page{Size: 5, Number: 4}, nil, 12},
		{"", portal.Page{Size: 100, Number: farPage}, nil, 12},
		{portal.RegistrationApproved, portal.Page{Size: 100, Number: farPage}, nil, 6},
		{"", portal.Page{}, all, 12},
		{portal.RegistrationApproved, portal.Page{Size: 4, Number: 2}, approved[4:], 6},
		{portal.RegistrationPending, portal.Page{Size: 100}, pending, 6},
		{portal.RegistrationRevoked, portal.Page{}, nil, 0},
	} {
		got, total, err := s.ListAllRegistrations(ctx, tc.st, tc.p)
		what := fmt.Sprintf("ListAllRegistrations(%q, %+v)", tc.st, tc.p)
		wantNil(t, what, err)
		if total != tc.tot {
			t.Errorf("%s total = %d, want %d", what, total, tc.tot)
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}
}

func (su suite) testRegistrationStatus(t *testing.T, s portal.FullStore) {
	a := api("status")
	su.mustPublish(t, s, 1, a)
	d := su.mustCreateDeveloper(t, s, "status@example.com")
	app := su.mustCreateApp(t, s, d.ID, "app", su.now())
	r := su.mustRegister(t, s, app.ID, a.ID)
	tr := portal.RegistrationTransitions

	ev := su.event("registration.status_changed", r.ID)
	got, err := s.SetRegistrationStatus(ctx, r.ID, tr[portal.RegistrationApproved], portal.RegistrationApproved, ev)
	wantNil(t, "SetRegistrationStatus(pending→approved)", err)
	want := r
	want.Status, want.Version, want.UpdatedAt = portal.RegistrationApproved, 2, ev.At
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SetRegistrationStatus (-want +got):\n%s", diff)
	}
	for name, read := range map[string]func() (portal.Registration, error){
		"GetRegistration":  func() (portal.Registration, error) { return s.GetRegistration(ctx, r.ID) },
		"FindRegistration": func() (portal.Registration, error) { return s.FindRegistration(ctx, app.ID, a.ID) },
	} {
		stored, err := read()
		wantNil(t, name, err)
		if diff := cmp.Diff(want, stored); diff != "" {
			t.Errorf("%s after status change (-want +got):\n%s", name, diff)
		}
	}

	_, err = s.SetRegistrationStatus(ctx, r.ID, tr[portal.RegistrationRejected], portal.RegistrationRejected, su.event("registration.status_changed", r.ID))
	wantCode(t, "SetRegistrationStatus(approved→rejected)", err, portal.EPrecondition)
	if err != nil && !strings.Contains(err.Error(), string(portal.RegistrationApproved)) {
		t.Errorf("SetRegistrationStatus precondition error = %q, want it to name the current status", err)
	}
	got, err = s.SetRegistrationStatus(ctx, r.ID, tr[portal.RegistrationRevoked], portal.RegistrationRevoked, su.event("registration.status_changed", r.ID))
	wantNil(t, "SetRegistrationStatus(approved→revoked)", err)
	if got.Status != portal.RegistrationRevoked || got.Version != 3 {
		t.Errorf("SetRegistrationStatus(approved→revoked) = %s v%d, want revoked v3", got.Status, got.Version)
	}
	_, err = s.SetRegistrationStatus(ctx, r.ID, tr[portal.RegistrationRevoked], portal.RegistrationRevoked, su.event("registration.status_changed", r.ID))
	wantCode(t, "SetRegistrationStatus(revoked→revoked)", err, portal.EPrecondition)

	// The status filter follows the changes.
	list, total, err := s.ListAllRegistrations(ctx, portal.RegistrationRevoked, portal.Page{})
	wantNil(t, "ListAllRegistrations(revoked)", err)
	if total != 1 || len(list) != 1 || list[0].ID != r.ID {
		t.Errorf("ListAllRegistrations(revoked) = %v (total %d), want [%s]", ids(list, regID), total, r.ID)
	}
	for _, st := range []portal.RegistrationStatus{portal.RegistrationPending, portal.RegistrationApproved} {
		_, total, err = s.ListAllRegistrations(ctx, st, portal.Page{})
		wantNil(t, "ListAllRegistrations", err)
		if total != 0 {
			t.Errorf("ListAllRegistrations(%s) total = %d, want 0", st, total)
		}
	}

	_, err = s.SetRegistrationStatus(ctx, newID(), tr[portal.RegistrationApproved], portal.RegistrationApproved, su.event("registration.status_changed", "x"))
	wantCode(t, "SetRegistrationStatus(unknown)", err, portal.ENotFound)
	wantAudit(t, s, r.ID, "registration.created", "registration.status_changed", "registration.status_changed")
	evs, err := s.ListAuditEvents(ctx, r.ID)
	wantNil(t, "ListAuditEvents", err)
	if len(evs) == 3 {
		if evs[1].ID != ev.ID || evs[1].Detail["from"] != "pending" || evs[1].Detail["to"] != "approved" || evs[1].Detail["case"] != ev.Action {
			t.Errorf("status audit event = %+v, want id %s with from=pending, to=approved and the caller's detail", evs[1], ev.ID)
		}
	}
}

func (su suite) testRegistrationStatusConcurrent(t *testing.T, s portal.FullStore) {
	a := api("approve")
	su.mustPublish(t, s, 1, a)
	d := su.mustCreateDeveloper(t, s, "approve@example.com")
	app := su.mustCreateApp(t, s, d.ID, "app", su.now())
	r := su.mustRegister(t, s, app.ID, a.ID)
	pending := []portal.RegistrationStatus{portal.RegistrationPending}
	targets := make([]portal.RegistrationStatus, concurrency)
	for i := range targets {
		targets[i] = portal.RegistrationApproved
		if i%2 == 1 {
			targets[i] = portal.RegistrationRejected
		}
	}
	errs := race(concurrency, func(i int) error {
		_, err := s.SetRegistrationStatus(ctx, r.ID, pending, targets[i], su.event("registration.status_changed", r.ID))
		return err
	})
	w := oneWinner(t, "concurrent SetRegistrationStatus", errs, portal.EPrecondition)
	got, err := s.FindRegistration(ctx, app.ID, a.ID)
	wantNil(t, "FindRegistration", err)
	if got.Status != targets[w] || got.Version != 2 {
		t.Errorf("after race: stored %s v%d, want %s v2", got.Status, got.Version, targets[w])
	}
	wantAudit(t, s, r.ID, "registration.created", "registration.status_changed")
}

func (su suite) testCredentials(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "keys@example.com")
	app := su.mustCreateApp(t, s, d.ID, "app", su.now())
	other := su.mustCreateApp(t, s, d.ID, "other", su.now())

	c1 := su.credential(app.ID)
	exp := su.now().Add(24 * time.Hour)
	c2 := su.credential(app.ID)
	c2.CreatedAt, c2.ExpiresAt = c1.CreatedAt.Add(-time.Second), &exp
	c1.DeveloperID, c2.DeveloperID = d.ID, d.ID
	ev := su.event("credential.created", c1.ID)
	wantNil(t, "CreateCredential", s.CreateCredential(ctx, c1, ev))
	wantNil(t, "CreateCredential(expiring)", s.CreateCredential(ctx, c2, su.event("credential.created", c2.ID)))
	for _, c := range []portal.Credential{c1, c2} {
		got, err := s.GetCredentialByHash(ctx, c.Hash)
		wantNil(t, "GetCredentialByHash", err)
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("GetCredentialByHash (-want +got):\n%s", diff)
		}
	}
	_, err := s.GetCredentialByHash(ctx, newID())
	wantCode(t, "GetCredentialByHash(unknown)", err, portal.ENotFound)
	list, err := s.ListCredentials(ctx, app.ID)
	wantNil(t, "ListCredentials", err)
	if diff := cmp.Diff([]portal.Credential{c2, c1}, list); diff != "" {
		t.Errorf("ListCredentials (-want +got):\n%s", diff)
	}
	list, err = s.ListCredentials(ctx, other.ID)
	wantNil(t, "ListCredentials(none)", err)
	if len(list) != 0 {
		t.Errorf("ListCredentials(other) = %v, want none", ids(list, credID))
	}
	evs, err := s.ListAuditEvents(ctx, c1.ID)
	wantNil(t, "ListAuditEvents", err)
	if diff := cmp.Diff([]portal.AuditEvent{ev}, evs); diff != "" {
		t.Errorf("ListAuditEvents(%s) (-want +got):\n%s", c1.ID, diff)
	}

	sameHash := su.credential(other.ID)
	sameHash.Hash = c1.Hash
	wantCode(t, "CreateCredential(same hash, other application)", s.CreateCredential(ctx, sameHash, su.event("credential.created", sameHash.ID)), portal.EConflict)
	wantAudit(t, s, sameHash.ID)
	sameID := su.credential(other.ID)
	sameID.ID = c1.ID
	wantCode(t, "CreateCredential(same id)", s.CreateCredential(ctx, sameID, su.event("credential.created", c1.ID)), portal.EConflict)
	_, err = s.GetCredentialByHash(ctx, sameID.Hash)
	wantCode(t, "GetCredentialByHash(refused)", err, portal.ENotFound)
	noApp := su.credential(newID())
	wantCode(t, "CreateCredential(unknown application)", s.CreateCredential(ctx, noApp, su.event("credential.created", noApp.ID)), portal.ENotFound)
	_, err = s.GetCredentialByHash(ctx, noApp.Hash)
	wantCode(t, "GetCredentialByHash(refused)", err, portal.ENotFound)
	got, err := s.GetCredentialByHash(ctx, c1.Hash)
	wantNil(t, "GetCredentialByHash", err)
	if got.ApplicationID != app.ID || got.ID != c1.ID {
		t.Errorf("GetCredentialByHash after refused creates = %s of %s, want %s of %s", got.ID, got.ApplicationID, c1.ID, app.ID)
	}

	// Expiry: brought forward, never extended.
	grace := su.now().Add(time.Hour)
	ev = su.event("credential.expired", c1.ID)
	got, err = s.ExpireCredential(ctx, app.ID, c1.ID, grace, ev)
	wantNil(t, "ExpireCredential", err)
	want := c1
	want.ExpiresAt = &grace
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ExpireCredential (-want +got):\n%s", diff)
	}
	got, err = s.GetCredentialByHash(ctx, c1.Hash)
	wantNil(t, "GetCredentialByHash", err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetCredentialByHash after expire (-want +got):\n%s", diff)
	}
	got, err = s.ExpireCredential(ctx, app.ID, c1.ID, grace.Add(time.Hour), su.event("credential.expired", c1.ID))
	wantNil(t, "ExpireCredential(later)", err)
	if got.ExpiresAt == nil || !got.ExpiresAt.Equal(grace) {
		t.Errorf("ExpireCredential(later) expires at %v, want still %v", got.ExpiresAt, grace)
	}
	soon := su.now().Add(time.Minute)
	got, err = s.ExpireCredential(ctx, app.ID, c2.ID, soon, su.event("credential.expired", c2.ID))
	wantNil(t, "ExpireCredential(sooner than its TTL)", err)
	if got.ExpiresAt == nil || !got.ExpiresAt.Equal(soon) {
		t.Errorf("ExpireCredential(sooner) expires at %v, want %v", got.ExpiresAt, soon)
	}
	_, err = s.ExpireCredential(ctx, other.ID, c1.ID, soon, su.event("credential.expired", c1.ID))
	wantCode(t, "ExpireCredential(other application's)", err, portal.ENotFound)
	_, err = s.ExpireCredential(ctx, app.ID, newID(), soon, su.event("credential.expired", "x"))
	wantCode(t, "ExpireCredential(unknown)", err, portal.ENotFound)
	wantAudit(t, s, c1.ID, "credential.created", "credential.expired")

	// Last use: forward only, not audited.
	used := su.now()
	wantNil(t, "TouchCredential", s.TouchCredential(ctx, c1.ID, used))
	wantNil(t, "TouchCredential(earlier)", s.TouchCredential(ctx, c1.ID, used.Add(-time.Minute)))
	got, err = s.GetCredentialByHash(ctx, c1.Hash)
	wantNil(t, "GetCredentialByHash", err)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) || got.ExpiresAt == nil || !got.ExpiresAt.Equal(grace) {
		t.Errorf("GetCredentialByHash after touch: last used %v, expires %v; want %v, %v", got.LastUsedAt, got.ExpiresAt, used, grace)
	}
	list, err = s.ListCredentials(ctx, app.ID)
	wantNil(t, "ListCredentials", err)
	if len(list) != 2 || list[1].LastUsedAt == nil || !list[1].LastUsedAt.Equal(used) {
		t.Errorf("ListCredentials after touch = %+v, want the second used at %v", list, used)
	}
	wantCode(t, "TouchCredential(unknown)", s.TouchCredential(ctx, newID(), used), portal.ENotFound)
	wantAudit(t, s, c1.ID, "credential.created", "credential.expired")

	// Deletion: the key stops resolving at once.
	wantCode(t, "DeleteCredential(other application's)", s.DeleteCredential(ctx, other.ID, c1.ID, su.event("credential.deleted", c1.ID)), portal.ENotFound)
	wantNil(t, "DeleteCredential", s.DeleteCredential(ctx, app.ID, c1.ID, su.event("credential.deleted", c1.ID)))
	_, err = s.GetCredentialByHash(ctx, c1.Hash)
	wantCode(t, "GetCredentialByHash(deleted)", err, portal.ENotFound)
	wantCode(t, "DeleteCredential(again)", s.DeleteCredential(ctx, app.ID, c1.ID, su.event("credential.deleted", c1.ID)), portal.ENotFound)
	wantCode(t, "TouchCredential(deleted)", s.TouchCredential(ctx, c1.ID, su.now()), portal.ENotFound)
	_, err = s.GetCredentialByHash(ctx, c1.Hash)
	wantCode(t, "GetCredentialByHash(deleted, after touch)", err, portal.ENotFound)
	list, err = s.ListCredentials(ctx, app.ID)
	wantNil(t, "ListCredentials", err)
	if diff := cmp.Diff([]string{c2.ID}, ids(list, credID)); diff != "" {
		t.Errorf("ListCredentials after delete (-want +got):\n%s", diff)
	}
	wantAudit(t, s, c1.ID, "credential.created", "credential.expired", "credential.deleted")
	// The hash is free again.
	wantNil(t, "CreateCredential(deleted hash)", s.CreateCredential(ctx, sameHash, su.event("credential.created", sameHash.ID)))
}

func (su suite) testCredentialLimitConcurrent(t *testing.T, s portal.FullStore) {
	const max = portal.MaxCredentialsPerApplication
	const room = 5
	d := su.mustCreateDeveloper(t, s, "keyring@example.com")
	app := su.mustCreateApp(t, s, d.ID, "app", su.now())
	other := su.mustCreateApp(t, s, d.ID, "other", su.now())
	var first []portal.Credential
	for range max - room {
		first = append(first, su.mustCreateCredential(t, s, app))
	}
	creds := make([]portal.Credential, concurrency)
	for i := range creds {
		creds[i] = su.credential(app.ID)
	}
	errs := race(concurrency, func(i int) error {
		return s.CreateCredential(ctx, creds[i], su.event("credential.created", creds[i].ID))
	})
	won := countWinners(t, "concurrent CreateCredential at the limit", errs, room, portal.EPrecondition)
	for i, c := range creds {
		_, err := s.GetCredentialByHash(ctx, c.Hash)
		if slices.Contains(won, i) {
			wantNil(t, "GetCredentialByHash(winner)", err)
			continue
		}
		wantCode(t, "GetCredentialByHash(refused over the limit)", err, portal.ENotFound)
		wantAudit(t, s, c.ID)
	}
	list, err := s.ListCredentials(ctx, app.ID)
	wantNil(t, "ListCredentials", err)
	if len(list) != max {
		t.Errorf("ListCredentials = %d, want %d", len(list), max)
	}
	su.mustCreateCredential(t, s, other) // the limit is per application
	extra := su.credential(app.ID)
	wantCode(t, "CreateCredential(over the limit)", s.CreateCredential(ctx, extra, su.event("credential.created", extra.ID)), portal.EPrecondition)
	wantNil(t, "DeleteCredential", s.DeleteCredential(ctx, app.ID, first[0].ID, su.event("credential.deleted", first[0].ID)))
	wantNil(t, "CreateCredential(after a delete)", s.CreateCredential(ctx, extra, su.event("credential.created", extra.ID)))
	again := su.credential(app.ID)
	wantCode(t, "CreateCredential(over the limit again)", s.CreateCredential(ctx, again, su.event("credential.created", again.ID)), portal.EPrecondition)
}

func (su suite) testCredentialHashConcurrent(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "hash@example.com")
	apps := []portal.Application{su.mustCreateApp(t, s, d.ID, "a", su.now()), su.mustCreateApp(t, s, d.ID, "b", su.now())}
	hash := newID() + newID()
	creds := make([]portal.Credential, concurrency)
	for i := range creds {
		creds[i] = su.credential(apps[i%2].ID)
		creds[i].Hash = hash
	}
	errs := race(concurrency, func(i int) error {
		return s.CreateCredential(ctx, creds[i], su.event("credential.created", creds[i].ID))
	})
	w := oneWinner(t, "concurrent CreateCredential with one hash", errs, portal.EConflict)
	got, err := s.GetCredentialByHash(ctx, hash)
	wantNil(t, "GetCredentialByHash", err)
	creds[w].DeveloperID = d.ID
	if diff := cmp.Diff(creds[w], got); diff != "" {
		t.Errorf("GetCredentialByHash after race (-want +got):\n%s", diff)
	}
	n := 0
	for _, a := range apps {
		list, err := s.ListCredentials(ctx, a.ID)
		wantNil(t, "ListCredentials", err)
		n += len(list)
	}
	if n != 1 {
		t.Errorf("credentials after race = %d, want 1", n)
	}
	// The losers left nothing behind: the counter still allows the rest.
	for range portal.MaxCredentialsPerApplication - 1 {
		su.mustCreateCredential(t, s, apps[w%2])
	}
}

func (su suite) testDeleteApplication(t *testing.T, s portal.FullStore) {
	a1, a2 := api("del1"), api("del2")
	su.mustPublish(t, s, 2, a1, a2)
	d := su.mustCreateDeveloper(t, s, "deleter@example.com")
	app := su.mustCreateApp(t, s, d.ID, "doomed", su.now())
	keep := su.mustCreateApp(t, s, d.ID, "kept", su.now().Add(time.Second))
	var creds []portal.Credential
	for range 3 {
		creds = append(creds, su.mustCreateCredential(t, s, app))
	}
	kc := su.mustCreateCredential(t, s, keep)
	regs := []portal.Registration{su.mustRegister(t, s, app.ID, a1.ID), su.mustRegister(t, s, app.ID, a2.ID)}
	kr := su.mustRegister(t, s, keep.ID, a1.ID)

	wantNil(t, "DeleteApplication", s.DeleteApplication(ctx, app.ID, su.event("application.deleted", app.ID)))
	_, err := s.GetApplication(ctx, app.ID)
	wantCode(t, "GetApplication(deleted)", err, portal.ENotFound)
	for _, c := range creds {
		_, err := s.GetCredentialByHash(ctx, c.Hash)
		wantCode(t, "GetCredentialByHash(deleted application's)", err, portal.ENotFound)
		wantCode(t, "TouchCredential(deleted application's)", s.TouchCredential(ctx, c.ID, su.now()), portal.ENotFound)
	}
	for _, r := range regs {
		_, err := s.GetRegistration(ctx, r.ID)
		wantCode(t, "GetRegistration(deleted application's)", err, portal.ENotFound)
		_, err = s.FindRegistration(ctx, app.ID, r.APIID)
		wantCode(t, "FindRegistration(deleted application's)", err, portal.ENotFound)
	}
	list, err := s.ListCredentials(ctx, app.ID)
	wantNil(t, "ListCredentials(deleted application)", err)
	if len(list) != 0 {
		t.Errorf("ListCredentials(deleted application) = %v, want none", ids(list, credID))
	}
	all, total, err := s.ListAllRegistrations(ctx, "", portal.Page{})
	wantNil(t, "ListAllRegistrations", err)
	if total != 1 || len(all) != 1 || all[0].ID != kr.ID {
		t.Errorf("ListAllRegistrations = %v (total %d), want [%s]", ids(all, regID), total, kr.ID)
	}
	apps, total, err := s.ListApplications(ctx, d.ID, portal.Page{})
	wantNil(t, "ListApplications", err)
	if diff := cmp.Diff([]portal.Application{keep}, apps); diff != "" || total != 1 {
		t.Errorf("ListApplications after delete: total %d (-want +got):\n%s", total, diff)
	}
	_, total, err = s.ListAllApplications(ctx, portal.Page{})
	wantNil(t, "ListAllApplications", err)
	if total != 1 {
		t.Errorf("ListAllApplications total after delete = %d, want 1", total)
	}
	if _, err := s.GetCredentialByHash(ctx, kc.Hash); err != nil {
		t.Errorf("GetCredentialByHash(kept application's) = %v, want nil", err)
	}
	wantAudit(t, s, app.ID, "application.created", "application.deleted")
	wantCode(t, "DeleteApplication(again)", s.DeleteApplication(ctx, app.ID, su.event("application.deleted", app.ID)), portal.ENotFound)
	wantAudit(t, s, app.ID, "application.created", "application.deleted")
	err = s.CreateCredential(ctx, su.credential(app.ID), su.event("credential.created", "x"))
	wantCode(t, "CreateCredential(deleted application)", err, portal.ENotFound)
	err = s.CreateRegistration(ctx, su.registration(app.ID, a1.ID, portal.RegistrationPending), su.event("registration.created", "x"))
	wantCode(t, "CreateRegistration(deleted application)", err, portal.ENotFound)

	// The hashes and the pair (application, API) are free again.
	fresh := su.mustCreateApp(t, s, d.ID, "fresh", su.now())
	re := creds[0]
	re.ID, re.ApplicationID = newID(), fresh.ID
	wantNil(t, "CreateCredential(hash of a deleted application)", s.CreateCredential(ctx, re, su.event("credential.created", re.ID)))

	// Deleting while keys are being added: no key outlives the application.
	racer := su.mustCreateApp(t, s, d.ID, "racer", su.now())
	added := make([]portal.Credential, concurrency)
	for i := range added {
		added[i] = su.credential(racer.ID)
	}
	race(concurrency+1, func(i int) error {
		if i == concurrency {
			return s.DeleteApplication(ctx, racer.ID, su.event("application.deleted", racer.ID))
		}
		return s.CreateCredential(ctx, added[i], su.event("credential.created", added[i].ID))
	})
	_, err = s.GetApplication(ctx, racer.ID)
	wantCode(t, "GetApplication(deleted during key creation)", err, portal.ENotFound)
	for _, c := range added {
		_, err := s.GetCredentialByHash(ctx, c.Hash)
		wantCode(t, "GetCredentialByHash(key added while its application was deleted)", err, portal.ENotFound)
	}
}

func (su suite) testDeleteDeveloperApplications(t *testing.T, s portal.FullStore) {
	a := api("devdel")
	su.mustPublish(t, s, 1, a)
	d := su.mustCreateDeveloper(t, s, "leaving@example.com")
	other := su.mustCreateDeveloper(t, s, "staying@example.com")
	var apps []portal.Application
	var creds []portal.Credential
	var regs []portal.Registration
	for i := range 2 {
		app := su.mustCreateApp(t, s, d.ID, fmt.Sprintf("app %d", i), su.now())
		apps = append(apps, app)
		creds = append(creds, su.mustCreateCredential(t, s, app), su.mustCreateCredential(t, s, app))
		regs = append(regs, su.mustRegister(t, s, app.ID, a.ID))
	}
	oa := su.mustCreateApp(t, s, other.ID, "theirs", su.now())
	oc := su.mustCreateCredential(t, s, oa)
	or := su.mustRegister(t, s, oa.ID, a.ID)

	wantNil(t, "DeleteDeveloper", s.DeleteDeveloper(ctx, d.ID, su.event("developer.deleted", d.ID)))
	for _, app := range apps {
		_, err := s.GetApplication(ctx, app.ID)
		wantCode(t, "GetApplication(deleted developer's)", err, portal.ENotFound)
	}
	for _, c := range creds {
		_, err := s.GetCredentialByHash(ctx, c.Hash)
		wantCode(t, "GetCredentialByHash(deleted developer's)", err, portal.ENotFound)
	}
	for _, r := range regs {
		_, err := s.GetRegistration(ctx, r.ID)
		wantCode(t, "GetRegistration(deleted developer's)", err, portal.ENotFound)
	}
	list, total, err := s.ListApplications(ctx, d.ID, portal.Page{})
	wantNil(t, "ListApplications(deleted developer)", err)
	if total != 0 || len(list) != 0 {
		t.Errorf("ListApplications(deleted developer) = %v (total %d), want none", ids(list, appID), total)
	}
	list, total, err = s.ListAllApplications(ctx, portal.Page{})
	wantNil(t, "ListAllApplications", err)
	if total != 1 || len(list) != 1 || list[0].ID != oa.ID {
		t.Errorf("ListAllApplications = %v (total %d), want [%s]", ids(list, appID), total, oa.ID)
	}
	all, total, err := s.ListAllRegistrations(ctx, "", portal.Page{})
	wantNil(t, "ListAllRegistrations", err)
	if total != 1 || len(all) != 1 || all[0].ID != or.ID {
		t.Errorf("ListAllRegistrations = %v (total %d), want [%s]", ids(all, regID), total, or.ID)
	}
	if _, err := s.GetCredentialByHash(ctx, oc.Hash); err != nil {
		t.Errorf("GetCredentialByHash(other developer's) = %v, want nil", err)
	}
	wantAudit(t, s, d.ID, "developer.created", "developer.deleted")

	// A developer stored again under the same id starts with nothing.
	again := developer("leaving@example.com", su.now())
	again.ID = d.ID
	wantNil(t, "CreateDeveloper(same id again)", s.CreateDeveloper(ctx, again, su.event("developer.created", d.ID)))
	list, total, err = s.ListApplications(ctx, d.ID, portal.Page{})
	wantNil(t, "ListApplications(new account)", err)
	if total != 0 || len(list) != 0 {
		t.Errorf("ListApplications(new account) = %v (total %d), want none", ids(list, appID), total)
	}
	su.mustCreateApp(t, s, d.ID, "new", su.now())
}

func (su suite) testDeveloperRoles(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "roles@example.com")
	t1 := su.mustCreateTeam(t, s, "one", su.now())
	t2 := su.mustCreateTeam(t, s, "two", su.now())
	t3 := su.mustCreateTeam(t, s, "three", su.now())
	for _, tm := range []portal.Team{t1, t2} {
		wantNil(t, "AddTeamMember", s.AddTeamMember(ctx, tm.ID, d.ID, su.event("team.member_added", tm.ID)))
	}
	base := su.now()
	r1 := su.role(t1.ID, portal.RoleAPIConsumer, "api-1")
	r1.CreatedAt = base.Add(2 * time.Second)
	r2 := su.role(t2.ID, portal.RoleAPIViewer, "api-1")
	r2.CreatedAt = base
	r3 := su.role(t2.ID, portal.RoleAPIConsumer, "api-2")
	r3.CreatedAt = base.Add(time.Second)
	r4 := su.role(t3.ID, portal.RoleAPIConsumer, "api-3") // not the developer's team
	for _, r := range []portal.RoleAssignment{r1, r2, r3, r4} {
		wantNil(t, "AssignRole", s.AssignRole(ctx, r, su.event("team.role_assigned", r.TeamID)))
	}
	got, err := s.ListDeveloperRoles(ctx, d.ID)
	wantNil(t, "ListDeveloperRoles", err)
	if diff := cmp.Diff([]portal.RoleAssignment{r2, r3, r1}, got); diff != "" {
		t.Errorf("ListDeveloperRoles (-want +got):\n%s", diff)
	}
	wantNil(t, "RemoveTeamMember", s.RemoveTeamMember(ctx, t2.ID, d.ID, su.event("team.member_removed", t2.ID)))
	got, err = s.ListDeveloperRoles(ctx, d.ID)
	wantNil(t, "ListDeveloperRoles", err)
	if diff := cmp.Diff([]string{r1.ID}, ids(got, roleID)); diff != "" {
		t.Errorf("ListDeveloperRoles after leaving a team (-want +got):\n%s", diff)
	}
	wantNil(t, "RemoveRole", s.RemoveRole(ctx, t1.ID, r1.ID, su.event("team.role_removed", t1.ID)))
	got, err = s.ListDeveloperRoles(ctx, d.ID)
	wantNil(t, "ListDeveloperRoles", err)
	if len(got) != 0 {
		t.Errorf("ListDeveloperRoles after the role went = %v, want none", ids(got, roleID))
	}
	got, err = s.ListDeveloperRoles(ctx, newID())
	wantNil(t, "ListDeveloperRoles(unknown developer)", err)
	if len(got) != 0 {
		t.Errorf("ListDeveloperRoles(unknown developer) = %v, want none", ids(got, roleID))
	}
}

// testTeamApplications: an application with a TeamID is listed for its
// team, needs the team to exist, and leaves the list when deleted.
func (su suite) testTeamApplications(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "teamapps@example.com")
	tm := su.mustCreateTeam(t, s, "Owners", su.now())
	shared := application(d.ID, "Shared", su.now())
	shared.TeamID = tm.ID
	wantNil(t, "CreateApplication(team)", s.CreateApplication(ctx, shared, su.event("application.created", shared.ID)))
	own := su.mustCreateApp(t, s, d.ID, "Own", su.now().Add(time.Second))
	got, err := s.ListTeamApplications(ctx, tm.ID)
	wantNil(t, "ListTeamApplications", err)
	if len(got) != 1 || got[0].ID != shared.ID || got[0].TeamID != tm.ID {
		t.Errorf("ListTeamApplications = %+v, want only %s with its team", got, shared.ID)
	}
	if a, err := s.GetApplication(ctx, shared.ID); err != nil || a.TeamID != tm.ID {
		t.Errorf("GetApplication(team app) = %+v, %v; want TeamID %s", a, err, tm.ID)
	}
	if a, _ := s.GetApplication(ctx, own.ID); a.TeamID != "" {
		t.Errorf("a developer's own application has TeamID %q", a.TeamID)
	}
	orphan := application(d.ID, "Orphan", su.now())
	orphan.TeamID = newID()
	wantCode(t, "CreateApplication(unknown team)", s.CreateApplication(ctx, orphan, su.event("application.created", orphan.ID)), portal.ENotFound)
	if _, err := s.GetApplication(ctx, orphan.ID); !portal.IsCode(err, portal.ENotFound) {
		t.Errorf("the refused application exists: %v", err)
	}
	wantNil(t, "DeleteApplication", s.DeleteApplication(ctx, shared.ID, su.event("application.deleted", shared.ID)))
	got, err = s.ListTeamApplications(ctx, tm.ID)
	wantNil(t, "ListTeamApplications(after delete)", err)
	if len(got) != 0 {
		t.Errorf("ListTeamApplications after the delete = %+v, want none", got)
	}
	empty, err := s.ListTeamApplications(ctx, newID())
	wantNil(t, "ListTeamApplications(unknown team)", err)
	if len(empty) != 0 {
		t.Errorf("ListTeamApplications(unknown team) = %+v", empty)
	}
}

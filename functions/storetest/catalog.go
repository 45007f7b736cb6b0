package storetest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/portal-dev/portal/functions/portal"
)

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

func wantAPIs(t *testing.T, s portal.FullStore, what string, want []portal.API) {
	t.Helper()
	got, err := s.ListAPIs(ctx)
	wantGot(t, "ListAPIs "+what, want, got, err, cmpopts.EquateEmpty())
}

func (su suite) testPublishAPIs(t *testing.T, s portal.FullStore) {
	a, b, c := api("billing"), api("accounts"), api("catalog")
	b.Labels = nil
	ev := su.mustPublish(t, s, 3, a, b, c)
	want := published(ev.At, a, b, c)
	wantAPIs(t, s, "after the first publish", want)
	got, err := s.GetAPI(ctx, a.ID)
	wantGot(t, "GetAPI", want[1], got, err)
	got, err = s.GetAPIBySlug(ctx, "catalog")
	wantGot(t, "GetAPIBySlug", want[2], got, err)
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
	wantGot(t, "ListRegistrations after the API left", []portal.Registration{rk}, regs, err)
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
	wantGot(t, "GetAuthStrategy(default)", def, got, err)
	if got.Type != "key_auth" || !slices.Equal(got.KeyNames, []string{"apikey"}) || got.KeyInQuery {
		t.Errorf("default strategy = %+v, want key_auth on header apikey, not in the query", got)
	}
	list, err := s.ListAuthStrategies(ctx)
	wantGot(t, "ListAuthStrategies(none stored)", []portal.AuthStrategy{def}, list, err)

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
	wantGot(t, "GetAuthStrategy", long, got, err)
	_, err = s.GetAuthStrategy(ctx, "nope")
	wantCode(t, "GetAuthStrategy(unknown)", err, portal.ENotFound)
	list, err = s.ListAuthStrategies(ctx)
	wantGot(t, "ListAuthStrategies", []portal.AuthStrategy{def, short, long}, list, err)
	wantAudit(t, s, short.ID, "auth_strategy.created")

	// The default can be replaced, once.
	custom := def
	custom.TTL, custom.CreatedAt = 86400, base.Add(2*time.Second)
	wantNil(t, "CreateAuthStrategy(default id)", s.CreateAuthStrategy(ctx, custom, su.event("auth_strategy.created", custom.ID)))
	wantCode(t, "CreateAuthStrategy(default id again)", s.CreateAuthStrategy(ctx, custom, su.event("auth_strategy.created", custom.ID)), portal.EConflict)
	got, err = s.GetAuthStrategy(ctx, portal.DefaultAuthStrategyID)
	wantGot(t, "GetAuthStrategy(replaced default)", custom, got, err)
	list, err = s.ListAuthStrategies(ctx)
	wantGot(t, "ListAuthStrategies after replacing the default", []portal.AuthStrategy{short, long, custom}, list, err)
}

package httpapi_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portal-dev/portal/functions/boltstore"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/publish"
)

// countingStore counts the single-object reads the management lists use
// to name things.
type countingStore struct {
	*boltstore.Store
	apps, devs, teams atomic.Int64
}

func (s *countingStore) GetApplication(ctx context.Context, id string) (portal.Application, error) {
	s.apps.Add(1)
	return s.Store.GetApplication(ctx, id)
}

func (s *countingStore) GetDeveloper(ctx context.Context, id string) (portal.Developer, error) {
	s.devs.Add(1)
	return s.Store.GetDeveloper(ctx, id)
}

func (s *countingStore) GetTeam(ctx context.Context, id string) (portal.Team, error) {
	s.teams.Add(1)
	return s.Store.GetTeam(ctx, id)
}

// namedEnv is a portal with the test catalog, two approved developers —
// alice (in the team Owners, which may own applications) and bob — and
// six registrations of three applications: alice's Checkout on all three
// APIs, Owners' Shared on two, and bob's Billing on one.
type namedEnv struct {
	*env
	st   *countingStore
	pid  string
	apps map[string]string // name → id
	regs map[string]string // "application/api slug" → registration id
}

func setupNamed(t *testing.T) *namedEnv {
	t.Helper()
	dir := t.TempDir()
	st := &countingStore{Store: openBolt(t, dir)}
	e := setupWith(t, st, dir, testClock())
	if _, err := publish.Publish(context.Background(), st, []byte(testCatalog), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	n := &namedEnv{env: e, st: st, pid: e.portalID(), apps: map[string]string{}, regs: map[string]string{}}
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		e.signUpApproved(email)
	}
	alice := &clientT{e: e, c: e.login("alice@example.com")}
	bob := &clientT{e: e, c: e.login("bob@example.com")}
	owners := idOf(t, e.adminDo("POST", "/v3/portals/"+n.pid+"/teams", map[string]any{"name": "Owners", "can_own_applications": true}))
	want(t, e.adminDo("POST", "/v3/portals/"+n.pid+"/teams/"+owners+"/developers", map[string]string{"id": e.developerID("alice@example.com")}), 201)
	for _, a := range []struct {
		who  *clientT
		name string
		team string
		apis []string
	}{
		{alice, "Checkout", "", []string{"httpbin", "secret", "open"}},
		{alice, "Shared", owners, []string{"httpbin", "open"}},
		{bob, "Billing", "", []string{"httpbin"}},
	} {
		body := map[string]string{"name": a.name}
		if a.team != "" {
			body["team_id"] = a.team
		}
		id := idOf(t, a.who.do("POST", "/api/v3/applications", body))
		n.apps[a.name] = id
		for _, api := range a.apis {
			n.regs[a.name+"/"+api] = idOf(t, a.who.do("POST", "/api/v3/applications/"+id+"/registrations", map[string]string{"api_id": api}))
		}
	}
	return n
}

// namedReg is a registration as the management API answers it.
type namedReg struct {
	ID            string `json:"id"`
	ApplicationID string `json:"application_id"`
	APIID         string `json:"api_id"`
	Status        string `json:"status"`
	Application   *struct {
		ID, Name string
	} `json:"application"`
	Developer *struct {
		ID       string `json:"id"`
		Email    string `json:"email"`
		FullName string `json:"full_name"`
	} `json:"developer"`
	Team *struct {
		ID, Name string
	} `json:"team"`
	API *struct {
		ID, Name, Slug string
	} `json:"api"`
}

// line is what an admin reads of a registration: every name, and the ids
// they stand for.
func (r namedReg) line() string {
	var b strings.Builder
	b.WriteString(r.Status)
	if r.Application != nil {
		b.WriteString(" app=" + r.Application.Name)
		if r.Application.ID != r.ApplicationID {
			b.WriteString("(id mismatch)")
		}
	}
	if r.Developer != nil {
		b.WriteString(" dev=" + r.Developer.Email + "/" + r.Developer.FullName)
	}
	if r.Team != nil {
		b.WriteString(" team=" + r.Team.Name)
	}
	if r.API != nil {
		b.WriteString(" api=" + r.API.Name + "/" + r.API.Slug)
		if r.API.ID != r.APIID {
			b.WriteString("(id mismatch)")
		}
	}
	return b.String()
}

// TestRegistrationsByName: the admin's registration list names the
// application, its owner (and team) and the API, reading each distinct
// application, developer and team once per page.
func TestRegistrationsByName(t *testing.T) {
	t.Parallel()
	n := setupNamed(t)
	n.st.apps.Store(0)
	n.st.devs.Store(0)
	n.st.teams.Store(0)
	a := n.adminDo("GET", "/v3/portals/"+n.pid+"/application-registrations?page[size]=100", nil)
	want(t, a, 200)
	var l struct {
		Data []namedReg
		Meta struct{ Page struct{ Total int } }
	}
	if err := json.Unmarshal(a.body, &l); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range l.Data {
		got = append(got, r.line())
	}
	slices.Sort(got)
	wantLines := []string{
		"approved app=Checkout dev=alice@example.com/Dev alice@example.com api=Open/open",
		"approved app=Shared dev=alice@example.com/Dev alice@example.com team=Owners api=Open/open",
		"pending app=Billing dev=bob@example.com/Dev bob@example.com api=httpbin/httpbin",
		"pending app=Checkout dev=alice@example.com/Dev alice@example.com api=Secret/secret",
		"pending app=Checkout dev=alice@example.com/Dev alice@example.com api=httpbin/httpbin",
		"pending app=Shared dev=alice@example.com/Dev alice@example.com team=Owners api=httpbin/httpbin",
	}
	if diff := cmp.Diff(wantLines, got); diff != "" {
		t.Errorf("registrations by name (-want +got):\n%s", diff)
	}
	if l.Meta.Page.Total != 6 {
		t.Errorf("total = %d, want 6", l.Meta.Page.Total)
	}
	// Six registrations of three applications, of two developers and one
	// team: one read each, not one per registration.
	if apps, devs, teams := n.st.apps.Load(), n.st.devs.Load(), n.st.teams.Load(); apps != 3 || devs != 2 || teams != 1 {
		t.Errorf("the page read %d applications, %d developers, %d teams; want 3, 2, 1", apps, devs, teams)
	}

	// The applications list names the owner too.
	apps := n.adminDo("GET", "/v3/portals/"+n.pid+"/applications", nil)
	want(t, apps, 200)
	var al struct {
		Data []struct {
			Name        string `json:"name"`
			DeveloperID string `json:"developer_id"`
			Developer   struct {
				ID, Email string
			} `json:"developer"`
			Team *struct{ Name string } `json:"team"`
		}
	}
	json.Unmarshal(apps.body, &al)
	var owners []string
	for _, a := range al.Data {
		o := a.Name + " " + a.Developer.Email
		if a.Developer.ID != a.DeveloperID {
			o += " (id mismatch)"
		}
		if a.Team != nil {
			o += " " + a.Team.Name
		}
		owners = append(owners, o)
	}
	slices.Sort(owners) // created at one instant: their order is the ids'
	if diff := cmp.Diff([]string{"Billing bob@example.com", "Checkout alice@example.com", "Shared alice@example.com Owners"}, owners); diff != "" {
		t.Errorf("applications' owners (-want +got):\n%s", diff)
	}
}

// TestRegistrationByID: a registration is read and decided by its id
// alone, on the state it was decided on; the nested route still works.
func TestRegistrationByID(t *testing.T) {
	t.Parallel()
	n := setupNamed(t)
	reg := n.regs["Billing/httpbin"]
	path := "/v3/portals/" + n.pid + "/application-registrations/" + reg

	read := n.adminDo("GET", path, nil)
	want(t, read, 200)
	var r namedReg
	json.Unmarshal(read.body, &r)
	if got, want := r.line(), "pending app=Billing dev=bob@example.com/Dev bob@example.com api=httpbin/httpbin"; got != want {
		t.Errorf("GET by id = %q, want %q", got, want)
	}
	if read.header.Get("ETag") == "" {
		t.Errorf("GET by id has no ETag")
	}

	unknown := n.adminDo("GET", "/v3/portals/"+n.pid+"/application-registrations/nope", nil)
	want(t, unknown, 404)
	if d := unknown.detail(t); !strings.Contains(d, `"nope"`) || !strings.Contains(d, "registrations list") {
		t.Errorf("404 detail = %q, want the id and where to list registrations", d)
	}
	want(t, n.do(nil, "PATCH", "/v3/portals/"+n.pid+"/application-registrations/nope", map[string]string{"status": "approved"}, "Authorization", "Bearer "+n.admin, "If-Match", `"1"`), 404)
	want(t, n.adminDo("PATCH", path, map[string]string{"status": "approved"}), 428)
	want(t, n.decide(path, "revoked"), 409) // pending cannot be revoked

	before := len(n.mails())
	ok := n.decide(path, "approved")
	want(t, ok, 200)
	json.Unmarshal(ok.body, &r)
	if got, want := r.line(), "approved app=Billing dev=bob@example.com/Dev bob@example.com api=httpbin/httpbin"; got != want {
		t.Errorf("PATCH by id = %q, want %q", got, want)
	}
	if m := n.mails()[before:]; len(m) != 1 || !strings.Contains(m[0].Text, "Billing") {
		t.Errorf("mails after the approval = %+v, want one to bob naming Billing", m)
	}

	// A decision on the state read before the approval is stale.
	stale := n.do(nil, "PATCH", path, map[string]string{"status": "rejected"}, "Authorization", "Bearer "+n.admin, "If-Match", read.header.Get("ETag"))
	want(t, stale, 409)
	if cur, _ := stale.json(t)["current"].(map[string]any); cur["status"] != "approved" {
		t.Errorf("409 = %s, want the current state (approved)", stale.body)
	}

	// The nested route reads the same registration, on its application
	// only.
	nested := "/v3/portals/" + n.pid + "/applications/" + n.apps["Billing"] + "/registrations/" + reg
	want(t, n.adminDo("GET", nested, nil), 200)
	want(t, n.decide(nested, "revoked"), 200)
	want(t, n.adminDo("GET", "/v3/portals/"+n.pid+"/applications/"+n.apps["Checkout"]+"/registrations/"+reg, nil), 404)
	after := n.adminDo("GET", path, nil)
	if !strings.Contains(string(after.body), `"status":"revoked"`) {
		t.Errorf("after the nested revoke, GET by id = %s", after.body)
	}
}

// TestAssignRoleByAPI: a role names a published API by id or slug, stored
// as its id (what the access rules match), and answers with the API's
// name; an unknown API is a 400 that says how to list them.
func TestAssignRoleByAPI(t *testing.T) {
	t.Parallel()
	n := setupNamed(t)
	base := "/v3/portals/" + n.pid + "/teams"
	team := idOf(t, n.adminDo("POST", base, map[string]string{"name": "Consumers"}))
	roles := base + "/" + team + "/assigned-roles"

	for _, tc := range []struct{ name, entity, typ string }{
		{"nonsense", "nonsense", ""},
		{"an API's name, not its slug", "Secret", "APIs"},
		{"a Service that is no API", "nonsense", "Services"},
	} {
		a := n.adminDo("POST", roles, map[string]string{"role_name": "API Consumer", "entity_id": tc.entity, "entity_type_name": tc.typ})
		want(t, a, 400)
		var p struct {
			InvalidParameters []struct{ Field, Reason string } `json:"invalid_parameters"`
		}
		json.Unmarshal(a.body, &p)
		if len(p.InvalidParameters) != 1 || p.InvalidParameters[0].Field != "entity_id" ||
			!strings.Contains(p.InvalidParameters[0].Reason, `"`+tc.entity+`"`) || !strings.Contains(p.InvalidParameters[0].Reason, "portal admin apis list") {
			t.Errorf("%s: 400 = %s, want entity_id named, with the value and how to list APIs", tc.name, a.body)
		}
	}

	bySlug := n.adminDo("POST", roles, map[string]string{"role_name": "API Consumer", "entity_id": "secret"})
	want(t, bySlug, 201)
	var ra struct {
		EntityID string `json:"entity_id"`
		API      struct{ Name, Slug string }
	}
	json.Unmarshal(bySlug.body, &ra)
	if ra.EntityID != "api-priv" || ra.API.Name != "Secret" || ra.API.Slug != "secret" {
		t.Errorf("role by slug = %s, want entity_id api-priv and the API named", bySlug.body)
	}
	dup := n.adminDo("POST", roles, map[string]string{"role_name": "API Consumer", "entity_id": "api-priv"})
	want(t, dup, 409)
	if !strings.Contains(dup.detail(t), "Secret") {
		t.Errorf("duplicate role: detail %q, want the API's name", dup.detail(t))
	}
	want(t, n.adminDo("POST", roles, map[string]string{"role_name": "API Viewer", "entity_id": "open", "entity_type_name": "Services"}), 201)

	list := n.adminDo("GET", roles, nil)
	want(t, list, 200)
	var l struct {
		Data []struct {
			RoleName string `json:"role_name"`
			EntityID string `json:"entity_id"`
			API      struct{ Slug string }
		}
	}
	json.Unmarshal(list.body, &l)
	var got []string
	for _, r := range l.Data {
		got = append(got, r.RoleName+" "+r.EntityID+" "+r.API.Slug)
	}
	slices.Sort(got)
	if diff := cmp.Diff([]string{"API Consumer api-priv secret", "API Viewer api-open open"}, got); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}

	// The role given by slug is the one the access rules read: with RBAC
	// on, a member may register to the private API, and a non-member not.
	want(t, n.adminDo("PATCH", "/v3/portals/"+n.pid, map[string]any{"rbac_enabled": true}), 200)
	want(t, n.adminDo("POST", base+"/"+team+"/developers", map[string]string{"id": n.developerID("bob@example.com")}), 201)
	bob := &clientT{e: n.env, c: n.login("bob@example.com")}
	want(t, bob.do("POST", "/api/v3/applications/"+n.apps["Billing"]+"/registrations", map[string]string{"api_id": "secret"}), 201)
	alice := &clientT{e: n.env, c: n.login("alice@example.com")}
	want(t, alice.do("GET", "/api/v3/apis/secret", nil), 404)
}

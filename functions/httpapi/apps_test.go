package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/apikey"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/publish"
)

const testCatalog = `{"portal":{"name":"acme"},"apis":[
 {"id":"api-pub","slug":"httpbin","name":"httpbin","version":"1.0","visibility":"public","auth_strategy":{"type":"key_auth","key_names":["apikey"]},"route_prefix":"/gateway/httpbin/","upstream_url":"httpbin"},
 {"id":"api-priv","slug":"secret","name":"Secret","version":"1","visibility":"private","auth_strategy":{"type":"key_auth","key_names":["X-Key"]},"route_prefix":"/gateway/secret/"},
 {"id":"api-open","slug":"open","name":"Open","version":"1","visibility":"public","auto_approve_registrations":true,"route_prefix":"/gateway/open/"}]}`

// appEnv is setup plus a published catalog and a logged-in developer.
func appEnv(t *testing.T, email string) (*env, *clientT) {
	t.Helper()
	return appEnvAt(t, testClock(), email)
}

// appEnvAt is appEnv with every clock starting at base.
func appEnvAt(t *testing.T, base time.Time, email string) (*env, *clientT) {
	t.Helper()
	e := setupAt(t, base)
	if _, err := publish.Publish(context.Background(), e.store.(publish.Store), []byte(testCatalog), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.signUpApproved(email)
	return e, &clientT{e: e, c: e.login(email)}
}

// clientT is a logged-in developer's browser.
type clientT struct {
	e *env
	c *http.Client
}

func (c *clientT) do(method, path string, body any) answer {
	c.e.t.Helper()
	return c.e.do(c.c, method, path, body)
}

func idOf(t *testing.T, a answer) string {
	t.Helper()
	id, _ := a.json(t)["id"].(string)
	if id == "" {
		t.Fatalf("no id in %s", a.body)
	}
	return id
}

func applications(t *testing.T, base time.Time) {
	e, dev := appEnvAt(t, base, "apps@example.com")
	apis := dev.do("GET", "/api/v3/apis", nil)
	want(t, apis, 200)
	// RBAC off: an approved developer reads private APIs too.
	if !strings.Contains(string(apis.body), `"slug":"httpbin"`) || !strings.Contains(string(apis.body), `"slug":"secret"`) {
		t.Errorf("visible APIs = %s, want httpbin and the private one", apis.body)
	}
	want(t, dev.do("GET", "/api/v3/apis/httpbin", nil), 200)
	want(t, dev.do("GET", "/api/v3/apis/secret", nil), 200)
	want(t, dev.do("GET", "/api/v3/apis/nope", nil), 404)

	want(t, dev.do("POST", "/api/v3/applications", map[string]string{"name": ""}), 400)
	// Names an admin reads in a list or a terminal hold no control
	// characters; a description may break lines.
	want(t, dev.do("POST", "/api/v3/applications", map[string]string{"name": "Shop\u202e"}), 400)
	want(t, dev.do("POST", "/api/v3/applications", map[string]string{"name": "Shop", "description": "a\x1b]0;x\x07"}), 400)
	want(t, dev.do("POST", "/api/v3/applications", map[string]string{"name": "x", "auth_strategy_id": "nope"}), 400)
	app := dev.do("POST", "/api/v3/applications", map[string]string{"name": "Checkout", "description": "Our shop"})
	want(t, app, 201)
	appID := idOf(t, app)
	if app.json(t)["auth_strategy_id"] != portal.DefaultAuthStrategyID {
		t.Errorf("application = %s, want the default key-auth strategy", app.body)
	}
	want(t, dev.do("PATCH", "/api/v3/applications/"+appID, map[string]string{"name": "Checkout v2"}), 200)
	list := dev.do("GET", "/api/v3/applications", nil)
	want(t, list, 200)
	if !strings.Contains(string(list.body), "Checkout v2") || !strings.Contains(string(list.body), `"total":1`) {
		t.Errorf("applications = %s", list.body)
	}

	// Another developer's application is 404 everywhere, never 403.
	e.signUpApproved("other@example.com")
	other := &clientT{e: e, c: e.login("other@example.com")}
	for _, p := range []string{"", "/registrations", "/credentials"} {
		want(t, other.do("GET", "/api/v3/applications/"+appID+p, nil), 404)
	}
	want(t, other.do("DELETE", "/api/v3/applications/"+appID, nil), 404)
	want(t, other.do("POST", "/api/v3/applications/"+appID+"/credentials", map[string]string{}), 404)

	// Registration: pending, once.
	reg := dev.do("POST", "/api/v3/applications/"+appID+"/registrations", map[string]string{"api_id": "api-pub"})
	want(t, reg, 201)
	if reg.json(t)["status"] != "pending" {
		t.Errorf("registration = %s, want pending", reg.body)
	}
	want(t, dev.do("POST", "/api/v3/applications/"+appID+"/registrations", map[string]string{"api_id": "httpbin"}), 409)
	want(t, dev.do("POST", "/api/v3/applications/"+appID+"/registrations", map[string]string{"api_id": "nope"}), 404)

	// Keys: shown once, with the recognisable prefix; never listed again.
	cred := dev.do("POST", "/api/v3/applications/"+appID+"/credentials", map[string]string{"display_name": "ci"})
	want(t, cred, 201)
	key, _ := cred.json(t)["credential"].(string)
	if !apikey.Valid(key) {
		t.Fatalf("credential %q is not a valid key", key)
	}
	creds := dev.do("GET", "/api/v3/applications/"+appID+"/credentials", nil)
	if strings.Contains(string(creds.body), key) || !strings.Contains(string(creds.body), `"key_hint":"ptk_`) {
		t.Errorf("credentials list = %s: the key must not appear, its hint must", creds.body)
	}
	if _, err := e.store.(portal.AppStore).GetCredentialByHash(context.Background(), key); err == nil {
		t.Errorf("the store finds the raw key: only its hash may be stored")
	}

	// Rotation: a new key, the old one expiring after the grace period.
	rot := dev.do("POST", "/api/v3/applications/"+appID+"/credentials/"+idOf(t, cred)+"/rotate", map[string]int{"grace_period": 3600})
	want(t, rot, 201)
	newKey, _ := rot.json(t)["credential"].(string)
	if !apikey.Valid(newKey) || newKey == key {
		t.Fatalf("rotation gave %q", newKey)
	}
	old, err := e.store.(portal.AppStore).GetCredentialByHash(context.Background(), apikey.Hash(key))
	if err != nil {
		t.Fatal(err)
	}
	if old.ExpiresAt == nil || !old.ExpiresAt.Equal(e.clock.Now().Add(time.Hour)) {
		t.Errorf("old key expires at %v, want in one hour", old.ExpiresAt)
	}
	want(t, dev.do("POST", "/api/v3/applications/"+appID+"/credentials/"+idOf(t, cred)+"/rotate", map[string]int{"grace_period": -1}), 400)

	// At most 20 keys per application.
	for i := 0; i < 18; i++ {
		want(t, dev.do("POST", "/api/v3/applications/"+appID+"/credentials", map[string]string{}), 201)
	}
	want(t, dev.do("POST", "/api/v3/applications/"+appID+"/credentials", map[string]string{}), 409)

	want(t, dev.do("DELETE", "/api/v3/applications/"+appID+"/credentials/"+idOf(t, cred), nil), 204)
	want(t, dev.do("DELETE", "/api/v3/applications/"+appID+"/credentials/"+idOf(t, cred), nil), 404)
	want(t, dev.do("DELETE", "/api/v3/applications/"+appID, nil), 204)
	want(t, dev.do("GET", "/api/v3/applications/"+appID, nil), 404)
	if _, err := e.store.(portal.AppStore).GetCredentialByHash(context.Background(), apikey.Hash(newKey)); !portal.IsCode(err, portal.ENotFound) {
		t.Errorf("a key of a deleted application is still stored: %v", err)
	}
}

func registrationApprovalAndRBAC(t *testing.T, base time.Time) {
	e, dev := appEnvAt(t, base, "reg@example.com")
	pid := e.portalID()
	app := idOf(t, dev.do("POST", "/api/v3/applications", map[string]string{"name": "App"}))

	// RBAC on: registering needs API Consumer through a team.
	want(t, e.adminDo("PATCH", "/v3/portals/"+pid, map[string]any{"rbac_enabled": true}), 200)
	apis := dev.do("GET", "/api/v3/apis", nil)
	if !strings.Contains(string(apis.body), `"slug":"httpbin"`) || strings.Contains(string(apis.body), `"slug":"secret"`) {
		t.Errorf("with RBAC on and no role, APIs = %s; want the public ones only", apis.body)
	}
	want(t, dev.do("GET", "/api/v3/apis/secret", nil), 404)
	team := idOf(t, e.adminDo("POST", "/v3/portals/"+pid+"/teams", map[string]string{"name": "Team"}))
	want(t, e.adminDo("POST", "/v3/portals/"+pid+"/teams/"+team+"/developers", map[string]string{"id": e.developerID("reg@example.com")}), 201)
	want(t, e.adminDo("POST", "/v3/portals/"+pid+"/teams/"+team+"/assigned-roles", map[string]string{"role_name": "API Viewer", "entity_id": "api-pub"}), 201)
	want(t, e.adminDo("POST", "/v3/portals/"+pid+"/teams/"+team+"/assigned-roles", map[string]string{"role_name": "API Viewer", "entity_id": "api-priv"}), 201)
	want(t, dev.do("GET", "/api/v3/apis/secret", nil), 200) // a viewer of the private API reads it
	a := dev.do("POST", "/api/v3/applications/"+app+"/registrations", map[string]string{"api_id": "api-pub"})
	want(t, a, 403) // a viewer may look, not consume
	if !strings.Contains(a.detail(t), "API Consumer") {
		t.Errorf("403 detail = %q", a.detail(t))
	}
	if got := mayConsume(t, dev); got["httpbin"] || got["secret"] || !hasKey(got, "secret") {
		t.Errorf("a viewer's may_consume = %v; want false for httpbin and secret", got)
	}
	want(t, e.adminDo("POST", "/v3/portals/"+pid+"/teams/"+team+"/assigned-roles", map[string]string{"role_name": "API Consumer", "entity_id": "api-pub"}), 201)
	if got := mayConsume(t, dev); !got["httpbin"] || got["secret"] {
		t.Errorf("with API Consumer on httpbin, may_consume = %v; want httpbin only", got)
	}
	if one := dev.do("GET", "/api/v3/apis/httpbin", nil).json(t); one["may_consume"] != true {
		t.Errorf("GET /api/v3/apis/httpbin = %v; want may_consume true", one)
	}
	reg := idOf(t, dev.do("POST", "/api/v3/applications/"+app+"/registrations", map[string]string{"api_id": "api-pub"}))

	// The admin sees and approves it; the developer gets one mail.
	regs := e.adminDo("GET", "/v3/portals/"+pid+"/application-registrations?filter[status][eq]=pending", nil)
	want(t, regs, 200)
	if !strings.Contains(string(regs.body), reg) {
		t.Errorf("pending registrations = %s", regs.body)
	}
	apps := e.adminDo("GET", "/v3/portals/"+pid+"/applications", nil)
	if !strings.Contains(string(apps.body), `"developer_id":"`+e.developerID("reg@example.com")+`"`) {
		t.Errorf("admin applications = %s", apps.body)
	}
	path := "/v3/portals/" + pid + "/applications/" + app + "/registrations/" + reg
	want(t, e.decide(path, "revoked"), 409) // pending cannot be revoked
	want(t, e.adminDo("GET", "/v3/portals/"+pid+"/applications/other/registrations/"+reg, nil), 404)
	want(t, e.do(nil, "PATCH", "/v3/portals/"+pid+"/applications/other/registrations/"+reg, map[string]string{"status": "approved"}, "Authorization", "Bearer "+e.admin, "If-Match", `"1"`), 404)
	want(t, e.adminDo("PATCH", path, map[string]string{"status": "approved"}), 428)
	want(t, e.decide(path, "approved"), 200)
	want(t, e.decide(path, "approved"), 409)
	n := 0
	for _, m := range e.mails() {
		if strings.Contains(m.Subject, "approved") && strings.Contains(m.Text, "App") {
			n++
			// The mail links to the application's page of My Apps.
			if !strings.Contains(m.Text, "/apps/app/?id="+app) {
				t.Errorf("registration mail links nowhere near the application: %s", m.Text)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d registration-approved mails, want 1: %+v", n, e.mails())
	}

	// The API's own auto-approve setting.
	want(t, e.adminDo("PATCH", "/v3/portals/"+pid, map[string]any{"rbac_enabled": false}), 200)
	if got := mayConsume(t, dev); !got["httpbin"] || !got["secret"] || !got["open"] {
		t.Errorf("with RBAC off, may_consume = %v; want every API", got)
	}
	r1 := dev.do("POST", "/api/v3/applications/"+app+"/registrations", map[string]string{"api_id": "open"})
	want(t, r1, 201)
	if r1.json(t)["status"] != "approved" {
		t.Errorf("registration to an auto-approving API = %s", r1.body)
	}

	// auto_approve_applications: new registrations are approved at once.
	want(t, e.adminDo("PATCH", "/v3/portals/"+pid, map[string]any{"auto_approve_applications": true, "rbac_enabled": false}), 200)
	app2 := idOf(t, dev.do("POST", "/api/v3/applications", map[string]string{"name": "App 2"}))
	r2 := dev.do("POST", "/api/v3/applications/"+app2+"/registrations", map[string]string{"api_id": "httpbin"})
	want(t, r2, 201)
	if r2.json(t)["status"] != "approved" {
		t.Errorf("auto-approved registration = %s", r2.body)
	}
}

// mayConsume is may_consume of every API the developer reads, by slug.
func mayConsume(t *testing.T, dev *clientT) map[string]bool {
	t.Helper()
	a := dev.do("GET", "/api/v3/apis", nil)
	want(t, a, 200)
	var l struct {
		Data []struct {
			Slug       string
			MayConsume *bool `json:"may_consume"`
		}
	}
	if err := json.Unmarshal(a.body, &l); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, x := range l.Data {
		if x.MayConsume == nil {
			t.Fatalf("API %s has no may_consume: %s", x.Slug, a.body)
		}
		out[x.Slug] = *x.MayConsume
	}
	return out
}

func hasKey(m map[string]bool, k string) bool { _, ok := m[k]; return ok }

func TestAuthStrategiesAndCatalog(t *testing.T) {
	t.Parallel()
	e, _ := appEnv(t, "cat@example.com")
	list := e.adminDo("GET", "/v3/application-auth-strategies", nil)
	want(t, list, 200)
	if !strings.Contains(string(list.body), `"id":"key-auth"`) || !strings.Contains(string(list.body), `"key_names":["apikey"]`) {
		t.Errorf("strategies = %s, want the default key-auth with apikey", list.body)
	}
	want(t, e.adminDo("POST", "/v3/application-auth-strategies", map[string]any{"name": "x", "strategy_type": "oauth"}), 400)
	want(t, e.adminDo("POST", "/v3/application-auth-strategies", map[string]any{"name": "x", "strategy_type": "key_auth", "configs": map[string]any{"key-auth": map[string]any{"key_names": []string{"bad header!"}}}}), 400)
	st := e.adminDo("POST", "/v3/application-auth-strategies", map[string]any{"name": "short-lived", "strategy_type": "key_auth", "configs": map[string]any{"key-auth": map[string]any{"key_names": []string{"X-Key"}, "ttl": 3600}}})
	want(t, st, 201)
	var s portal.AuthStrategy
	json.Unmarshal(st.body, &s)
	if s.TTL != 3600 || s.KeyNames[0] != "X-Key" {
		t.Errorf("strategy = %s", st.body)
	}
	apis := e.adminDo("GET", "/v3/apis", nil)
	want(t, apis, 200)
	if !strings.Contains(string(apis.body), `"slug":"secret"`) {
		t.Errorf("admin catalog = %s, want private APIs too", apis.body)
	}
	want(t, e.adminDo("GET", "/v3/apis/api-pub", nil), 200)
	want(t, e.adminDo("GET", "/v3/apis/httpbin", nil), 200)
	want(t, e.adminDo("GET", "/v3/apis/nope", nil), 404)
}

// teamApplications: an application created for a team that may own
// applications is shared with its members, and only with them.
func teamApplications(t *testing.T, base time.Time) {
	e, alice := appEnvAt(t, base, "alice@example.com")
	pid := e.portalID()
	for _, email := range []string{"bob@example.com", "carol@example.com"} {
		e.signUpApproved(email)
	}
	bob := &clientT{e: e, c: e.login("bob@example.com")}
	carol := &clientT{e: e, c: e.login("carol@example.com")}
	owners := idOf(t, e.adminDo("POST", "/v3/portals/"+pid+"/teams", map[string]any{"name": "Owners", "can_own_applications": true}))
	plain := idOf(t, e.adminDo("POST", "/v3/portals/"+pid+"/teams", map[string]any{"name": "Plain"}))
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		want(t, e.adminDo("POST", "/v3/portals/"+pid+"/teams/"+owners+"/developers", map[string]string{"id": e.developerID(email)}), 201)
		want(t, e.adminDo("POST", "/v3/portals/"+pid+"/teams/"+plain+"/developers", map[string]string{"id": e.developerID(email)}), 201)
	}

	want(t, alice.do("POST", "/api/v3/applications", map[string]string{"name": "X", "team_id": plain}), 400)
	want(t, carol.do("POST", "/api/v3/applications", map[string]string{"name": "X", "team_id": owners}), 400)
	app := alice.do("POST", "/api/v3/applications", map[string]string{"name": "Shared", "team_id": owners})
	want(t, app, 201)
	id := idOf(t, app)
	if app.json(t)["team_id"] != owners {
		t.Errorf("application = %s, want team_id %s", app.body, owners)
	}

	list := bob.do("GET", "/api/v3/applications", nil)
	if !strings.Contains(string(list.body), id) {
		t.Errorf("a team member's applications = %s, want the shared one", list.body)
	}
	want(t, bob.do("GET", "/api/v3/applications/"+id, nil), 200)
	want(t, bob.do("POST", "/api/v3/applications/"+id+"/credentials", map[string]string{"display_name": "bob's"}), 201)
	want(t, bob.do("PATCH", "/api/v3/applications/"+id, map[string]string{"team_id": plain}), 400)
	want(t, carol.do("GET", "/api/v3/applications/"+id, nil), 404)
	if strings.Contains(string(carol.do("GET", "/api/v3/applications", nil).body), id) {
		t.Errorf("a non-member sees the shared application")
	}

	// Leaving the team ends the access.
	want(t, e.adminDo("DELETE", "/v3/portals/"+pid+"/teams/"+owners+"/developers/"+e.developerID("bob@example.com"), nil), 204)
	want(t, bob.do("GET", "/api/v3/applications/"+id, nil), 404)
	want(t, alice.do("GET", "/api/v3/applications/"+id, nil), 200)
}

// TestConcurrentRegistrationDecisions: ten approvals and ten rejections of
// one pending registration, all decided on the state read: one applies.
func TestConcurrentRegistrationDecisions(t *testing.T) {
	t.Parallel()
	e, dev := appEnv(t, "racereg@example.com")
	pid := e.portalID()
	app := idOf(t, dev.do("POST", "/api/v3/applications", map[string]string{"name": "App"}))
	reg := idOf(t, dev.do("POST", "/api/v3/applications/"+app+"/registrations", map[string]string{"api_id": "api-pub"}))
	path := "/v3/portals/" + pid + "/applications/" + app + "/registrations/" + reg
	read := e.adminDo("GET", path, nil)
	want(t, read, 200)
	if !strings.Contains(string(read.body), `"status":"pending"`) {
		t.Fatalf("registration = %s, want pending", read.body)
	}
	answers := e.decideAtOnce(path, read.header.Get("ETag"), 20, approveOrReject)
	ok := 0
	var codes []int
	for _, a := range answers {
		codes = append(codes, a.status)
		if a.status == 200 {
			ok++
		} else if a.status != 409 {
			t.Errorf("a PATCH answered %d, want 200 or 409", a.status)
		}
	}
	changes := e.auditCount(reg, "registration.status_changed")
	if ok != 1 || changes != 1 {
		t.Errorf("%d decisions applied (%d audit events), want exactly 1 (codes %v)", ok, changes, codes)
	}
}

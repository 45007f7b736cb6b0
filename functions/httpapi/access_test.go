package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/access"
	"github.com/portal-dev/portal/functions/publish"
)

// accessToken is the access cookie the browser c holds ("" if none).
func (e *env) accessToken(c *http.Client) string {
	u, _ := url.Parse(e.url)
	for _, k := range c.Jar.Cookies(u) {
		if k.Name == access.CookieName {
			return k.Value
		}
	}
	return ""
}

// grant verifies the browser's access cookie with the server's key at the
// server's time.
func (e *env) grant(c *http.Client) (access.Grant, error) {
	key, err := e.srv.AccessKey(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return access.Verify(key, e.accessToken(c), e.clock.Now())
}

// accessCookie: the cookie issued at login says what the developer may
// read; it is reissued from the session when stale, follows RBAC and
// roles, dies with logout, and a revoked developer's last one outlives
// the revocation by at most its lifetime.
func accessCookie(t *testing.T, base time.Time) {
	e, dev := appEnvAt(t, base, "acc@example.com")
	pid := e.portalID()
	check := func(what string, wantAPIs []string, wantPages bool) {
		t.Helper()
		g, err := e.grant(dev.c)
		if err != nil || !slices.Equal(g.APIs, wantAPIs) || g.Pages != wantPages || g.Developer != e.developerID("acc@example.com") {
			t.Fatalf("%s: access grant %+v, %v; want apis %v, pages %v", what, g, err, wantAPIs, wantPages)
		}
	}
	check("at login, RBAC off", []string{"secret"}, true)

	// RBAC on: the next API call after a third of the lifetime reissues it.
	want(t, e.adminDo("PATCH", "/v3/portals/"+pid, map[string]any{"rbac_enabled": true}), 200)
	e.clock.Add(4 * time.Minute)
	want(t, dev.do("GET", "/api/v3/developer/me", nil), 200)
	check("4 minutes later (still fresh)", []string{"secret"}, true)
	e.clock.Add(2 * time.Minute)
	want(t, dev.do("GET", "/api/v3/developer/me", nil), 200)
	check("RBAC on, no role", []string{}, true)

	team := idOf(t, e.adminDo("POST", "/v3/portals/"+pid+"/teams", map[string]string{"name": "Readers"}))
	want(t, e.adminDo("POST", "/v3/portals/"+pid+"/teams/"+team+"/developers", map[string]string{"id": e.developerID("acc@example.com")}), 201)
	want(t, e.adminDo("POST", "/v3/portals/"+pid+"/teams/"+team+"/assigned-roles", map[string]string{"role_name": "API Viewer", "entity_id": "api-priv"}), 201)
	want(t, dev.do("POST", "/api/v3/developer/refresh", nil), 204) // the login page's refresh: always fresh
	check("RBAC on, viewer of the private API", []string{"secret"}, true)
	if c := e.do(nil, "POST", "/api/v3/developer/refresh", nil); c.status != 401 {
		t.Errorf("refresh without a session = %d, want 401", c.status)
	}

	// Revocation: the API refuses at once and clears the cookie; a copy
	// kept by the browser's owner works until its expiry, never after.
	kept := e.accessToken(dev.c)
	issued := e.clock.Now()
	want(t, e.decide("/v3/portals/"+pid+"/developers/"+e.developerID("acc@example.com"), "revoked"), 200)
	want(t, dev.do("GET", "/api/v3/developer/me", nil), 401) // revoking ends the sessions
	if tok := e.accessToken(dev.c); tok != "" {
		t.Errorf("a revoked developer's browser still holds an access cookie")
	}
	key, _ := e.srv.AccessKey(context.Background())
	if _, err := access.Verify(key, kept, issued.Add(access.MaxAge-time.Second)); err != nil {
		t.Errorf("the kept cookie, 1 s before its expiry: %v; want valid (the lifetime is the bound)", err)
	}
	if _, err := access.Verify(key, kept, issued.Add(access.MaxAge)); err == nil {
		t.Errorf("the kept cookie verifies at its expiry, 15 min after issue")
	}

	// Logout clears it.
	e.signUpApproved("out@example.com")
	out := e.login("out@example.com")
	if e.accessToken(out) == "" {
		t.Fatal("no access cookie after login")
	}
	want(t, e.do(out, "POST", "/api/v3/developer/logout", nil), 204)
	if e.accessToken(out) != "" {
		t.Error("the access cookie outlives logout")
	}
}

// TestAuthenticationDisabled: a catalog published with
// authentication_enabled: false turns developer accounts off — sign-up,
// login and every session — until one with it on is published.
func TestAuthenticationDisabled(t *testing.T) {
	t.Parallel()
	e, dev := appEnv(t, "on@example.com")
	pub := func(cat string) {
		t.Helper()
		if _, err := publish.Publish(context.Background(), e.store.(publish.Store), []byte(cat), e.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	pub(strings.Replace(testCatalog, `{"portal":{"name":"acme"}`, `{"portal":{"name":"acme","authentication_enabled":false}`, 1))
	if !strings.Contains(string(e.adminDo("GET", "/v3/portals/"+e.portalID(), nil).body), `"authentication_enabled":false`) {
		t.Error("publishing did not turn authentication_enabled off in the settings")
	}
	signUp := e.do(nil, "POST", "/api/v3/developer", map[string]string{"email": "new@example.com", "full_name": "New", "password": goodPassword})
	if signUp.status != 403 || !strings.Contains(signUp.detail(t), "authentication_enabled") {
		t.Errorf("sign-up with accounts off = %d %s; want 403 naming authentication_enabled", signUp.status, signUp.body)
	}
	want(t, e.do(e.client(), "POST", "/api/v3/developer/authenticate", map[string]string{"username": "on@example.com", "password": goodPassword}), 403)
	want(t, dev.do("GET", "/api/v3/developer/me", nil), 403)
	want(t, dev.do("POST", "/api/v3/applications", map[string]string{"name": "x"}), 403)

	pub(testCatalog) // the default: accounts on
	want(t, dev.do("GET", "/api/v3/developer/me", nil), 200)
}

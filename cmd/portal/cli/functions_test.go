package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portal-dev/portal/cmd/portal/serve"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/internal/syncio"
)

// syncBuffer is a console that tests can read while the server writes.
type syncBuffer = syncio.Buffer

// TestServeFunctions walks a developer through `portal serve`'s functions:
// sign up, follow the link printed on the console, get approved by an admin
// with `portal admin --url`, log in, see the account.
func TestServeFunctions(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	console := &syncBuffer{}
	s, err := serve.New(serve.Options{Config: "../../../portal.yaml", Data: data, BaseURL: "http://127.0.0.1:8080", Progress: console})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	browser := cookieClient()
	post := func(path, body string) *http.Response {
		t.Helper()
		res, err := browser.Post(hs.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}

	if res := post("/api/v3/developer", `{"email":"kong@example.com","full_name":"Kong Tutorial","password":"vX9#qLm2-river"}`); res.StatusCode != 201 {
		t.Fatalf("sign-up = %d", res.StatusCode)
	}
	m := regexp.MustCompile(`http://127\.0\.0\.1:8080/verify-email/\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(console.String())
	if m == nil {
		t.Fatalf("no confirmation link on the console:\n%s", console.String())
	}
	if files, _ := filepath.Glob(filepath.Join(data, "outbox", "*.eml")); len(files) != 1 {
		t.Errorf("outbox has %d messages, want 1", len(files))
	}
	if res := post("/api/v3/developer/verify-email", `{"token":"`+m[1]+`"}`); res.StatusCode != 204 {
		t.Fatalf("verify = %d", res.StatusCode)
	}
	if res := post("/api/v3/developer/authenticate", `{"username":"kong@example.com","password":"vX9#qLm2-river"}`); res.StatusCode != 403 {
		t.Fatalf("login while pending = %d, want 403", res.StatusCode)
	}

	// The admin approves with the CLI, over HTTP: serve holds the store.
	tok, _, err := httpapi.CreateAdminToken(context.Background(), s.Store(), "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"admin", "developers", "list", "--status", "pending", "--json"}, env("PORTAL_URL", hs.URL, "PORTAL_ADMIN_TOKEN", tok), &out, &errOut); code != 0 {
		t.Fatalf("admin developers list = %d: %s", code, errOut.String())
	}
	var l struct{ Data []struct{ ID, Email string } }
	if err := json.Unmarshal(out.Bytes(), &l); err != nil || len(l.Data) != 1 || l.Data[0].Email != "kong@example.com" {
		t.Fatalf("pending developers = %s (%v)", out.String(), err)
	}
	out.Reset()
	if code := Main(context.Background(), []string{"admin", "developers", "approve", l.Data[0].ID, "--url", hs.URL, "--token", tok}, env(), &out, &errOut); code != 0 {
		t.Fatalf("admin developers approve = %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "approved developer Kong Tutorial <kong@example.com>") {
		t.Errorf("approve printed %q", out.String())
	}
	if !strings.Contains(console.String(), "mail to kong@example.com") {
		t.Errorf("no approval mail on the console")
	}
	if res := post("/api/v3/developer/authenticate", `{"username":"kong@example.com","password":"vX9#qLm2-river"}`); res.StatusCode != 204 {
		t.Fatalf("login = %d, want 204", res.StatusCode)
	}
	res, err := browser.Get(hs.URL + "/api/v3/developer/me")
	if err != nil {
		t.Fatal(err)
	}
	var me struct{ Email, Status string }
	json.NewDecoder(res.Body).Decode(&me)
	res.Body.Close()
	if res.StatusCode != 200 || me.Email != "kong@example.com" || me.Status != "approved" {
		t.Errorf("me = %d %+v", res.StatusCode, me)
	}
	if _, err := os.Stat(filepath.Join(data, "portal.db")); err != nil {
		t.Errorf("no embedded store in the data folder: %v", err)
	}
}

// TestSiteRedirectKeepsQuery: a folder asked for without its slash is
// redirected with the query intact (mailed links carry their token in it),
// and never to another host.
func TestSiteRedirectKeepsQuery(t *testing.T) {
	t.Parallel()
	s, err := serve.New(serve.Options{Config: "../../../portal.yaml", Data: t.TempDir(), BaseURL: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, dir := range []string{"verify-email", "reset-password", "evil.example"} {
		if err := os.MkdirAll(filepath.Join(s.Site(), dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for target, want := range map[string]string{
		"/verify-email?token=a-b_c":      "/verify-email/?token=a-b_c",
		"/reset-password?token=x%2By&z=": "/reset-password/?token=x%2By&z=",
		"/verify-email":                  "/verify-email/",
		"/evil.example?x=1":              "/evil.example/?x=1",
	} {
		req := httptest.NewRequest("GET", "http://127.0.0.1:8080"+target, nil)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != want {
			t.Errorf("GET %s = %d to %q, want 301 to %q", target, rec.Code, rec.Header().Get("Location"), want)
		}
	}
	// A path that starts with two slashes is cleaned by the mux first; the
	// redirect stays on this host.
	req := httptest.NewRequest("GET", "http://127.0.0.1:8080/", nil)
	req.URL.Path = "//evil.example"
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if loc := rec.Header().Get("Location"); strings.HasPrefix(loc, "//") {
		t.Errorf("GET //evil.example redirects to %q, another host", loc)
	}
}

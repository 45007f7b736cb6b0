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
	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/functions/dynamostore/dynamolocal"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/portal"
)

// startDynamo starts DynamoDB Local for one test and stops it when the
// test (and its subtests) end. Missing Java or the jar is a failure
// (make deps installs them).
func startDynamo(t *testing.T) *dynamolocal.Server {
	t.Helper()
	dl, err := dynamolocal.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dl.Stop)
	return dl
}

// TestKongTutorial is the flow of Kong's Dev Portal tutorial, over HTTP,
// on `portal serve` with the sample httpbin API and its embedded upstream,
// on the embedded store and on DynamoDB Local.
func TestKongTutorial(t *testing.T) {
	t.Parallel()
	dl := startDynamo(t)
	embedded := func(*testing.T) portal.FullStore { return nil }
	dynamo := func(t *testing.T) portal.FullStore { return dynamostore.New(dl.Client(), dl.NewTable(t)) }
	// A year ahead: the server's one clock reaches every party (API,
	// validator, store, publishing), so the flow holds on any date.
	yearAhead := func() time.Time { return time.Now().AddDate(1, 0, 0) }
	for name, c := range map[string]struct {
		store func(t *testing.T) portal.FullStore
		now   func() time.Time
	}{
		"embedded":              {embedded, time.Now},
		"dynamodb":              {dynamo, time.Now},
		"embedded/a year ahead": {embedded, yearAhead},
		"dynamodb/a year ahead": {dynamo, yearAhead},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tutorial(t, c.store(t), c.now)
		})
	}
}

func tutorial(t *testing.T, store portal.FullStore, now func() time.Time) {
	data := t.TempDir()
	console := &syncBuffer{}
	// Kong's tutorial starts with a private portal with nothing published.
	cfg := filepath.Join(t.TempDir(), "portal.yaml")
	private := "name: acme\ndisplay_name: Acme Developer Portal\ndefault_api_visibility: private\ndefault_page_visibility: private\n"
	if err := os.WriteFile(cfg, []byte(private+"apis: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, serve.Options{Config: cfg, Data: data, BaseURL: "http://127.0.0.1:8080", Progress: console, Store: store, Now: now})
	ctx := context.Background()
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	dev := cookieClient()
	admin, _, err := httpapi.CreateAdminToken(ctx, s.Store(), "tutorial", now())
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status int
		body   []byte
	}
	call := func(c *http.Client, method, path string, body any, headers ...string) answer {
		t.Helper()
		res, b := send(t, c, method, hs.URL+path, body, headers...)
		return answer{res.StatusCode, b}
	}
	want := func(a answer, status int, what string) {
		t.Helper()
		if a.status != status {
			t.Fatalf("%s = %d, want %d: %s", what, a.status, status, a.body)
		}
	}
	id := func(a answer) string {
		var v struct{ ID string }
		json.Unmarshal(a.body, &v)
		return v.ID
	}

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	const html = "text/html"
	want(call(noRedirect, "GET", "/", nil, "Accept", html), 302, "a private portal's home page, anonymous") // to the login page

	// 1. A developer signs up, confirms, and is approved.
	want(call(dev, "POST", "/api/v3/developer", map[string]string{"email": "tutorial@example.com", "full_name": "Tutorial", "password": "vX9#qLm2-river"}), 201, "sign-up")
	m := regexp.MustCompile(`verify-email/\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(console.String())
	if m == nil {
		t.Fatalf("no confirmation link on the console")
	}
	want(call(dev, "POST", "/api/v3/developer/verify-email", map[string]string{"token": m[1]}), 204, "confirm")
	d, err := s.Store().GetDeveloperByEmail(ctx, "tutorial@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// Every admin step is a `portal admin` command, as the README tells
	// it; each prints what it did.
	portalAdmin := func(wantOut string, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := Main(ctx, append(append([]string{"admin"}, args...), "--url", hs.URL, "--token", admin), env(), &out, &errOut); code != 0 || !strings.Contains(out.String(), wantOut) {
			t.Fatalf("portal admin %s = exit %d, printed %q, want %q: %s", strings.Join(args, " "), code, out.String(), wantOut, errOut.String())
		}
		return out.String()
	}
	// The admin approves with the CLI, which decides on the state it read.
	portalAdmin("approved developer Tutorial <tutorial@example.com> ("+d.ID+")", "developers", "approve", "tutorial@example.com")
	want(call(dev, "POST", "/api/v3/developer/authenticate", map[string]string{"username": "tutorial@example.com", "password": "vX9#qLm2-river"}), 204, "login")

	// 2. Logged in, they read the portal and see no API.
	want(call(dev, "GET", "/", nil, "Accept", html), 200, "the home page, logged in")
	if a := call(dev, "GET", "/api/v3/apis", nil); !strings.Contains(string(a.body), `"data":[]`) {
		t.Errorf("APIs before anything is published = %s, want none", a.body)
	}

	// 3. The admin publishes httpbin, privately (the portal's default):
	// it appears, and its pages open, to the developer and nobody else.
	httpbinSpec, _ := filepath.Abs("../../../sample-specs/httpbin.openapi.yaml")
	if err := os.WriteFile(cfg, []byte(private+"apis:\n  - slug: httpbin\n    spec: "+httpbinSpec+"\n    upstream_url: httpbin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Build(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if a := call(dev, "GET", "/api/v3/apis", nil); !strings.Contains(string(a.body), `"slug":"httpbin"`) || !strings.Contains(string(a.body), `"visibility":"private"`) {
		t.Fatalf("APIs after publishing = %s, want httpbin, private", a.body)
	}
	want(call(dev, "GET", "/apis/httpbin/", nil, "Accept", html), 200, "the private API's page, logged in")
	want(call(noRedirect, "GET", "/apis/httpbin/", nil, "Accept", html), 302, "the private API's page, anonymous")

	// 4. A call without a key is refused, as Kong's key-auth does.
	a := call(http.DefaultClient, "GET", "/gateway/httpbin/anything", nil)
	want(a, 401, "call without a key")
	if !strings.Contains(string(a.body), "No API key found in request") {
		t.Errorf("401 body = %s", a.body)
	}

	// 3. RBAC on: a team with the developer gets API Consumer on httpbin,
	// named by its slug.
	portalAdmin("rbac_enabled: false → true", "settings", "set", "rbac_enabled=true")
	portalAdmin("httpbin", "apis", "list")
	portalAdmin("created team Tutorial team", "teams", "create", "Tutorial team")
	portalAdmin("added developer Tutorial <tutorial@example.com> to team Tutorial team", "teams", "add-developer", "Tutorial team", "tutorial@example.com")
	portalAdmin("team Tutorial team now has API Consumer on httpbin", "teams", "assign-role", "Tutorial team", "--role", "API Consumer", "--api", "httpbin")

	// 4. An application, registered (pending), and its key.
	app := call(dev, "POST", "/api/v3/applications", map[string]string{"name": "My app"})
	want(app, 201, "create application")
	reg := call(dev, "POST", "/api/v3/applications/"+id(app)+"/registrations", map[string]string{"api_id": "httpbin"})
	want(reg, 201, "register")
	if !strings.Contains(string(reg.body), `"status":"pending"`) {
		t.Errorf("registration = %s, want pending", reg.body)
	}
	cred := call(dev, "POST", "/api/v3/applications/"+id(app)+"/credentials", map[string]string{"display_name": "laptop"})
	want(cred, 201, "create key")
	var c struct{ ID, Credential string }
	json.Unmarshal(cred.body, &c)
	if !strings.HasPrefix(c.Credential, "ptk_") {
		t.Fatalf("credential answer %s has no key", cred.body)
	}
	if list := call(dev, "GET", "/api/v3/applications/"+id(app)+"/credentials", nil); strings.Contains(string(list.body), c.Credential) {
		t.Errorf("listing credentials shows the key again")
	}

	// 5. Pending: 403.
	want(call(http.DefaultClient, "GET", "/gateway/httpbin/anything", nil, "apikey", c.Credential), 403, "call while pending")

	// 6. The admin approves; the call is 200 with the upstream's body.
	// The admin finds the pending registration, by name, and approves it
	// by its id.
	pending := portalAdmin(id(reg), "registrations", "list", "--status", "pending")
	if !regexp.MustCompile(id(reg) + ` +My app +tutorial@example\.com +httpbin +pending`).MatchString(pending) {
		t.Errorf("pending registrations:\n%s\nwant the application, developer and API by name", pending)
	}
	portalAdmin("approved registration "+id(reg)+" (application My app of tutorial@example.com → API httpbin)", "registrations", "approve", id(reg))
	var ok answer
	for range 60 { // the 403 is cached for up to 5 s
		ok = call(http.DefaultClient, "GET", "/gateway/httpbin/anything?hello=world", nil, "apikey", c.Credential, "X-Consumer-ID", "forged")
		if ok.status == 200 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	want(ok, 200, "call after approval")
	var echo struct {
		Args    map[string][]string `json:"args"`
		Headers map[string][]string `json:"headers"`
	}
	if err := json.Unmarshal(ok.body, &echo); err != nil {
		t.Fatalf("upstream body %s: %v", ok.body, err)
	}
	if echo.Args["hello"][0] != "world" {
		t.Errorf("upstream args = %v", echo.Args)
	}
	if _, leaked := echo.Headers["Apikey"]; leaked {
		t.Errorf("the key reached the upstream: %v", echo.Headers)
	}
	if got := echo.Headers["X-Consumer-Id"]; len(got) != 1 || got[0] != d.ID {
		t.Errorf("upstream X-Consumer-Id = %v, want [%s]", got, d.ID)
	}

	// 7. The key is revoked: 401 within 5 s.
	want(call(dev, "DELETE", "/api/v3/applications/"+id(app)+"/credentials/"+c.ID, nil), 204, "revoke key")
	start := time.Now()
	for {
		a = call(http.DefaultClient, "GET", "/gateway/httpbin/anything", nil, "apikey", c.Credential)
		if a.status == 401 {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the revoked key still answers %d after %s", a.status, time.Since(start))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("revocation seen at the gateway after %s", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(string(a.body), "Invalid authentication credentials") {
		t.Errorf("401 body = %s", a.body)
	}
	if mails, _ := filepath.Glob(filepath.Join(data, "outbox", "*app-registration-approved*")); len(mails) != 1 {
		t.Errorf("%d registration-approved mails, want 1", len(mails))
	}
}

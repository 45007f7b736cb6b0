package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/portal-dev/portal/cmd/portal/serve"
)

// canary marks every private byte of testdata/private.
const canary = "CANARY-5be1e0a4"

// privateServer serves a portal.yaml with testdata/private's descriptions,
// docs and pages, plus extra top-level keys.
type privateServer struct {
	t       *testing.T
	s       *serve.Server
	hs      *httptest.Server
	console *syncBuffer
	admin   string
	pid     string
}

func newPrivateServer(t *testing.T, extra string) *privateServer {
	t.Helper()
	src, err := filepath.Abs("testdata/private")
	if err != nil {
		t.Fatal(err)
	}
	httpbin, _ := filepath.Abs("../../../sample-specs/httpbin.openapi.yaml")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "portal.yaml")
	yaml := "name: partner\ndisplay_name: Partner Portal\ncontent: " + filepath.Join(src, "content") + "\n" + extra +
		"apis:\n  - slug: open\n    spec: " + httpbin + "\n    upstream_url: httpbin\n    visibility: public\n" +
		"  - slug: ledger\n    spec: " + filepath.Join(src, "ledger.yaml") + "\n    visibility: private\n    docs: " + filepath.Join(src, "docs/ledger") + "\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &privateServer{t: t, console: &syncBuffer{}}
	p.s = startServe(t, serve.Options{Config: cfg, Data: filepath.Join(dir, ".portal"), BaseURL: "http://127.0.0.1:8080", Progress: p.console})
	p.hs = httptest.NewServer(p.s)
	t.Cleanup(p.hs.Close)
	p.admin, p.pid = adminOf(t, p.s, p.hs.URL, time.Now())
	return p
}

type reply struct {
	status int
	header http.Header
	body   string
}

// call sends a request; a client that follows no redirects sees them.
func (p *privateServer) call(c *http.Client, method, path string, body any, headers ...string) reply {
	p.t.Helper()
	res, b := send(p.t, c, method, p.hs.URL+path, body, headers...)
	return reply{res.StatusCode, res.Header, string(b)}
}

func (p *privateServer) asAdmin(method, path string, body any) reply {
	p.t.Helper()
	return p.call(http.DefaultClient, method, path, body, "Authorization", "Bearer "+p.admin)
}

// jarClient is a client that keeps cookies and shows redirects.
func jarClient() *http.Client {
	c := cookieClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// developer signs up, confirms, is approved (unless pending) and logs in.
func (p *privateServer) developer(email string, approve bool) *http.Client {
	p.t.Helper()
	c := jarClient()
	if r := p.call(c, "POST", "/api/v3/developer", map[string]string{"email": email, "full_name": "Dev", "password": "vX9#qLm2-river"}); r.status != 201 {
		p.t.Fatalf("sign-up: %d %s", r.status, r.body)
	}
	var token string
	for _, m := range regexp.MustCompile(`verify-email/\?token=([A-Za-z0-9_-]+)`).FindAllStringSubmatch(p.console.String(), -1) {
		token = m[1]
	}
	if r := p.call(c, "POST", "/api/v3/developer/verify-email", map[string]string{"token": token}); r.status != 204 {
		p.t.Fatalf("verify: %d %s", r.status, r.body)
	}
	if !approve {
		return c
	}
	d, err := p.s.Store().GetDeveloperByEmail(context.Background(), email)
	if err != nil {
		p.t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"admin", "developers", "approve", d.ID, "--url", p.hs.URL, "--token", p.admin}, env(), &out, &errOut); code != 0 {
		p.t.Fatalf("approve: %s", errOut.String())
	}
	if r := p.call(c, "POST", "/api/v3/developer/authenticate", map[string]string{"username": email, "password": "vX9#qLm2-river"}); r.status != 204 {
		p.t.Fatalf("login: %d %s", r.status, r.body)
	}
	return c
}

// grant gives the developer's team role on the API slug (RBAC on).
func (p *privateServer) grant(email, role, slug string) {
	p.t.Helper()
	d, _ := p.s.Store().GetDeveloperByEmail(context.Background(), email)
	var id struct{ ID string }
	json.Unmarshal([]byte(p.asAdmin("GET", "/v3/apis/"+slug, nil).body), &id)
	var team struct{ ID string }
	json.Unmarshal([]byte(p.asAdmin("POST", "/v3/portals/"+p.pid+"/teams", map[string]string{"name": email + " " + role}).body), &team)
	p.asAdmin("POST", "/v3/portals/"+p.pid+"/teams/"+team.ID+"/developers", map[string]string{"id": d.ID})
	if r := p.asAdmin("POST", "/v3/portals/"+p.pid+"/teams/"+team.ID+"/assigned-roles", map[string]string{"role_name": role, "entity_id": id.ID}); r.status != 201 {
		p.t.Fatalf("assign %s: %d %s", role, r.status, r.body)
	}
}

const html = "text/html,application/xhtml+xml"

// TestServeGatesPrivateContent: a partner portal under portal serve, seen
// by an anonymous visitor, a pending developer, an approved one with and
// without roles (RBAC on), a viewer and a consumer.
func TestServeGatesPrivateContent(t *testing.T) {
	t.Parallel()
	p := newPrivateServer(t, "")
	anon := jarClient()

	// Anonymous: public pages as ever; a private page redirects to the
	// login page and back; a private file gets 401; no answer holds a
	// private byte, whatever the spelling of the path.
	if r := p.call(anon, "GET", "/guides/", nil, "Accept", html); r.status != 200 || strings.Contains(r.body, "/guides/internal/") {
		t.Errorf("public section = %d, names the private one: %v", r.status, strings.Contains(r.body, "/guides/internal/"))
	}
	r := p.call(anon, "GET", "/apis/ledger/?tab=1", nil, "Accept", html)
	if r.status != 302 || r.header.Get("Location") != "/login/?next=%2Fapis%2Fledger%2F%3Ftab%3D1" {
		t.Errorf("anonymous private page = %d Location %q; want 302 to the login page with next", r.status, r.header.Get("Location"))
	}
	if r.header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("gated answer Cache-Control = %q", r.header.Get("Cache-Control"))
	}
	if r := p.call(anon, "GET", "/apis/ledger/search-index.json", nil, "Accept", "application/json"); r.status != 401 {
		t.Errorf("anonymous private index = %d, want 401", r.status)
	}
	for _, path := range []string{"/APIS/ledger/", "/apis%2Fledger/", "/apis/open/%2e%2e/ledger/", "/apis/ledger./", "//apis//ledger//index.html", "/apis/ledger/ledger.yaml", "/guides/internal/a/", "/_portal/private/search-index.json"} {
		r := p.call(anon, "GET", path, nil, "Accept", html)
		if r.status == 200 || strings.Contains(r.body, canary) {
			t.Errorf("anonymous %s = %d (canary %v)", path, r.status, strings.Contains(r.body, canary))
		}
	}
	out := p.s.Site()
	n := 0
	filepath.WalkDir(out, func(f string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, f)
		n++
		if r := p.call(anon, "GET", "/"+filepath.ToSlash(rel), nil); strings.Contains(r.body, canary) {
			t.Errorf("anonymous GET /%s (%d) holds private content", rel, r.status)
		}
		return nil
	})
	if n < 20 {
		t.Fatalf("crawled %d files; the build is missing", n)
	}

	// A pending developer cannot log in: they read what anonymous reads.
	pending := p.developer("pending@example.com", false)
	if r := p.call(pending, "GET", "/apis/ledger/", nil, "Accept", html); r.status != 302 {
		t.Errorf("pending developer, private page = %d, want 302", r.status)
	}

	// Approved, RBAC off: every private page, marked private.
	dev := p.developer("dev@example.com", true)
	for _, path := range []string{"/apis/ledger/", "/apis/ledger/docs/setup/", "/guides/internal/", "/guides/internal/a/", "/apis/ledger/search-index.json", "/_portal/private/search-index.json"} {
		r := p.call(dev, "GET", path, nil, "Accept", html)
		if r.status != 200 || !strings.Contains(r.body, canary) || r.header.Get("Cache-Control") != "private, no-store" {
			t.Errorf("approved developer %s = %d (canary %v, Cache-Control %q)", path, r.status, strings.Contains(r.body, canary), r.header.Get("Cache-Control"))
		}
	}

	// RBAC on: private pages stay readable; the private API needs a role.
	if r := p.asAdmin("PATCH", "/v3/portals/"+p.pid, map[string]any{"rbac_enabled": true}); r.status != 200 {
		t.Fatal(r.body)
	}
	norole := p.developer("norole@example.com", true)
	viewer := p.developer("viewer@example.com", true)
	consumer := p.developer("consumer@example.com", true)
	p.grant("viewer@example.com", "API Viewer", "ledger")
	p.grant("consumer@example.com", "API Consumer", "ledger")
	if r := p.call(norole, "GET", "/apis/ledger/", nil, "Accept", html); r.status != 404 || strings.Contains(r.body, canary) || !strings.Contains(r.body, "Page not found") {
		t.Errorf("no role, private API = %d; want the site's 404", r.status)
	}
	if r := p.call(norole, "GET", "/guides/internal/", nil, "Accept", html); r.status != 200 {
		t.Errorf("no role, private page = %d; want 200", r.status)
	}
	for name, c := range map[string]*http.Client{"viewer": viewer, "consumer": consumer} {
		// Their cookies were issued before the roles: the catalog's call
		// to /api/v3/apis brings them up to date.
		if r := p.call(c, "GET", "/api/v3/apis", nil); r.status != 200 || !strings.Contains(r.body, `"slug":"ledger"`) {
			t.Errorf("%s: /api/v3/apis = %d %s", name, r.status, r.body)
		}
		if r := p.call(c, "GET", "/apis/ledger/reference/list-entries/", nil, "Accept", html); r.status != 200 || !strings.Contains(r.body, canary) {
			t.Errorf("%s: private operation page = %d", name, r.status)
		}
	}
	// Registering needs API Consumer; the viewer is told so.
	var app struct{ ID string }
	json.Unmarshal([]byte(p.call(viewer, "POST", "/api/v3/applications", map[string]string{"name": "v"}).body), &app)
	var api struct{ ID string }
	json.Unmarshal([]byte(p.asAdmin("GET", "/v3/apis/ledger", nil).body), &api)
	if r := p.call(viewer, "POST", "/api/v3/applications/"+app.ID+"/registrations", map[string]string{"api_id": api.ID}); r.status != 403 || !strings.Contains(r.body, "API Consumer") {
		t.Errorf("viewer registering = %d %s; want 403 naming API Consumer", r.status, r.body)
	}

	// Logout: the cookie goes, the private pages with it.
	p.call(dev, "POST", "/api/v3/developer/logout", nil)
	if r := p.call(dev, "GET", "/apis/ledger/", nil, "Accept", html); r.status != 302 {
		t.Errorf("after logout, private page = %d, want 302", r.status)
	}
}

// TestServeInternalPortal: everything behind a login but what the login
// page needs.
func TestServeInternalPortal(t *testing.T) {
	t.Parallel()
	p := newPrivateServer(t, "default_api_visibility: private\ndefault_page_visibility: private\n")
	anon := jarClient()
	for _, path := range []string{"/", "/apis/", "/guides/", "/search-index.json", "/sitemap.xml"} {
		if r := p.call(anon, "GET", path, nil, "Accept", html); r.status != 302 && r.status != 401 {
			t.Errorf("anonymous %s = %d; want the login page", path, r.status)
		}
	}
	login := p.call(anon, "GET", "/login/", nil, "Accept", html)
	if login.status != 200 {
		t.Fatalf("login page = %d", login.status)
	}
	for _, m := range regexp.MustCompile(`(?:src|href)="(/_portal/assets/[^"]+)"`).FindAllStringSubmatch(login.body, -1) {
		if r := p.call(anon, "GET", m[1], nil); r.status != 200 {
			t.Errorf("the login page's asset %s = %d", m[1], r.status)
		}
	}
	if r := p.call(anon, "GET", "/apis/open/", nil, "Accept", html); r.status != 200 {
		t.Errorf("an explicitly public API in an internal portal = %d", r.status)
	}
	dev := p.developer("dev@example.com", true)
	for _, path := range []string{"/", "/apis/", "/guides/", "/apis/ledger/"} {
		if r := p.call(dev, "GET", path, nil, "Accept", html); r.status != 200 {
			t.Errorf("approved developer %s = %d", path, r.status)
		}
	}
}

// TestBrowserPrivatePortal: what a developer sees in Chromium on a partner
// portal and an internal one — anonymous, then logged in.
func TestBrowserPrivatePortal(t *testing.T) {
	t.Parallel()
	bctx := browser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	// until evaluates js until it is true, across navigations.
	until := func(ctx context.Context, js string) error {
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			if err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s: %w (last error %v)", js, ctx.Err(), err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	login := func(ctx context.Context) error {
		return chromedp.Do(ctx, fillLogin("reader@example.com", "vX9#qLm2-river"))
	}

	t.Run("partner", func(t *testing.T) {
		p := newPrivateServer(t, "")
		p.developer("reader@example.com", true)
		base := p.hs.URL
		ctx := tab(t, bctx)
		slugs := `[...document.querySelectorAll('#api-cards [data-slug]')].map(c => c.dataset.slug).join(',')`
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/apis/"), chromedp.WaitVisible(css(`#api-cards`))); err != nil {
			t.Fatal(err)
		}
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](slugs)); err != nil || got != "open" {
			t.Errorf("anonymous catalog = %q, %v; want the public API only", got, err)
		}
		// A private page: the login page, then back to it.
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/apis/ledger/reference/list-entries/")); err != nil {
			t.Fatal(err)
		}
		if err := login(ctx); err != nil {
			t.Fatal(err)
		}
		if err := until(ctx, `location.pathname === '/apis/ledger/reference/list-entries/' && !!document.querySelector('main')`); err != nil {
			t.Fatalf("not back on the private page after login: %v", err)
		}
		if body, err := chromedp.Run(ctx, chromedp.Text(css(`main`))); err != nil || !strings.Contains(body, canary+"-operation") {
			t.Errorf("the private operation page after login lacks its content (%v)", err)
		}
		// The catalog adds the private API, marked; search finds it.
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/apis/"),
			chromedp.Poll[chromedp.Void](`!!document.querySelector('#api-cards [data-slug=ledger] .pill-private')`),
		)
		if err != nil {
			t.Fatalf("the logged-in catalog has no private Ledger card: %v", err)
		}
		err = chromedp.Do(ctx,
			chromedp.Focus(css(`#search-input`)),
			chromedp.SendKeys(css(`#search-input`), "entries"),
			chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('#search-results [role=option]')].some(o => o.textContent.includes('List entries'))`),
		)
		if err != nil {
			t.Errorf("search does not find the private operation: %v", err)
		}
	})

	t.Run("internal", func(t *testing.T) {
		p := newPrivateServer(t, "default_api_visibility: private\ndefault_page_visibility: private\n")
		p.developer("reader@example.com", true)
		base := p.hs.URL
		ctx := tab(t, bctx)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
			t.Fatal(err)
		}
		loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
		if err != nil || loc != "/login/?next=%2F" {
			t.Errorf("anonymous home page went to %q, %v; want the login page", loc, err)
		}
		if err := login(ctx); err != nil {
			t.Fatal(err)
		}
		if err := until(ctx, `location.pathname === '/' && !!document.querySelector('#hero-title')`); err != nil {
			t.Fatalf("not on the home page after login: %v", err)
		}
		// Nothing public to list; the API this developer may read appears.
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/apis/"),
			chromedp.Poll[chromedp.Void](`!!document.querySelector('#api-cards [data-slug=ledger]') && document.getElementById('catalog-empty').hidden`),
		)
		if err != nil {
			t.Errorf("the internal catalog does not show the private APIs after login: %v", err)
		}
	})
}

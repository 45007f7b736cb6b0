package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/pelletier/go-toml/v2"

	"github.com/portal-dev/portal/cmd/portal/serve"
	"github.com/portal-dev/portal/generator/headers"
)

var update = flag.Bool("update", false, "rewrite netlify.toml's generated [[headers]] block")

// netlifyToml is the repository's Netlify deploy of the sample portal.
const netlifyToml = "../../../netlify.toml"

// noRedirect answers redirects as they are.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func fetch(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	res, body := send(t, noRedirect, method, url, nil)
	return res, string(body)
}

// TestSecurityHeaders checks the headers of every kind of answer `portal
// serve` gives, that netlify.toml sends the same, and that the CSP lets
// the pages work in Chromium without a violation.
func TestSecurityHeaders(t *testing.T) {
	srv, base := servePortal(t)
	home, homeHTML := fetch(t, "GET", base+"/")
	csp := home.Header.Get("Content-Security-Policy")

	t.Run("every answer", func(t *testing.T) {
		asset := regexp.MustCompile(`href="(/_portal/assets/portal\.[^"]+\.css)"`).FindStringSubmatch(homeHTML)
		if asset == nil {
			t.Fatalf("home page links no stylesheet under %s", headers.AssetsPrefix)
		}
		cases := []struct {
			name, method, path string
			status             int
			site               bool // the site's full set, else nosniff only
			referrer           string
		}{
			{"HTML page", "GET", "/", 200, true, "strict-origin-when-cross-origin"},
			{"404 page", "GET", "/no/such/page/", 404, true, "strict-origin-when-cross-origin"},
			{"asset", "GET", asset[1], 200, true, "strict-origin-when-cross-origin"},
			{"search index", "GET", "/search-index.json", 200, true, "strict-origin-when-cross-origin"},
			{"redirect", "GET", "/apis", 301, true, "strict-origin-when-cross-origin"},
			{"developer API JSON", "GET", "/api/v3/developer/me", 401, true, "strict-origin-when-cross-origin"},
			{"management API JSON", "GET", "/v3/portals", 401, true, "strict-origin-when-cross-origin"},
			{"method not allowed", "POST", "/", 405, true, "strict-origin-when-cross-origin"},
			{"live reload script", "GET", "/_portal/livereload.js", 200, true, "strict-origin-when-cross-origin"},
			{"email confirmation page", "GET", "/verify-email/?token=secret", 200, true, "no-referrer"},
			{"password reset page", "GET", "/reset-password/?token=secret", 200, true, "no-referrer"},
			{"password reset redirect", "GET", "/reset-password?token=secret", 301, true, "no-referrer"},
			{"gateway", "GET", "/gateway/httpbin/anything", 401, false, ""},
			{"embedded upstream", "GET", serve.UpstreamPrefix + "/json", 200, false, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res, _ := fetch(t, c.method, base+c.path)
				if res.StatusCode != c.status {
					t.Fatalf("%s %s = %d, want %d", c.method, c.path, res.StatusCode, c.status)
				}
				want := map[string]string{"X-Content-Type-Options": "nosniff"}
				if c.site {
					want["Content-Security-Policy"] = csp
					want["Referrer-Policy"] = c.referrer
					want["Cross-Origin-Opener-Policy"] = "same-origin"
					want["X-Frame-Options"] = "DENY"
				}
				for k, v := range want {
					if got := res.Header.Values(k); len(got) != 1 || got[0] != v {
						t.Errorf("%s %s: %s = %q, want %q", c.method, c.path, k, got, v)
					}
				}
				// serve speaks plain http here: HSTS would be a lie.
				if v := res.Header.Get("Strict-Transport-Security"); v != "" {
					t.Errorf("%s %s: Strict-Transport-Security = %q over http", c.method, c.path, v)
				}
			})
		}
	})

	t.Run("CSP", func(t *testing.T) {
		for _, d := range []string{"object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "img-src 'self' data: https:"} {
			if !strings.Contains(csp, d+";") && !strings.HasSuffix(csp, d) {
				t.Errorf("CSP lacks %q: %s", d, csp)
			}
		}
		script := regexp.MustCompile(`script-src ([^;]*)`).FindStringSubmatch(csp)
		if script == nil || strings.Contains(script[1], "unsafe") {
			t.Fatalf("CSP script-src = %q, want 'self' and hashes, nothing unsafe", script)
		}
		// The theme's inline script, hashed here from the bytes served.
		inline := regexp.MustCompile(`<script>(.*?)</script>`).FindAllStringSubmatch(homeHTML, -1)
		if len(inline) == 0 {
			t.Fatal("home page has no inline script to check the hash of")
		}
		for _, m := range inline {
			sum := sha256.Sum256([]byte(m[1]))
			if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(script[1], h) {
				t.Errorf("script-src %q lacks %s, the hash of the inline script %.60q", script[1], h, m[1])
			}
		}
		for _, p := range []string{"/verify-email/", "/reset-password/"} {
			if _, page := fetch(t, "GET", base+p); !strings.Contains(page, `<meta name="referrer" content="no-referrer">`) {
				t.Errorf("%s lacks <meta name=\"referrer\" content=\"no-referrer\">", p)
			}
		}
	})

	t.Run("netlify.toml", func(t *testing.T) {
		raw, err := os.ReadFile(netlifyToml)
		if err != nil {
			t.Fatal(err)
		}
		const begin, end = "# BEGIN generated headers\n", "# END generated headers\n"
		i, j := bytes.Index(raw, []byte(begin)), bytes.Index(raw, []byte(end))
		if i < 0 || j < i {
			t.Fatalf("netlify.toml lacks the %q … %q block", strings.TrimSpace(begin), strings.TrimSpace(end))
		}
		want := headers.Netlify(csp) + "\n"
		if got := string(raw[i+len(begin) : j]); got != want {
			if !*update {
				t.Fatalf("netlify.toml's headers differ from what portal serve sends; run\n\tgo test ./cmd/portal/cli -run 'TestSecurityHeaders/netlify' -update\ngot:\n%s\nwant:\n%s", got, want)
			}
			raw = append(append(append([]byte(nil), raw[:i+len(begin)]...), want...), raw[j:]...)
			if err := os.WriteFile(netlifyToml, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// Read as Netlify reads it: the rule for every path carries the
		// same CSP as serve, and the same headers.
		var conf struct {
			Headers []struct {
				For    string            `toml:"for"`
				Values map[string]string `toml:"values"`
			} `toml:"headers"`
		}
		if err := toml.Unmarshal(raw, &conf); err != nil {
			t.Fatalf("parse netlify.toml: %v", err)
		}
		rules := map[string]map[string]string{}
		for _, h := range conf.Headers {
			rules[h.For] = h.Values
		}
		all := rules["/*"]
		if all == nil {
			t.Fatal(`netlify.toml has no [[headers]] for "/*"`)
		}
		for k := range home.Header {
			if v := home.Header.Get(k); strings.HasPrefix(k, "X-") || strings.Contains(k, "Policy") {
				if all[k] != v {
					t.Errorf("netlify.toml /*: %s = %q, portal serve sends %q", k, all[k], v)
				}
			}
		}
		if all["Strict-Transport-Security"] == "" {
			t.Error("netlify.toml /*: no Strict-Transport-Security (Netlify terminates TLS)")
		}
		for _, p := range []string{"/verify-email/*", "/reset-password/*"} {
			if rules[p]["Referrer-Policy"] != "no-referrer" {
				t.Errorf("netlify.toml %s: Referrer-Policy = %q, want no-referrer", p, rules[p]["Referrer-Policy"])
			}
		}
		for pattern, values := range rules {
			if strings.Contains(values["Cache-Control"], "immutable") && pattern != headers.AssetsPrefix+"*" {
				t.Errorf("netlify.toml %s: immutable, but only %s* is fingerprinted", pattern, headers.AssetsPrefix)
			}
		}
	})

	t.Run("browser: no CSP violation", func(t *testing.T) {
		testNoCSPViolation(t, srv, base)
	})
}

// watchCSP records the page's CSP violations from before its first script
// runs (a DevTools script, which the page's CSP does not govern).
func watchCSP() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`})
		return err
	})
}

// testNoCSPViolation uses try-it, the search, an account page and live
// reload under the CSP that serve sends, and checks that each works and
// that the browser refused nothing.
func testNoCSPViolation(t *testing.T, srv *serve.Server, base string) {
	bctx := browser(t)
	ctx := tab(t, bctx)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	if err := chromedp.Do(ctx, watchCSP()); err != nil {
		t.Fatal(err)
	}
	clean := func(where string) {
		t.Helper()
		violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		for _, v := range violations {
			t.Errorf("%s: CSP violation: %s", where, v)
		}
		// The theme's inline script (allowed by hash) marks the page.
		js, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.classList.contains('js')`))
		if err != nil || !js {
			t.Errorf("%s: the theme's inline script did not run (err %v)", where, err)
		}
	}

	op := base + findOp(t, searchDocs(t, base), "httpbin", "GET", "/anything")
	if status := tryLocalHTTPBin(t, ctx, op); !strings.Contains(status, "200") {
		t.Errorf("try-it status = %q, want 200 from the embedded httpbin", status)
	}
	clean("try-it")

	if err := chromedp.Do(ctx, searchFor(base, "anything")); err != nil {
		t.Fatalf("search: %v", err)
	}
	clean("search")

	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/reset-password/?token=not-a-real-one"),
		chromedp.WaitVisible(css(`#account input[type=password]`)),
	)
	if err != nil {
		t.Fatalf("password reset page: %v", err)
	}
	// Live reload (a script from self, an EventSource to self) still
	// reloads the page: the mark set here is gone after.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__mark = 1`)); err != nil {
		t.Fatal(err)
	}
	clean("account page")
	reloaded := false
	for range 50 {
		srv.Reload()
		time.Sleep(100 * time.Millisecond)
		if gone, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__mark === undefined`)); err == nil && gone {
			reloaded = true
			break
		}
	}
	if !reloaded {
		t.Fatal("live reload did not reload the page within 5 s")
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(css(`#account input[type=password]`))); err != nil {
		t.Fatal(err)
	}
	clean("account page, reloaded")
}

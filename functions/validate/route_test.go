package validate_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/validate"
)

func TestNormalizePath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/gateway/httpbin/get":                 "/gateway/httpbin/get",
		"/gateway/httpbin/":                    "/gateway/httpbin/",
		"/gateway//httpbin///get":              "/gateway/httpbin/get",
		"/gateway/httpbin/../petstore/pets":    "/gateway/petstore/pets",
		"/gateway/httpbin/%2e%2e/petstore/x":   "/gateway/petstore/x",
		"/gateway/httpbin/%2E%2E/petstore/x":   "/gateway/petstore/x",
		"/gateway/httpbin/./get/.":             "/gateway/httpbin/get/",
		"/gateway/%68ttpbin/get":               "/gateway/httpbin/get",
		"/gateway/httpbin/a%20b%3f":            "/gateway/httpbin/a%20b%3F",
		"/gateway/httpbin/..":                  "/gateway/",
		"/":                                    "/",
		"/..%2e/x":                             "/.../x", // "..." is an ordinary segment
		"/gateway/httpbin/..%2fpetstore/pets":  "",
		"/gateway/httpbin/..%2Fpetstore/pets":  "",
		"/gateway/httpbin/..%5cpetstore/pets":  "",
		"/gateway/httpbin\\..\\petstore":       "",
		"/gateway/httpbin/%252e%252e/petstore": "",
		"/gateway/httpbin/%zz":                 "",
		"/gateway/httpbin/%2":                  "",
		"/gateway/httpbin/%00":                 "",
		"/gateway/httpbin/\x00":                "",
		"/../gateway/petstore/pets":            "",
		"gateway/petstore":                     "",
		"":                                     "",
	} {
		got, err := validate.NormalizePath(in)
		if want == "" {
			if err == nil {
				t.Errorf("NormalizePath(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("NormalizePath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// FuzzNormalizePath: whatever comes in, what comes out is a clean rooted
// path (no dot segments, no empty segments, no escape of '/', '\' or '%'),
// and normalising it again changes nothing.
func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/gateway/httpbin/get", "/gateway/httpbin/../petstore", "/a/%2e%2e/b", "/a//b/./c/", "/..%2f", "/%41%7e", "/a\\b", "/%2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := validate.NormalizePath(in)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "//") || strings.Contains(p, "\\") {
			t.Fatalf("NormalizePath(%q) = %q: not a clean rooted path", in, p)
		}
		for _, seg := range strings.Split(strings.Trim(p, "/"), "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("NormalizePath(%q) = %q keeps a dot segment", in, p)
			}
		}
		low := strings.ToLower(p)
		for _, bad := range []string{"%2f", "%5c", "%25", "%2e"} {
			if strings.Contains(low, bad) {
				t.Fatalf("NormalizePath(%q) = %q keeps %s", in, p, bad)
			}
		}
		again, err := validate.NormalizePath(p)
		if err != nil || again != p {
			t.Fatalf("NormalizePath(NormalizePath(%q)) = %q, %v; want %q", in, again, err, p)
		}
	})
}

// TestForwardAuthRouteTricks: a key registered to httpbin only passes for
// httpbin and for no other API, however the forwarded path or the
// headers are dressed up.
func TestForwardAuthRouteTricks(t *testing.T) {
	t.Parallel()
	f := setup(t)
	srv := f.forwardAuth(t)
	status := func(headers ...string) int {
		t.Helper()
		res, _ := ask(t, srv.URL+"/validate", "", headers...)
		return res.StatusCode
	}
	for _, uri := range []string{"/gateway/httpbin/get", "/gateway/httpbin", "/gateway/httpbin/", "/gateway//httpbin/get", "/gateway/%68ttpbin/get?x=1", "/gateway/petstore/../httpbin/get", "http://gw.example/gateway/httpbin/get"} {
		if got := status("X-Forwarded-Uri", uri, "apikey", f.key); got != 200 {
			t.Errorf("X-Forwarded-Uri %s with the httpbin key = %d, want 200", uri, got)
		}
	}
	for _, uri := range []string{
		"/gateway/httpbin/../petstore/pets",
		"/gateway/httpbin/%2e%2e/petstore/pets",
		"/gateway/httpbin/..%2fpetstore/pets",
		"/gateway/httpbin/..%2Fpetstore/pets",
		"/gateway/httpbin/../secret/anything",
		"/gateway/httpbin/%2e%2e/%2e%2e/gateway/secret/x",
		"/gateway/httpbin/..\\petstore/pets",
		"/gateway/httpbinx/get",
		"/gateway/petstore/pets",
	} {
		if got := status("X-Forwarded-Uri", uri, "apikey", f.key); got == 200 {
			t.Errorf("X-Forwarded-Uri %s with the httpbin key = 200, want a denial", uri)
		}
	}
	// A client's X-Portal-API beside the route: when they disagree, deny.
	for _, h := range [][]string{
		{"X-Forwarded-Uri", "/gateway/petstore/pets", "X-Portal-API", "httpbin"},
		{"X-Original-Uri", "/gateway/petstore/pets", "X-Portal-API", "httpbin"},
		{"X-Portal-API", "httpbin", "X-Portal-API", "petstore"},
		// nginx sends X-Original-Uri; a client's X-Forwarded-Uri beside it.
		{"X-Original-Uri", "/gateway/petstore/pets", "X-Forwarded-Uri", "/gateway/httpbin/get"},
		{"X-Forwarded-Uri", "/gateway/httpbin/get", "X-Forwarded-Uri", "/gateway/petstore/pets"},
	} {
		if got := status(append(h, "apikey", f.key)...); got != 403 {
			t.Errorf("%v with the httpbin key = %d, want 403", h, got)
		}
	}
	// The gateway naming the API and routing agree: allowed.
	if got := status("X-Forwarded-Uri", "/gateway/httpbin/get", "X-Portal-API", "httpbin", "apikey", f.key); got != 200 {
		t.Errorf("agreeing X-Portal-API and route = %d, want 200", got)
	}
}

// TestForwardAuthHostRoutes: an API with a route host (gateway.host in
// portal.yaml) is matched on that host only, from X-Forwarded-Host
// (normalised) or, for Envoy's ext_authz, from the check request itself
// (/validate/<path> and its Host); it wins over an API served on any host
// with the same prefix.
func TestForwardAuthHostRoutes(t *testing.T) {
	t.Parallel()
	f := setup(t)
	now := f.clock.Now()
	must(t, f.store.CreateRegistration(context.Background(), portal.Registration{ID: "reg-hosted", ApplicationID: f.app.ID, APIID: "api-hosted", Status: portal.RegistrationApproved, CreatedAt: now, UpdatedAt: now}, ev("registration.created", "reg-hosted")))
	srv := f.forwardAuth(t)
	type answer struct {
		status         int
		reason, msg    string
		application    string
		consumerHeader string
	}
	call := func(path, host string, headers ...string) answer {
		t.Helper()
		res, _ := ask(t, srv.URL+path, host, headers...)
		return answer{res.StatusCode, res.Header.Get("X-Portal-Reason"), res.Header.Get("X-Portal-Message"), res.Header.Get("X-Application-Id"), res.Header.Get("X-Consumer-Id")}
	}
	tests := map[string]struct {
		path, host string
		headers    []string
		status     int
		reason     string
	}{
		"host and path":                 {"/validate", "", []string{"X-Forwarded-Host", "Pets.Acme.Example:8443", "X-Forwarded-Uri", "/v2/pets"}, 200, ""},
		"host and prefix without slash": {"/validate", "", []string{"X-Forwarded-Host", "pets.acme.example.", "X-Forwarded-Uri", "/v2"}, 200, ""},
		"named and routed":              {"/validate", "", []string{"X-Portal-API", "hosted", "X-Forwarded-Host", "pets.acme.example", "X-Original-Uri", "/v2/pets"}, 200, ""},
		"another host":                  {"/validate", "", []string{"X-Forwarded-Host", "evil.example", "X-Forwarded-Uri", "/v2/pets"}, 403, validate.ReasonNoAPI},
		"no host":                       {"/validate", "", []string{"X-Forwarded-Uri", "/v2/pets"}, 403, validate.ReasonNoAPI},
		"host sent twice":               {"/validate", "", []string{"X-Forwarded-Host", "pets.acme.example", "X-Forwarded-Host", "evil.example", "X-Forwarded-Uri", "/v2/pets"}, 403, validate.ReasonDuplicateRoute},
		"host list":                     {"/validate", "", []string{"X-Forwarded-Host", "pets.acme.example, evil.example", "X-Forwarded-Uri", "/v2/pets"}, 403, validate.ReasonBadHost},
		"named another API":             {"/validate", "", []string{"X-Portal-API", "httpbin", "X-Forwarded-Host", "pets.acme.example", "X-Forwarded-Uri", "/v2/pets"}, 403, validate.ReasonAPIMismatch},
		// On its host, the host's API wins over httpbin's same prefix.
		"host beats any host":     {"/validate", "", []string{"X-Forwarded-Host", "other.acme.example", "X-Forwarded-Uri", "/gateway/httpbin/get"}, 403, validate.ReasonNotRegistered},
		"any host elsewhere":      {"/validate", "", []string{"X-Forwarded-Host", "gw.acme.example", "X-Forwarded-Uri", "/gateway/httpbin/get"}, 200, ""},
		"envoy: path and host":    {"/validate/v2/pets?x=1", "pets.acme.example", nil, 200, ""},
		"envoy: gateway path":     {"/validate/gateway/httpbin/get", "gw.acme.example", nil, 200, ""},
		"envoy: other API":        {"/validate/gateway/petstore/pets", "gw.acme.example", nil, 403, validate.ReasonNotRegistered},
		"envoy: dot segments":     {"/validate/gateway/httpbin/%2e%2e/petstore/pets", "gw.acme.example", nil, 403, validate.ReasonNotRegistered},
		"envoy: encoded slash":    {"/validate/gateway/httpbin/..%2fpetstore/pets", "gw.acme.example", nil, 403, validate.ReasonBadPath},
		"forwarded uri wins over": {"/validate/gateway/petstore/pets", "gw.acme.example", []string{"X-Forwarded-Uri", "/gateway/httpbin/get"}, 200, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := call(tt.path, tt.host, append(tt.headers, "apikey", f.key)...)
			if got.status != tt.status || got.reason != tt.reason {
				t.Fatalf("%s %v = %d %q (%s), want %d %q", tt.path, tt.headers, got.status, got.reason, got.msg, tt.status, tt.reason)
			}
			if tt.status == 200 && (got.application != f.app.ID || got.consumerHeader != f.dev.ID) {
				t.Errorf("allowed: X-Application-Id %q, X-Consumer-Id %q, want %q, %q", got.application, got.consumerHeader, f.app.ID, f.dev.ID)
			}
			if tt.status != 200 && got.msg == "" {
				t.Errorf("denial without X-Portal-Message")
			}
		})
	}
}

// TestDenialHeaders: every denial carries its message and reason in
// headers too (nginx's auth_request passes a gateway no body), the message
// fit to go unescaped into a JSON string.
func TestDenialHeaders(t *testing.T) {
	t.Parallel()
	f := setup(t)
	srv := f.forwardAuth(t)
	for name, tt := range map[string]struct {
		key            string
		status         int
		reason, header string
	}{
		"no key":      {"", 401, validate.ReasonNoKey, validate.MsgNoKey},
		"invalid key": {"ptk_nope", 401, validate.ReasonInvalidKey, validate.MsgInvalid},
	} {
		headers := []string{"X-Forwarded-Uri", "/gateway/httpbin/get"}
		if tt.key != "" {
			headers = append(headers, "apikey", tt.key)
		}
		res, b := ask(t, srv.URL+"/validate", "", headers...)
		var body struct{ Message string }
		must(t, json.Unmarshal(b, &body))
		if res.StatusCode != tt.status || res.Header.Get("X-Portal-Reason") != tt.reason || res.Header.Get("X-Portal-Message") != tt.header || body.Message != tt.header {
			t.Errorf("%s: %d, X-Portal-Reason %q, X-Portal-Message %q, body %q; want %d %q %q", name, res.StatusCode, res.Header.Get("X-Portal-Reason"), res.Header.Get("X-Portal-Message"), body.Message, tt.status, tt.reason, tt.header)
		}
	}
	rec := httptest.NewRecorder()
	validate.WriteDecision(rec, validate.Decision{Status: 403, Message: "say \"no\" \\ twice\n\u00e9"})
	if got, want := rec.Header().Get("X-Portal-Message"), "say 'no' / twice  "; got != want {
		t.Errorf("X-Portal-Message = %q, want %q (no quote, backslash or non-ASCII)", got, want)
	}
}

// TestAuthIsOneDecision: an API published without a strategy asks for a
// key at /validate and at the gateway alike; one published with auth
// "none" is open in both.
func TestAuthIsOneDecision(t *testing.T) {
	t.Parallel()
	f := setup(t)
	fa := f.forwardAuth(t)
	var reached bool
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true })
	gw := httptest.NewServer(&validate.Gateway{Gate: f.gate, Prefix: "/gateway/", Local: map[string]http.Handler{"httpbin": upstream}})
	defer gw.Close()
	for slug, want := range map[string]int{"bearer": 401, "open": 200, "httpbin": 401} {
		res, _ := ask(t, fa.URL+"/validate", "", "X-Forwarded-Uri", "/gateway/"+slug+"/get")
		if res.StatusCode != want {
			t.Errorf("/validate for %s without a key = %d, want %d", slug, res.StatusCode, want)
		}
		if slug == "open" && res.Header.Get("X-Anonymous-Consumer") != "true" {
			t.Errorf("/validate for an open API: X-Anonymous-Consumer = %q, want true", res.Header.Get("X-Anonymous-Consumer"))
		}
		reached = false
		res, _ = ask(t, gw.URL+"/gateway/"+slug+"/get", "")
		if res.StatusCode != want || reached != (want == 200) {
			t.Errorf("gateway for %s without a key = %d (upstream reached: %v), want %d", slug, res.StatusCode, reached, want)
		}
	}
}

// TestGatewayKeepsPortalCookiesAndOwnsCORS: the portal's session cookie
// never reaches an upstream, and an upstream's CORS headers never reach
// the browser.
func TestGatewayKeepsPortalCookiesAndOwnsCORS(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var cookies []string
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cookies = r.Header.Values("Cookie")
		// What go-httpbin and many APIs answer: any origin, with credentials.
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Write([]byte("{}"))
	})
	gw := &validate.Gateway{Gate: f.gate, Prefix: "/gateway/", Origin: "http://portal.example", Cookies: []string{"portal_session"}, Local: map[string]http.Handler{"httpbin": upstream}}
	up := validate.Upstream(upstream, "http://portal.example", []string{"portal_session"})
	for name, h := range map[string]http.Handler{"gateway": gw, "upstream": up} {
		srv := httptest.NewServer(h)
		for _, origin := range []string{"http://portal.example", "https://evil.example"} {
			cookies = nil
			res, _ := ask(t, srv.URL+"/gateway/httpbin/cookies", "", "apikey", f.key, "Origin", origin, "Cookie", "theme=dark; portal_session=SECRET; other=1")
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d", name, res.StatusCode)
			}
			if got := strings.Join(cookies, ";"); strings.Contains(got, "SECRET") || !strings.Contains(got, "theme=dark") || !strings.Contains(got, "other=1") {
				t.Errorf("%s: upstream got cookies %q, want the others without portal_session", name, got)
			}
			acao := res.Header.Get("Access-Control-Allow-Origin")
			if res.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("%s from %s: Access-Control-Allow-Credentials = %q, want none", name, origin, res.Header.Get("Access-Control-Allow-Credentials"))
			}
			if origin == "https://evil.example" && acao != "" {
				t.Errorf("%s from %s: Access-Control-Allow-Origin = %q, want none", name, origin, acao)
			}
			if origin == "http://portal.example" && acao != origin {
				t.Errorf("%s from the portal: Access-Control-Allow-Origin = %q, want %s", name, acao, origin)
			}
		}
		srv.Close()
	}
}

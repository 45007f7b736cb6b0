package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portal-dev/portal/cmd/portal/serve"
	"github.com/portal-dev/portal/functions/apikey"
	"github.com/portal-dev/portal/functions/portal"
)

// The gateway tests put Debian's real nginx and Caddy, configured by
// `portal gateway config`, in front of `portal serve` (in process) and
// its embedded httpbin, all on loopback: testdata/gateways/portal.yaml.

const gatewaysConfig = "testdata/gateways/portal.yaml"

// gatewayBinary finds a gateway's binary; a missing one fails the test
// (make deps installs Debian's nginx and caddy), never skips it.
func gatewayBinary(t testing.TB, name string) string {
	t.Helper()
	for _, p := range []string{name, "/usr/sbin/" + name, "/usr/bin/" + name} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatalf("%s is not installed: run make deps (scripts/install-deps.sh installs Debian's %s)", name, name)
	return ""
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// portalForGateways runs `portal serve` on the gateway tests' portal.yaml,
// in process; its URL is the portal's origin.
func portalForGateways(t testing.TB) (*serve.Server, string) {
	t.Helper()
	return serveOnLoopback(t, serve.Options{Config: gatewaysConfig, Data: t.TempDir(), Progress: io.Discard})
}

// gatewayConfig runs `portal gateway config kind` as a user would.
func gatewayConfig(t testing.TB, kind, validateURL string, port int, extra ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	args := append([]string{"gateway", "config", kind, "--config", gatewaysConfig, "--validate-url", validateURL, "--listen", fmt.Sprintf("127.0.0.1:%d", port)}, extra...)
	if code := Main(context.Background(), args, env(), &out, &errOut); code != 0 {
		t.Fatalf("portal %s = %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

// startGateway runs nginx or caddy with conf (what `portal gateway config`
// printed) on port, as the test's user, with every path of its own in a
// temporary folder, and stops it when the test ends.
func startGateway(t testing.TB, kind, conf string, port int) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var cmd *exec.Cmd
	switch kind {
	case "nginx":
		user := ""
		if os.Geteuid() == 0 {
			// Workers would run as nobody, who cannot enter the temp folder.
			user = "user root;\n"
		}
		main := write("nginx.conf", fmt.Sprintf(`daemon off;
master_process on;
worker_processes 1;
%spid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    include %[3]s;
}
`, user, dir, write("portal.conf", conf)))
		cmd = exec.Command(gatewayBinary(t, "nginx"), "-p", dir, "-c", main, "-e", filepath.Join(dir, "error.log"))
	case "caddy":
		main := write("Caddyfile", "{\n\tadmin off\n\tauto_https off\n}\n\nimport "+write("portal.caddyfile", conf)+"\n")
		cmd = exec.Command(gatewayBinary(t, "caddy"), "run", "--config", main, "--adapter", "caddyfile")
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	default:
		t.Fatalf("no gateway %s", kind)
	}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(3 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		select {
		case <-exited:
			errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("%s exited (%v) before listening on %s:\n%s%s\nconfiguration:\n%s", kind, waitErr, addr, logs.String(), errLog, conf)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s after 10 s:\n%s", kind, addr, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// answer is a gateway's answer, and what the upstream (httpbin's echo)
// saw when the call went through.
type answer struct {
	status int
	header http.Header
	body   []byte
	echo   struct {
		Args    map[string][]string `json:"args"`
		Headers map[string][]string `json:"headers"`
		URL     string              `json:"url"`
	}
}

func (a answer) String() string {
	return fmt.Sprintf("%d %s", a.status, bytes.TrimSpace(a.body))
}

func (a answer) message() string {
	var m struct{ Message string }
	json.Unmarshal(a.body, &m)
	return m.Message
}

// raw sends one request exactly as written (path, host and headers in
// order, duplicates kept): Go's client would clean or encode some of the
// tricks.
func raw(t testing.TB, gw, method, host, target string, headers ...string) answer {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(gw, "http://"), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, host)
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", headers[i], headers[i+1])
	}
	b.WriteString("Connection: close\r\n\r\n")
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	a := answer{status: res.StatusCode, header: res.Header}
	a.body, _ = io.ReadAll(res.Body)
	if a.status == 200 {
		json.Unmarshal(a.body, &a.echo)
	}
	return a
}

// consumer is an approved developer's application with one key,
// registered to some APIs.
type consumer struct {
	dev  portal.Developer
	app  portal.Application
	cred portal.Credential
	key  string
	regs map[string]portal.Registration // by API slug
}

func newConsumer(t testing.TB, st portal.FullStore, name string, regs map[string]portal.RegistrationStatus) *consumer {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	ev := func(action, subject string) portal.AuditEvent {
		return portal.AuditEvent{ID: action + "-" + subject, At: now, Actor: "gateway-test", Action: action, Subject: subject}
	}
	c := &consumer{regs: map[string]portal.Registration{}}
	c.dev = portal.Developer{ID: "dev-" + name, Email: name + "@example.com", FullName: name, PasswordHash: "x", Status: portal.StatusApproved, EmailVerified: true, CreatedAt: now, UpdatedAt: now}
	must(t, st.CreateDeveloper(ctx, c.dev, ev("developer.created", c.dev.ID)))
	c.app = portal.Application{ID: "app-" + name, Name: name, DeveloperID: c.dev.ID, AuthStrategyID: portal.DefaultAuthStrategyID, CreatedAt: now, UpdatedAt: now}
	must(t, st.CreateApplication(ctx, c.app, ev("application.created", c.app.ID)))
	for slug, status := range regs {
		api, err := st.GetAPIBySlug(ctx, slug)
		must(t, err)
		r := portal.Registration{ID: "reg-" + name + "-" + slug, ApplicationID: c.app.ID, APIID: api.ID, Status: status, CreatedAt: now, UpdatedAt: now}
		must(t, st.CreateRegistration(ctx, r, ev("registration.created", r.ID)))
		c.regs[slug] = r
	}
	key, hash := apikey.New()
	c.key = key
	c.cred = portal.Credential{ID: "cred-" + name, ApplicationID: c.app.ID, DeveloperID: c.dev.ID, Hash: hash, Hint: apikey.Hint(key), CreatedAt: now}
	must(t, st.CreateCredential(ctx, c.cred, ev("credential.created", c.cred.ID)))
	return c
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// forged are identity headers a client makes up.
var forged = []string{
	"X-Consumer-ID", "forged", "X-Consumer-Username", "forged", "X-Consumer-Custom-ID", "forged",
	"X-Application-ID", "evil", "X-Credential-Identifier", "forged", "X-Anonymous-Consumer", "true",
}

// TestGateways puts real nginx and Caddy, configured by `portal gateway
// config`, in front of `portal serve` and checks what a client can and
// cannot do through them.
func TestGateways(t *testing.T) {
	t.Parallel()
	s, base := portalForGateways(t)
	for _, kind := range []string{"nginx", "caddy"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			gw := startGateway(t, kind, gatewayConfig(t, kind, base+"/validate", port), port)
			host := fmt.Sprintf("127.0.0.1:%d", port)
			petHost := fmt.Sprintf("petstore.localhost:%d", port)
			c := newConsumer(t, s.Store(), kind, map[string]portal.RegistrationStatus{"httpbin": portal.RegistrationPending, "petstore": portal.RegistrationApproved})

			// Kong's tutorial: no key, a key whose registration is pending,
			// approved, then revoked.
			a := raw(t, gw, "GET", host, "/gateway/httpbin/anything")
			if a.status != 401 || a.message() != "No API key found in request" || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
				t.Errorf("no key = %s (%s), want 401 Kong's JSON", a, a.header.Get("Content-Type"))
			}
			if a := raw(t, gw, "GET", host, "/gateway/httpbin/anything", "apikey", "ptk_not-a-key"); a.status != 401 || a.message() != "Invalid authentication credentials" {
				t.Errorf("bad key = %s, want 401 Invalid authentication credentials", a)
			}
			if a := raw(t, gw, "GET", host, "/gateway/httpbin/anything", "apikey", c.key); a.status != 403 || a.message() != "You cannot consume this service" {
				t.Errorf("pending registration = %s, want 403 Kong's JSON", a)
			}
			ctx := context.Background()
			_, err := s.Store().SetRegistrationStatus(ctx, c.regs["httpbin"].ID, []portal.RegistrationStatus{portal.RegistrationPending}, portal.RegistrationApproved,
				portal.AuditEvent{ID: "approve-" + kind, At: time.Now(), Actor: "gateway-test", Action: "registration.approved", Subject: c.regs["httpbin"].ID})
			must(t, err)
			start := time.Now()
			for {
				a = raw(t, gw, "GET", host, "/gateway/httpbin/anything?hello=world", append([]string{"apikey", c.key}, forged...)...)
				if a.status == 200 || time.Since(start) > 6*time.Second {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if a.status != 200 {
				t.Fatalf("approved registration = %s after %s, want 200", a, time.Since(start))
			}
			wantIdentity(t, "approved", a, c)
			if got := a.echo.Args["hello"]; len(got) != 1 || got[0] != "world" {
				t.Errorf("upstream query = %v, want hello=world", a.echo.Args)
			}
			if want := strings.TrimPrefix(base, "http://") + "/anything?hello=world"; !strings.HasSuffix(a.echo.URL, want) {
				t.Errorf("upstream URL = %s, want …%s (httpbin's own host and path)", a.echo.URL, want)
			}

			// The key registered to httpbin reaches no other API, whatever the
			// client says the API or the URI is.
			for name, h := range map[string][]string{
				"X-Portal-API":       {"X-Portal-API", "httpbin"},
				"X-Forwarded-Uri":    {"X-Forwarded-Uri", "/gateway/httpbin/anything"},
				"X-Original-URI":     {"X-Original-URI", "/gateway/httpbin/anything"},
				"all three":          {"X-Portal-API", "httpbin", "X-Forwarded-Uri", "/gateway/httpbin/anything", "X-Original-URI", "/gateway/httpbin/anything"},
				"X-Forwarded-Host":   {"X-Forwarded-Host", "petstore.localhost"},
				"identity headers":   forged,
				"nothing forged":     nil,
				"X-Portal-API twice": {"X-Portal-API", "httpbin", "X-Portal-API", "httpbin"},
			} {
				if a := raw(t, gw, "GET", host, "/gateway/secret/anything", append([]string{"apikey", c.key}, h...)...); a.status != 403 {
					t.Errorf("secret with the httpbin key, forged %s = %s, want 403", name, a)
				}
			}
			// Path tricks: none routes the check to one API and the call to
			// another. A denial (or no route) is right; a 200 is not, except
			// where the path really is httpbin's.
			for _, target := range []string{
				"/gateway/httpbin/../secret/anything",
				"/gateway/httpbin/%2e%2e/secret/anything",
				"/gateway/httpbin/%2E%2E/secret/anything",
				"/gateway/httpbin/..%2fsecret/anything",
				"/gateway/httpbin/..%2Fsecret/anything",
				"/gateway/httpbin/..%5csecret/anything",
				"//gateway/secret/anything",
				"/gateway//secret/anything",
				"/gateway/secret",
				"/museum/../gateway/secret/anything",
				"/museum/%2e%2e/gateway/secret/anything",
				"/museum/..%2fgateway/secret/anything",
			} {
				if a := raw(t, gw, "GET", host, target, "apikey", c.key); a.status == 200 || a.status < 300 || a.status >= 500 {
					t.Errorf("%s with the httpbin key = %s, want a 3xx or 4xx", target, a)
				}
			}
			// Paths that are httpbin's once normalised: served as httpbin's
			// (nginx proxies the normalised path) or refused (Caddy proxies
			// the path as sent, so its configuration refuses unclean ones).
			for _, target := range []string{"//gateway//httpbin/anything", "/gateway/httpbin/./anything", "/gateway/%68ttpbin/anything"} {
				a := raw(t, gw, "GET", host, target, "apikey", c.key)
				switch {
				case a.status == 200:
					wantIdentity(t, target, a, c)
					if !strings.Contains(a.echo.URL, "/anything") || strings.Contains(a.echo.URL, "gateway") {
						t.Errorf("%s reached the upstream as %s, want …/anything", target, a.echo.URL)
					}
				case a.status != 400 && a.status != 404:
					t.Errorf("%s with the httpbin key = %s, want 200 as httpbin's, or 400 or 404", target, a)
				}
			}
			// No trailing slash: served, or redirected to the slash; never
			// without the key.
			if a := raw(t, gw, "GET", host, "/gateway/httpbin"); a.status == 200 {
				t.Errorf("/gateway/httpbin without a key = %s, want no 200", a)
			}
			if a := raw(t, gw, "GET", host, "/gateway/httpbin", "apikey", c.key); a.status != 200 && !(a.status == 301 && strings.HasSuffix(a.header.Get("Location"), "/gateway/httpbin/")) {
				t.Errorf("/gateway/httpbin with the key = %s (Location %q), want 200 or 301 to /gateway/httpbin/", a, a.header.Get("Location"))
			}

			// petstore: routed by host and path, key in api_key (nginx drops
			// underscores unless told not to).
			a = raw(t, gw, "GET", petHost, "/v2/anything", append([]string{"api_key", c.key}, forged...)...)
			if a.status != 200 {
				t.Fatalf("petstore with api_key = %s, want 200", a)
			}
			wantIdentity(t, "petstore", a, c)
			for k := range a.echo.Headers {
				if strings.EqualFold(k, "api_key") || strings.EqualFold(k, "api-key") {
					t.Errorf("the key reached petstore's upstream as %s", k)
				}
			}
			if a := raw(t, gw, "GET", petHost, "/v2/anything", "apikey", c.key); a.status != 401 {
				t.Errorf("petstore with the key in apikey (not its header) = %s, want 401", a)
			}
			if a := raw(t, gw, "GET", host, "/v2/anything", "api_key", c.key); a.status == 200 {
				t.Errorf("petstore's path on another host = %s, want no route", a)
			}

			// museum is open (auth: none): the upstream is told so, and a
			// client's identity does not pass.
			a = raw(t, gw, "GET", host, "/museum/anything", forged...)
			if a.status != 200 {
				t.Fatalf("open museum = %s, want 200", a)
			}
			if got := a.echo.Headers["X-Anonymous-Consumer"]; len(got) != 1 || got[0] != "true" {
				t.Errorf("open museum: upstream X-Anonymous-Consumer = %v, want [true]", got)
			}
			for _, h := range []string{"X-Consumer-Id", "X-Application-Id", "X-Credential-Identifier", "X-Consumer-Username", "X-Consumer-Custom-Id"} {
				if v, ok := a.echo.Headers[h]; ok {
					t.Errorf("open museum: upstream got %s %v from the client", h, v)
				}
			}

			// CORS: the portal's origin gets its preflight answered before
			// the key check, and its calls the portal's CORS headers only.
			a = raw(t, gw, "OPTIONS", host, "/gateway/httpbin/anything", "Origin", base, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "apikey")
			if a.status != 204 || a.header.Get("Access-Control-Allow-Origin") != base || !strings.Contains(a.header.Get("Access-Control-Allow-Headers"), "apikey") {
				t.Errorf("preflight from the portal = %s %v, want 204 allowing %s and apikey", a, a.header, base)
			}
			a = raw(t, gw, "OPTIONS", petHost, "/v2/pet/1", "Origin", base, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "api_key")
			if a.status != 204 || !strings.Contains(a.header.Get("Access-Control-Allow-Headers"), "api_key") {
				t.Errorf("petstore preflight = %s %v, want 204 allowing api_key", a, a.header)
			}
			a = raw(t, gw, "OPTIONS", host, "/gateway/httpbin/anything", "Origin", "https://evil.example", "Access-Control-Request-Method", "GET")
			if a.status == 204 || a.header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("preflight from another origin = %s (Allow-Origin %q), want the key check and no CORS", a, a.header.Get("Access-Control-Allow-Origin"))
			}
			a = raw(t, gw, "GET", host, "/gateway/httpbin/anything", "Origin", base, "apikey", c.key)
			if got := a.header.Values("Access-Control-Allow-Origin"); a.status != 200 || len(got) != 1 || got[0] != base || a.header.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("call from the portal = %s, Allow-Origin %q, Allow-Credentials %q; want 200, [%s], none", a, got, a.header.Get("Access-Control-Allow-Credentials"), base)
			}
			a = raw(t, gw, "GET", host, "/gateway/httpbin/anything", "Origin", base)
			if a.status != 401 || a.header.Get("Access-Control-Allow-Origin") != base {
				t.Errorf("denial to the portal's origin = %s, Allow-Origin %q; want 401 readable by %s", a, a.header.Get("Access-Control-Allow-Origin"), base)
			}

			// Revoked: 401 within 5 s.
			must(t, s.Store().DeleteCredential(ctx, c.app.ID, c.cred.ID, portal.AuditEvent{ID: "revoke-" + kind, At: time.Now(), Actor: "gateway-test", Action: "credential.deleted", Subject: c.cred.ID}))
			start = time.Now()
			for {
				a = raw(t, gw, "GET", host, "/gateway/httpbin/anything", "apikey", c.key)
				if a.status == 401 || time.Since(start) > 5*time.Second {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if a.status != 401 || a.message() != "Invalid authentication credentials" {
				t.Fatalf("revoked key after %s = %s, want 401 Invalid authentication credentials", time.Since(start), a)
			}
			t.Logf("%s: revocation seen after %s", kind, time.Since(start).Round(time.Millisecond))
		})
		// The validator down: every call fails closed, 5xx.
		t.Run(kind+"/validator down", func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			dead := fmt.Sprintf("http://127.0.0.1:%d/validate", freePort(t))
			gw := startGateway(t, kind, gatewayConfig(t, kind, dead, port, "--origin", base), port)
			c := newConsumer(t, s.Store(), kind+"-down", map[string]portal.RegistrationStatus{"httpbin": portal.RegistrationApproved})
			for _, h := range [][]string{{"apikey", c.key}, nil} {
				a := raw(t, gw, "GET", fmt.Sprintf("127.0.0.1:%d", port), "/gateway/httpbin/anything", h...)
				if a.status < 500 {
					t.Errorf("validator down, %v = %s, want 5xx", h, a)
				}
				if kind == "nginx" && (a.status != 503 || a.header.Get("Retry-After") == "" || a.message() == "") {
					t.Errorf("nginx, validator down = %s (Retry-After %q), want 503 with Retry-After and a JSON message", a, a.header.Get("Retry-After"))
				}
			}
		})
	}
}

// wantIdentity checks the identity headers the upstream received: the
// validator's, and no client's.
func wantIdentity(t *testing.T, what string, a answer, c *consumer) {
	t.Helper()
	for h, want := range map[string]string{"X-Consumer-Id": c.dev.ID, "X-Application-Id": c.app.ID, "X-Credential-Identifier": c.cred.ID} {
		if got := a.echo.Headers[h]; len(got) != 1 || got[0] != want {
			t.Errorf("%s: upstream %s = %v, want [%s]", what, h, got, want)
		}
	}
	for _, h := range []string{"X-Consumer-Username", "X-Consumer-Custom-Id", "X-Anonymous-Consumer", "Apikey"} {
		if v, ok := a.echo.Headers[h]; ok {
			t.Errorf("%s: upstream got %s %v (the client's)", what, h, v)
		}
	}
}

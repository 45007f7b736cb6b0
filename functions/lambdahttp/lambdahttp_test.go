package lambdahttp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portal-dev/portal/functions/boltstore"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/httpapi/apitest"
	"github.com/portal-dev/portal/functions/lambdahttp"
	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
)

// loadEvent reads a recorded-shape event from testdata and fills its
// placeholders, in a base64 body too (body says where the event keeps its
// body and whether it is base64).
func loadEvent[E any](t *testing.T, name string, replace map[string]string, body func(*E) (*string, bool)) E {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	fill := func(s string) string {
		for k, v := range replace {
			s = strings.ReplaceAll(s, k, v)
		}
		return s
	}
	var ev E
	if err := json.Unmarshal([]byte(fill(string(raw))), &ev); err != nil {
		t.Fatal(err)
	}
	if b, base64Body := body(&ev); base64Body {
		decoded, err := base64.StdEncoding.DecodeString(*b)
		if err != nil {
			t.Fatal(err)
		}
		*b = base64.StdEncoding.EncodeToString([]byte(fill(string(decoded))))
	}
	return ev
}

// event loads an API Gateway HTTP API (payload 2.0) event. The events
// follow the shape of AWS's own samples (aws-lambda-go's events/testdata);
// no API Gateway can run here to record them live.
func event(t *testing.T, name string, replace map[string]string) events.APIGatewayV2HTTPRequest {
	return loadEvent(t, name, replace, func(ev *events.APIGatewayV2HTTPRequest) (*string, bool) { return &ev.Body, ev.IsBase64Encoded })
}

// replay is the real API on the embedded store, as a replay test's
// function serves it, with its mail in dir/outbox.
type replay struct {
	dir   string
	store *boltstore.Store
	api   *httpapi.Server
}

func newReplay(t *testing.T, baseURL string) *replay {
	t.Helper()
	r := &replay{dir: t.TempDir()}
	var err error
	r.store, err = boltstore.Open(filepath.Join(r.dir, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.store.Close() })
	r.api, err = httpapi.New(r.store, apitest.Mailer(t, r.dir, baseURL), nil, httpapi.Config{
		BaseURL: baseURL, SecureCookies: true,
		Defaults: portal.Settings{Name: "acme", DisplayName: "Acme", AutoApproveDevelopers: true},
		Password: password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// confirmationToken is the token of the one mail sent: the sign-up's
// confirmation link.
func (r *replay) confirmationToken(t *testing.T) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(r.dir, "outbox", "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d mails after sign-up, want 1", len(files))
	}
	raw, _ := os.ReadFile(files[0])
	text := strings.ReplaceAll(string(raw), "=\r\n", "")
	m := regexp.MustCompile(`verify-email/\?token=3D([A-Za-z0-9_-]+)|verify-email/\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no confirmation link in %s", raw)
	}
	return m[1] + m[2]
}

// admin is the placeholders of a management call: a new admin token and
// the portal's id.
func (r *replay) admin(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	tok, _, err := httpapi.CreateAdminToken(ctx, r.store, "replay test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	settings, err := r.store.GetSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"REPLACE_ADMIN": tok, "REPLACE_PORTAL": settings.ID}
}

// TestReplayEvents runs recorded-shape events through the real adapter and
// the real API on the embedded store: sign-up, confirmation (base64 body),
// login (Set-Cookie → cookies), me (cookies → Cookie), a management call
// with a query string, and a refused cross-site write.
func TestReplayEvents(t *testing.T) {
	t.Parallel()
	rp := newReplay(t, "https://developer.example.com")
	h := lambdahttp.Handler(rp.api.Handler())
	ctx := context.Background()
	call := func(ev events.APIGatewayV2HTTPRequest, status int) events.APIGatewayV2HTTPResponse {
		t.Helper()
		res, err := h(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != status {
			t.Fatalf("%s %s = %d, want %d; body %s", ev.RequestContext.HTTP.Method, ev.RawPath, res.StatusCode, status, res.Body)
		}
		return res
	}

	call(event(t, "signup.json", nil), 201)
	call(event(t, "verify-email.json", map[string]string{"REPLACE_TOKEN": rp.confirmationToken(t)}), 204)

	res := call(event(t, "authenticate.json", nil), 204)
	// The session, the readable logged-in hint, the access cookie: each
	// its own Set-Cookie, all __Host- and Secure.
	if len(res.Cookies) != 3 || !strings.HasPrefix(res.Cookies[0], "__Host-portal_session=") || !strings.HasPrefix(res.Cookies[1], "__Host-portal_in=1") || !strings.HasPrefix(res.Cookies[2], "__Host-portal_access=") {
		t.Fatalf("authenticate cookies = %v, want the __Host- session, hint and access cookies", res.Cookies)
	}
	for _, c := range res.Cookies {
		if !strings.Contains(c, "; Secure") {
			t.Errorf("cookie %s is not Secure", c)
		}
	}
	session := strings.SplitN(res.Cookies[0], ";", 2)[0]
	me := call(event(t, "me.json", map[string]string{"REPLACE_SESSION": session}), 200)
	if !strings.Contains(me.Body, `"email":"lambda@example.com"`) || me.Headers["Content-Type"] != "application/json" {
		t.Errorf("me = %v %s", me.Headers, me.Body)
	}

	list := call(event(t, "admin-developers.json", rp.admin(t)), 200)
	if !strings.Contains(list.Body, `"total":0`) {
		t.Errorf("pending developers = %s, want none (auto-approve is on)", list.Body)
	}
	call(event(t, "cross-site.json", nil), 403)
}

// TestLambdaBinariesLinkNoGenerator keeps Hugo, libopenapi and the
// generator out of the Lambda functions: they start fast and stay small.
func TestLambdaBinariesLinkNoGenerator(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "../cmd/...", "../../netlify/functions/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps gave %d packages; expected the functions' dependencies", len(deps))
	}
	for _, d := range deps {
		for _, banned := range []string{"github.com/gohugoio/hugo", "github.com/pb33f/libopenapi", "github.com/portal-dev/portal/generator", "github.com/a-h/templ"} {
			if strings.HasPrefix(d, banned) {
				t.Errorf("a Lambda function links %s", d)
			}
		}
	}
}

// TestBadEvent: an event that makes no request (here a body that is not
// base64) is answered 400 with the reason, by both adapters, and the
// handler is not called.
func TestBadEvent(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("the handler was called for a bad event") })
	ctx := context.Background()
	v2, err := lambdahttp.Handler(h)(ctx, events.APIGatewayV2HTTPRequest{RawPath: "/", Body: "%%%", IsBase64Encoded: true})
	if err != nil || v2.StatusCode != 400 || !strings.Contains(v2.Body, "lambdahttp: body") {
		t.Errorf("Handler(bad base64) = %d %q, %v, want 400 naming the body", v2.StatusCode, v2.Body, err)
	}
	v1, err := lambdahttp.HandlerV1(h)(ctx, lambdahttp.V1Request{APIGatewayProxyRequest: events.APIGatewayProxyRequest{Path: "/", Body: "%%%", IsBase64Encoded: true}})
	if err != nil || v1.StatusCode != 400 || !strings.Contains(v1.Body, "lambdahttp: body") {
		t.Errorf("HandlerV1(bad base64) = %d %q, %v, want 400 naming the body", v1.StatusCode, v1.Body, err)
	}
}

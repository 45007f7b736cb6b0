package lambdahttp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
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
	"github.com/portal-dev/portal/functions/lambdahttp"
	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
)

// event loads an API Gateway HTTP API (payload 2.0) event from testdata and
// fills its placeholders. The events follow the shape of AWS's own samples
// (aws-lambda-go's events/testdata); no API Gateway can run here to record
// them live.
func event(t *testing.T, name string, replace map[string]string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	body := ev.Body
	if ev.IsBase64Encoded {
		b, _ := base64.StdEncoding.DecodeString(body)
		body = string(b)
	}
	for k, v := range replace {
		body = strings.ReplaceAll(body, k, v)
		ev.RawPath = strings.ReplaceAll(ev.RawPath, k, v)
		for h, hv := range ev.Headers {
			ev.Headers[h] = strings.ReplaceAll(hv, k, v)
		}
		for i, c := range ev.Cookies {
			ev.Cookies[i] = strings.ReplaceAll(c, k, v)
		}
	}
	if ev.IsBase64Encoded {
		body = base64.StdEncoding.EncodeToString([]byte(body))
	}
	ev.Body = body
	return ev
}

// TestReplayEvents runs recorded-shape events through the real adapter and
// the real API on the embedded store: sign-up, confirmation (base64 body),
// login (Set-Cookie → cookies), me (cookies → Cookie), a management call
// with a query string, and a refused cross-site write.
func TestReplayEvents(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := boltstore.Open(filepath.Join(dir, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob, err := mail.NewOutbox(filepath.Join(dir, "outbox"), io.Discard, "Portal <portal@localhost>")
	if err != nil {
		t.Fatal(err)
	}
	mailer, err := mail.New(mail.Config{BaseURL: "https://developer.example.com", PortalName: "Acme"}, nil, ob)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpapi.New(st, mailer, nil, httpapi.Config{
		BaseURL: "https://developer.example.com", SecureCookies: true,
		Defaults: portal.Settings{Name: "acme", DisplayName: "Acme", AutoApproveDevelopers: true},
		Password: password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := lambdahttp.Handler(srv.Handler())
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
	files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d mails after sign-up, want 1", len(files))
	}
	raw, _ := os.ReadFile(files[0])
	text := strings.ReplaceAll(string(raw), "=\r\n", "")
	m := regexp.MustCompile(`verify-email/\?token=3D([A-Za-z0-9_-]+)|verify-email/\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no confirmation link in %s", raw)
	}
	token := m[1] + m[2]
	call(event(t, "verify-email.json", map[string]string{"REPLACE_TOKEN": token}), 204)

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

	tok, _, err := httpapi.CreateAdminToken(ctx, st, "lambda test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	settings, err := st.GetSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	list := call(event(t, "admin-developers.json", map[string]string{"REPLACE_ADMIN": tok, "REPLACE_PORTAL": settings.ID}), 200)
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

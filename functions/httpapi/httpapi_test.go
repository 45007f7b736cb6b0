package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/boltstore"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/httpapi/apitest"
	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/publish"
	"github.com/portal-dev/portal/internal/testclock"
)

// testClock is where the server's clock starts in most tests: a fixed
// date, so that failures reproduce. Nothing in the stack may compare it
// with the wall clock; TestFlowsOnAnyDate runs the flows on other dates too
// to keep it so.
func testClock() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }

type env struct {
	t      testing.TB
	url    string
	store  portal.Store
	outbox string
	clock  *testclock.Clock
	admin  string // an admin token
	srv    *httpapi.Server
}

// Cheap hashing keeps the suite fast; TestPasswordCost checks the default.
var testCost = password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func setup(t testing.TB) *env {
	t.Helper()
	return setupAt(t, testClock())
}

// setupAt is setup with the server's clock starting at base.
func setupAt(t testing.TB, base time.Time) *env {
	t.Helper()
	dir := t.TempDir()
	return setupWith(t, openBolt(t, dir), dir, base)
}

// openBolt opens an embedded store in dir, closed when the test ends.
func openBolt(t testing.TB, dir string) *boltstore.Store {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(dir, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// testMailer sends the tests' mail to an outbox in dir/outbox.
func testMailer(t testing.TB, dir string) *mail.Mailer {
	return apitest.Mailer(t, dir, "http://127.0.0.1:8080")
}

func setupWith(t testing.TB, st portal.FullStore, dir string, base time.Time) *env {
	t.Helper()
	outbox := filepath.Join(dir, "outbox")
	mailer := testMailer(t, dir)
	c := testclock.New(base)
	srv, err := httpapi.New(st, mailer, nil, httpapi.Config{
		BaseURL:  "http://127.0.0.1:8080",
		Defaults: portal.Settings{Name: "acme", DisplayName: "Acme"},
		Password: testCost,
	}, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	tok, _, err := httpapi.CreateAdminToken(context.Background(), st, "test", c.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: hs.URL, store: st, outbox: outbox, clock: c, admin: tok, srv: srv}
}

// client is a browser: it keeps cookies.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", a.body, err)
	}
	return m
}

func (a answer) detail(t *testing.T) string {
	t.Helper()
	s, _ := a.json(t)["detail"].(string)
	return s
}

// do sends a request; body is JSON-encoded unless it is a string.
func (e *env) do(c *http.Client, method, path string, body any, headers ...string) answer {
	e.t.Helper()
	var r io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

func (e *env) adminDo(method, path string, body any) answer {
	e.t.Helper()
	return e.do(nil, method, path, body, "Authorization", "Bearer "+e.admin)
}

// decide changes an object's status as an admin does: it reads the
// object and sends its ETag back as If-Match.
func (e *env) decide(path, status string) answer {
	e.t.Helper()
	got := e.adminDo("GET", path, nil)
	if got.status != 200 || got.header.Get("ETag") == "" {
		e.t.Fatalf("GET %s = %d (ETag %q) %s", path, got.status, got.header.Get("ETag"), got.body)
	}
	return e.do(nil, "PATCH", path, map[string]string{"status": status}, "Authorization", "Bearer "+e.admin, "If-Match", got.header.Get("ETag"))
}

// decideAtOnce sends n PATCHes of status(i) to path at the same time, all
// decided on the state of ETag tag, and returns their answers.
func (e *env) decideAtOnce(path, tag string, n int, status func(i int) string) []answer {
	var wg sync.WaitGroup
	answers := make([]answer, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = e.do(nil, "PATCH", path, map[string]string{"status": status(i)}, "Authorization", "Bearer "+e.admin, "If-Match", tag)
		}()
	}
	wg.Wait()
	return answers
}

// approveOrReject is decision i of approvals and rejections in turn.
func approveOrReject(i int) string {
	return map[bool]string{true: "approved", false: "rejected"}[i%2 == 0]
}

// auditActions returns the actions of the audit events about subject.
func (e *env) auditActions(subject string) []string {
	e.t.Helper()
	events, err := e.store.ListAuditEvents(context.Background(), subject)
	if err != nil {
		e.t.Fatal(err)
	}
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev.Action)
	}
	return actions
}

// auditCount counts the audit events of action about subject.
func (e *env) auditCount(subject, action string) int {
	e.t.Helper()
	n := 0
	for _, a := range e.auditActions(subject) {
		if a == action {
			n++
		}
	}
	return n
}

func (e *env) portalID() string {
	e.t.Helper()
	a := e.adminDo("GET", "/v3/portals", nil)
	var l struct{ Data []struct{ ID string } }
	json.Unmarshal(a.body, &l)
	if a.status != 200 || len(l.Data) != 1 {
		e.t.Fatalf("GET /v3/portals = %d %s", a.status, a.body)
	}
	return l.Data[0].ID
}

func want(t testing.TB, a answer, status int) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status = %d, want %d; body %s", a.status, status, a.body)
	}
}

// mails returns the outbox's messages, oldest first.
func (e *env) mails() []mail.Message {
	e.t.Helper()
	// Some mails go after their request's answer.
	if e.srv != nil {
		e.srv.WaitAnswered()
	}
	ms, err := mail.ReadOutbox(e.outbox)
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

var tokenRe = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// lastToken is the token in the newest mail of a template.
func (e *env) lastToken(template string) string {
	e.t.Helper()
	ms := e.mails()
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Template == template {
			if m := tokenRe.FindStringSubmatch(ms[i].Text); m != nil {
				return m[1]
			}
		}
	}
	e.t.Fatalf("no %s mail with a token in %v", template, ms)
	return ""
}

const goodPassword = "vX9#qLm2-river"

// signUp signs a developer up and confirms the address.
func (e *env) signUp(email string) {
	e.t.Helper()
	want(e.t, e.do(nil, "POST", "/api/v3/developer", map[string]string{"email": email, "full_name": "Dev " + email, "password": goodPassword}), 201)
	want(e.t, e.do(nil, "POST", "/api/v3/developer/verify-email", map[string]string{"token": e.lastToken("confirm-email-address")}), 204)
}

// signUpApproved signs a developer up, confirms the address and approves
// them.
func (e *env) signUpApproved(email string) {
	e.t.Helper()
	e.signUp(email)
	e.approve(email)
}

func (e *env) developerID(email string) string {
	e.t.Helper()
	d, err := e.store.GetDeveloperByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	return d.ID
}

func (e *env) approve(email string) {
	e.t.Helper()
	want(e.t, e.decide("/v3/portals/"+e.portalID()+"/developers/"+e.developerID(email), "approved"), 200)
}

// login returns a browser holding a developer's session.
func (e *env) login(email string) *http.Client {
	e.t.Helper()
	return e.loginAt("/api/v3/developer/authenticate", email, 204)
}

// loginAt returns a browser that logged in with goodPassword at path, which
// answered status.
func (e *env) loginAt(path, email string, status int) *http.Client {
	e.t.Helper()
	c := e.client()
	want(e.t, e.do(c, "POST", path, map[string]string{"username": email, "password": goodPassword}), status)
	return c
}

// TestFlowsOnAnyDate runs the account and application flows on the tests'
// fixed date and with the server's one clock set far from the wall clock,
// both ways: any part that read the wall clock instead (a store judging
// sessions, a cookie's Expires, a token's expiry) would fail here.
func TestFlowsOnAnyDate(t *testing.T) {
	t.Parallel()
	wall := time.Now().UTC()
	dates := map[string]time.Time{
		"testClock":     testClock(),
		"a year ahead":  wall.AddDate(1, 0, 0),
		"a year behind": wall.AddDate(-1, 0, 0),
		"2099":          time.Date(2099, 12, 31, 23, 0, 0, 0, time.UTC),
		"leap day 2000": time.Date(2000, 2, 29, 23, 30, 0, 0, time.UTC),
		"before 1970":   time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC),
	}
	flows := map[string]func(*testing.T, time.Time){
		"SignUpFlow":                  signUpFlow,
		"SessionCookie":               sessionCookie,
		"AccessCookie":                accessCookie,
		"LoginErrorsAndThrottle":      loginErrorsAndThrottle,
		"ForgotAndResetPassword":      forgotAndResetPassword,
		"VerifyTokenExpires":          verifyTokenExpires,
		"Applications":                applications,
		"RegistrationApprovalAndRBAC": registrationApprovalAndRBAC,
		"TeamApplications":            teamApplications,
	}
	for dn, date := range dates {
		for fn, flow := range flows {
			t.Run(dn+"/"+fn, func(t *testing.T) {
				t.Parallel()
				flow(t, date)
			})
		}
	}
}

func signUpFlow(t *testing.T, base time.Time) {
	e := setupAt(t, base)
	first := e.do(nil, "POST", "/api/v3/developer", map[string]string{"email": "Ada@Example.com", "full_name": "Ada", "password": goodPassword})
	want(t, first, 201)
	ms := e.mails()
	if len(ms) != 1 || ms[0].Template != "confirm-email-address" || ms[0].To != "<Ada@Example.com>" && !strings.Contains(ms[0].To, "Ada@Example.com") {
		t.Fatalf("mails = %+v, want one confirm-email-address to Ada@Example.com", ms)
	}
	if !strings.Contains(ms[0].Text, "http://127.0.0.1:8080/verify-email/?token=") {
		t.Errorf("confirmation mail lacks the configured link: %s", ms[0].Text)
	}

	// Same answer for a known address, in any case; no second mail.
	again := e.do(nil, "POST", "/api/v3/developer", map[string]string{"email": "ada@EXAMPLE.com", "full_name": "Eve", "password": goodPassword},
		"Host", "evil.example")
	want(t, again, 201)
	if !bytes.Equal(first.body, again.body) {
		t.Errorf("sign-up answers differ for known and unknown emails: %s vs %s", first.body, again.body)
	}
	if n := len(e.mails()); n != 1 {
		t.Errorf("%d mails after a duplicate sign-up, want 1", n)
	}

	// Pending until approved, whatever the confirmation.
	tok := e.lastToken("confirm-email-address")
	want(t, e.do(nil, "POST", "/api/v3/developer/verify-email", map[string]string{"token": tok}), 204)
	a := e.do(nil, "POST", "/api/v3/developer/verify-email", map[string]string{"token": tok})
	want(t, a, 400) // single use
	a = e.do(nil, "POST", "/api/v3/developer/authenticate", map[string]string{"username": "ada@example.com", "password": goodPassword})
	want(t, a, 403)
	if got := a.detail(t); got != "Your account is disabled or pending approval" {
		t.Errorf("403 detail = %q", got)
	}
	e.approve("ada@example.com")
	if ms := e.mails(); ms[len(ms)-1].Template != "account-access-approved" {
		t.Errorf("last mail = %+v, want account-access-approved", ms[len(ms)-1])
	}
	c := e.login("ADA@example.com")
	me := e.do(c, "GET", "/api/v3/developer/me", nil)
	want(t, me, 200)
	m := me.json(t)
	if m["email"] != "Ada@Example.com" || m["full_name"] != "Ada" || m["status"] != "approved" || m["id"] == "" || m["created_at"] == nil {
		t.Errorf("me = %v", m)
	}
	if _, leaked := m["password_hash"]; leaked {
		t.Errorf("me leaks the password hash")
	}
}

func sessionCookie(t *testing.T, base time.Time) {
	e := setupAt(t, base)
	e.signUpApproved("bob@example.com")
	a := e.do(nil, "POST", "/api/v3/developer/authenticate", map[string]string{"username": "bob@example.com", "password": goodPassword})
	want(t, a, 204)
	raw := a.header.Get("Set-Cookie")
	for _, part := range []string{"portal_session=", "Path=/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(raw, part) {
			t.Errorf("Set-Cookie %q lacks %s", raw, part)
		}
	}
	cookie := strings.SplitN(strings.SplitN(raw, ";", 2)[0], "=", 2)[1]
	if len(cookie) < 43 {
		t.Errorf("session cookie %q is shorter than 256 bits of base64", cookie)
	}
	// The store never holds the cookie itself.
	if _, err := e.store.GetSession(context.Background(), cookie, e.clock.Now()); !portal.IsCode(err, portal.ENotFound) {
		t.Errorf("GetSession(raw cookie) = %v, want not found (only the hash is stored)", err)
	}
	me := func() int {
		return e.do(nil, "GET", "/api/v3/developer/me", nil, "Cookie", "portal_session="+cookie).status
	}
	if got := me(); got != 200 {
		t.Fatalf("me = %d, want 200", got)
	}
	e.clock.Add(29 * time.Minute)
	if got := me(); got != 200 {
		t.Fatalf("me after 29 idle minutes = %d, want 200", got)
	}
	e.clock.Add(31 * time.Minute)
	if got := me(); got != 401 {
		t.Errorf("me after 31 idle minutes = %d, want 401", got)
	}

	// Absolute timeout: active every 20 minutes, out after 12 h all the same.
	c := e.login("bob@example.com")
	for elapsed := 20 * time.Minute; elapsed <= 13*time.Hour; elapsed += 20 * time.Minute {
		e.clock.Add(20 * time.Minute)
		got := e.do(c, "GET", "/api/v3/developer/me", nil).status
		if elapsed < 12*time.Hour && got != 200 {
			t.Fatalf("me after %s of activity = %d, want 200", elapsed, got)
		}
		if elapsed >= 12*time.Hour && got != 401 {
			t.Fatalf("me after %s of activity = %d, want 401 (absolute timeout 12 h)", elapsed, got)
		}
	}

	// Logout kills the session on the server, not only the cookie.
	c = e.login("bob@example.com")
	u := e.url + "/api/v3/developer/me"
	req, _ := http.NewRequest("GET", u, nil)
	cs := c.Jar.Cookies(req.URL)
	want(t, e.do(c, "POST", "/api/v3/developer/logout", nil), 204)
	if got := e.do(nil, "GET", "/api/v3/developer/me", nil, "Cookie", cs[0].Name+"="+cs[0].Value).status; got != 401 {
		t.Errorf("me with a logged-out cookie = %d, want 401", got)
	}
}

func loginErrorsAndThrottle(t *testing.T, base time.Time) {
	e := setupAt(t, base)
	e.signUpApproved("carol@example.com")
	wrong := e.do(nil, "POST", "/api/v3/developer/authenticate", map[string]string{"username": "carol@example.com", "password": "wrong password!"})
	unknown := e.do(nil, "POST", "/api/v3/developer/authenticate", map[string]string{"username": "nobody@example.com", "password": "wrong password!"})
	want(t, wrong, 401)
	want(t, unknown, 401)
	if wrong.detail(t) != unknown.detail(t) {
		t.Errorf("401 details differ for a wrong password (%q) and an unknown account (%q)", wrong.detail(t), unknown.detail(t))
	}
	// 9 more failures from "different" clients: the account locks anyway.
	for i := range 9 {
		want(t, e.do(nil, "POST", "/api/v3/developer/authenticate", map[string]string{"username": "Carol@example.com", "password": "wrong password!"},
			"X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i)), 401)
	}
	locked := e.do(nil, "POST", "/api/v3/developer/authenticate", map[string]string{"username": "carol@example.com", "password": goodPassword}, "X-Forwarded-For", "10.9.9.9")
	want(t, locked, 429)
	if locked.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	e.clock.Add(16 * time.Minute)
	e.login("carol@example.com")
}

func forgotAndResetPassword(t *testing.T, base time.Time) {
	e := setupAt(t, base)
	e.signUpApproved("dan@example.com")
	other := e.login("dan@example.com")

	unknown := e.do(nil, "POST", "/api/v3/developer/forgot-password", map[string]string{"email": "nobody@example.com"})
	known := e.do(nil, "POST", "/api/v3/developer/forgot-password", map[string]string{"email": "DAN@example.com"})
	want(t, unknown, 204)
	want(t, known, 204)
	tok := e.lastToken("reset-password")

	// A weak password is refused and does not spend the token.
	a := e.do(nil, "POST", "/api/v3/developer/reset-password", map[string]string{"token": tok, "password": "password1"})
	want(t, a, 400)
	const newPassword = "another-Str0ng-one"
	want(t, e.do(nil, "POST", "/api/v3/developer/reset-password", map[string]string{"token": tok, "password": newPassword}), 204)
	want(t, e.do(nil, "POST", "/api/v3/developer/reset-password", map[string]string{"token": tok, "password": newPassword}), 400)
	if got := e.do(other, "GET", "/api/v3/developer/me", nil).status; got != 401 {
		t.Errorf("another session after a reset: me = %d, want 401", got)
	}
	want(t, e.do(nil, "POST", "/api/v3/developer/authenticate", map[string]string{"username": "dan@example.com", "password": goodPassword}), 401)
	want(t, e.do(nil, "POST", "/api/v3/developer/authenticate", map[string]string{"username": "dan@example.com", "password": newPassword}), 204)

	// Reset tokens last 60 minutes.
	want(t, e.do(nil, "POST", "/api/v3/developer/forgot-password", map[string]string{"email": "dan@example.com"}), 204)
	tok = e.lastToken("reset-password")
	e.clock.Add(61 * time.Minute)
	want(t, e.do(nil, "POST", "/api/v3/developer/reset-password", map[string]string{"token": tok, "password": "yet-another-Str0ng"}), 400)
}

func verifyTokenExpires(t *testing.T, base time.Time) {
	e := setupAt(t, base)
	want(t, e.do(nil, "POST", "/api/v3/developer", map[string]string{"email": "erin@example.com", "full_name": "Erin", "password": goodPassword}), 201)
	tok := e.lastToken("confirm-email-address")
	e.clock.Add(24*time.Hour + time.Minute)
	want(t, e.do(nil, "POST", "/api/v3/developer/verify-email", map[string]string{"token": tok}), 400)
}

func TestRequestDecoding(t *testing.T) {
	t.Parallel()
	e := setup(t)
	big := `{"email":"x@example.com","full_name":"` + strings.Repeat("a", 70<<10) + `","password":"` + goodPassword + `"}`
	tests := map[string]struct {
		body   any
		ctype  string
		status int
		field  string
	}{
		"not json":       {body: "email=a", ctype: "application/x-www-form-urlencoded", status: 415},
		"too large":      {body: big, status: 413},
		"syntax":         {body: `{"email":`, status: 400},
		"empty":          {body: ``, status: 400},
		"wrong type":     {body: `{"email": 5}`, status: 400, field: "email"},
		"bad email":      {body: map[string]string{"email": "not-an-email", "full_name": "X", "password": goodPassword}, status: 400, field: "email"},
		"no name":        {body: map[string]string{"email": "n@example.com", "password": goodPassword}, status: 400, field: "full_name"},
		"short pw":       {body: map[string]string{"email": "s@example.com", "full_name": "S", "password": "Ab1!"}, status: 400, field: "password"},
		"common pw":      {body: map[string]string{"email": "c@example.com", "full_name": "C", "password": "password1"}, status: 400, field: "password"},
		"129 char pw":    {body: map[string]string{"email": "l@example.com", "full_name": "L", "password": strings.Repeat("x", 129)}, status: 400, field: "password"},
		"bidi in name":   {body: map[string]string{"email": "b@example.com", "full_name": "Eve \u202eadmin", "password": goodPassword}, status: 400, field: "full_name"},
		"escape in name": {body: map[string]string{"email": "e@example.com", "full_name": "Eve\x1b[2J", "password": goodPassword}, status: 400, field: "full_name"},
		"json+suffix ok": {body: map[string]string{"email": "j@example.com", "full_name": "J", "password": goodPassword}, ctype: "application/merge-patch+json", status: 201},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var headers []string
			if tt.ctype != "" {
				headers = []string{"Content-Type", tt.ctype}
			}
			a := e.do(nil, "POST", "/api/v3/developer", tt.body, headers...)
			want(t, a, tt.status)
			if a.status >= 400 {
				if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type = %q, want application/problem+json", ct)
				}
				p := a.json(t)
				if p["status"] != float64(tt.status) || p["title"] == "" || p["detail"] == "" {
					t.Errorf("problem = %v", p)
				}
			}
			if tt.field != "" && !strings.Contains(string(a.body), `"field":"`+tt.field+`"`) {
				t.Errorf("body %s lacks invalid_parameters for %s", a.body, tt.field)
			}
		})
	}
}

func TestNoMassAssignment(t *testing.T) {
	t.Parallel()
	e := setup(t)
	want(t, e.do(nil, "POST", "/api/v3/developer", `{"email":"m@example.com","full_name":"M","password":"`+goodPassword+`","status":"approved","id":"chosen","email_verified":true}`), 201)
	d, err := e.store.GetDeveloperByEmail(context.Background(), "m@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != portal.StatusPending || d.ID == "chosen" || d.EmailVerified {
		t.Errorf("sign-up took fields it must ignore: %+v", d)
	}
}

func TestCrossOriginWritesRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.do(nil, "POST", "/api/v3/developer/forgot-password", map[string]string{"email": "x@example.com"},
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	want(t, a, 403)
	same := e.do(nil, "POST", "/api/v3/developer/forgot-password", map[string]string{"email": "x@example.com"}, "Sec-Fetch-Site", "same-origin")
	want(t, same, 204)
}

func TestAdminAuth(t *testing.T) {
	t.Parallel()
	e := setup(t)
	none := e.do(nil, "GET", "/v3/portals", nil)
	want(t, none, 401)
	if none.header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
	want(t, e.do(nil, "GET", "/v3/portals", nil, "Authorization", "Bearer pat_nope"), 401)
	tok, rec, err := httpapi.CreateAdminToken(context.Background(), e.store, "x", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	want(t, e.do(nil, "GET", "/v3/portals", nil, "Authorization", "Bearer "+tok), 200)
	if err := e.store.RevokeAdminToken(context.Background(), rec.ID, e.clock.Now(), portal.AuditEvent{ID: "r", At: e.clock.Now(), Action: "admin_token.revoked", Subject: rec.ID}); err != nil {
		t.Fatal(err)
	}
	want(t, e.do(nil, "GET", "/v3/portals", nil, "Authorization", "Bearer "+tok), 401)
	// A developer session is no admin.
	e.signUpApproved("f@example.com")
	c := e.login("f@example.com")
	want(t, e.do(c, "GET", "/v3/portals", nil), 401)
	want(t, e.adminDo("GET", "/v3/portals/nope/developers", nil), 404)
}

func TestAdminDevelopers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	pid := e.portalID()
	for i := range 5 {
		e.signUp(fmt.Sprintf("d%d@example.com", i))
	}
	e.approve("d0@example.com")
	a := e.adminDo("GET", "/v3/portals/"+pid+"/developers?filter[status][eq]=pending&page[size]=2&page[number]=2", nil)
	want(t, a, 200)
	var l struct {
		Data []portal.Developer
		Meta struct {
			Page struct{ Number, Size, Total int }
		}
	}
	json.Unmarshal(a.body, &l)
	if len(l.Data) != 2 || l.Meta.Page.Total != 4 || l.Meta.Page.Number != 2 || l.Meta.Page.Size != 2 {
		t.Errorf("page 2 of pending = %d items, meta %+v; want 2 items of 4", len(l.Data), l.Meta.Page)
	}
	want(t, e.adminDo("GET", "/v3/portals/"+pid+"/developers?filter[status][eq]=bogus", nil), 400)
	want(t, e.adminDo("GET", "/v3/portals/"+pid+"/developers?page[size]=500", nil), 400)

	id := e.developerID("d1@example.com")
	path := "/v3/portals/" + pid + "/developers/" + id
	want(t, e.decide(path, "revoked"), 409) // pending cannot be revoked
	want(t, e.decide(path, "bogus"), 400)
	// A status change names the state it was decided on.
	want(t, e.adminDo("PATCH", path, map[string]string{"status": "rejected"}), 428)
	want(t, e.do(nil, "PATCH", path, map[string]string{"status": "rejected"}, "Authorization", "Bearer "+e.admin, "If-Match", "*"), 428)
	want(t, e.do(nil, "PATCH", path, map[string]string{"status": "rejected"}, "Authorization", "Bearer "+e.admin, "If-Match", "nonsense"), 400)
	want(t, e.decide(path, "rejected"), 200)
	want(t, e.decide(path, "approved"), 200)
	c := e.login("d1@example.com")
	want(t, e.decide(path, "revoked"), 200)
	want(t, e.do(c, "GET", "/api/v3/developer/me", nil), 401) // revoking ends sessions
	a = e.do(nil, "POST", "/api/v3/developer/authenticate", map[string]string{"username": "d1@example.com", "password": goodPassword})
	want(t, a, 403)
	want(t, e.adminDo("DELETE", path, nil), 204)
	want(t, e.adminDo("GET", path, nil), 404)
	want(t, e.adminDo("DELETE", path, nil), 404)

	if actions := e.auditActions(id); len(actions) < 5 {
		t.Errorf("audit events for %s = %v, want created, verified, three status changes and deletion", id, actions)
	}
}

func TestAutoApproveDevelopers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	want(t, e.adminDo("PATCH", "/v3/portals/"+e.portalID(), map[string]any{"auto_approve_developers": true, "display_name": "Acme APIs"}), 200)
	p := e.adminDo("GET", "/v3/portals/"+e.portalID(), nil).json(t)
	if p["auto_approve_developers"] != true || p["display_name"] != "Acme APIs" || p["rbac_enabled"] != false {
		t.Errorf("settings after PATCH = %v", p)
	}
	want(t, e.adminDo("PATCH", "/v3/portals/"+e.portalID(), map[string]any{"default_api_visibility": "secret"}), 400)
	e.signUp("g@example.com")
	e.login("g@example.com")
}

func TestAdminTeams(t *testing.T) {
	t.Parallel()
	e := setup(t)
	pid := e.portalID()
	base := "/v3/portals/" + pid + "/teams"
	a := e.adminDo("POST", base, map[string]string{"name": "Payments", "description": "The payments team"})
	want(t, a, 201)
	team := a.json(t)["id"].(string)
	want(t, e.adminDo("POST", base, map[string]string{"name": "payments"}), 409)
	want(t, e.adminDo("POST", base, map[string]string{"name": ""}), 400)
	want(t, e.adminDo("PATCH", base+"/"+team, map[string]string{"description": "Money"}), 200)

	e.signUp("h@example.com")
	dev := e.developerID("h@example.com")
	want(t, e.adminDo("POST", base+"/"+team+"/developers", map[string]string{"id": dev}), 201)
	want(t, e.adminDo("POST", base+"/"+team+"/developers", map[string]string{"id": dev}), 409)
	want(t, e.adminDo("POST", base+"/"+team+"/developers", map[string]string{"id": "nobody"}), 404)
	members := e.adminDo("GET", base+"/"+team+"/developers", nil)
	want(t, members, 200)
	if !strings.Contains(string(members.body), dev) {
		t.Errorf("members %s lack %s", members.body, dev)
	}

	if _, err := publish.Publish(context.Background(), e.store.(publish.Store), []byte(testCatalog), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// A role names a published API, by id or slug; anything else is a 400.
	for _, bad := range []string{"api-1", "nonsense", ""} {
		want(t, e.adminDo("POST", base+"/"+team+"/assigned-roles", map[string]string{"role_name": "API Consumer", "entity_id": bad}), 400)
	}
	role := e.adminDo("POST", base+"/"+team+"/assigned-roles", map[string]string{"role_name": "API Consumer", "entity_id": "httpbin", "entity_type_name": "APIs"})
	want(t, role, 201)
	if got := role.json(t)["entity_id"]; got != "api-pub" {
		t.Errorf("role by slug: entity_id = %v, want the API's id api-pub", got)
	}
	want(t, e.adminDo("POST", base+"/"+team+"/assigned-roles", map[string]string{"role_name": "API Consumer", "entity_id": "api-pub"}), 409)
	want(t, e.adminDo("POST", base+"/"+team+"/assigned-roles", map[string]string{"role_name": "Owner", "entity_id": "api-1"}), 400)
	roles := e.adminDo("GET", base+"/"+team+"/assigned-roles", nil)
	want(t, roles, 200)
	if !strings.Contains(string(roles.body), `"role_name":"API Consumer"`) {
		t.Errorf("roles = %s", roles.body)
	}
	want(t, e.adminDo("DELETE", base+"/"+team+"/assigned-roles/"+role.json(t)["id"].(string), nil), 204)
	want(t, e.adminDo("DELETE", base+"/"+team+"/developers/"+dev, nil), 204)
	want(t, e.adminDo("DELETE", base+"/"+team+"/developers/"+dev, nil), 404)
	want(t, e.adminDo("DELETE", base+"/"+team, nil), 204)
	want(t, e.adminDo("GET", base+"/"+team, nil), 404)
}

// TestConcurrentStatusChanges: 20 admins decide at once on one pending
// developer, each on the state they read (its ETag): exactly one decision
// applies, with one audit event and one mail; the others get 409 with the
// current state. Without If-Match, opposite decisions both applied.
func TestConcurrentStatusChanges(t *testing.T) {
	t.Parallel()
	tests := map[string]func(i int) string{
		"20 approvals":                func(int) string { return "approved" },
		"10 approvals, 10 rejections": approveOrReject,
	}
	for name, status := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.signUp("race@example.com")
			id := e.developerID("race@example.com")
			path := "/v3/portals/" + e.portalID() + "/developers/" + id
			read := e.adminDo("GET", path, nil)
			tag := read.header.Get("ETag")
			before := len(e.mails())
			ok, winner := 0, ""
			for i, a := range e.decideAtOnce(path, tag, 20, status) {
				switch a.status {
				case 200:
					ok++
					winner = status(i)
				case 409:
					if cur, _ := a.json(t)["current"].(map[string]any); cur["status"] == nil {
						t.Errorf("a stale decision's 409 lacks the current state: %s", a.body)
					}
				default:
					t.Errorf("a PATCH answered %d, want 200 or 409: %s", a.status, a.body)
				}
			}
			changes := e.auditCount(id, "developer.status_changed")
			mails := len(e.mails()) - before
			if ok != 1 || changes != 1 || mails != 1 {
				t.Errorf("%d changes, %d status events, %d mails; want exactly 1 each", ok, changes, mails)
			}
			d, err := e.store.GetDeveloper(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if string(d.Status) != winner {
				t.Errorf("final status %s, want the one decision that applied (%s)", d.Status, winner)
			}
		})
	}
}

func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.do(nil, "GET", "/api/v3/nothing", nil)
	want(t, a, 404)
	if a.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("404 Content-Type = %q", a.header.Get("Content-Type"))
	}
	want(t, e.do(nil, "DELETE", "/api/v3/developer/me", nil), 405)
}

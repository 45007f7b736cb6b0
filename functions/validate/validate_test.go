package validate_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portal-dev/portal/functions/apikey"
	"github.com/portal-dev/portal/functions/boltstore/bolttest"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/publish"
	"github.com/portal-dev/portal/functions/validate"
	"github.com/portal-dev/portal/internal/syncio"
	"github.com/portal-dev/portal/internal/testclock"
)

// counting wraps the store: it counts reads and can fail them, standing in
// for a store that cannot be reached.
type counting struct {
	portal.FullStore
	reads atomic.Int64
	down  atomic.Bool
}

var errDown = errors.New("store unreachable")

func (c *counting) read() error {
	c.reads.Add(1)
	if c.down.Load() {
		return errDown
	}
	return nil
}

func (c *counting) GetCredentialByHash(ctx context.Context, h string) (portal.Credential, error) {
	if err := c.read(); err != nil {
		return portal.Credential{}, err
	}
	return c.FullStore.GetCredentialByHash(ctx, h)
}

func (c *counting) GetApplication(ctx context.Context, id string) (portal.Application, error) {
	if err := c.read(); err != nil {
		return portal.Application{}, err
	}
	return c.FullStore.GetApplication(ctx, id)
}

func (c *counting) ListAPIs(ctx context.Context) ([]portal.API, error) {
	if err := c.read(); err != nil {
		return nil, err
	}
	return c.FullStore.ListAPIs(ctx)
}

type fixture struct {
	store *counting
	clock *testclock.Clock
	v     *validate.Validator
	gate  *validate.Gate
	api   portal.API
	key   string
	dev   portal.Developer
	app   portal.Application
	cred  portal.Credential
	reg   portal.Registration
}

const catalog = `{"portal":{"name":"acme"},"apis":[
 {"id":"api-httpbin","slug":"httpbin","name":"httpbin","version":"1.0","visibility":"public","auth_strategy":{"type":"key_auth","key_names":["apikey"]},"route_prefix":"/gateway/httpbin/","upstream_url":"httpbin"},
 {"id":"api-other","slug":"other","name":"Other","version":"1","visibility":"public","auth_strategy":{"type":"key_auth","key_names":["X-API-Key"]},"route_prefix":"/gateway/other/"},
 {"id":"api-petstore","slug":"petstore","name":"Petstore","version":"1","visibility":"public","auth_strategy":{"type":"key_auth","key_names":["apikey"]},"route_prefix":"/gateway/petstore/","upstream_url":"httpbin"},
 {"id":"api-secret","slug":"secret","name":"Secret","version":"1","visibility":"private","auth_strategy":{"type":"key_auth","key_names":["apikey"]},"route_prefix":"/gateway/secret/","upstream_url":"httpbin"},
 {"id":"api-bearer","slug":"bearer","name":"Bearer only","version":"1","visibility":"public","route_prefix":"/gateway/bearer/","upstream_url":"httpbin"},
 {"id":"api-open","slug":"open","name":"Open","version":"1","visibility":"public","auth_strategy":{"type":"none"},"route_prefix":"/gateway/open/","upstream_url":"httpbin"},
 {"id":"api-hosted","slug":"hosted","name":"Hosted","version":"1","visibility":"public","auth_strategy":{"type":"key_auth","key_names":["apikey"]},"route_host":"pets.acme.example","route_prefix":"/v2/","upstream_url":"httpbin"},
 {"id":"api-hosted-gw","slug":"hosted-gw","name":"Hosted on the gateway path","version":"1","visibility":"public","auth_strategy":{"type":"key_auth","key_names":["apikey"]},"route_host":"other.acme.example","route_prefix":"/gateway/httpbin/","upstream_url":"httpbin"}]}`

func ev(action, subject string) portal.AuditEvent {
	return portal.AuditEvent{ID: action + "-" + subject + "-" + time.Now().Format("150405.000000000"), At: time.Now(), Actor: "test", Action: action, Subject: subject}
}

// setup publishes a catalog and gives an approved developer an application
// with an approved registration to httpbin and one key.
func setup(t *testing.T) *fixture { return setupB(t, t) }

// setupB is setup for tests and benchmarks: tb owns the cleanups, t
// reports.
func setupB(tb testing.TB, t testing.TB) *fixture {
	tb.Helper()
	st := bolttest.Open(tb)
	ctx := context.Background()
	c := testclock.New(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	if _, err := publish.Publish(ctx, st, []byte(catalog), c.Now()); err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: &counting{FullStore: st}, clock: c}
	now := c.Now()
	f.dev = portal.Developer{ID: "dev-1", Email: "dev@example.com", FullName: "Dev", PasswordHash: "x", Status: portal.StatusApproved, EmailVerified: true, CreatedAt: now, UpdatedAt: now}
	must(t, st.CreateDeveloper(ctx, f.dev, ev("developer.created", f.dev.ID)))
	f.app = portal.Application{ID: "app-1", Name: "App", DeveloperID: f.dev.ID, AuthStrategyID: portal.DefaultAuthStrategyID, CreatedAt: now, UpdatedAt: now}
	must(t, st.CreateApplication(ctx, f.app, ev("application.created", f.app.ID)))
	f.reg = portal.Registration{ID: "reg-1", ApplicationID: f.app.ID, APIID: "api-httpbin", Status: portal.RegistrationApproved, CreatedAt: now, UpdatedAt: now}
	must(t, st.CreateRegistration(ctx, f.reg, ev("registration.created", f.reg.ID)))
	key, hash := apikey.New()
	f.key = key
	f.cred = portal.Credential{ID: "cred-1", ApplicationID: f.app.ID, DeveloperID: f.dev.ID, Hash: hash, Hint: apikey.Hint(key), CreatedAt: now}
	must(t, st.CreateCredential(ctx, f.cred, ev("credential.created", f.app.ID)))
	var err error
	f.api, err = st.GetAPI(ctx, "api-httpbin")
	must(t, err)
	f.v = validate.New(f.store, validate.Options{Now: c.Now})
	tb.Cleanup(f.v.Close)
	f.gate = validate.NewGate(f.v, f.store, 5*time.Second)
	return f
}

// forwardAuth serves the gate's forward-auth endpoint until the test ends.
func (f *fixture) forwardAuth(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(f.gate.ForwardAuth())
	t.Cleanup(srv.Close)
	return srv
}

// ask sends GET url with Host host (the URL's when empty) and headers as
// name, value pairs, added so that a name may come twice; it returns the
// answer with its body read.
func ask(t *testing.T, url, host string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(t, err)
	return res, b
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) decide(key string) validate.Decision {
	return f.v.Decide(context.Background(), f.api, key)
}

func wantDecision(t *testing.T, d validate.Decision, status int, msg string) {
	t.Helper()
	if d.Status != status || (msg != "" && d.Message != msg) {
		t.Fatalf("decision = %+v, want %d %q", d, status, msg)
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	f := setup(t)
	wantDecision(t, f.decide(""), 401, validate.MsgNoKey)

	// A mistyped key is refused without a store lookup.
	before := f.store.reads.Load()
	bad := []byte(f.key)
	bad[10] ^= 1
	wantDecision(t, f.decide(string(bad)), 401, validate.MsgInvalid)
	if n := f.store.reads.Load() - before; n != 0 {
		t.Errorf("a malformed key cost %d store reads, want 0", n)
	}
	// Unknown but well-formed: the same answer.
	other, _ := apikey.New()
	wantDecision(t, f.decide(other), 401, validate.MsgInvalid)

	d := f.decide(f.key)
	wantDecision(t, d, 200, "")
	if d.ConsumerID != f.dev.ID || d.ApplicationID != f.app.ID || d.CredentialID != f.cred.ID {
		t.Errorf("decision identifiers = %+v", d)
	}
	// Cached: no more reads within the TTL.
	before = f.store.reads.Load()
	for range 100 {
		wantDecision(t, f.decide(f.key), 200, "")
	}
	if n := f.store.reads.Load() - before; n != 0 {
		t.Errorf("cached decisions cost %d store reads", n)
	}
	// Another API the application is not registered to.
	otherAPI, _ := f.store.GetAPI(context.Background(), "api-other")
	d = f.v.Decide(context.Background(), otherAPI, f.key)
	wantDecision(t, d, 403, validate.MsgForbidden)
	if d.Reason != validate.ReasonNotRegistered {
		t.Errorf("unregistered API: reason = %q, want %q", d.Reason, validate.ReasonNotRegistered)
	}
}

// TestRefusalReasons: a registration that is not approved refuses with
// Kong's message and a reason naming its status, in X-Portal-Reason too.
func TestRefusalReasons(t *testing.T) {
	t.Parallel()
	for status, reason := range map[portal.RegistrationStatus]string{
		portal.RegistrationPending:  validate.ReasonRegistrationPending,
		portal.RegistrationRejected: validate.ReasonRegistrationRejected,
		portal.RegistrationRevoked:  validate.ReasonRegistrationRevoked,
		portal.RegistrationApproved: "",
	} {
		t.Run(string(status), func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			now := f.clock.Now()
			must(t, f.store.CreateRegistration(context.Background(), portal.Registration{ID: "reg-other", ApplicationID: f.app.ID, APIID: "api-other", Status: status, CreatedAt: now, UpdatedAt: now}, ev("registration.created", "reg-other")))
			other, err := f.store.GetAPI(context.Background(), "api-other")
			must(t, err)
			d := f.v.Decide(context.Background(), other, f.key)
			if reason == "" {
				wantDecision(t, d, 200, "")
				return
			}
			wantDecision(t, d, 403, validate.MsgForbidden)
			if d.Reason != reason {
				t.Errorf("reason = %q, want %q", d.Reason, reason)
			}
			rec := httptest.NewRecorder()
			validate.WriteDecision(rec, d)
			if got := rec.Header().Get("X-Portal-Reason"); got != reason {
				t.Errorf("X-Portal-Reason = %q, want %q", got, reason)
			}
			if !strings.Contains(rec.Body.String(), validate.MsgForbidden) {
				t.Errorf("body = %s, want Kong's message", rec.Body)
			}
		})
	}
}

// TestCredentialWithoutOwner: keys stored before credentials named their
// application's owner still validate (one more read).
func TestCredentialWithoutOwner(t *testing.T) {
	t.Parallel()
	f := setup(t)
	key, hash := apikey.New()
	must(t, f.store.CreateCredential(context.Background(), portal.Credential{ID: "cred-old", ApplicationID: f.app.ID, Hash: hash, CreatedAt: f.clock.Now()}, ev("credential.created", f.app.ID)))
	d := f.decide(key)
	wantDecision(t, d, 200, "")
	if d.ConsumerID != f.dev.ID {
		t.Errorf("ConsumerID = %q, want %q", d.ConsumerID, f.dev.ID)
	}
}

// TestRevocationsSeenWithinTTL: every way of losing access is seen once the
// cached decision expires (4 s).
func TestRevocationsSeenWithinTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := map[string]struct {
		revoke func(f *fixture)
		status int
		reason string
	}{
		"key deleted": {func(f *fixture) {
			must(t, f.store.DeleteCredential(ctx, f.app.ID, f.cred.ID, ev("credential.deleted", f.app.ID)))
		}, 401, ""},
		"application deleted": {func(f *fixture) {
			must(t, f.store.DeleteApplication(ctx, f.app.ID, ev("application.deleted", f.app.ID)))
		}, 401, ""},
		"registration revoked": {func(f *fixture) {
			_, err := f.store.SetRegistrationStatus(ctx, f.reg.ID, []portal.RegistrationStatus{portal.RegistrationApproved}, portal.RegistrationRevoked, ev("registration.status_changed", f.reg.ID))
			must(t, err)
		}, 403, validate.ReasonRegistrationRevoked},
		"developer revoked": {func(f *fixture) {
			_, err := f.store.SetDeveloperStatus(ctx, f.dev.ID, []portal.DeveloperStatus{portal.StatusApproved}, portal.StatusRevoked, ev("developer.status_changed", f.dev.ID))
			must(t, err)
		}, 403, validate.ReasonDeveloperNotApproved},
		"key expired": {func(f *fixture) {
			_, err := f.store.ExpireCredential(ctx, f.app.ID, f.cred.ID, f.clock.Now().Add(time.Second), ev("credential.expiring", f.app.ID))
			must(t, err)
		}, 401, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			wantDecision(t, f.decide(f.key), 200, "")
			tt.revoke(f)
			f.clock.Add(4*time.Second + time.Millisecond)
			d := f.decide(f.key)
			wantDecision(t, d, tt.status, "")
			if d.Reason != tt.reason {
				t.Errorf("reason = %q, want %q", d.Reason, tt.reason)
			}
		})
	}
}

func TestRBAC(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	st, err := f.store.GetSettings(ctx)
	if portal.IsCode(err, portal.ENotFound) {
		st = portal.Settings{ID: "portal", Name: "acme"}
	} else {
		must(t, err)
	}
	st.RBACEnabled = true
	_, err = f.store.PutSettings(ctx, st, ev("portal.updated", "portal"))
	must(t, err)
	d := f.decide(f.key)
	wantDecision(t, d, 403, validate.MsgForbidden)
	if d.Reason != validate.ReasonNoConsumerRole {
		t.Errorf("RBAC on, no role: reason = %q, want %q", d.Reason, validate.ReasonNoConsumerRole)
	}

	team := portal.Team{ID: "team-1", Name: "Payments", CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}
	must(t, f.store.CreateTeam(ctx, team, ev("team.created", team.ID)))
	must(t, f.store.AddTeamMember(ctx, team.ID, f.dev.ID, ev("team.member_added", team.ID)))
	role := portal.RoleAssignment{ID: "role-1", TeamID: team.ID, RoleName: portal.RoleAPIConsumer, EntityID: f.api.ID, EntityTypeName: "APIs", EntityRegion: "*", CreatedAt: f.clock.Now()}
	must(t, f.store.AssignRole(ctx, role, ev("team.role_assigned", team.ID)))
	f.clock.Add(6 * time.Second)
	wantDecision(t, f.decide(f.key), 200, "")

	must(t, f.store.RemoveTeamMember(ctx, team.ID, f.dev.ID, ev("team.member_removed", team.ID)))
	f.clock.Add(6 * time.Second)
	wantDecision(t, f.decide(f.key), 403, validate.MsgForbidden)
}

// TestFailsClosed: with the store unreachable, unknown keys are refused
// (503), a cached allow is honoured only within its TTL.
func TestFailsClosed(t *testing.T) {
	t.Parallel()
	f := setup(t)
	wantDecision(t, f.decide(f.key), 200, "")
	f.store.down.Store(true)
	other, _ := apikey.New()
	wantDecision(t, f.decide(other), 503, validate.MsgDown)
	wantDecision(t, f.decide(f.key), 200, "") // cached, within TTL
	f.clock.Add(4*time.Second + time.Millisecond)
	wantDecision(t, f.decide(f.key), 503, validate.MsgDown)
	// Errors are not cached: the store comes back, so do answers.
	f.store.down.Store(false)
	wantDecision(t, f.decide(f.key), 200, "")
}

// slowStore answers every read after a delay, ignoring its context: the
// worst a store (a hung connection, a held lock) can do.
type slowStore struct {
	portal.FullStore
	delay time.Duration
}

func (s *slowStore) GetCredentialByHash(ctx context.Context, h string) (portal.Credential, error) {
	time.Sleep(s.delay)
	return s.FullStore.GetCredentialByHash(ctx, h)
}

func (s *slowStore) ListAPIs(ctx context.Context) ([]portal.API, error) {
	time.Sleep(s.delay)
	return s.FullStore.ListAPIs(ctx)
}

// TestStoreDeadline: a store that takes 5 s gets a denial (503) within the
// validator's deadline, never an allow, at /validate and in Decide.
func TestStoreDeadline(t *testing.T) {
	t.Parallel()
	f := setup(t)
	slow := &slowStore{FullStore: f.store.FullStore, delay: 5 * time.Second}
	const deadline = 200 * time.Millisecond
	v := validate.New(slow, validate.Options{Now: f.clock.Now, StoreTimeout: deadline})
	defer v.Close()
	start := time.Now()
	d := v.Decide(context.Background(), f.api, f.key)
	if took := time.Since(start); d.Status != 503 || took > deadline+time.Second {
		t.Errorf("Decide on a 5 s store = %d after %v, want 503 within the %v deadline", d.Status, took, deadline)
	}
	srv := httptest.NewServer(validate.NewGate(v, slow, 5*time.Second).ForwardAuth())
	defer srv.Close()
	start = time.Now()
	res, _ := ask(t, srv.URL, "", "X-Forwarded-Uri", "/gateway/httpbin/get", "apikey", f.key)
	if took := time.Since(start); res.StatusCode != 503 || took > 2*deadline+time.Second {
		t.Errorf("/validate on a 5 s store = %d after %v, want 503 within the deadline", res.StatusCode, took)
	}
}

func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	f := setup(t)
	v := validate.New(f.store, validate.Options{Now: f.clock.Now, MaxEntries: 50})
	defer v.Close()
	for range 500 {
		k, _ := apikey.New()
		wantDecision(t, v.Decide(context.Background(), f.api, k), 401, validate.MsgInvalid)
	}
	if n := v.Len(); n > 50 {
		t.Errorf("cache holds %d entries, bound is 50", n)
	}
}

func TestKeyFrom(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Add("Apikey", "a")
	if k, dup := validate.KeyFrom(h, nil, []string{"apikey"}, false); k != "a" || dup {
		t.Errorf("KeyFrom(header) = %q, %v", k, dup)
	}
	q := map[string][]string{"apikey": {"b"}}
	if k, _ := validate.KeyFrom(http.Header{}, q, []string{"apikey"}, false); k != "" {
		t.Errorf("KeyFrom(query, not allowed) = %q, want none", k)
	}
	if k, _ := validate.KeyFrom(http.Header{}, q, []string{"apikey"}, true); k != "b" {
		t.Errorf("KeyFrom(query, allowed) = %q", k)
	}
	if _, dup := validate.KeyFrom(h, q, []string{"apikey"}, true); !dup {
		t.Errorf("KeyFrom(header and query) is not a duplicate")
	}
	h.Add("Apikey", "c")
	if _, dup := validate.KeyFrom(h, nil, []string{"apikey"}, false); !dup {
		t.Errorf("KeyFrom(two headers) is not a duplicate")
	}
}

func TestForwardAuth(t *testing.T) {
	t.Parallel()
	f := setup(t)
	srv := f.forwardAuth(t)
	call := func(headers ...string) (*http.Response, map[string]string) {
		res, b := ask(t, srv.URL+"/validate", "", headers...)
		var body map[string]string
		json.Unmarshal(b, &body)
		return res, body
	}
	res, body := call("X-Portal-API", "httpbin")
	if res.StatusCode != 401 || body["message"] != validate.MsgNoKey || !strings.Contains(res.Header.Get("WWW-Authenticate"), "Key") {
		t.Errorf("no key: %d %v %v", res.StatusCode, body, res.Header)
	}
	res, body = call("X-Portal-API", "httpbin", "apikey", "ptk_nonsense")
	if res.StatusCode != 401 || body["message"] != validate.MsgInvalid {
		t.Errorf("bad key: %d %v", res.StatusCode, body)
	}
	res, _ = call("X-Forwarded-Uri", "/gateway/httpbin/anything?x=1", "apikey", f.key)
	if res.StatusCode != 200 || res.Header.Get("X-Consumer-ID") != f.dev.ID || res.Header.Get("X-Application-ID") != f.app.ID || res.Header.Get("X-Credential-Identifier") != f.cred.ID {
		t.Errorf("good key by route: %d %v", res.StatusCode, res.Header)
	}
	res, body = call("X-Portal-API", "httpbin", "apikey", f.key, "apikey", f.key)
	if res.StatusCode != 401 || body["message"] != validate.MsgDuplicate {
		t.Errorf("duplicate key: %d %v", res.StatusCode, body)
	}
	res, _ = call("X-Portal-API", "other", "X-API-Key", f.key)
	if res.StatusCode != 403 {
		t.Errorf("unregistered API: %d", res.StatusCode)
	}
	res, _ = call("X-Forwarded-Uri", "/nowhere")
	if res.StatusCode != 403 {
		t.Errorf("unknown route: %d, want 403 (deny)", res.StatusCode)
	}
	f.store.down.Store(true)
	f.gate.Invalidate()
	res, _ = call("X-Portal-API", "httpbin", "apikey", f.key)
	if res.StatusCode != 200 {
		t.Errorf("store down, cached allow within TTL: %d, want 200", res.StatusCode)
	}
}

func TestAuthorizer(t *testing.T) {
	t.Parallel()
	f := setup(t)
	auth := f.gate.Authorizer("httpbin")
	ctx := context.Background()
	res, err := auth(ctx, events.APIGatewayV2CustomAuthorizerV2Request{RawPath: "/anything", Headers: map[string]string{"apikey": f.key}})
	must(t, err)
	if !res.IsAuthorized || res.Context["consumer_id"] != f.dev.ID || res.Context["application_id"] != f.app.ID {
		t.Errorf("authorizer = %+v", res)
	}
	res, _ = auth(ctx, events.APIGatewayV2CustomAuthorizerV2Request{RawPath: "/anything", Headers: map[string]string{}})
	if res.IsAuthorized {
		t.Errorf("authorizer allowed a request without a key")
	}
	f.store.down.Store(true)
	other, _ := apikey.New()
	res, _ = auth(ctx, events.APIGatewayV2CustomAuthorizerV2Request{RawPath: "/anything", Headers: map[string]string{"apikey": other}})
	if res.IsAuthorized {
		t.Errorf("authorizer allowed an unknown key while the store is down")
	}
}

func TestGateway(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var seen http.Header
	var seenPath, seenQuery string
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, seenPath, seenQuery = r.Header.Clone(), r.URL.Path, r.URL.RawQuery
		w.Write([]byte(`{"ok":true}`))
	})
	gw := &validate.Gateway{Gate: f.gate, Prefix: "/gateway/", Origin: "http://portal.example", Local: map[string]http.Handler{"httpbin": upstream}}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	res, _ := ask(t, srv.URL+"/gateway/httpbin/anything?x=1", "", "apikey", f.key, "X-Consumer-ID", "forged", "Origin", "http://portal.example")
	if res.StatusCode != 200 {
		t.Fatalf("gateway = %d", res.StatusCode)
	}
	if seenPath != "/anything" || seenQuery != "x=1" {
		t.Errorf("upstream got %s?%s, want /anything?x=1", seenPath, seenQuery)
	}
	if seen.Get("apikey") != "" {
		t.Errorf("the key reached the upstream")
	}
	if seen.Get("X-Consumer-ID") != f.dev.ID || len(seen.Values("X-Consumer-ID")) != 1 {
		t.Errorf("upstream X-Consumer-ID = %v, want only %s", seen.Values("X-Consumer-ID"), f.dev.ID)
	}
	if res.Header.Get("Access-Control-Allow-Origin") != "http://portal.example" {
		t.Errorf("no CORS for the portal's origin")
	}
	// Preflight from the portal: the key header is allowed.
	pre, _ := http.NewRequest("OPTIONS", srv.URL+"/gateway/httpbin/anything", nil)
	pre.Header.Set("Origin", "http://portal.example")
	pre.Header.Set("Access-Control-Request-Method", "GET")
	pre.Header.Set("Access-Control-Request-Headers", "apikey")
	res, err := http.DefaultClient.Do(pre)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != 204 || !strings.Contains(strings.ToLower(res.Header.Get("Access-Control-Allow-Headers")), "apikey") {
		t.Errorf("preflight = %d %v", res.StatusCode, res.Header)
	}
	// No key: Kong's answer, and nothing reaches the upstream.
	seenPath = ""
	res, err = http.Get(srv.URL + "/gateway/httpbin/anything")
	must(t, err)
	res.Body.Close()
	if res.StatusCode != 401 || seenPath != "" {
		t.Errorf("no key: %d, upstream saw %q", res.StatusCode, seenPath)
	}
	res, err = http.Get(srv.URL + "/gateway/nope/x")
	must(t, err)
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("unknown API: %d", res.StatusCode)
	}
}

// TestFailsClosedIsLogged: the cause of a 503 is logged, once for the
// read that the concurrent callers share.
func TestFailsClosedIsLogged(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var buf syncio.Buffer
	v := validate.New(f.store, validate.Options{Now: f.clock.Now, Log: slog.New(slog.NewTextHandler(&buf, nil))})
	defer v.Close()
	f.store.down.Store(true)
	before := f.store.reads.Load()
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wantDecision(t, v.Decide(context.Background(), f.api, f.key), 503, validate.MsgDown)
		}()
	}
	wg.Wait()
	out := buf.String()
	reads := f.store.reads.Load() - before
	if n := strings.Count(out, "key validation failed closed"); int64(n) != reads || !strings.Contains(out, errDown.Error()) || !strings.Contains(out, "read=credential") {
		t.Errorf("log = %q after %d failed reads, want the cause (read=credential, %q) once per read", out, reads, errDown)
	}
}

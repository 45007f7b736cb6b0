package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/portal"
)

const adminEmail = "Ops@Example.com"

// adminUser creates an admin user with goodPassword and returns it.
func (e *env) adminUser(email string) portal.AdminUser {
	e.t.Helper()
	u, err := httpapi.CreateAdminUser(context.Background(), e.store.(portal.AdminStore), email, "Olga Ops", goodPassword, testCost, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// adminLogin returns a browser holding an admin session.
func (e *env) adminLogin(email string) *http.Client {
	e.t.Helper()
	return e.loginAt("/v3/admin/authenticate", email, 200)
}

func TestAdminSession(t *testing.T) {
	t.Parallel()
	e := setup(t)
	u := e.adminUser(adminEmail)
	e.signUp("dev@example.com")

	want(t, e.do(nil, "POST", "/v3/admin/authenticate", map[string]string{"username": adminEmail, "password": "wrong password"}), 401)
	want(t, e.do(nil, "POST", "/v3/admin/authenticate", map[string]string{"username": "nobody@example.com", "password": goodPassword}), 401)
	c := e.client()
	in := e.do(c, "POST", "/v3/admin/authenticate", map[string]string{"username": "ops@example.COM", "password": goodPassword})
	want(t, in, 200)
	var cookie *http.Cookie
	for _, k := range (&http.Response{Header: in.header}).Cookies() {
		if k.Name == "portal_admin" {
			cookie = k
		}
		if strings.HasPrefix(k.Name, "portal_session") || strings.HasPrefix(k.Name, "portal_in") {
			t.Errorf("admin login set the developer cookie %s", k.Name)
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" || len(cookie.Value) < 40 {
		t.Fatalf("admin login cookie = %+v, want portal_admin, HttpOnly, SameSite=Strict, Path=/ and a 256-bit value", cookie)
	}
	me := e.do(c, "GET", "/v3/admin/me", nil)
	want(t, me, 200)
	if m := me.json(t); m["kind"] != "user" || m["id"] != u.ID || m["email"] != adminEmail {
		t.Errorf("GET /v3/admin/me = %s, want the admin user", me.body)
	}

	// The session opens the management API, and its changes are the
	// admin user's in the audit log.
	p := "/v3/portals/" + e.portalID() + "/developers/" + e.developerID("dev@example.com")
	got := e.do(c, "GET", p, nil)
	want(t, got, 200)
	want(t, e.do(c, "PATCH", p, map[string]string{"status": "approved"}, "If-Match", got.header.Get("ETag")), 200)
	log := e.do(c, "GET", "/v3/audit-events?"+url.Values{"filter[actor][eq]": {"admin-user:" + u.ID}}.Encode(), nil)
	want(t, log, 200)
	var l struct {
		Data []struct {
			Actor, ActorEmail, Action, Subject string
		}
		Meta struct{ Page struct{ Total int } }
	}
	json.Unmarshal(log.body, &l)
	if l.Meta.Page.Total != 1 || len(l.Data) != 1 || l.Data[0].Action != "developer.status_changed" || l.Data[0].Subject != e.developerID("dev@example.com") {
		t.Fatalf("GET /v3/audit-events by the admin user = %s, want the one approval", log.body)
	}
	var raw struct{ Data []map[string]any }
	json.Unmarshal(log.body, &raw)
	if raw.Data[0]["actor_email"] != adminEmail {
		t.Errorf("audit event actor_email = %v, want %s", raw.Data[0]["actor_email"], adminEmail)
	}

	// Tokens stay admin:<token id>, with no email.
	e.clock.Add(time.Minute)
	e.signUpApproved("dev2@example.com")
	log = e.adminDo("GET", "/v3/audit-events?filter[action][eq]=developer.status_changed", nil)
	raw.Data = nil
	json.Unmarshal(log.body, &raw)
	if len(raw.Data) != 2 || !strings.HasPrefix(raw.Data[0]["actor"].(string), "admin:") || raw.Data[0]["actor_email"] != nil {
		t.Errorf("newest status change = %v, want a token's (admin:…) without actor_email", raw.Data)
	}

	// Logging out ends the session on the server.
	want(t, e.do(c, "POST", "/v3/admin/logout", nil), 204)
	want(t, e.do(nil, "GET", "/v3/admin/me", nil, "Cookie", "portal_admin="+cookie.Value), 401)
}

// A developer's session never opens the management API, and an admin's
// never opens the developer API, whatever cookie name it is sent under.
func TestAdminAndDeveloperSessionsApart(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.adminUser(adminEmail)
	e.signUpApproved("dev@example.com")
	dev := e.login("dev@example.com")
	admin := e.adminLogin(adminEmail)
	want(t, e.do(dev, "GET", "/v3/admin/me", nil), 401)
	want(t, e.do(dev, "GET", "/v3/portals", nil), 401)
	want(t, e.do(admin, "GET", "/api/v3/developer/me", nil), 401)
	want(t, e.do(admin, "GET", "/api/v3/applications", nil), 401)

	base, _ := url.Parse(e.url)
	cookie := func(c *http.Client, name string) string {
		for _, k := range c.Jar.Cookies(base) {
			if k.Name == name {
				return k.Value
			}
		}
		t.Fatalf("no cookie %s", name)
		return ""
	}
	want(t, e.do(nil, "GET", "/v3/admin/me", nil, "Cookie", "portal_admin="+cookie(dev, "portal_session")), 401)
	want(t, e.do(nil, "GET", "/api/v3/developer/me", nil, "Cookie", "portal_session="+cookie(admin, "portal_admin")), 401)
	want(t, e.do(admin, "GET", "/v3/admin/me", nil), 200)
	want(t, e.do(dev, "GET", "/api/v3/developer/me", nil), 200)
}

// Writes by session are same-origin only.
func TestAdminSessionCrossOriginRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.adminUser(adminEmail)
	e.signUp("dev@example.com")
	c := e.adminLogin(adminEmail)
	p := "/v3/portals/" + e.portalID() + "/developers/" + e.developerID("dev@example.com")
	tag := e.do(c, "GET", p, nil).header.Get("ETag")
	cross := e.do(c, "PATCH", p, map[string]string{"status": "approved"}, "If-Match", tag, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	want(t, cross, 403)
	if d, _ := e.store.GetDeveloper(context.Background(), e.developerID("dev@example.com")); d.Status != portal.StatusPending {
		t.Errorf("after a refused cross-origin approval the developer is %s, want pending", d.Status)
	}
	want(t, e.do(c, "POST", "/v3/admin/logout", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"), 403)
	want(t, e.do(c, "PATCH", p, map[string]string{"status": "approved"}, "If-Match", tag, "Sec-Fetch-Site", "same-origin"), 200)
}

// Disabling an admin user ends their sessions at once; they cannot log
// in again until enabled.
func TestAdminDisabled(t *testing.T) {
	t.Parallel()
	e := setup(t)
	u := e.adminUser(adminEmail)
	other := e.adminUser("other@example.com")
	c := e.adminLogin(adminEmail)
	keep := e.adminLogin(other.Email)
	want(t, e.do(c, "GET", "/v3/portals", nil), 200)
	ctx := context.Background()
	st := e.store.(portal.AdminStore)
	e.clock.Add(time.Minute)
	if _, err := httpapi.SetAdminUserStatus(ctx, st, "OPS@example.com", portal.AdminDisabled, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	want(t, e.do(c, "GET", "/v3/portals", nil), 401)
	want(t, e.do(keep, "GET", "/v3/portals", nil), 200)
	denied := e.do(nil, "POST", "/v3/admin/authenticate", map[string]string{"username": adminEmail, "password": goodPassword})
	want(t, denied, 403)
	if !strings.Contains(denied.detail(t), "disabled") {
		t.Errorf("login of a disabled admin: %q, want it to say disabled", denied.detail(t))
	}
	_, err := httpapi.SetAdminUserStatus(ctx, st, u.ID, portal.AdminDisabled, e.clock.Now())
	if !portal.IsCode(err, portal.EPrecondition) {
		t.Errorf("disabling twice = %v, want Precondition", err)
	}
	e.clock.Add(time.Minute)
	if _, err := httpapi.SetAdminUserStatus(ctx, st, u.ID, portal.AdminActive, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	want(t, e.do(c, "GET", "/v3/portals", nil), 401) // the old session stays ended
	e.adminLogin(adminEmail)
	evs, _ := e.store.ListAuditEvents(ctx, u.ID)
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, " "); got != "admin_user.created admin_user.disabled admin_user.enabled" {
		t.Errorf("admin user's audit events = %s", got)
	}
}

func TestAdminSessionTimeouts(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.adminUser(adminEmail)
	idle := e.adminLogin(adminEmail)
	busy := e.adminLogin(adminEmail)
	for range 36 { // 12 hours in steps of 20 minutes
		e.clock.Add(20 * time.Minute)
		if a := e.do(busy, "GET", "/v3/admin/me", nil); a.status != 200 {
			break
		}
	}
	want(t, e.do(idle, "GET", "/v3/admin/me", nil), 401)
	want(t, e.do(busy, "GET", "/v3/admin/me", nil), 401)
	if e.clock.Now().Sub(testClock()) != 12*time.Hour {
		t.Errorf("an active admin session ended after %v, want 12h (the absolute timeout)", e.clock.Now().Sub(testClock()))
	}
}

// Failed admin logins lock the admin account, not a developer's with the
// same address.
func TestAdminLoginThrottled(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.adminUser("same@example.com")
	e.signUpApproved("same@example.com")
	for range 10 {
		want(t, e.do(nil, "POST", "/v3/admin/authenticate", map[string]string{"username": "same@example.com", "password": "bad password!"}), 401)
	}
	locked := e.do(nil, "POST", "/v3/admin/authenticate", map[string]string{"username": "same@example.com", "password": goodPassword})
	want(t, locked, 429)
	if locked.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	e.login("same@example.com")
	e.clock.Add(16 * time.Minute)
	e.adminLogin("same@example.com")
}

func TestCreateAdminUserRules(t *testing.T) {
	t.Parallel()
	e := setup(t)
	st := e.store.(portal.AdminStore)
	ctx := context.Background()
	for _, tc := range []struct{ email, name, pw, field string }{
		{"not an address", "x", goodPassword, "email"},
		{"a@example.com", "x", "password", "password"},
		{"a@example.com", strings.Repeat("n", 201), goodPassword, "full_name"},
	} {
		_, err := httpapi.CreateAdminUser(ctx, st, tc.email, tc.name, tc.pw, testCost, e.clock.Now())
		var pe *portal.Error
		if !portal.IsCode(err, portal.EInvalid) || !errors.As(err, &pe) || len(pe.Fields) != 1 || pe.Fields[0].Field != tc.field {
			t.Errorf("CreateAdminUser(%q, %q) = %v, want Invalid naming %s", tc.email, tc.pw, err, tc.field)
		}
	}
	e.adminUser(adminEmail)
	_, err := httpapi.CreateAdminUser(ctx, st, "ops@example.com", "", goodPassword, testCost, e.clock.Now())
	if !portal.IsCode(err, portal.EConflict) {
		t.Errorf("CreateAdminUser(taken email, other case) = %v, want Conflict", err)
	}
}

func TestAuditEventsFilters(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for i := range 3 {
		e.signUp(fmt.Sprintf("d%d@example.com", i))
		e.clock.Add(time.Minute)
	}
	d1 := e.developerID("d1@example.com")
	for _, tc := range []struct {
		query string
		total int
	}{
		{"filter[action][eq]=developer.created", 3},
		{"filter[action][eq]=developer.created&page[size]=2&page[number]=2", 3},
		{"filter[subject][eq]=" + d1, 2}, // created, email verified
		{"filter[actor][eq]=developer:" + d1, 2},
		{"filter[action][eq]=developer.created&filter[at][gte]=" + url.QueryEscape(testClock().Add(time.Minute).Format(time.RFC3339)), 2},
		{"filter[action][eq]=developer.created&filter[at][lt]=" + url.QueryEscape(testClock().Add(time.Minute).Format(time.RFC3339)), 1},
	} {
		a := e.adminDo("GET", "/v3/audit-events?"+tc.query, nil)
		want(t, a, 200)
		var l struct {
			Data []portal.AuditEvent
			Meta struct{ Page struct{ Total int } }
		}
		json.Unmarshal(a.body, &l)
		if l.Meta.Page.Total != tc.total {
			t.Errorf("GET /v3/audit-events?%s total = %d, want %d", tc.query, l.Meta.Page.Total, tc.total)
		}
		for i := 1; i < len(l.Data); i++ {
			if l.Data[i].At.After(l.Data[i-1].At) {
				t.Errorf("GET /v3/audit-events?%s is not newest first", tc.query)
			}
		}
	}
	for _, q := range []string{"filter[at][gte]=yesterday", "filter[at][lt]=2026-13-01T00:00:00Z",
		"filter[at][gte]=2026-12-02T00:00:00Z&filter[at][lt]=2026-12-01T00:00:00Z", "page[size]=500"} {
		a := e.adminDo("GET", "/v3/audit-events?"+q, nil)
		want(t, a, 400)
		var p struct {
			InvalidParameters []struct{ Field string } `json:"invalid_parameters"`
		}
		json.Unmarshal(a.body, &p)
		if len(p.InvalidParameters) == 0 {
			t.Errorf("GET /v3/audit-events?%s = %s, want invalid_parameters", q, a.body)
		}
	}
	want(t, e.do(nil, "GET", "/v3/audit-events", nil), 401)
}

func TestDevelopersSearchAndDetail(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, email := range []string{"ada@analytical.example", "grace@navy.example", "alan@bletchley.example"} {
		e.signUp(email)
		e.clock.Add(time.Second)
	}
	e.approve("grace@navy.example")
	list := "/v3/portals/" + e.portalID() + "/developers?"
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"filter[q]=NAVY", []string{"grace@navy.example"}},
		{"filter[q]=dev+al", []string{"ada@analytical.example", "alan@bletchley.example"}}, // full names are "Dev <email>"
		{"filter[email][contains]=bletch", []string{"alan@bletchley.example"}},
		{"filter[full_name][contains]=dev+grace", []string{"grace@navy.example"}},
		{"filter[q]=a&filter[status][eq]=pending", []string{"ada@analytical.example", "alan@bletchley.example"}},
		{"filter[q]=zzz", nil},
	} {
		a := e.adminDo("GET", list+tc.query, nil)
		want(t, a, 200)
		var l struct{ Data []struct{ Email string } }
		json.Unmarshal(a.body, &l)
		var got []string
		for _, d := range l.Data {
			got = append(got, d.Email)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("GET developers?%s = %v, want %v", tc.query, got, tc.want)
		}
	}
	want(t, e.adminDo("GET", list+"filter[q]="+strings.Repeat("x", 201), nil), 400)

	// One developer shows their teams and applications.
	c := e.login("grace@navy.example")
	want(t, e.do(c, "POST", "/api/v3/applications", map[string]string{"name": "Navy app"}), 201)
	team := e.adminDo("POST", "/v3/portals/"+e.portalID()+"/teams", map[string]string{"name": "Compilers"})
	want(t, team, 201)
	tid := team.json(t)["id"].(string)
	id := e.developerID("grace@navy.example")
	want(t, e.adminDo("POST", "/v3/portals/"+e.portalID()+"/teams/"+tid+"/developers", map[string]string{"id": id}), 201)
	got := e.adminDo("GET", "/v3/portals/"+e.portalID()+"/developers/"+id, nil)
	want(t, got, 200)
	var d struct {
		Email             string
		Teams             []struct{ ID, Name string }
		Applications      []struct{ ID, Name string }
		ApplicationsTotal int `json:"applications_total"`
	}
	json.Unmarshal(got.body, &d)
	if d.Email != "grace@navy.example" || len(d.Teams) != 1 || d.Teams[0].Name != "Compilers" || len(d.Applications) != 1 || d.Applications[0].Name != "Navy app" || d.ApplicationsTotal != 1 {
		t.Errorf("GET developer = %s, want the team Compilers and the application Navy app", got.body)
	}
}

// The admin users over /v3/users: listed without secrets, disabled and
// enabled on the state decided on, never one's own account, and each
// change in the audit log under the admin who made it.
func TestAdminUsersAPI(t *testing.T) {
	t.Parallel()
	e := setup(t)
	me := e.adminUser(adminEmail)
	e.clock.Add(time.Second)
	other := e.adminUser("other@example.com")
	c := e.adminLogin(adminEmail)
	keep := e.adminLogin(other.Email)

	type user struct {
		ID, Email, FullName string
		Active              bool
	}
	var l struct {
		Data []user
		Meta struct {
			Page struct{ Number, Size, Total int }
		}
	}
	got := e.do(c, "GET", "/v3/users", nil)
	want(t, got, 200)
	if strings.Contains(strings.ToLower(string(got.body)), "argon2") || strings.Contains(string(got.body), "password") {
		t.Fatalf("GET /v3/users shows a password: %s", got.body)
	}
	json.Unmarshal(got.body, &l)
	if l.Meta.Page.Total != 2 || len(l.Data) != 2 || l.Data[0].ID != me.ID || l.Data[1].Email != "other@example.com" || !l.Data[0].Active || !l.Data[1].Active {
		t.Fatalf("GET /v3/users = %s, want both admin users, active, oldest first", got.body)
	}
	l.Data = nil
	got = e.do(c, "GET", "/v3/users?page[size]=1&page[number]=2", nil)
	json.Unmarshal(got.body, &l)
	if len(l.Data) != 1 || l.Data[0].ID != other.ID || l.Meta.Page.Total != 2 {
		t.Errorf("GET /v3/users page 2 of size 1 = %s, want the second admin user", got.body)
	}
	l.Data = nil
	got = e.do(c, "GET", "/v3/users?page[number]=3", nil)
	json.Unmarshal(got.body, &l)
	if len(l.Data) != 0 || !strings.Contains(string(got.body), `"data":[]`) {
		t.Errorf("GET /v3/users past the end = %s, want an empty list", got.body)
	}
	want(t, e.do(c, "GET", "/v3/users?page[size]=0", nil), 400)
	want(t, e.do(c, "GET", "/v3/users/no-such-user", nil), 404)

	path := "/v3/users/" + other.ID
	one := e.do(c, "GET", path, nil)
	want(t, one, 200)
	tag := one.header.Get("ETag")
	want(t, e.do(c, "PATCH", path, map[string]bool{"active": false}), 428)
	want(t, e.do(c, "PATCH", path, map[string]string{"active": "no"}, "If-Match", tag), 400)
	if bad := e.do(c, "PATCH", path, map[string]any{}, "If-Match", tag); bad.status != 400 || !strings.Contains(string(bad.body), `"active"`) {
		t.Errorf("PATCH {} = %d %s, want 400 naming active", bad.status, bad.body)
	}

	// Nobody disables their own account.
	self := e.do(c, "GET", "/v3/users/"+me.ID, nil)
	if no := e.do(c, "PATCH", "/v3/users/"+me.ID, map[string]bool{"active": false}, "If-Match", self.header.Get("ETag")); no.status != 400 || !strings.Contains(string(no.body), "your own account") {
		t.Errorf("disabling oneself = %d %s, want 400 saying why", no.status, no.body)
	}
	want(t, e.do(c, "GET", "/v3/admin/me", nil), 200)

	// Disabling ends the other's session at once.
	e.clock.Add(time.Minute)
	off := e.do(c, "PATCH", path, map[string]bool{"active": false}, "If-Match", tag)
	want(t, off, 200)
	if off.json(t)["active"] != false || off.header.Get("ETag") == tag {
		t.Errorf("PATCH active=false = %s (ETag %s), want inactive with a new ETag", off.body, off.header.Get("ETag"))
	}
	want(t, e.do(keep, "GET", "/v3/admin/me", nil), 401)

	// A decision on a state that has gone is refused with the current one.
	stale := e.do(c, "PATCH", path, map[string]bool{"active": true}, "If-Match", tag)
	want(t, stale, 409)
	if cur, _ := stale.json(t)["current"].(map[string]any); cur["active"] != false {
		t.Errorf("409 = %s, want the current, disabled user", stale.body)
	}
	e.clock.Add(time.Minute)
	want(t, e.do(c, "PATCH", path, map[string]bool{"active": true}, "If-Match", off.header.Get("ETag")), 200)
	e.adminLogin(other.Email)

	// The audit log names who did it.
	log := e.do(c, "GET", "/v3/audit-events?filter[subject][eq]="+other.ID, nil)
	var evs struct {
		Data []struct{ Actor, Action string }
	}
	json.Unmarshal(log.body, &evs)
	var actions []string
	for _, ev := range evs.Data {
		if ev.Action != "admin_user.created" && ev.Actor != "admin-user:"+me.ID {
			t.Errorf("event %s by %s, want by admin-user:%s", ev.Action, ev.Actor, me.ID)
		}
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, " "); got != "admin_user.enabled admin_user.disabled admin_user.created" {
		t.Errorf("audit events of the user, newest first = %s", got)
	}

	// Tokens manage admin users too; developers never.
	want(t, e.adminDo("GET", "/v3/users", nil), 200)
	e.signUp("dev@example.com")
	e.approve("dev@example.com")
	want(t, e.do(e.login("dev@example.com"), "GET", "/v3/users", nil), 401)
	want(t, e.do(nil, "GET", "/v3/users", nil), 401)
}

// An admin invites another by mail; the invited admin chooses a password
// from the link (once), becomes active and logs in. Nobody logs in on an
// invitation, a withdrawn one cannot be accepted, and an address that has
// an admin user with a password is not invited again.
func TestAdminInvitation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	me := e.adminUser(adminEmail)
	c := e.adminLogin(adminEmail)

	for _, body := range []map[string]string{{"email": "not an address"}, {"email": "new@example.com", "full_name": "Eve\u202e"}} {
		want(t, e.do(c, "POST", "/v3/invites", body), 400)
	}
	inv := e.do(c, "POST", "/v3/invites", map[string]string{"email": "new@example.com", "full_name": "Nina New"})
	want(t, inv, 201)
	if v := inv.json(t); v["status"] != "invited" || v["active"] != false || v["email"] != "new@example.com" {
		t.Fatalf("POST /v3/invites = %s, want an invited, inactive user", inv.body)
	}
	id := inv.json(t)["id"].(string)
	ms := e.mails()
	last := ms[len(ms)-1]
	if last.Template != mail.AdminInvite || !strings.Contains(last.To, "new@example.com") || !strings.Contains(last.Text, "http://127.0.0.1:8080/admin/accept/?token=") {
		t.Fatalf("invitation mail = %s to %s: %q", last.Template, last.To, last.Text)
	}
	first := e.lastToken(mail.AdminInvite)

	// Invited, not yet an admin: no login, no enabling by another admin.
	want(t, e.do(nil, "POST", "/v3/admin/authenticate", map[string]string{"username": "new@example.com", "password": goodPassword}), 401)
	one := e.do(c, "GET", "/v3/users/"+id, nil)
	if no := e.do(c, "PATCH", "/v3/users/"+id, map[string]bool{"active": true}, "If-Match", one.header.Get("ETag")); no.status != 409 || !strings.Contains(no.detail(t), "has not chosen a password") {
		t.Errorf("enabling an invited user = %d %s, want 409 saying why", no.status, no.body)
	}

	// Inviting again sends a new link; the old one stops working.
	e.clock.Add(time.Minute)
	want(t, e.do(c, "POST", "/v3/invites", map[string]string{"email": "NEW@example.com"}), 200)
	second := e.lastToken(mail.AdminInvite)
	if second == first {
		t.Fatal("the second invitation mailed the same token")
	}
	want(t, e.do(nil, "POST", "/v3/admin/accept-invite", map[string]string{"token": first, "password": goodPassword}), 400)
	want(t, e.do(nil, "POST", "/v3/admin/accept-invite", map[string]string{"token": second, "password": "short"}), 400)
	ok := e.do(nil, "POST", "/v3/admin/accept-invite", map[string]string{"token": second, "password": goodPassword})
	want(t, ok, 200)
	if ok.json(t)["status"] != "active" {
		t.Errorf("accepting = %s, want the user active", ok.body)
	}
	want(t, e.do(nil, "POST", "/v3/admin/accept-invite", map[string]string{"token": second, "password": goodPassword}), 400)
	e.adminLogin("new@example.com")
	if dup := e.do(c, "POST", "/v3/invites", map[string]string{"email": "new@example.com"}); dup.status != 409 || !strings.Contains(dup.detail(t), "already an admin user") {
		t.Errorf("inviting an active admin = %d %s, want 409", dup.status, dup.body)
	}
	actions := e.auditActions(id)
	if got := strings.Join(actions, " "); got != "admin_user.invited admin_user.invitation_accepted" {
		t.Errorf("audit events of the invited user = %s", got)
	}

	// A withdrawn invitation cannot be accepted; inviting again works.
	e.clock.Add(time.Minute)
	w2 := e.do(c, "POST", "/v3/invites", map[string]string{"email": "late@example.com"})
	want(t, w2, 201)
	lateID, link := w2.json(t)["id"].(string), e.lastToken(mail.AdminInvite)
	want(t, e.do(c, "PATCH", "/v3/users/"+lateID, map[string]bool{"active": false}, "If-Match", w2.header.Get("ETag")), 200)
	if no := e.do(nil, "POST", "/v3/admin/accept-invite", map[string]string{"token": link, "password": goodPassword}); no.status != 409 || !strings.Contains(no.detail(t), "withdrawn") {
		t.Errorf("accepting a withdrawn invitation = %d %s, want 409", no.status, no.body)
	}
	if _, err := httpapi.SetAdminUserStatus(context.Background(), e.store.(portal.AdminStore), "late@example.com", portal.AdminActive, e.clock.Now()); !portal.IsCode(err, portal.EPrecondition) || !strings.Contains(err.Error(), "has not chosen a password") {
		t.Errorf("the CLI's enable of a never-accepted user = %v, want Precondition saying why", err)
	}
	again := e.do(c, "POST", "/v3/invites", map[string]string{"email": "late@example.com"})
	want(t, again, 200)
	if again.json(t)["status"] != "invited" {
		t.Errorf("inviting a withdrawn invitation again = %s, want invited", again.body)
	}
	want(t, e.do(nil, "POST", "/v3/admin/accept-invite", map[string]string{"token": e.lastToken(mail.AdminInvite), "password": goodPassword}), 200)

	// Only admins invite; the inviter is the actor of the invitations
	// that changed a user (new@ and late@ created, late@ invited again;
	// a resent link changes only the token).
	want(t, e.do(nil, "POST", "/v3/invites", map[string]string{"email": "x@example.com"}), 401)
	log := e.do(c, "GET", "/v3/audit-events?filter[action][eq]=admin_user.invited&filter[actor][eq]=admin-user:"+me.ID, nil)
	if n := int(log.json(t)["meta"].(map[string]any)["page"].(map[string]any)["total"].(float64)); n != 3 {
		t.Errorf("invitations by the admin in the audit log = %d, want 3", n)
	}
}

// An admin user changes their own password: the current one is checked
// (a wrong one names the field and keeps the session), the other
// sessions end, and the new password logs in.
func TestAdminChangePassword(t *testing.T) {
	t.Parallel()
	e := setup(t)
	me := e.adminUser(adminEmail)
	c, other := e.adminLogin(adminEmail), e.adminLogin(adminEmail)
	const newPassword = "Tq7!wNb4-harbour"

	wrong := e.do(c, "POST", "/v3/admin/password", map[string]string{"current_password": "not it", "password": newPassword})
	if wrong.status != 400 || !strings.Contains(string(wrong.body), `"current_password"`) {
		t.Errorf("a wrong current password = %d %s, want 400 naming current_password", wrong.status, wrong.body)
	}
	want(t, e.do(c, "GET", "/v3/admin/me", nil), 200)
	want(t, e.do(c, "POST", "/v3/admin/password", map[string]string{"current_password": goodPassword, "password": "short"}), 400)
	want(t, e.adminDo("POST", "/v3/admin/password", map[string]string{"current_password": goodPassword, "password": newPassword}), 400)

	e.clock.Add(time.Minute)
	want(t, e.do(c, "POST", "/v3/admin/password", map[string]string{"current_password": goodPassword, "password": newPassword}), 200)
	want(t, e.do(c, "GET", "/v3/admin/me", nil), 200)
	want(t, e.do(other, "GET", "/v3/admin/me", nil), 401)
	want(t, e.do(nil, "POST", "/v3/admin/authenticate", map[string]string{"username": adminEmail, "password": goodPassword}), 401)
	want(t, e.do(nil, "POST", "/v3/admin/authenticate", map[string]string{"username": adminEmail, "password": newPassword}), 200)
	if got := strings.Join(e.auditActions(me.ID), " "); got != "admin_user.created admin_user.password_changed" {
		t.Errorf("audit events of the admin user = %s", got)
	}
}

// A forgotten admin password: the answer never tells whether the address
// is an admin user's; an active admin user gets a link, used once, that
// sets a new password and ends every session.
func TestAdminPasswordReset(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.adminUser(adminEmail)
	old := e.adminLogin(adminEmail)
	sent := len(e.mails())
	for _, email := range []string{"nobody@example.com", "ops@EXAMPLE.com"} {
		want(t, e.do(nil, "POST", "/v3/admin/forgot-password", map[string]string{"email": email}), 204)
	}
	ms := e.mails()
	if len(ms) != sent+1 || ms[len(ms)-1].Template != mail.AdminResetPassword || !strings.Contains(ms[len(ms)-1].Text, "/admin/reset-password/?token=") {
		t.Fatalf("mails after two requests, one for an admin = %d new, want 1 admin reset", len(ms)-sent)
	}
	tok := e.lastToken(mail.AdminResetPassword)
	const newPassword = "Tq7!wNb4-harbour"
	want(t, e.do(nil, "POST", "/v3/admin/reset-password", map[string]string{"token": tok, "password": "short"}), 400)
	// A developer's reset does not take an admin's token.
	want(t, e.do(nil, "POST", "/api/v3/developer/reset-password", map[string]string{"token": tok, "password": newPassword}), 400)
	want(t, e.do(nil, "POST", "/v3/admin/reset-password", map[string]string{"token": tok, "password": newPassword}), 200)
	want(t, e.do(nil, "POST", "/v3/admin/reset-password", map[string]string{"token": tok, "password": newPassword}), 400)
	want(t, e.do(old, "GET", "/v3/admin/me", nil), 401)
	want(t, e.do(nil, "POST", "/v3/admin/authenticate", map[string]string{"username": adminEmail, "password": newPassword}), 200)

	// A disabled admin user gets no link.
	e.adminUser("off@example.com")
	if _, err := httpapi.SetAdminUserStatus(context.Background(), e.store.(portal.AdminStore), "off@example.com", portal.AdminDisabled, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	sent = len(e.mails())
	want(t, e.do(nil, "POST", "/v3/admin/forgot-password", map[string]string{"email": "off@example.com"}), 204)
	if n := len(e.mails()) - sent; n != 0 {
		t.Errorf("a disabled admin user got %d reset mails, want none", n)
	}
}

package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The admin users over /v3/users: listed without secrets, disabled and
// enabled on the state decided on, never one's own account, and each
// change in the audit log under the admin who made it.
func TestAdminUsersAPI(t *testing.T) {
	t.Parallel()
	e := setup(t)
	me := e.adminUser(adminEmail)
	e.clock.add(time.Second)
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
	e.clock.add(time.Minute)
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
	e.clock.add(time.Minute)
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

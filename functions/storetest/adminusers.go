package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/portal-dev/portal/functions/portal"
)

func adminUser(email string, created time.Time) portal.AdminUser {
	return portal.AdminUser{
		ID: newID(), Email: email, FullName: "Admin " + email,
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		Status:       portal.AdminActive, CreatedAt: created, UpdatedAt: created,
	}
}

// mustCreateAdminUser stores an admin user and returns it as the store
// should return it (Version 1).
func (su suite) mustCreateAdminUser(t *testing.T, s portal.FullStore, email string) portal.AdminUser {
	t.Helper()
	u := adminUser(email, su.now())
	wantNil(t, "CreateAdminUser("+email+")", s.CreateAdminUser(ctx, u, su.event("admin_user.created", u.ID)))
	u.Version = 1
	return u
}

func (su suite) testAdminUsers(t *testing.T, s portal.FullStore) {
	b := adminUser("b@example.com", su.now().Add(time.Second))
	a := adminUser("Ann.Admin@Example.com", su.now())
	for _, u := range []portal.AdminUser{b, a} {
		wantNil(t, "CreateAdminUser", s.CreateAdminUser(ctx, u, su.event("admin_user.created", u.ID)))
	}
	a.Version, b.Version = 1, 1
	got, err := s.GetAdminUser(ctx, a.ID)
	wantGot(t, "GetAdminUser", a, got, err)
	for _, email := range []string{"ann.admin@example.com", " ANN.ADMIN@EXAMPLE.COM ", a.Email} {
		got, err := s.GetAdminUserByEmail(ctx, email)
		wantGot(t, fmt.Sprintf("GetAdminUserByEmail(%q)", email), a, got, err)
	}
	_, err = s.GetAdminUser(ctx, newID())
	wantCode(t, "GetAdminUser(unknown)", err, portal.ENotFound)
	_, err = s.GetAdminUserByEmail(ctx, "nobody@example.com")
	wantCode(t, "GetAdminUserByEmail(unknown)", err, portal.ENotFound)

	dup := adminUser("  ann.ADMIN@example.com", su.now())
	wantCode(t, "CreateAdminUser(same email, other case)", s.CreateAdminUser(ctx, dup, su.event("admin_user.created", dup.ID)), portal.EConflict)
	same := adminUser("other@example.com", su.now())
	same.ID = a.ID
	wantCode(t, "CreateAdminUser(same id)", s.CreateAdminUser(ctx, same, su.event("admin_user.created", same.ID)), portal.EConflict)
	_, err = s.GetAdminUserByEmail(ctx, "other@example.com")
	wantCode(t, "GetAdminUserByEmail(refused create)", err, portal.ENotFound)
	wantAudit(t, s, dup.ID)

	// A developer with the same address is another account.
	su.mustCreateDeveloper(t, s, a.Email)
	list, err := s.ListAdminUsers(ctx)
	wantGot(t, "ListAdminUsers", []portal.AdminUser{a, b}, list, err)
	wantAudit(t, s, a.ID, "admin_user.created")
}

func (su suite) testAdminUsersConcurrentEmail(t *testing.T, s portal.FullStore) {
	errs := race(concurrency, func(i int) error {
		email := "race@example.com"
		if i%2 == 1 {
			email = "RACE@Example.com"
		}
		u := adminUser(email, su.now())
		return s.CreateAdminUser(ctx, u, su.event("admin_user.created", u.ID))
	})
	oneWinner(t, "concurrent CreateAdminUser(one email)", errs, portal.EConflict)
	list, err := s.ListAdminUsers(ctx)
	wantNil(t, "ListAdminUsers", err)
	if len(list) != 1 {
		t.Errorf("ListAdminUsers after race = %d users, want 1", len(list))
	}
}

func (su suite) testAdminUserDisable(t *testing.T, s portal.FullStore) {
	u := su.mustCreateAdminUser(t, s, "dis@example.com")
	other := su.mustCreateAdminUser(t, s, "keep@example.com")
	var mine []portal.Session
	for range 3 {
		sess := su.session("", time.Hour)
		sess.AdminUserID = u.ID
		wantNil(t, "CreateSession(admin)", s.CreateSession(ctx, sess))
		mine = append(mine, sess)
	}
	kept := su.session("", time.Hour)
	kept.AdminUserID = other.ID
	wantNil(t, "CreateSession(other admin)", s.CreateSession(ctx, kept))

	_, err := s.SetAdminUserStatus(ctx, u.ID, 7, portal.AdminDisabled, su.event("admin_user.disabled", u.ID))
	wantCode(t, "SetAdminUserStatus(stale version)", err, portal.EConflict)
	_, err = s.SetAdminUserStatus(ctx, newID(), 1, portal.AdminDisabled, su.event("admin_user.disabled", "x"))
	wantCode(t, "SetAdminUserStatus(unknown)", err, portal.ENotFound)

	ev := su.event("admin_user.disabled", u.ID)
	got, err := s.SetAdminUserStatus(ctx, u.ID, 1, portal.AdminDisabled, ev)
	wantNil(t, "SetAdminUserStatus(disable)", err)
	if got.Status != portal.AdminDisabled || got.Version != 2 || !got.UpdatedAt.Equal(ev.At) {
		t.Errorf("SetAdminUserStatus(disable) = %s v%d updated %v, want disabled v2 updated %v", got.Status, got.Version, got.UpdatedAt, ev.At)
	}
	stored, err := s.GetAdminUser(ctx, u.ID)
	wantGot(t, "GetAdminUser after disable", got, stored, err)
	for i, sess := range mine {
		_, err := s.GetSession(ctx, sess.Hash, su.now())
		wantCode(t, fmt.Sprintf("GetSession(disabled admin's %d)", i), err, portal.ENotFound)
	}
	_, err = s.GetSession(ctx, kept.Hash, su.now())
	wantNil(t, "GetSession(other admin)", err)
	late := su.session("", time.Hour)
	late.AdminUserID = u.ID
	wantCode(t, "CreateSession(disabled admin)", s.CreateSession(ctx, late), portal.EPrecondition)

	// Enabled again, the user logs in again; the old sessions stay ended.
	_, err = s.SetAdminUserStatus(ctx, u.ID, 2, portal.AdminActive, su.event("admin_user.enabled", u.ID))
	wantNil(t, "SetAdminUserStatus(enable)", err)
	wantNil(t, "CreateSession(enabled admin)", s.CreateSession(ctx, late))
	_, err = s.GetSession(ctx, mine[0].Hash, su.now())
	wantCode(t, "GetSession(ended before enable)", err, portal.ENotFound)
	evs, err := s.ListAuditEvents(ctx, u.ID)
	wantNil(t, "ListAuditEvents", err)
	if len(evs) != 3 || evs[1].Action != "admin_user.disabled" || evs[1].Detail["from"] != "active" || evs[1].Detail["to"] != "disabled" {
		t.Errorf("ListAuditEvents(%s) = %+v, want created, disabled (from active to disabled), enabled", u.ID, evs)
	}
}

// testAdminUsersDisableEachOther: a change to an admin user by an admin
// user applies only while the latter is active, so of two admins
// disabling each other at once one wins and one admin stays.
func (su suite) testAdminUsersDisableEachOther(t *testing.T, s portal.FullStore) {
	for round := range 4 {
		a := su.mustCreateAdminUser(t, s, fmt.Sprintf("a%d@example.com", round))
		b := su.mustCreateAdminUser(t, s, fmt.Sprintf("b%d@example.com", round))
		pair := [2]portal.AdminUser{a, b}
		errs := race(2, func(i int) error {
			by, target := pair[i], pair[1-i]
			ev := su.event("admin_user.disabled", target.ID)
			ev.Actor = portal.ActorAdminUser + by.ID
			_, err := s.SetAdminUserStatus(ctx, target.ID, target.Version, portal.AdminDisabled, ev)
			return err
		})
		winner := oneWinner(t, "two admins disabling each other", errs, portal.EPrecondition)
		for i, u := range pair {
			got, err := s.GetAdminUser(ctx, u.ID)
			wantNil(t, "GetAdminUser", err)
			if want := map[bool]portal.AdminUserStatus{true: portal.AdminActive, false: portal.AdminDisabled}[i == winner]; got.Status != want {
				t.Errorf("round %d: admin %d is %s after the race, want %s", round, i, got.Status, want)
			}
		}
	}

	// A disabled or unknown admin user changes nobody; a token, the CLI
	// and an admin user on their own account are not held to it.
	off := su.mustCreateAdminUser(t, s, "off@example.com")
	target := su.mustCreateAdminUser(t, s, "target@example.com")
	_, err := s.SetAdminUserStatus(ctx, off.ID, 1, portal.AdminDisabled, su.event("admin_user.disabled", off.ID))
	wantNil(t, "SetAdminUserStatus(disable off)", err)
	for _, actor := range []string{off.ID, newID()} {
		ev := su.event("admin_user.disabled", target.ID)
		ev.Actor = portal.ActorAdminUser + actor
		_, err := s.SetAdminUserStatus(ctx, target.ID, 1, portal.AdminDisabled, ev)
		wantCode(t, "SetAdminUserStatus(by an inactive admin)", err, portal.EPrecondition)
	}
	if got, _ := s.GetAdminUser(ctx, target.ID); got.Status != portal.AdminActive || got.Version != 1 {
		t.Errorf("after refused changes the target is %s v%d, want active v1", got.Status, got.Version)
	}
	wantAudit(t, s, target.ID, "admin_user.created")
	ev := su.event("admin_user.enabled", off.ID)
	ev.Actor = portal.ActorAdminUser + off.ID
	_, err = s.SetAdminUserStatus(ctx, off.ID, 2, portal.AdminActive, ev)
	wantNil(t, "SetAdminUserStatus(an admin user on their own account)", err)
}

func (su suite) testListAllAuditEvents(t *testing.T, s portal.FullStore) {
	base := su.now().Add(-time.Hour)
	// Ten changes by two actors about two subjects, written out of time
	// order; each a developer created or updated.
	var all []portal.AuditEvent
	devs := []portal.Developer{developer("one@example.com", base), developer("two@example.com", base)}
	for i, d := range devs {
		ev := portal.AuditEvent{ID: newID(), At: base.Add(time.Duration(9-i) * time.Minute), Actor: "admin-user:x", Action: "developer.created", Subject: d.ID}
		wantNil(t, "CreateDeveloper", s.CreateDeveloper(ctx, d, ev))
		devs[i].Version = 1
		all = append(all, ev)
	}
	for i := range 8 {
		d := &devs[i%2]
		actor := "admin:tok"
		if i%4 == 0 {
			actor = "admin-user:x"
		}
		ev := portal.AuditEvent{ID: newID(), At: base.Add(time.Duration((i*5)%8) * time.Minute), Actor: actor, Action: "developer.updated", Subject: d.ID}
		d.FullName = fmt.Sprint("name ", i)
		var err error
		*d, err = s.UpdateDeveloper(ctx, *d, ev)
		wantNil(t, "UpdateDeveloper", err)
		all = append(all, ev)
	}
	newest := func(keep func(portal.AuditEvent) bool) []portal.AuditEvent {
		var out []portal.AuditEvent
		for _, ev := range all {
			if keep(ev) {
				out = append(out, ev)
			}
		}
		// Newest first; the times are distinct except where i*5%8 repeats
		// none, so the order is the times'.
		for i := range out {
			for j := i + 1; j < len(out); j++ {
				if out[j].At.After(out[i].At) {
					out[i], out[j] = out[j], out[i]
				}
			}
		}
		return out
	}
	every := func(portal.AuditEvent) bool { return true }
	at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	for _, tc := range []struct {
		name string
		f    portal.AuditFilter
		p    portal.Page
		keep func(portal.AuditEvent) bool
		page [2]int // the slice of the matches on this page
	}{
		{"all", portal.AuditFilter{}, portal.Page{Size: 100}, every, [2]int{0, 10}},
		{"page 2 of 4", portal.AuditFilter{}, portal.Page{Size: 4, Number: 2}, every, [2]int{4, 8}},
		{"last page", portal.AuditFilter{}, portal.Page{Size: 4, Number: 3}, every, [2]int{8, 10}},
		{"far page", portal.AuditFilter{}, portal.Page{Size: 100, Number: farPage}, every, [2]int{10, 10}},
		{"actor", portal.AuditFilter{Actor: "admin-user:x"}, portal.Page{}, func(e portal.AuditEvent) bool { return e.Actor == "admin-user:x" }, [2]int{0, 4}},
		{"action", portal.AuditFilter{Action: "developer.created"}, portal.Page{}, func(e portal.AuditEvent) bool { return e.Action == "developer.created" }, [2]int{0, 2}},
		{"subject", portal.AuditFilter{Subject: devs[1].ID}, portal.Page{}, func(e portal.AuditEvent) bool { return e.Subject == devs[1].ID }, [2]int{0, 5}},
		{"subject and actor, page 2", portal.AuditFilter{Subject: devs[0].ID, Actor: "admin:tok"}, portal.Page{Size: 1, Number: 2},
			func(e portal.AuditEvent) bool { return e.Subject == devs[0].ID && e.Actor == "admin:tok" }, [2]int{1, 2}},
		{"from (inclusive)", portal.AuditFilter{From: at(5)}, portal.Page{}, func(e portal.AuditEvent) bool { return !e.At.Before(at(5)) }, [2]int{0, 5}},
		{"to (exclusive)", portal.AuditFilter{To: at(5)}, portal.Page{}, func(e portal.AuditEvent) bool { return e.At.Before(at(5)) }, [2]int{0, 5}},
		{"from and to", portal.AuditFilter{From: at(2), To: at(8)}, portal.Page{Size: 2, Number: 2},
			func(e portal.AuditEvent) bool { return !e.At.Before(at(2)) && e.At.Before(at(8)) }, [2]int{2, 4}},
		{"to and action", portal.AuditFilter{To: at(9), Action: "developer.created"}, portal.Page{},
			func(e portal.AuditEvent) bool { return e.At.Before(at(9)) && e.Action == "developer.created" }, [2]int{0, 1}},
		{"nothing", portal.AuditFilter{Actor: "admin:nobody"}, portal.Page{}, func(portal.AuditEvent) bool { return false }, [2]int{0, 0}},
	} {
		match := newest(tc.keep)
		want := match[tc.page[0]:tc.page[1]]
		got, total, err := s.ListAllAuditEvents(ctx, tc.f, tc.p)
		wantNil(t, "ListAllAuditEvents("+tc.name+")", err)
		if total != len(match) {
			t.Errorf("ListAllAuditEvents(%s) total = %d, want %d", tc.name, total, len(match))
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ListAllAuditEvents(%s) (-want +got):\n%s", tc.name, diff)
		}
	}
}

func (su suite) testSearchDevelopers(t *testing.T, s portal.FullStore) {
	base := su.now().Add(-time.Hour)
	mk := func(i int, email, name string, st portal.DeveloperStatus) portal.Developer {
		d := developer(email, base.Add(time.Duration(i)*time.Second))
		d.FullName, d.Status, d.Version = name, st, 1
		wantNil(t, "CreateDeveloper", s.CreateDeveloper(ctx, d, su.event("developer.created", d.ID)))
		return d
	}
	ada := mk(3, "ada@analytical.example", "Ada Lovelace", portal.StatusPending)
	grace := mk(1, "grace@navy.example", "Grace Hopper", portal.StatusApproved)
	alan := mk(2, "alan@bletchley.example", "Alan Turing", portal.StatusPending)
	for _, tc := range []struct {
		name string
		f    portal.DeveloperFilter
		p    portal.Page
		want []portal.Developer
		tot  int
	}{
		{"q in email", portal.DeveloperFilter{Query: "NAVY"}, portal.Page{}, []portal.Developer{grace}, 1},
		{"q in name", portal.DeveloperFilter{Query: "lovelace"}, portal.Page{}, []portal.Developer{ada}, 1},
		{"q words anywhere", portal.DeveloperFilter{Query: "alan bletchley"}, portal.Page{}, []portal.Developer{alan}, 1},
		{"q common part, by creation", portal.DeveloperFilter{Query: "a"}, portal.Page{}, []portal.Developer{grace, alan, ada}, 3},
		{"q page 2", portal.DeveloperFilter{Query: "a"}, portal.Page{Size: 2, Number: 2}, []portal.Developer{ada}, 3},
		{"q far page", portal.DeveloperFilter{Query: "a"}, portal.Page{Size: 100, Number: farPage}, nil, 3},
		{"q and status", portal.DeveloperFilter{Query: "a", Status: portal.StatusPending}, portal.Page{}, []portal.Developer{alan, ada}, 2},
		{"email contains", portal.DeveloperFilter{EmailContains: "Grace@"}, portal.Page{}, []portal.Developer{grace}, 1},
		{"email contains is not name", portal.DeveloperFilter{EmailContains: "hopper"}, portal.Page{}, nil, 0},
		{"name contains", portal.DeveloperFilter{NameContains: "turing"}, portal.Page{}, []portal.Developer{alan}, 1},
		{"no match", portal.DeveloperFilter{Query: "zzz"}, portal.Page{}, nil, 0},
	} {
		got, total, err := s.ListDevelopers(ctx, tc.f, tc.p)
		wantNil(t, "ListDevelopers("+tc.name+")", err)
		if total != tc.tot {
			t.Errorf("ListDevelopers(%s) total = %d, want %d", tc.name, total, tc.tot)
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ListDevelopers(%s) (-want +got):\n%s", tc.name, diff)
		}
	}
}

// testAdminUserPassword: an invited admin user (no password) becomes
// active with the password of the accepted invitation; a password on
// another user keeps its status; a stale version changes nothing.
func (su suite) testAdminUserPassword(t *testing.T, s portal.FullStore) {
	inv := adminUser("invited@example.com", su.now())
	inv.Status, inv.PasswordHash = portal.AdminInvited, ""
	wantNil(t, "CreateAdminUser(invited)", s.CreateAdminUser(ctx, inv, su.event("admin_user.invited", inv.ID)))
	_, err := s.SetAdminUserPassword(ctx, inv.ID, 2, "$argon2id$new", "", su.event("admin_user.invitation_accepted", inv.ID))
	wantCode(t, "SetAdminUserPassword(stale version)", err, portal.EConflict)
	_, err = s.SetAdminUserPassword(ctx, newID(), 1, "$argon2id$new", "", su.event("admin_user.invitation_accepted", "x"))
	wantCode(t, "SetAdminUserPassword(unknown)", err, portal.ENotFound)
	ev := su.event("admin_user.invitation_accepted", inv.ID)
	got, err := s.SetAdminUserPassword(ctx, inv.ID, 1, "$argon2id$new", "", ev)
	want := inv
	want.Status, want.PasswordHash, want.Version, want.UpdatedAt = portal.AdminActive, "$argon2id$new", 2, ev.At
	wantGot(t, "SetAdminUserPassword(invited)", want, got, err)
	stored, err := s.GetAdminUserByEmail(ctx, inv.Email)
	wantGot(t, "GetAdminUserByEmail after accepting", want, stored, err)
	wantAudit(t, s, inv.ID, "admin_user.invited", "admin_user.invitation_accepted")

	// A changed password ends the user's other sessions, not the one
	// that changed it, nor another user's.
	var mine []portal.Session
	for range 3 {
		sess := su.session("", time.Hour)
		sess.AdminUserID = inv.ID
		wantNil(t, "CreateSession(admin)", s.CreateSession(ctx, sess))
		mine = append(mine, sess)
	}
	other := su.mustCreateAdminUser(t, s, "other@example.com")
	theirs := su.session("", time.Hour)
	theirs.AdminUserID = other.ID
	wantNil(t, "CreateSession(other admin)", s.CreateSession(ctx, theirs))
	_, err = s.SetAdminUserPassword(ctx, inv.ID, 2, "$argon2id$changed", mine[1].Hash, su.event("admin_user.password_changed", inv.ID))
	wantNil(t, "SetAdminUserPassword(keeping a session)", err)
	for i, sess := range mine {
		_, err := s.GetSession(ctx, sess.Hash, su.now())
		if i == 1 {
			wantNil(t, "GetSession(the kept session)", err)
		} else {
			wantCode(t, fmt.Sprintf("GetSession(other session %d)", i), err, portal.ENotFound)
		}
	}
	_, err = s.GetSession(ctx, theirs.Hash, su.now())
	wantNil(t, "GetSession(another admin's)", err)

	off := su.mustCreateAdminUser(t, s, "off@example.com")
	off, err = s.SetAdminUserStatus(ctx, off.ID, 1, portal.AdminDisabled, su.event("admin_user.disabled", off.ID))
	wantNil(t, "SetAdminUserStatus(disable)", err)
	got, err = s.SetAdminUserPassword(ctx, off.ID, off.Version, "$argon2id$other", "", su.event("admin_user.password_set", off.ID))
	wantNil(t, "SetAdminUserPassword(disabled)", err)
	if got.Status != portal.AdminDisabled || got.PasswordHash != "$argon2id$other" || got.Version != off.Version+1 {
		t.Errorf("SetAdminUserPassword(disabled) = %s %q v%d, want disabled, the new hash, v%d", got.Status, got.PasswordHash, got.Version, off.Version+1)
	}
}

// Package storetest is the conformance suite for portal.Store
// implementations, in the manner of testing/fstest: an implementation's
// tests call Run with a constructor, and every method and invariant of the
// interface is checked, including under concurrency.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/portal-dev/portal/functions/portal"
)

// Run checks that the stores made by newStore implement portal.Store and
// portal.AppStore, with every time the suite hands a store taken from
// clock (time.Now, or a shifted clock to show that a store keeps no clock
// of its own). Each subtest gets its own empty store from newStore and
// runs in parallel with the others; newStore should close the store with
// t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) portal.FullStore, clock func() time.Time) {
	su := suite{clock: clock}
	tests := []struct {
		name string
		fn   func(su suite, t *testing.T, s portal.Store)
	}{
		{"CreateDeveloper", suite.testCreateDeveloper},
		{"CreateDeveloperDuplicate", suite.testCreateDeveloperDuplicate},
		{"CreateDeveloperConcurrentEmail", suite.testCreateDeveloperConcurrentEmail},
		{"UpdateDeveloper", suite.testUpdateDeveloper},
		{"SetDeveloperStatus", suite.testSetDeveloperStatus},
		{"SetDeveloperStatusConcurrent", suite.testSetDeveloperStatusConcurrent},
		{"DeleteDeveloper", suite.testDeleteDeveloper},
		{"ListDevelopers", suite.testListDevelopers},
		{"Tokens", suite.testTokens},
		{"TokensConcurrentConsume", suite.testTokensConcurrentConsume},
		{"TokensSuperseded", suite.testTokensSuperseded},
		{"TokensSupersededConcurrent", suite.testTokensSupersededConcurrent},
		{"Sessions", suite.testSessions},
		{"DeleteDeveloperSessions", suite.testDeleteDeveloperSessions},
		{"LoginFailures", suite.testLoginFailures},
		{"MailSlots", suite.testMailSlots},
		{"MailSlotsConcurrent", suite.testMailSlotsConcurrent},
		{"Settings", suite.testSettings},
		{"AccessKey", suite.testAccessKey},
		{"AccessKeyConcurrent", suite.testAccessKeyConcurrent},
		{"Teams", suite.testTeams},
		{"ListTeams", suite.testListTeams},
		{"TeamMembers", suite.testTeamMembers},
		{"TeamMembersConcurrent", suite.testTeamMembersConcurrent},
		{"ListTeamMembers", suite.testListTeamMembers},
		{"Roles", suite.testRoles},
		{"DeleteTeam", suite.testDeleteTeam},
		{"AdminTokens", suite.testAdminTokens},
		{"AuditEvents", suite.testAuditEvents},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(su, t, newStore(t))
		})
	}
	for _, tc := range appTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(su, t, newStore(t))
		})
	}
}

// farPage is a page number from the security audit (issue 9): times 100
// it overflows int64.
const farPage = 92233720368547760

// concurrency is how many goroutines race in the concurrency tests.
const concurrency = 20

var ctx = context.Background()

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// suite is one run of the conformance suite on one clock. Stores have no
// clock of their own, so every time they see comes from here.
type suite struct{ clock func() time.Time }

// now is the suite clock's time without a monotonic reading, as stores
// return it.
func (su suite) now() time.Time { return su.clock().UTC() }

func (su suite) event(action, subject string) portal.AuditEvent {
	return portal.AuditEvent{
		ID:      newID(),
		At:      su.now(),
		Actor:   "admin:test",
		Action:  action,
		Subject: subject,
		Detail:  map[string]string{"case": action},
	}
}

func developer(email string, created time.Time) portal.Developer {
	return portal.Developer{
		ID:           newID(),
		Email:        email,
		FullName:     "Dev " + email,
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		Status:       portal.StatusPending,
		CreatedAt:    created,
		UpdatedAt:    created,
	}
}

// mustCreateDeveloper stores a developer and returns it as the store
// should return it (Version 1).
func (su suite) mustCreateDeveloper(t *testing.T, s portal.Store, email string) portal.Developer {
	t.Helper()
	d := developer(email, su.now())
	if err := s.CreateDeveloper(ctx, d, su.event("developer.created", d.ID)); err != nil {
		t.Fatalf("CreateDeveloper(%s) = %v, want nil", email, err)
	}
	d.Version = 1
	return d
}

func (su suite) mustCreateTeam(t *testing.T, s portal.Store, name string, created time.Time) portal.Team {
	t.Helper()
	tm := portal.Team{ID: newID(), Name: name, Description: "team " + name, CreatedAt: created, UpdatedAt: created}
	if err := s.CreateTeam(ctx, tm, su.event("team.created", tm.ID)); err != nil {
		t.Fatalf("CreateTeam(%s) = %v, want nil", name, err)
	}
	tm.Version = 1
	return tm
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if !portal.IsCode(err, code) {
		t.Errorf("%s = %v, want error with code %s", what, err, code)
	}
}

func wantNil(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s = %v, want nil", what, err)
	}
}

// auditActions lists the actions of the audit events about subject.
func auditActions(t *testing.T, s portal.Store, subject string) []string {
	t.Helper()
	evs, err := s.ListAuditEvents(ctx, subject)
	if err != nil {
		t.Fatalf("ListAuditEvents(%s) = %v, want nil", subject, err)
	}
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	return actions
}

func wantAudit(t *testing.T, s portal.Store, subject string, want ...string) {
	t.Helper()
	got := auditActions(t, s, subject)
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ListAuditEvents(%s) actions (-want +got):\n%s", subject, diff)
	}
}

func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func devID(d portal.Developer) string { return d.ID }
func teamID(t portal.Team) string     { return t.ID }

// race runs fn concurrently n times, released together, and returns the
// errors by goroutine index.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			errs[i] = fn(i)
		})
	}
	start.Done()
	done.Wait()
	return errs
}

// oneWinner checks that exactly one error is nil and the others carry
// code, and returns the winner's index.
func oneWinner(t *testing.T, what string, errs []error, code string) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("%s: calls %d and %d both succeeded, want exactly one", what, winner, i)
		case err == nil:
			winner = i
		case !portal.IsCode(err, code):
			t.Errorf("%s: call %d = %v, want nil or code %s", what, i, err, code)
		}
	}
	if winner < 0 {
		t.Fatalf("%s: no call succeeded, want exactly one", what)
	}
	return winner
}

func (su suite) testCreateDeveloper(t *testing.T, s portal.Store) {
	d := developer("Ada.Lovelace@Example.com", su.now())
	ev := su.event("developer.created", d.ID)
	wantNil(t, "CreateDeveloper", s.CreateDeveloper(ctx, d, ev))
	d.Version = 1

	got, err := s.GetDeveloper(ctx, d.ID)
	wantNil(t, "GetDeveloper", err)
	if diff := cmp.Diff(d, got); diff != "" {
		t.Errorf("GetDeveloper(%s) (-want +got):\n%s", d.ID, diff)
	}
	for _, email := range []string{"ada.lovelace@example.com", " ADA.LOVELACE@EXAMPLE.COM ", d.Email} {
		got, err := s.GetDeveloperByEmail(ctx, email)
		wantNil(t, "GetDeveloperByEmail("+email+")", err)
		if diff := cmp.Diff(d, got); diff != "" {
			t.Errorf("GetDeveloperByEmail(%q) (-want +got):\n%s", email, diff)
		}
	}
	_, err = s.GetDeveloper(ctx, newID())
	wantCode(t, "GetDeveloper(unknown)", err, portal.ENotFound)
	_, err = s.GetDeveloperByEmail(ctx, "nobody@example.com")
	wantCode(t, "GetDeveloperByEmail(unknown)", err, portal.ENotFound)

	evs, err := s.ListAuditEvents(ctx, d.ID)
	wantNil(t, "ListAuditEvents", err)
	if diff := cmp.Diff([]portal.AuditEvent{ev}, evs); diff != "" {
		t.Errorf("ListAuditEvents(%s) (-want +got):\n%s", d.ID, diff)
	}
}

func (su suite) testCreateDeveloperDuplicate(t *testing.T, s portal.Store) {
	first := su.mustCreateDeveloper(t, s, "grace@example.com")

	dup := developer("  Grace@EXAMPLE.com", su.now())
	err := s.CreateDeveloper(ctx, dup, su.event("developer.created", dup.ID))
	wantCode(t, "CreateDeveloper(same email, other case)", err, portal.EConflict)
	_, err = s.GetDeveloper(ctx, dup.ID)
	wantCode(t, "GetDeveloper(rejected duplicate)", err, portal.ENotFound)
	wantAudit(t, s, dup.ID)

	sameID := developer("other@example.com", su.now())
	sameID.ID = first.ID
	err = s.CreateDeveloper(ctx, sameID, su.event("developer.created", sameID.ID))
	wantCode(t, "CreateDeveloper(same id)", err, portal.EConflict)
	_, err = s.GetDeveloperByEmail(ctx, "other@example.com")
	wantCode(t, "GetDeveloperByEmail(rejected same id)", err, portal.ENotFound)
	got, err := s.GetDeveloper(ctx, first.ID)
	wantNil(t, "GetDeveloper", err)
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("GetDeveloper after rejected create (-want +got):\n%s", diff)
	}
	wantAudit(t, s, first.ID, "developer.created")

	_, total, err := s.ListDevelopers(ctx, portal.DeveloperFilter{}, portal.Page{})
	wantNil(t, "ListDevelopers", err)
	if total != 1 {
		t.Errorf("ListDevelopers total = %d, want 1", total)
	}
}

func (su suite) testCreateDeveloperConcurrentEmail(t *testing.T, s portal.Store) {
	devs := make([]portal.Developer, concurrency)
	for i := range devs {
		email := "race@example.com"
		if i%2 == 1 {
			email = "RACE@Example.COM"
		}
		if i%3 == 0 {
			email = "Race@example.com"
		}
		devs[i] = developer(email, su.now())
	}
	errs := race(concurrency, func(i int) error {
		return s.CreateDeveloper(ctx, devs[i], su.event("developer.created", devs[i].ID))
	})
	w := oneWinner(t, "concurrent CreateDeveloper", errs, portal.EConflict)

	got, err := s.GetDeveloperByEmail(ctx, "race@example.com")
	wantNil(t, "GetDeveloperByEmail", err)
	if got.ID != devs[w].ID {
		t.Errorf("GetDeveloperByEmail = %s, want the winner %s", got.ID, devs[w].ID)
	}
	list, total, err := s.ListDevelopers(ctx, portal.DeveloperFilter{}, portal.Page{Size: 100})
	wantNil(t, "ListDevelopers", err)
	if total != 1 || len(list) != 1 {
		t.Errorf("ListDevelopers = %d developers, total %d, want 1, 1", len(list), total)
	}
	for i, d := range devs {
		want := []string{}
		if i == w {
			want = []string{"developer.created"}
		}
		wantAudit(t, s, d.ID, want...)
	}
}

func (su suite) testUpdateDeveloper(t *testing.T, s portal.Store) {
	d := su.mustCreateDeveloper(t, s, "alan@example.com")

	change := d
	change.FullName = "Alan Turing"
	change.PasswordHash = "$argon2id$new"
	change.EmailVerified = true
	change.Status = portal.StatusApproved // ignored
	change.Email = "hijack@example.com"   // ignored
	ev := su.event("developer.updated", d.ID)
	got, err := s.UpdateDeveloper(ctx, change, ev)
	wantNil(t, "UpdateDeveloper", err)
	want := d
	want.FullName, want.PasswordHash, want.EmailVerified = "Alan Turing", "$argon2id$new", true
	want.UpdatedAt = ev.At
	want.Version = 2
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UpdateDeveloper (-want +got):\n%s", diff)
	}
	stored, err := s.GetDeveloper(ctx, d.ID)
	wantNil(t, "GetDeveloper", err)
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("GetDeveloper after update (-want +got):\n%s", diff)
	}
	_, err = s.GetDeveloperByEmail(ctx, "hijack@example.com")
	wantCode(t, "GetDeveloperByEmail(ignored new email)", err, portal.ENotFound)

	stale := change
	stale.FullName = "Stale"
	_, err = s.UpdateDeveloper(ctx, stale, su.event("developer.updated", d.ID)) // version 1
	wantCode(t, "UpdateDeveloper(stale version)", err, portal.EConflict)
	stored, err = s.GetDeveloper(ctx, d.ID)
	wantNil(t, "GetDeveloper", err)
	if stored.FullName != "Alan Turing" || stored.Version != 2 {
		t.Errorf("GetDeveloper after stale update = %q v%d, want %q v2", stored.FullName, stored.Version, "Alan Turing")
	}

	again := got
	again.FullName = "A. M. Turing"
	got, err = s.UpdateDeveloper(ctx, again, su.event("developer.updated", d.ID))
	wantNil(t, "UpdateDeveloper(version 2)", err)
	if got.Version != 3 || got.FullName != "A. M. Turing" {
		t.Errorf("UpdateDeveloper(version 2) = %q v%d, want %q v3", got.FullName, got.Version, "A. M. Turing")
	}

	unknown := developer("ghost@example.com", su.now())
	unknown.Version = 1
	_, err = s.UpdateDeveloper(ctx, unknown, su.event("developer.updated", unknown.ID))
	wantCode(t, "UpdateDeveloper(unknown)", err, portal.ENotFound)
	wantAudit(t, s, unknown.ID)
	wantAudit(t, s, d.ID, "developer.created", "developer.updated", "developer.updated")
}

func (su suite) testSetDeveloperStatus(t *testing.T, s portal.Store) {
	d := su.mustCreateDeveloper(t, s, "barbara@example.com")
	pending := []portal.DeveloperStatus{portal.StatusPending}

	ev := su.event("developer.status_changed", d.ID)
	got, err := s.SetDeveloperStatus(ctx, d.ID, pending, portal.StatusApproved, ev)
	wantNil(t, "SetDeveloperStatus(pending→approved)", err)
	want := d
	want.Status, want.Version, want.UpdatedAt = portal.StatusApproved, 2, ev.At
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SetDeveloperStatus (-want +got):\n%s", diff)
	}
	stored, err := s.GetDeveloper(ctx, d.ID)
	wantNil(t, "GetDeveloper", err)
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("GetDeveloper after status change (-want +got):\n%s", diff)
	}

	// Approved is not pending: the change is refused, and says why.
	_, err = s.SetDeveloperStatus(ctx, d.ID, pending, portal.StatusRejected, su.event("developer.status_changed", d.ID))
	wantCode(t, "SetDeveloperStatus(approved, from pending)", err, portal.EPrecondition)
	if err != nil && !strings.Contains(err.Error(), string(portal.StatusApproved)) {
		t.Errorf("SetDeveloperStatus precondition error = %q, want it to name the current status %q", err, portal.StatusApproved)
	}
	stored, err = s.GetDeveloper(ctx, d.ID)
	wantNil(t, "GetDeveloper", err)
	if stored.Status != portal.StatusApproved || stored.Version != 2 {
		t.Errorf("GetDeveloper after refused change = %s v%d, want approved v2", stored.Status, stored.Version)
	}

	// Every transition in portal.Transitions works from each allowed state.
	got, err = s.SetDeveloperStatus(ctx, d.ID, portal.Transitions[portal.StatusRevoked], portal.StatusRevoked, su.event("developer.status_changed", d.ID))
	wantNil(t, "SetDeveloperStatus(approved→revoked)", err)
	if got.Status != portal.StatusRevoked || got.Version != 3 {
		t.Errorf("SetDeveloperStatus(approved→revoked) = %s v%d, want revoked v3", got.Status, got.Version)
	}
	_, err = s.SetDeveloperStatus(ctx, d.ID, portal.Transitions[portal.StatusRevoked], portal.StatusRevoked, su.event("developer.status_changed", d.ID))
	wantCode(t, "SetDeveloperStatus(revoked→revoked)", err, portal.EPrecondition)
	_, err = s.SetDeveloperStatus(ctx, d.ID, portal.Transitions[portal.StatusApproved], portal.StatusApproved, su.event("developer.status_changed", d.ID))
	wantNil(t, "SetDeveloperStatus(revoked→approved)", err)

	// The status filter sees the change.
	list, total, err := s.ListDevelopers(ctx, portal.DeveloperFilter{Status: portal.StatusApproved}, portal.Page{})
	wantNil(t, "ListDevelopers(approved)", err)
	if total != 1 || len(list) != 1 || list[0].ID != d.ID {
		t.Errorf("ListDevelopers(approved) = %v (total %d), want [%s]", ids(list, devID), total, d.ID)
	}
	_, total, err = s.ListDevelopers(ctx, portal.DeveloperFilter{Status: portal.StatusPending}, portal.Page{})
	wantNil(t, "ListDevelopers(pending)", err)
	if total != 0 {
		t.Errorf("ListDevelopers(pending) total = %d, want 0", total)
	}

	_, err = s.SetDeveloperStatus(ctx, newID(), pending, portal.StatusApproved, su.event("developer.status_changed", "x"))
	wantCode(t, "SetDeveloperStatus(unknown)", err, portal.ENotFound)

	evs, err := s.ListAuditEvents(ctx, d.ID)
	wantNil(t, "ListAuditEvents", err)
	wantAudit(t, s, d.ID, "developer.created", "developer.status_changed", "developer.status_changed", "developer.status_changed")
	if len(evs) == 4 {
		if evs[1].ID != ev.ID || evs[1].Detail["from"] != "pending" || evs[1].Detail["to"] != "approved" || evs[1].Detail["case"] != ev.Action {
			t.Errorf("status audit event = %+v, want id %s with detail from=pending, to=approved and the caller's detail", evs[1], ev.ID)
		}
	}
}

func (su suite) testSetDeveloperStatusConcurrent(t *testing.T, s portal.Store) {
	d := su.mustCreateDeveloper(t, s, "race-status@example.com")
	pending := []portal.DeveloperStatus{portal.StatusPending}
	targets := make([]portal.DeveloperStatus, concurrency)
	results := make([]portal.Developer, concurrency)
	for i := range targets {
		targets[i] = portal.StatusApproved
		if i%2 == 1 {
			targets[i] = portal.StatusRejected
		}
	}
	errs := race(concurrency, func(i int) error {
		var err error
		results[i], err = s.SetDeveloperStatus(ctx, d.ID, pending, targets[i], su.event("developer.status_changed", d.ID))
		return err
	})
	w := oneWinner(t, "concurrent SetDeveloperStatus", errs, portal.EPrecondition)

	got, err := s.GetDeveloper(ctx, d.ID)
	wantNil(t, "GetDeveloper", err)
	if got.Status != targets[w] || got.Version != 2 || results[w].Version != 2 {
		t.Errorf("after race: stored %s v%d, winner got v%d; want %s v2", got.Status, got.Version, results[w].Version, targets[w])
	}
	wantAudit(t, s, d.ID, "developer.created", "developer.status_changed")
}

func (su suite) testDeleteDeveloper(t *testing.T, s portal.Store) {
	d := su.mustCreateDeveloper(t, s, "Deleted@example.com")
	other := su.mustCreateDeveloper(t, s, "kept@example.com")
	t1 := su.mustCreateTeam(t, s, "one", su.now())
	t2 := su.mustCreateTeam(t, s, "two", su.now())
	for _, tm := range []portal.Team{t1, t2} {
		for _, dev := range []portal.Developer{d, other} {
			wantNil(t, "AddTeamMember", s.AddTeamMember(ctx, tm.ID, dev.ID, su.event("team.member_added", tm.ID)))
		}
	}
	var sessions []string
	for _, dev := range []portal.Developer{d, d, other} {
		sess := su.session(dev.ID, time.Hour)
		wantNil(t, "CreateSession", s.CreateSession(ctx, sess))
		sessions = append(sessions, sess.Hash)
	}

	ev := su.event("developer.deleted", d.ID)
	wantNil(t, "DeleteDeveloper", s.DeleteDeveloper(ctx, d.ID, ev))

	_, err := s.GetDeveloper(ctx, d.ID)
	wantCode(t, "GetDeveloper(deleted)", err, portal.ENotFound)
	_, err = s.GetDeveloperByEmail(ctx, d.Email)
	wantCode(t, "GetDeveloperByEmail(deleted)", err, portal.ENotFound)
	for i, h := range sessions[:2] {
		_, err = s.GetSession(ctx, h, su.now())
		wantCode(t, fmt.Sprintf("GetSession(deleted developer's session %d)", i), err, portal.ENotFound)
	}
	if _, err := s.GetSession(ctx, sessions[2], su.now()); err != nil {
		t.Errorf("GetSession(other developer's session) = %v, want nil", err)
	}
	teams, err := s.ListDeveloperTeams(ctx, d.ID)
	wantNil(t, "ListDeveloperTeams(deleted)", err)
	if len(teams) != 0 {
		t.Errorf("ListDeveloperTeams(deleted) = %v, want none", ids(teams, teamID))
	}
	for _, tm := range []portal.Team{t1, t2} {
		members, total, err := s.ListTeamMembers(ctx, tm.ID, portal.Page{})
		wantNil(t, "ListTeamMembers", err)
		if diff := cmp.Diff([]string{other.ID}, ids(members, devID)); diff != "" || total != 1 {
			t.Errorf("ListTeamMembers(%s) after delete: total %d (-want +got):\n%s", tm.Name, total, diff)
		}
	}
	teams, err = s.ListDeveloperTeams(ctx, other.ID)
	wantNil(t, "ListDeveloperTeams(other)", err)
	if diff := cmp.Diff([]string{t1.ID, t2.ID}, ids(teams, teamID)); diff != "" {
		t.Errorf("ListDeveloperTeams(other) (-want +got):\n%s", diff)
	}
	wantAudit(t, s, d.ID, "developer.created", "developer.deleted")

	err = s.DeleteDeveloper(ctx, d.ID, su.event("developer.deleted", d.ID))
	wantCode(t, "DeleteDeveloper(again)", err, portal.ENotFound)
	wantAudit(t, s, d.ID, "developer.created", "developer.deleted")

	// The email is free again; the new account starts with no teams.
	again := su.mustCreateDeveloper(t, s, "deleted@EXAMPLE.com")
	teams, err = s.ListDeveloperTeams(ctx, again.ID)
	wantNil(t, "ListDeveloperTeams(new account)", err)
	if len(teams) != 0 {
		t.Errorf("ListDeveloperTeams(new account) = %v, want none", ids(teams, teamID))
	}
}

func (su suite) testListDevelopers(t *testing.T, s portal.Store) {
	base := su.now().Add(-time.Hour)
	var all, approved []portal.Developer
	for i := range 25 {
		// Created out of order: lists follow CreatedAt, not insertion.
		created := base.Add(time.Duration((i*7)%25) * time.Second)
		d := developer(fmt.Sprintf("dev%02d@example.com", i), created)
		wantNil(t, "CreateDeveloper", s.CreateDeveloper(ctx, d, su.event("developer.created", d.ID)))
		d.Version = 1
		if i%3 == 0 {
			var err error
			d, err = s.SetDeveloperStatus(ctx, d.ID, []portal.DeveloperStatus{portal.StatusPending}, portal.StatusApproved, su.event("developer.status_changed", d.ID))
			wantNil(t, "SetDeveloperStatus", err)
			approved = append(approved, d)
		}
		all = append(all, d)
	}
	byCreation := func(ds []portal.Developer) {
		sort.Slice(ds, func(i, j int) bool { return ds[i].CreatedAt.Before(ds[j].CreatedAt) })
	}
	byCreation(all)
	byCreation(approved)

	for _, tc := range []struct {
		f    portal.DeveloperFilter
		p    portal.Page
		want []portal.Developer
		tot  int
	}{
		{portal.DeveloperFilter{}, portal.Page{Size: 10, Number: 1}, all[:10], 25},
		{portal.DeveloperFilter{}, portal.Page{Size: 10, Number: 2}, all[10:20], 25},
		{portal.DeveloperFilter{}, portal.Page{Size: 10, Number: 3}, all[20:], 25},
		{portal.DeveloperFilter{}, portal.Page{Size: 10, Number: 4}, nil, 25},
		// Far past the end: (number-1)*size overflows int; still empty.
		{portal.DeveloperFilter{}, portal.Page{Size: 100, Number: farPage}, nil, 25},
		{portal.DeveloperFilter{}, portal.Page{Size: 1, Number: math.MaxInt}, nil, 25},
		{portal.DeveloperFilter{Status: portal.StatusApproved}, portal.Page{Size: 100, Number: farPage}, nil, 9},
		{portal.DeveloperFilter{}, portal.Page{}, all[:20], 25},                  // defaults: size 20, page 1
		{portal.DeveloperFilter{}, portal.Page{Size: 1000, Number: -1}, all, 25}, // limits: size 100
		{portal.DeveloperFilter{}, portal.Page{Size: 7, Number: 4}, all[21:], 25},
		{portal.DeveloperFilter{Status: portal.StatusApproved}, portal.Page{Size: 5, Number: 1}, approved[:5], 9},
		{portal.DeveloperFilter{Status: portal.StatusApproved}, portal.Page{Size: 5, Number: 2}, approved[5:], 9},
		{portal.DeveloperFilter{Status: portal.StatusRevoked}, portal.Page{}, nil, 0},
	} {
		got, total, err := s.ListDevelopers(ctx, tc.f, tc.p)
		what := fmt.Sprintf("ListDevelopers(%q, %+v)", tc.f.Status, tc.p)
		wantNil(t, what, err)
		if total != tc.tot {
			t.Errorf("%s total = %d, want %d", what, total, tc.tot)
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}
}

func (su suite) token(kind portal.TokenKind, ttl time.Duration) portal.Token {
	return portal.Token{Hash: newID() + newID(), Kind: kind, DeveloperID: newID(), ExpiresAt: su.now().Add(ttl)}
}

func (su suite) testTokens(t *testing.T, s portal.Store) {
	tok := su.token(portal.TokenVerifyEmail, 24*time.Hour)
	wantNil(t, "PutToken", s.PutToken(ctx, tok))

	_, err := s.ConsumeToken(ctx, tok.Hash, portal.TokenResetPassword, su.now())
	wantCode(t, "ConsumeToken(wrong kind)", err, portal.ENotFound)
	_, err = s.ConsumeToken(ctx, tok.Hash, portal.TokenVerifyEmail, tok.ExpiresAt)
	wantCode(t, "ConsumeToken(at expiry)", err, portal.ENotFound)
	_, err = s.ConsumeToken(ctx, tok.Hash, portal.TokenVerifyEmail, tok.ExpiresAt.Add(time.Hour))
	wantCode(t, "ConsumeToken(after expiry)", err, portal.ENotFound)

	got, err := s.ConsumeToken(ctx, tok.Hash, portal.TokenVerifyEmail, su.now())
	wantNil(t, "ConsumeToken", err)
	if diff := cmp.Diff(tok, got); diff != "" {
		t.Errorf("ConsumeToken (-want +got):\n%s", diff)
	}
	_, err = s.ConsumeToken(ctx, tok.Hash, portal.TokenVerifyEmail, su.now())
	wantCode(t, "ConsumeToken(again)", err, portal.ENotFound)
	_, err = s.ConsumeToken(ctx, newID(), portal.TokenVerifyEmail, su.now())
	wantCode(t, "ConsumeToken(unknown)", err, portal.ENotFound)

	// A token stored already expired is never consumable.
	old := su.token(portal.TokenResetPassword, -time.Minute)
	wantNil(t, "PutToken(expired)", s.PutToken(ctx, old))
	_, err = s.ConsumeToken(ctx, old.Hash, portal.TokenResetPassword, su.now())
	wantCode(t, "ConsumeToken(expired)", err, portal.ENotFound)

	// Putting a token with an existing hash is refused.
	dup := su.token(portal.TokenResetPassword, time.Hour)
	wantNil(t, "PutToken", s.PutToken(ctx, dup))
	err = s.PutToken(ctx, portal.Token{Hash: dup.Hash, Kind: portal.TokenResetPassword, DeveloperID: "attacker", ExpiresAt: su.now().Add(time.Hour)})
	wantCode(t, "PutToken(same hash)", err, portal.EConflict)
	got, err = s.ConsumeToken(ctx, dup.Hash, portal.TokenResetPassword, su.now())
	wantNil(t, "ConsumeToken", err)
	if got.DeveloperID != dup.DeveloperID {
		t.Errorf("ConsumeToken.DeveloperID = %s, want %s", got.DeveloperID, dup.DeveloperID)
	}
}

func (su suite) testTokensConcurrentConsume(t *testing.T, s portal.Store) {
	tok := su.token(portal.TokenResetPassword, time.Hour)
	wantNil(t, "PutToken", s.PutToken(ctx, tok))
	got := make([]portal.Token, concurrency)
	errs := race(concurrency, func(i int) error {
		var err error
		got[i], err = s.ConsumeToken(ctx, tok.Hash, portal.TokenResetPassword, su.now())
		return err
	})
	w := oneWinner(t, "concurrent ConsumeToken", errs, portal.ENotFound)
	if diff := cmp.Diff(tok, got[w]); diff != "" {
		t.Errorf("winning ConsumeToken (-want +got):\n%s", diff)
	}
}

// testTokensSuperseded: a new token voids the developer's older ones of
// its kind (a superseded link must fail), not those of another kind or
// another developer.
func (su suite) testTokensSuperseded(t *testing.T, s portal.Store) {
	dev := newID()
	first := su.token(portal.TokenResetPassword, time.Hour)
	first.DeveloperID = dev
	verify := su.token(portal.TokenVerifyEmail, 24*time.Hour)
	verify.DeveloperID = dev
	other := su.token(portal.TokenResetPassword, time.Hour) // another developer's
	second := su.token(portal.TokenResetPassword, time.Hour)
	second.DeveloperID = dev
	for _, tok := range []portal.Token{first, verify, other, second} {
		wantNil(t, "PutToken", s.PutToken(ctx, tok))
	}
	_, err := s.ConsumeToken(ctx, first.Hash, portal.TokenResetPassword, su.now())
	wantCode(t, "ConsumeToken(superseded)", err, portal.ENotFound)
	for _, tok := range []portal.Token{second, verify, other} {
		got, err := s.ConsumeToken(ctx, tok.Hash, tok.Kind, su.now())
		wantNil(t, "ConsumeToken("+string(tok.Kind)+")", err)
		if diff := cmp.Diff(tok, got); diff != "" {
			t.Errorf("ConsumeToken (-want +got):\n%s", diff)
		}
	}
	// After the live one is used, the next one works and voids nothing
	// it should not.
	third := su.token(portal.TokenResetPassword, time.Hour)
	third.DeveloperID = dev
	wantNil(t, "PutToken(after use)", s.PutToken(ctx, third))
	_, err = s.ConsumeToken(ctx, third.Hash, portal.TokenResetPassword, su.now())
	wantNil(t, "ConsumeToken(after use)", err)
}

// testTokensSupersededConcurrent: of tokens issued at once for one
// developer and kind, exactly one survives.
func (su suite) testTokensSupersededConcurrent(t *testing.T, s portal.Store) {
	dev := newID()
	toks := make([]portal.Token, concurrency)
	for i := range toks {
		toks[i] = su.token(portal.TokenResetPassword, time.Hour)
		toks[i].DeveloperID = dev
	}
	for _, err := range race(concurrency, func(i int) error { return s.PutToken(ctx, toks[i]) }) {
		wantNil(t, "PutToken(concurrent)", err)
	}
	live := 0
	for _, tok := range toks {
		if _, err := s.ConsumeToken(ctx, tok.Hash, portal.TokenResetPassword, su.now()); err == nil {
			live++
		} else {
			wantCode(t, "ConsumeToken", err, portal.ENotFound)
		}
	}
	if live != 1 {
		t.Errorf("%d of %d tokens issued at once for one developer work, want 1", live, concurrency)
	}
}

func (su suite) session(developerID string, ttl time.Duration) portal.Session {
	n := su.now()
	return portal.Session{Hash: newID() + newID(), DeveloperID: developerID, CreatedAt: n, LastSeenAt: n, ExpiresAt: n.Add(ttl)}
}

func (su suite) testSessions(t *testing.T, s portal.Store) {
	d := su.mustCreateDeveloper(t, s, "session@example.com")
	sess := su.session(d.ID, 12*time.Hour)
	wantNil(t, "CreateSession", s.CreateSession(ctx, sess))
	got, err := s.GetSession(ctx, sess.Hash, su.now())
	wantNil(t, "GetSession", err)
	if diff := cmp.Diff(sess, got); diff != "" {
		t.Errorf("GetSession (-want +got):\n%s", diff)
	}
	err = s.CreateSession(ctx, sess)
	wantCode(t, "CreateSession(same hash)", err, portal.EConflict)

	seen := sess.LastSeenAt.Add(5 * time.Minute)
	wantNil(t, "TouchSession", s.TouchSession(ctx, sess.Hash, seen))
	got, err = s.GetSession(ctx, sess.Hash, su.now())
	wantNil(t, "GetSession", err)
	if !got.LastSeenAt.Equal(seen) || !got.ExpiresAt.Equal(sess.ExpiresAt) || !got.CreatedAt.Equal(sess.CreatedAt) {
		t.Errorf("GetSession after touch = %+v, want LastSeenAt %v and the rest unchanged", got, seen)
	}
	wantCode(t, "TouchSession(unknown)", s.TouchSession(ctx, newID(), seen), portal.ENotFound)
	_, err = s.GetSession(ctx, newID(), su.now())
	wantCode(t, "GetSession(unknown)", err, portal.ENotFound)

	// Liveness is decided by the caller's time, never the store's clock.
	_, err = s.GetSession(ctx, sess.Hash, sess.ExpiresAt.Add(-time.Nanosecond))
	wantNil(t, "GetSession(just before expiry)", err)
	_, err = s.GetSession(ctx, sess.Hash, sess.ExpiresAt)
	wantCode(t, "GetSession(at expiry)", err, portal.ENotFound)
	wantCode(t, "TouchSession(at expiry)", s.TouchSession(ctx, sess.Hash, sess.ExpiresAt), portal.ENotFound)

	wantNil(t, "DeleteSession", s.DeleteSession(ctx, sess.Hash))
	_, err = s.GetSession(ctx, sess.Hash, su.now())
	wantCode(t, "GetSession(deleted)", err, portal.ENotFound)
	wantNil(t, "DeleteSession(again)", s.DeleteSession(ctx, sess.Hash))

	// Expired sessions are gone, even before any clean-up runs.
	old := su.session(d.ID, -time.Second)
	wantNil(t, "CreateSession(expired)", s.CreateSession(ctx, old))
	_, err = s.GetSession(ctx, old.Hash, su.now())
	wantCode(t, "GetSession(expired)", err, portal.ENotFound)
	wantCode(t, "TouchSession(expired)", s.TouchSession(ctx, old.Hash, su.now()), portal.ENotFound)

	// Admin sessions have no developer.
	admin := su.session("", time.Hour)
	admin.AdminID = newID()
	wantNil(t, "CreateSession(admin)", s.CreateSession(ctx, admin))
	got, err = s.GetSession(ctx, admin.Hash, su.now())
	wantNil(t, "GetSession(admin)", err)
	if diff := cmp.Diff(admin, got); diff != "" {
		t.Errorf("GetSession(admin) (-want +got):\n%s", diff)
	}

	// A session needs its developer.
	err = s.CreateSession(ctx, su.session(newID(), time.Hour))
	wantCode(t, "CreateSession(unknown developer)", err, portal.ENotFound)
}

func (su suite) testDeleteDeveloperSessions(t *testing.T, s portal.Store) {
	a := su.mustCreateDeveloper(t, s, "a@example.com")
	b := su.mustCreateDeveloper(t, s, "b@example.com")
	var as []portal.Session
	for range 3 {
		sess := su.session(a.ID, time.Hour)
		wantNil(t, "CreateSession", s.CreateSession(ctx, sess))
		as = append(as, sess)
	}
	bs := su.session(b.ID, time.Hour)
	wantNil(t, "CreateSession", s.CreateSession(ctx, bs))

	wantNil(t, "DeleteDeveloperSessions(keep one)", s.DeleteDeveloperSessions(ctx, a.ID, as[1].Hash))
	for i, sess := range as {
		_, err := s.GetSession(ctx, sess.Hash, su.now())
		if i == 1 {
			wantNil(t, "GetSession(kept)", err)
		} else {
			wantCode(t, fmt.Sprintf("GetSession(ended %d)", i), err, portal.ENotFound)
		}
	}
	_, err := s.GetSession(ctx, bs.Hash, su.now())
	wantNil(t, "GetSession(other developer)", err)

	wantNil(t, "DeleteDeveloperSessions(keep none)", s.DeleteDeveloperSessions(ctx, a.ID, ""))
	_, err = s.GetSession(ctx, as[1].Hash, su.now())
	wantCode(t, "GetSession(after ending all)", err, portal.ENotFound)
	_, err = s.GetSession(ctx, bs.Hash, su.now())
	wantNil(t, "GetSession(other developer)", err)
	wantNil(t, "DeleteDeveloperSessions(none left)", s.DeleteDeveloperSessions(ctx, a.ID, ""))
}

func (su suite) testLoginFailures(t *testing.T, s portal.Store) {
	const window = 15 * time.Minute
	t0 := su.now()
	email := "Throttle@Example.com"
	for i := range 3 {
		n, err := s.RecordLoginFailure(ctx, email, t0.Add(time.Duration(i)*time.Minute), window)
		wantNil(t, "RecordLoginFailure", err)
		if n != i+1 {
			t.Errorf("RecordLoginFailure #%d = %d, want %d", i+1, n, i+1)
		}
	}
	for _, tc := range []struct {
		email string
		at    time.Time
		want  int
	}{
		{"throttle@example.com", t0.Add(2 * time.Minute), 3},
		{" THROTTLE@example.com", t0.Add(10 * time.Minute), 3},
		{email, t0.Add(window + 30*time.Second), 2}, // the first fell out of the window
		{email, t0.Add(window + 2*time.Minute), 0},  // window is (now-window, now]
		{email, t0.Add(time.Hour), 0},
		{"other@example.com", t0.Add(2 * time.Minute), 0},
	} {
		n, err := s.CountLoginFailures(ctx, tc.email, tc.at, window)
		wantNil(t, "CountLoginFailures", err)
		if n != tc.want {
			t.Errorf("CountLoginFailures(%q, t0+%v) = %d, want %d", tc.email, tc.at.Sub(t0), n, tc.want)
		}
	}
	// Recording late counts only what is still in the window.
	n, err := s.RecordLoginFailure(ctx, email, t0.Add(window+90*time.Second), window)
	wantNil(t, "RecordLoginFailure(late)", err)
	if n != 2 {
		t.Errorf("RecordLoginFailure(t0+%v) = %d, want 2", window+90*time.Second, n)
	}

	other, err := s.RecordLoginFailure(ctx, "other@example.com", t0, window)
	wantNil(t, "RecordLoginFailure(other)", err)
	if other != 1 {
		t.Errorf("RecordLoginFailure(other) = %d, want 1", other)
	}
	wantNil(t, "ClearLoginFailures", s.ClearLoginFailures(ctx, "THROTTLE@example.com"))
	n, err = s.CountLoginFailures(ctx, email, t0.Add(window+90*time.Second), window)
	wantNil(t, "CountLoginFailures(cleared)", err)
	if n != 0 {
		t.Errorf("CountLoginFailures after clear = %d, want 0", n)
	}
	n, err = s.CountLoginFailures(ctx, "other@example.com", t0, window)
	wantNil(t, "CountLoginFailures(other)", err)
	if n != 1 {
		t.Errorf("CountLoginFailures(other) after clearing another account = %d, want 1", n)
	}

	// Concurrent failures are all counted.
	errs := race(concurrency, func(int) error {
		_, err := s.RecordLoginFailure(ctx, "burst@example.com", su.now(), window)
		return err
	})
	for _, err := range errs {
		wantNil(t, "RecordLoginFailure(concurrent)", err)
	}
	n, err = s.CountLoginFailures(ctx, "burst@example.com", su.now(), window)
	wantNil(t, "CountLoginFailures(burst)", err)
	if n != concurrency {
		t.Errorf("CountLoginFailures after %d concurrent failures = %d", concurrency, n)
	}
}

func (su suite) testMailSlots(t *testing.T, s portal.Store) {
	const window, limit = time.Hour, 3
	t0 := su.now()
	take := func(email, kind string, at time.Time, want bool) {
		t.Helper()
		got, err := s.TakeMailSlot(ctx, email, kind, at, window, limit)
		wantNil(t, "TakeMailSlot", err)
		if got != want {
			t.Errorf("TakeMailSlot(%q, %q, t0+%v) = %t, want %t", email, kind, at.Sub(t0), got, want)
		}
	}
	for i := range limit {
		take("Flood@Example.com", "reset-password", t0.Add(time.Duration(i)*time.Minute), true)
	}
	take("flood@example.com", "reset-password", t0.Add(3*time.Minute), false)       // the fourth, in any case
	take(" FLOOD@example.com", "reset-password", t0.Add(59*time.Minute), false)     // still in the window
	take("flood@example.com", "confirm-email-address", t0.Add(4*time.Minute), true) // another kind
	take("other@example.com", "reset-password", t0.Add(4*time.Minute), true)        // another address
	// The window is (now-window, now]: the first mail leaves it at t0+1h,
	// freeing one slot, and the second a minute later.
	take("flood@example.com", "reset-password", t0.Add(window), true)
	take("flood@example.com", "reset-password", t0.Add(window), false)
	take("flood@example.com", "reset-password", t0.Add(window+time.Minute), true)
	take("flood@example.com", "reset-password", t0.Add(window+90*time.Second), false)
	take("flood@example.com", "reset-password", t0.Add(3*window), true)

	for _, n := range []int{0, -1, portal.MaxMailSlots + 1} {
		_, err := s.TakeMailSlot(ctx, "x@example.com", "reset-password", t0, window, n)
		wantCode(t, fmt.Sprintf("TakeMailSlot(limit %d)", n), err, portal.EInvalid)
	}
}

// testMailSlotsConcurrent: a burst of sends to one address gets exactly
// limit slots, however the calls interleave.
func (su suite) testMailSlotsConcurrent(t *testing.T, s portal.Store) {
	const limit = 3
	var mu sync.Mutex
	allowed := 0
	errs := race(concurrency, func(int) error {
		ok, err := s.TakeMailSlot(ctx, "burst@example.com", "reset-password", su.now(), time.Hour, limit)
		if ok {
			mu.Lock()
			allowed++
			mu.Unlock()
		}
		return err
	})
	for _, err := range errs {
		wantNil(t, "TakeMailSlot(concurrent)", err)
	}
	if allowed != limit {
		t.Errorf("%d concurrent TakeMailSlot calls allowed %d mails, want exactly %d", concurrency, allowed, limit)
	}
}

func (su suite) testSettings(t *testing.T, s portal.Store) {
	_, err := s.GetSettings(ctx)
	wantCode(t, "GetSettings(none)", err, portal.ENotFound)

	created := su.now()
	set := portal.Settings{
		ID: "default", Name: "acme", DisplayName: "Acme APIs",
		AuthenticationEnabled: true, AutoApproveDevelopers: false,
		DefaultAPIVisibility: "public", DefaultPageVisibility: "public",
		CreatedAt: created, UpdatedAt: created,
	}
	ev := su.event("settings.updated", set.ID)
	got, err := s.PutSettings(ctx, set, ev)
	wantNil(t, "PutSettings(first)", err)
	want := set
	want.Version, want.UpdatedAt = 1, ev.At
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PutSettings (-want +got):\n%s", diff)
	}
	stored, err := s.GetSettings(ctx)
	wantNil(t, "GetSettings", err)
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("GetSettings (-want +got):\n%s", diff)
	}

	_, err = s.PutSettings(ctx, set, su.event("settings.updated", set.ID)) // version 0 again
	wantCode(t, "PutSettings(version 0 when stored)", err, portal.EConflict)

	next := got
	next.AutoApproveDevelopers, next.RBACEnabled = true, true
	got, err = s.PutSettings(ctx, next, su.event("settings.updated", set.ID))
	wantNil(t, "PutSettings(version 1)", err)
	if got.Version != 2 || !got.AutoApproveDevelopers || !got.RBACEnabled {
		t.Errorf("PutSettings(version 1) = %+v, want version 2 with the changes", got)
	}
	_, err = s.PutSettings(ctx, next, su.event("settings.updated", set.ID)) // version 1 is stale
	wantCode(t, "PutSettings(stale)", err, portal.EConflict)
	stored, err = s.GetSettings(ctx)
	wantNil(t, "GetSettings", err)
	if stored.Version != 2 || !stored.AutoApproveDevelopers {
		t.Errorf("GetSettings after stale put = v%d auto=%v, want v2 auto=true", stored.Version, stored.AutoApproveDevelopers)
	}
	wantAudit(t, s, set.ID, "settings.updated", "settings.updated")

	// Concurrent writers of one version: one wins.
	errs := race(concurrency, func(i int) error {
		c := stored
		c.DisplayName = fmt.Sprintf("Acme %d", i)
		_, err := s.PutSettings(ctx, c, su.event("settings.updated", set.ID))
		return err
	})
	w := oneWinner(t, "concurrent PutSettings", errs, portal.EConflict)
	stored, err = s.GetSettings(ctx)
	wantNil(t, "GetSettings", err)
	if stored.Version != 3 || stored.DisplayName != fmt.Sprintf("Acme %d", w) {
		t.Errorf("GetSettings after race = %q v%d, want %q v3", stored.DisplayName, stored.Version, fmt.Sprintf("Acme %d", w))
	}
	wantAudit(t, s, set.ID, "settings.updated", "settings.updated", "settings.updated")
}

func (su suite) testTeams(t *testing.T, s portal.Store) {
	tm := su.mustCreateTeam(t, s, "Platform", su.now())
	got, err := s.GetTeam(ctx, tm.ID)
	wantNil(t, "GetTeam", err)
	if diff := cmp.Diff(tm, got); diff != "" {
		t.Errorf("GetTeam (-want +got):\n%s", diff)
	}
	_, err = s.GetTeam(ctx, newID())
	wantCode(t, "GetTeam(unknown)", err, portal.ENotFound)

	dup := portal.Team{ID: newID(), Name: "PLATFORM", CreatedAt: su.now()}
	err = s.CreateTeam(ctx, dup, su.event("team.created", dup.ID))
	wantCode(t, "CreateTeam(same name, other case)", err, portal.EConflict)
	wantAudit(t, s, dup.ID)
	sameID := portal.Team{ID: tm.ID, Name: "Other", CreatedAt: su.now()}
	err = s.CreateTeam(ctx, sameID, su.event("team.created", sameID.ID))
	wantCode(t, "CreateTeam(same id)", err, portal.EConflict)

	// Concurrent creations of one name: one wins.
	teams := make([]portal.Team, concurrency)
	for i := range teams {
		teams[i] = portal.Team{ID: newID(), Name: []string{"Billing", "billing", "BILLING"}[i%3], CreatedAt: su.now()}
	}
	errs := race(concurrency, func(i int) error {
		return s.CreateTeam(ctx, teams[i], su.event("team.created", teams[i].ID))
	})
	oneWinner(t, "concurrent CreateTeam", errs, portal.EConflict)

	// Rename: version-checked, the old name is freed, the new one taken.
	rename := tm
	rename.Name, rename.Description = "Core Platform", "renamed"
	ev := su.event("team.updated", tm.ID)
	got, err = s.UpdateTeam(ctx, rename, ev)
	wantNil(t, "UpdateTeam", err)
	want := rename
	want.Version, want.UpdatedAt = 2, ev.At
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UpdateTeam (-want +got):\n%s", diff)
	}
	_, err = s.UpdateTeam(ctx, rename, su.event("team.updated", tm.ID)) // version 1 is stale
	wantCode(t, "UpdateTeam(stale)", err, portal.EConflict)
	taken := got
	taken.Name = "billing"
	_, err = s.UpdateTeam(ctx, taken, su.event("team.updated", tm.ID))
	wantCode(t, "UpdateTeam(name taken)", err, portal.EConflict)
	stored, err := s.GetTeam(ctx, tm.ID)
	wantNil(t, "GetTeam", err)
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("GetTeam after refused updates (-want +got):\n%s", diff)
	}
	recase := got
	recase.Name = "CORE platform"
	got, err = s.UpdateTeam(ctx, recase, su.event("team.updated", tm.ID))
	wantNil(t, "UpdateTeam(same name, other case)", err)
	if got.Name != "CORE platform" || got.Version != 3 {
		t.Errorf("UpdateTeam(other case) = %q v%d, want %q v3", got.Name, got.Version, "CORE platform")
	}
	su.mustCreateTeam(t, s, "platform", su.now()) // freed by the rename
	dup = portal.Team{ID: newID(), Name: "core PLATFORM", CreatedAt: su.now()}
	wantCode(t, "CreateTeam(renamed team's name)", s.CreateTeam(ctx, dup, su.event("team.created", dup.ID)), portal.EConflict)

	unknown := portal.Team{ID: newID(), Name: "ghost", Version: 1}
	_, err = s.UpdateTeam(ctx, unknown, su.event("team.updated", unknown.ID))
	wantCode(t, "UpdateTeam(unknown)", err, portal.ENotFound)
	wantAudit(t, s, tm.ID, "team.created", "team.updated", "team.updated")
}

func (su suite) testListTeams(t *testing.T, s portal.Store) {
	base := su.now().Add(-time.Hour)
	var all []portal.Team
	for i := range 12 {
		all = append(all, su.mustCreateTeam(t, s, fmt.Sprintf("team %02d", i), base.Add(time.Duration((i*5)%12)*time.Second)))
	}
	sort.Slice(all, func(i, j int) bool { return all[i].CreatedAt.Before(all[j].CreatedAt) })
	for _, tc := range []struct {
		p    portal.Page
		want []portal.Team
	}{
		{portal.Page{Size: 5, Number: 1}, all[:5]},
		{portal.Page{Size: 5, Number: 3}, all[10:]},
		{portal.Page{Size: 5, Number: 4}, nil},
		{portal.Page{Size: 100, Number: farPage}, nil},
		{portal.Page{}, all},
	} {
		got, total, err := s.ListTeams(ctx, tc.p)
		wantNil(t, "ListTeams", err)
		if total != 12 {
			t.Errorf("ListTeams(%+v) total = %d, want 12", tc.p, total)
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ListTeams(%+v) (-want +got):\n%s", tc.p, diff)
		}
	}
}

func (su suite) testTeamMembers(t *testing.T, s portal.Store) {
	d := su.mustCreateDeveloper(t, s, "member@example.com")
	t1 := su.mustCreateTeam(t, s, "first", su.now())
	t2 := su.mustCreateTeam(t, s, "second", su.now().Add(time.Second))

	wantNil(t, "AddTeamMember", s.AddTeamMember(ctx, t2.ID, d.ID, su.event("team.member_added", t2.ID)))
	wantNil(t, "AddTeamMember", s.AddTeamMember(ctx, t1.ID, d.ID, su.event("team.member_added", t1.ID)))
	wantCode(t, "AddTeamMember(again)", s.AddTeamMember(ctx, t1.ID, d.ID, su.event("team.member_added", t1.ID)), portal.EConflict)
	wantCode(t, "AddTeamMember(unknown team)", s.AddTeamMember(ctx, newID(), d.ID, su.event("team.member_added", "none")), portal.ENotFound)
	wantCode(t, "AddTeamMember(unknown developer)", s.AddTeamMember(ctx, t1.ID, newID(), su.event("team.member_added", t1.ID)), portal.ENotFound)

	teams, err := s.ListDeveloperTeams(ctx, d.ID)
	wantNil(t, "ListDeveloperTeams", err)
	if diff := cmp.Diff([]portal.Team{t1, t2}, teams); diff != "" {
		t.Errorf("ListDeveloperTeams (-want +got):\n%s", diff)
	}
	members, total, err := s.ListTeamMembers(ctx, t1.ID, portal.Page{})
	wantNil(t, "ListTeamMembers", err)
	if diff := cmp.Diff([]portal.Developer{d}, members); diff != "" || total != 1 {
		t.Errorf("ListTeamMembers total %d (-want +got):\n%s", total, diff)
	}
	_, _, err = s.ListTeamMembers(ctx, newID(), portal.Page{})
	wantCode(t, "ListTeamMembers(unknown team)", err, portal.ENotFound)

	wantNil(t, "RemoveTeamMember", s.RemoveTeamMember(ctx, t1.ID, d.ID, su.event("team.member_removed", t1.ID)))
	wantCode(t, "RemoveTeamMember(again)", s.RemoveTeamMember(ctx, t1.ID, d.ID, su.event("team.member_removed", t1.ID)), portal.ENotFound)
	teams, err = s.ListDeveloperTeams(ctx, d.ID)
	wantNil(t, "ListDeveloperTeams", err)
	if diff := cmp.Diff([]string{t2.ID}, ids(teams, teamID)); diff != "" {
		t.Errorf("ListDeveloperTeams after remove (-want +got):\n%s", diff)
	}
	_, total, err = s.ListTeamMembers(ctx, t1.ID, portal.Page{})
	wantNil(t, "ListTeamMembers", err)
	if total != 0 {
		t.Errorf("ListTeamMembers after remove total = %d, want 0", total)
	}
	wantNil(t, "AddTeamMember(rejoin)", s.AddTeamMember(ctx, t1.ID, d.ID, su.event("team.member_added", t1.ID)))
	wantAudit(t, s, t1.ID, "team.created", "team.member_added", "team.member_removed", "team.member_added")
	teams, err = s.ListDeveloperTeams(ctx, newID())
	wantNil(t, "ListDeveloperTeams(unknown developer)", err)
	if len(teams) != 0 {
		t.Errorf("ListDeveloperTeams(unknown developer) = %v, want none", ids(teams, teamID))
	}
}

func (su suite) testTeamMembersConcurrent(t *testing.T, s portal.Store) {
	d := su.mustCreateDeveloper(t, s, "joiner@example.com")
	tm := su.mustCreateTeam(t, s, "crowded", su.now())
	errs := race(concurrency, func(int) error {
		return s.AddTeamMember(ctx, tm.ID, d.ID, su.event("team.member_added", tm.ID))
	})
	oneWinner(t, "concurrent AddTeamMember", errs, portal.EConflict)
	_, total, err := s.ListTeamMembers(ctx, tm.ID, portal.Page{})
	wantNil(t, "ListTeamMembers", err)
	if total != 1 {
		t.Errorf("ListTeamMembers total = %d, want 1", total)
	}
	wantAudit(t, s, tm.ID, "team.created", "team.member_added")
}

func (su suite) testListTeamMembers(t *testing.T, s portal.Store) {
	tm := su.mustCreateTeam(t, s, "big", su.now())
	base := su.now().Add(-time.Hour)
	var devs []portal.Developer
	for i := range 13 {
		d := developer(fmt.Sprintf("m%02d@example.com", i), base.Add(time.Duration((i*5)%13)*time.Second))
		wantNil(t, "CreateDeveloper", s.CreateDeveloper(ctx, d, su.event("developer.created", d.ID)))
		d.Version = 1
		devs = append(devs, d)
	}
	// Joined in reverse; listed by the developers' creation.
	for i := len(devs) - 1; i >= 0; i-- {
		wantNil(t, "AddTeamMember", s.AddTeamMember(ctx, tm.ID, devs[i].ID, su.event("team.member_added", tm.ID)))
	}
	su.mustCreateDeveloper(t, s, "outsider@example.com")
	sort.Slice(devs, func(i, j int) bool { return devs[i].CreatedAt.Before(devs[j].CreatedAt) })
	for _, tc := range []struct {
		p    portal.Page
		want []portal.Developer
	}{
		{portal.Page{Size: 5, Number: 1}, devs[:5]},
		{portal.Page{Size: 5, Number: 2}, devs[5:10]},
		{portal.Page{Size: 5, Number: 3}, devs[10:]},
		{portal.Page{Size: 5, Number: 9}, nil},
		{portal.Page{Size: 100, Number: farPage}, nil},
		{portal.Page{}, devs},
	} {
		got, total, err := s.ListTeamMembers(ctx, tm.ID, tc.p)
		wantNil(t, "ListTeamMembers", err)
		if total != 13 {
			t.Errorf("ListTeamMembers(%+v) total = %d, want 13", tc.p, total)
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ListTeamMembers(%+v) (-want +got):\n%s", tc.p, diff)
		}
	}
}

func (su suite) role(teamID, name, entity string) portal.RoleAssignment {
	return portal.RoleAssignment{ID: newID(), TeamID: teamID, RoleName: name, EntityID: entity, EntityTypeName: "APIs", EntityRegion: "*", CreatedAt: su.now()}
}

func (su suite) testRoles(t *testing.T, s portal.Store) {
	tm := su.mustCreateTeam(t, s, "roles", su.now())
	other := su.mustCreateTeam(t, s, "other", su.now())
	viewer := su.role(tm.ID, portal.RoleAPIViewer, "api-1")
	consumer := su.role(tm.ID, portal.RoleAPIConsumer, "api-1")
	consumer.CreatedAt = viewer.CreatedAt.Add(time.Second)
	consumer2 := su.role(tm.ID, portal.RoleAPIConsumer, "api-2")
	consumer2.CreatedAt = viewer.CreatedAt.Add(2 * time.Second)
	for _, r := range []portal.RoleAssignment{consumer2, viewer, consumer} {
		wantNil(t, "AssignRole", s.AssignRole(ctx, r, su.event("team.role_assigned", tm.ID)))
	}
	dup := su.role(tm.ID, portal.RoleAPIViewer, "api-1")
	wantCode(t, "AssignRole(same team, role and entity)", s.AssignRole(ctx, dup, su.event("team.role_assigned", tm.ID)), portal.EConflict)
	sameID := su.role(tm.ID, portal.RoleAPIViewer, "api-3")
	sameID.ID = viewer.ID
	wantCode(t, "AssignRole(same id)", s.AssignRole(ctx, sameID, su.event("team.role_assigned", tm.ID)), portal.EConflict)
	wantNil(t, "AssignRole(other team)", s.AssignRole(ctx, su.role(other.ID, portal.RoleAPIViewer, "api-1"), su.event("team.role_assigned", other.ID)))
	wantCode(t, "AssignRole(unknown team)", s.AssignRole(ctx, su.role(newID(), portal.RoleAPIViewer, "api-1"), su.event("team.role_assigned", "x")), portal.ENotFound)

	got, err := s.ListTeamRoles(ctx, tm.ID)
	wantNil(t, "ListTeamRoles", err)
	if diff := cmp.Diff([]portal.RoleAssignment{viewer, consumer, consumer2}, got); diff != "" {
		t.Errorf("ListTeamRoles (-want +got):\n%s", diff)
	}
	_, err = s.ListTeamRoles(ctx, newID())
	wantCode(t, "ListTeamRoles(unknown team)", err, portal.ENotFound)

	// Concurrent assignments of one role: one wins.
	errs := race(concurrency, func(int) error {
		return s.AssignRole(ctx, su.role(tm.ID, portal.RoleAPIViewer, "api-race"), su.event("team.role_assigned", tm.ID))
	})
	oneWinner(t, "concurrent AssignRole", errs, portal.EConflict)

	wantNil(t, "RemoveRole", s.RemoveRole(ctx, tm.ID, viewer.ID, su.event("team.role_removed", tm.ID)))
	wantCode(t, "RemoveRole(again)", s.RemoveRole(ctx, tm.ID, viewer.ID, su.event("team.role_removed", tm.ID)), portal.ENotFound)
	wantCode(t, "RemoveRole(other team's)", s.RemoveRole(ctx, other.ID, consumer.ID, su.event("team.role_removed", other.ID)), portal.ENotFound)
	got, err = s.ListTeamRoles(ctx, tm.ID)
	wantNil(t, "ListTeamRoles", err)
	left := ids(got, func(r portal.RoleAssignment) string { return r.ID })
	if len(left) != 3 || slices.Contains(left, viewer.ID) || !slices.Contains(left, consumer.ID) || !slices.Contains(left, consumer2.ID) {
		t.Errorf("ListTeamRoles after remove = %v, want 3 with %s and %s, without %s", left, consumer.ID, consumer2.ID, viewer.ID)
	}
	wantNil(t, "AssignRole(again after remove)", s.AssignRole(ctx, dup, su.event("team.role_assigned", tm.ID)))
	wantAudit(t, s, tm.ID, "team.created", "team.role_assigned", "team.role_assigned", "team.role_assigned",
		"team.role_assigned", "team.role_removed", "team.role_assigned")
}

func (su suite) testDeleteTeam(t *testing.T, s portal.Store) {
	tm := su.mustCreateTeam(t, s, "Doomed", su.now())
	keep := su.mustCreateTeam(t, s, "kept", su.now().Add(time.Second))
	a := su.mustCreateDeveloper(t, s, "a@example.com")
	b := su.mustCreateDeveloper(t, s, "b@example.com")
	for _, d := range []portal.Developer{a, b} {
		wantNil(t, "AddTeamMember", s.AddTeamMember(ctx, tm.ID, d.ID, su.event("team.member_added", tm.ID)))
	}
	wantNil(t, "AddTeamMember", s.AddTeamMember(ctx, keep.ID, a.ID, su.event("team.member_added", keep.ID)))
	wantNil(t, "AssignRole", s.AssignRole(ctx, su.role(tm.ID, portal.RoleAPIConsumer, "api-1"), su.event("team.role_assigned", tm.ID)))
	kr := su.role(keep.ID, portal.RoleAPIConsumer, "api-1")
	wantNil(t, "AssignRole", s.AssignRole(ctx, kr, su.event("team.role_assigned", keep.ID)))

	wantNil(t, "DeleteTeam", s.DeleteTeam(ctx, tm.ID, su.event("team.deleted", tm.ID)))
	_, err := s.GetTeam(ctx, tm.ID)
	wantCode(t, "GetTeam(deleted)", err, portal.ENotFound)
	_, _, err = s.ListTeamMembers(ctx, tm.ID, portal.Page{})
	wantCode(t, "ListTeamMembers(deleted team)", err, portal.ENotFound)
	_, err = s.ListTeamRoles(ctx, tm.ID)
	wantCode(t, "ListTeamRoles(deleted team)", err, portal.ENotFound)
	for _, d := range []portal.Developer{a, b} {
		teams, err := s.ListDeveloperTeams(ctx, d.ID)
		wantNil(t, "ListDeveloperTeams", err)
		want := []string{}
		if d.ID == a.ID {
			want = []string{keep.ID}
		}
		if diff := cmp.Diff(want, ids(teams, teamID)); diff != "" {
			t.Errorf("ListDeveloperTeams(%s) after DeleteTeam (-want +got):\n%s", d.Email, diff)
		}
	}
	roles, err := s.ListTeamRoles(ctx, keep.ID)
	wantNil(t, "ListTeamRoles(kept)", err)
	if diff := cmp.Diff([]portal.RoleAssignment{kr}, roles); diff != "" {
		t.Errorf("ListTeamRoles(kept) (-want +got):\n%s", diff)
	}
	_, total, err := s.ListTeams(ctx, portal.Page{})
	wantNil(t, "ListTeams", err)
	if total != 1 {
		t.Errorf("ListTeams total after delete = %d, want 1", total)
	}
	wantAudit(t, s, tm.ID, "team.created", "team.member_added", "team.member_added", "team.role_assigned", "team.deleted")
	wantCode(t, "DeleteTeam(again)", s.DeleteTeam(ctx, tm.ID, su.event("team.deleted", tm.ID)), portal.ENotFound)
	wantAudit(t, s, tm.ID, "team.created", "team.member_added", "team.member_added", "team.role_assigned", "team.deleted")

	// The name is free; a new team of that name starts empty.
	fresh := su.mustCreateTeam(t, s, "doomed", su.now())
	members, total, err := s.ListTeamMembers(ctx, fresh.ID, portal.Page{})
	wantNil(t, "ListTeamMembers(new team)", err)
	if total != 0 || len(members) != 0 {
		t.Errorf("ListTeamMembers(new team) = %d (total %d), want none", len(members), total)
	}
	wantNil(t, "AssignRole(new team, same role)", s.AssignRole(ctx, su.role(fresh.ID, portal.RoleAPIConsumer, "api-1"), su.event("team.role_assigned", fresh.ID)))
}

func (su suite) testAdminTokens(t *testing.T, s portal.Store) {
	created := su.now()
	a := portal.AdminToken{ID: newID(), Name: "ci", Hash: newID() + newID(), CreatedAt: created}
	b := portal.AdminToken{ID: newID(), Name: "laptop", Hash: newID() + newID(), CreatedAt: created.Add(time.Second)}
	for _, tok := range []portal.AdminToken{b, a} {
		wantNil(t, "CreateAdminToken", s.CreateAdminToken(ctx, tok, su.event("admin_token.created", tok.ID)))
	}
	wantCode(t, "CreateAdminToken(same hash)", s.CreateAdminToken(ctx, portal.AdminToken{ID: newID(), Name: "x", Hash: a.Hash, CreatedAt: su.now()}, su.event("admin_token.created", "x")), portal.EConflict)
	wantCode(t, "CreateAdminToken(same id)", s.CreateAdminToken(ctx, portal.AdminToken{ID: a.ID, Name: "x", Hash: newID(), CreatedAt: su.now()}, su.event("admin_token.created", a.ID)), portal.EConflict)

	got, err := s.GetAdminTokenByHash(ctx, a.Hash)
	wantNil(t, "GetAdminTokenByHash", err)
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("GetAdminTokenByHash (-want +got):\n%s", diff)
	}
	_, err = s.GetAdminTokenByHash(ctx, newID())
	wantCode(t, "GetAdminTokenByHash(unknown)", err, portal.ENotFound)
	list, err := s.ListAdminTokens(ctx)
	wantNil(t, "ListAdminTokens", err)
	if diff := cmp.Diff([]portal.AdminToken{a, b}, list); diff != "" {
		t.Errorf("ListAdminTokens (-want +got):\n%s", diff)
	}

	at := su.now()
	wantNil(t, "RevokeAdminToken", s.RevokeAdminToken(ctx, a.ID, at, su.event("admin_token.revoked", a.ID)))
	got, err = s.GetAdminTokenByHash(ctx, a.Hash)
	wantNil(t, "GetAdminTokenByHash(revoked)", err)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(at) {
		t.Errorf("GetAdminTokenByHash(revoked).RevokedAt = %v, want %v", got.RevokedAt, at)
	}
	wantCode(t, "RevokeAdminToken(again)", s.RevokeAdminToken(ctx, a.ID, su.now(), su.event("admin_token.revoked", a.ID)), portal.EPrecondition)
	wantCode(t, "RevokeAdminToken(unknown)", s.RevokeAdminToken(ctx, newID(), su.now(), su.event("admin_token.revoked", "x")), portal.ENotFound)
	got, err = s.GetAdminTokenByHash(ctx, b.Hash)
	wantNil(t, "GetAdminTokenByHash(other)", err)
	if got.RevokedAt != nil {
		t.Errorf("GetAdminTokenByHash(other).RevokedAt = %v, want nil", got.RevokedAt)
	}
	wantAudit(t, s, a.ID, "admin_token.created", "admin_token.revoked")
}

func (su suite) testAuditEvents(t *testing.T, s portal.Store) {
	// Events about one subject come back oldest first, whatever order they
	// were written in, and stay apart from other subjects' events.
	d := developer("audit@example.com", su.now())
	base := su.now()
	created := su.event("developer.created", d.ID)
	created.At = base.Add(-time.Hour)
	wantNil(t, "CreateDeveloper", s.CreateDeveloper(ctx, d, created))
	d.Version = 1
	late := su.event("developer.updated", d.ID)
	late.At = base.Add(time.Minute)
	late.Detail = nil
	d.FullName = "late"
	d, err := s.UpdateDeveloper(ctx, d, late)
	wantNil(t, "UpdateDeveloper", err)
	early := su.event("developer.updated", d.ID)
	early.At = base.Add(-time.Minute)
	d.FullName = "early"
	_, err = s.UpdateDeveloper(ctx, d, early)
	wantNil(t, "UpdateDeveloper", err)

	evs, err := s.ListAuditEvents(ctx, d.ID)
	wantNil(t, "ListAuditEvents", err)
	if diff := cmp.Diff([]portal.AuditEvent{created, early, late}, evs, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ListAuditEvents (-want +got):\n%s", diff)
	}
	evs, err = s.ListAuditEvents(ctx, newID())
	wantNil(t, "ListAuditEvents(unknown)", err)
	if len(evs) != 0 {
		t.Errorf("ListAuditEvents(unknown) = %d events, want 0", len(evs))
	}

	// A store completes an event that lacks an id or a subject; its time
	// is the caller's.
	other := developer("bare@example.com", su.now())
	at := su.now().Add(-time.Minute)
	wantNil(t, "CreateDeveloper(bare event)", s.CreateDeveloper(ctx, other, portal.AuditEvent{At: at, Actor: "system", Action: "developer.created"}))
	evs, err = s.ListAuditEvents(ctx, other.ID)
	wantNil(t, "ListAuditEvents", err)
	if len(evs) != 1 || evs[0].ID == "" || !evs[0].At.Equal(at) || evs[0].Subject != other.ID || evs[0].Actor != "system" {
		t.Errorf("ListAuditEvents(bare event) = %+v, want one event with an id, time %v, subject %s", evs, at, other.ID)
	}
}

// Shifted returns a clock d ahead of the wall clock (behind when d < 0).
// Running the suite on it shows that a store takes every time from its
// caller: a store that looked at the wall clock would see the suite's
// sessions and tokens expire too early or live too long.
func Shifted(d time.Duration) func() time.Time {
	return func() time.Time { return time.Now().Add(d) }
}

// Shifts are the clocks a store's conformance test runs the suite on:
// today, a year ahead and a year behind.
var Shifts = []struct {
	Name  string
	Shift time.Duration
}{
	{"today", 0},
	{"a year ahead", 365 * 24 * time.Hour},
	{"a year behind", -365 * 24 * time.Hour},
}

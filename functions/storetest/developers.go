package storetest

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/functions/portal"
)

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
	wantNil(t, "CreateDeveloper("+email+")", s.CreateDeveloper(ctx, d, su.event("developer.created", d.ID)))
	d.Version = 1
	return d
}

func (su suite) testCreateDeveloper(t *testing.T, s portal.FullStore) {
	d := developer("Ada.Lovelace@Example.com", su.now())
	ev := su.event("developer.created", d.ID)
	wantNil(t, "CreateDeveloper", s.CreateDeveloper(ctx, d, ev))
	d.Version = 1

	got, err := s.GetDeveloper(ctx, d.ID)
	wantGot(t, "GetDeveloper("+d.ID+")", d, got, err)
	for _, email := range []string{"ada.lovelace@example.com", " ADA.LOVELACE@EXAMPLE.COM ", d.Email} {
		got, err := s.GetDeveloperByEmail(ctx, email)
		wantGot(t, fmt.Sprintf("GetDeveloperByEmail(%q)", email), d, got, err)
	}
	_, err = s.GetDeveloper(ctx, newID())
	wantCode(t, "GetDeveloper(unknown)", err, portal.ENotFound)
	_, err = s.GetDeveloperByEmail(ctx, "nobody@example.com")
	wantCode(t, "GetDeveloperByEmail(unknown)", err, portal.ENotFound)

	evs, err := s.ListAuditEvents(ctx, d.ID)
	wantGot(t, "ListAuditEvents("+d.ID+")", []portal.AuditEvent{ev}, evs, err)
}

func (su suite) testCreateDeveloperDuplicate(t *testing.T, s portal.FullStore) {
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
	wantGot(t, "GetDeveloper after rejected create", first, got, err)
	wantAudit(t, s, first.ID, "developer.created")

	_, total, err := s.ListDevelopers(ctx, portal.DeveloperFilter{}, portal.Page{})
	wantNil(t, "ListDevelopers", err)
	if total != 1 {
		t.Errorf("ListDevelopers total = %d, want 1", total)
	}
}

func (su suite) testCreateDeveloperConcurrentEmail(t *testing.T, s portal.FullStore) {
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

func (su suite) testUpdateDeveloper(t *testing.T, s portal.FullStore) {
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
	wantWritten(t, "UpdateDeveloper", want, got, func() (portal.Developer, error) { return s.GetDeveloper(ctx, d.ID) })
	_, err = s.GetDeveloperByEmail(ctx, "hijack@example.com")
	wantCode(t, "GetDeveloperByEmail(ignored new email)", err, portal.ENotFound)

	stale := change
	stale.FullName = "Stale"
	_, err = s.UpdateDeveloper(ctx, stale, su.event("developer.updated", d.ID)) // version 1
	wantCode(t, "UpdateDeveloper(stale version)", err, portal.EConflict)
	stored, err := s.GetDeveloper(ctx, d.ID)
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

func (su suite) testSetDeveloperStatus(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "barbara@example.com")
	pending := []portal.DeveloperStatus{portal.StatusPending}

	ev := su.event("developer.status_changed", d.ID)
	got, err := s.SetDeveloperStatus(ctx, d.ID, pending, portal.StatusApproved, ev)
	wantNil(t, "SetDeveloperStatus(pending→approved)", err)
	want := d
	want.Status, want.Version, want.UpdatedAt = portal.StatusApproved, 2, ev.At
	wantWritten(t, "SetDeveloperStatus", want, got, func() (portal.Developer, error) { return s.GetDeveloper(ctx, d.ID) })

	// Approved is not pending: the change is refused, and says why.
	_, err = s.SetDeveloperStatus(ctx, d.ID, pending, portal.StatusRejected, su.event("developer.status_changed", d.ID))
	wantCode(t, "SetDeveloperStatus(approved, from pending)", err, portal.EPrecondition)
	if err != nil && !strings.Contains(err.Error(), string(portal.StatusApproved)) {
		t.Errorf("SetDeveloperStatus precondition error = %q, want it to name the current status %q", err, portal.StatusApproved)
	}
	stored, err := s.GetDeveloper(ctx, d.ID)
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

func (su suite) testSetDeveloperStatusConcurrent(t *testing.T, s portal.FullStore) {
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

func (su suite) testDeleteDeveloper(t *testing.T, s portal.FullStore) {
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
	wantGot(t, "ListDeveloperTeams(other)", []string{t1.ID, t2.ID}, ids(teams, teamID), err)
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

func (su suite) testListDevelopers(t *testing.T, s portal.FullStore) {
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

	for st, pages := range map[portal.DeveloperStatus][]paged[portal.Developer]{
		"": {
			{portal.Page{Size: 10, Number: 1}, all[:10], 25},
			{portal.Page{Size: 10, Number: 2}, all[10:20], 25},
			{portal.Page{Size: 10, Number: 3}, all[20:], 25},
			{portal.Page{Size: 10, Number: 4}, nil, 25},
			// Far past the end: (number-1)*size overflows int; still empty.
			{portal.Page{Size: 100, Number: farPage}, nil, 25},
			{portal.Page{Size: 1, Number: math.MaxInt}, nil, 25},
			{portal.Page{}, all[:20], 25},                  // defaults: size 20, page 1
			{portal.Page{Size: 1000, Number: -1}, all, 25}, // limits: size 100
			{portal.Page{Size: 7, Number: 4}, all[21:], 25},
		},
		portal.StatusApproved: {
			{portal.Page{Size: 100, Number: farPage}, nil, 9},
			{portal.Page{Size: 5, Number: 1}, approved[:5], 9},
			{portal.Page{Size: 5, Number: 2}, approved[5:], 9},
		},
		portal.StatusRevoked: {{portal.Page{}, nil, 0}},
	} {
		checkPages(t, fmt.Sprintf("ListDevelopers(%q)", st), func(p portal.Page) ([]portal.Developer, int, error) {
			return s.ListDevelopers(ctx, portal.DeveloperFilter{Status: st}, p)
		}, pages)
	}
}

func (su suite) testDeleteDeveloperApplications(t *testing.T, s portal.FullStore) {
	a := api("devdel")
	su.mustPublish(t, s, 1, a)
	d := su.mustCreateDeveloper(t, s, "leaving@example.com")
	other := su.mustCreateDeveloper(t, s, "staying@example.com")
	var apps []portal.Application
	var creds []portal.Credential
	var regs []portal.Registration
	for i := range 2 {
		app := su.mustCreateApp(t, s, d.ID, fmt.Sprintf("app %d", i), su.now())
		apps = append(apps, app)
		creds = append(creds, su.mustCreateCredential(t, s, app), su.mustCreateCredential(t, s, app))
		regs = append(regs, su.mustRegister(t, s, app.ID, a.ID))
	}
	oa := su.mustCreateApp(t, s, other.ID, "theirs", su.now())
	oc := su.mustCreateCredential(t, s, oa)
	or := su.mustRegister(t, s, oa.ID, a.ID)

	wantNil(t, "DeleteDeveloper", s.DeleteDeveloper(ctx, d.ID, su.event("developer.deleted", d.ID)))
	for _, app := range apps {
		_, err := s.GetApplication(ctx, app.ID)
		wantCode(t, "GetApplication(deleted developer's)", err, portal.ENotFound)
	}
	for _, c := range creds {
		_, err := s.GetCredentialByHash(ctx, c.Hash)
		wantCode(t, "GetCredentialByHash(deleted developer's)", err, portal.ENotFound)
	}
	for _, r := range regs {
		_, err := s.GetRegistration(ctx, r.ID)
		wantCode(t, "GetRegistration(deleted developer's)", err, portal.ENotFound)
	}
	list, total, err := s.ListApplications(ctx, d.ID, portal.Page{})
	wantNil(t, "ListApplications(deleted developer)", err)
	if total != 0 || len(list) != 0 {
		t.Errorf("ListApplications(deleted developer) = %v (total %d), want none", ids(list, appID), total)
	}
	list, total, err = s.ListAllApplications(ctx, portal.Page{})
	wantNil(t, "ListAllApplications", err)
	if total != 1 || len(list) != 1 || list[0].ID != oa.ID {
		t.Errorf("ListAllApplications = %v (total %d), want [%s]", ids(list, appID), total, oa.ID)
	}
	all, total, err := s.ListAllRegistrations(ctx, "", portal.Page{})
	wantNil(t, "ListAllRegistrations", err)
	if total != 1 || len(all) != 1 || all[0].ID != or.ID {
		t.Errorf("ListAllRegistrations = %v (total %d), want [%s]", ids(all, regID), total, or.ID)
	}
	if _, err := s.GetCredentialByHash(ctx, oc.Hash); err != nil {
		t.Errorf("GetCredentialByHash(other developer's) = %v, want nil", err)
	}
	wantAudit(t, s, d.ID, "developer.created", "developer.deleted")

	// A developer stored again under the same id starts with nothing.
	again := developer("leaving@example.com", su.now())
	again.ID = d.ID
	wantNil(t, "CreateDeveloper(same id again)", s.CreateDeveloper(ctx, again, su.event("developer.created", d.ID)))
	list, total, err = s.ListApplications(ctx, d.ID, portal.Page{})
	wantNil(t, "ListApplications(new account)", err)
	if total != 0 || len(list) != 0 {
		t.Errorf("ListApplications(new account) = %v (total %d), want none", ids(list, appID), total)
	}
	su.mustCreateApp(t, s, d.ID, "new", su.now())
}

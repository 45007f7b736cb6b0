package storetest

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/functions/portal"
)

func (su suite) mustCreateTeam(t *testing.T, s portal.Store, name string, created time.Time) portal.Team {
	t.Helper()
	tm := portal.Team{ID: newID(), Name: name, Description: "team " + name, CreatedAt: created, UpdatedAt: created}
	wantNil(t, "CreateTeam("+name+")", s.CreateTeam(ctx, tm, su.event("team.created", tm.ID)))
	tm.Version = 1
	return tm
}

func (su suite) testTeams(t *testing.T, s portal.FullStore) {
	tm := su.mustCreateTeam(t, s, "Platform", su.now())
	got, err := s.GetTeam(ctx, tm.ID)
	wantGot(t, "GetTeam", tm, got, err)
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
	wantGot(t, "GetTeam after refused updates", want, stored, err)
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

func (su suite) testListTeams(t *testing.T, s portal.FullStore) {
	base := su.now().Add(-time.Hour)
	var all []portal.Team
	for i := range 12 {
		all = append(all, su.mustCreateTeam(t, s, fmt.Sprintf("team %02d", i), base.Add(time.Duration((i*5)%12)*time.Second)))
	}
	sort.Slice(all, func(i, j int) bool { return all[i].CreatedAt.Before(all[j].CreatedAt) })
	checkPages(t, "ListTeams", func(p portal.Page) ([]portal.Team, int, error) { return s.ListTeams(ctx, p) }, []paged[portal.Team]{
		{portal.Page{Size: 5, Number: 1}, all[:5], 12},
		{portal.Page{Size: 5, Number: 3}, all[10:], 12},
		{portal.Page{Size: 5, Number: 4}, nil, 12},
		{portal.Page{Size: 100, Number: farPage}, nil, 12},
		{portal.Page{}, all, 12},
	})
}

func (su suite) testTeamMembers(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "member@example.com")
	t1 := su.mustCreateTeam(t, s, "first", su.now())
	t2 := su.mustCreateTeam(t, s, "second", su.now().Add(time.Second))

	wantNil(t, "AddTeamMember", s.AddTeamMember(ctx, t2.ID, d.ID, su.event("team.member_added", t2.ID)))
	wantNil(t, "AddTeamMember", s.AddTeamMember(ctx, t1.ID, d.ID, su.event("team.member_added", t1.ID)))
	wantCode(t, "AddTeamMember(again)", s.AddTeamMember(ctx, t1.ID, d.ID, su.event("team.member_added", t1.ID)), portal.EConflict)
	wantCode(t, "AddTeamMember(unknown team)", s.AddTeamMember(ctx, newID(), d.ID, su.event("team.member_added", "none")), portal.ENotFound)
	wantCode(t, "AddTeamMember(unknown developer)", s.AddTeamMember(ctx, t1.ID, newID(), su.event("team.member_added", t1.ID)), portal.ENotFound)

	teams, err := s.ListDeveloperTeams(ctx, d.ID)
	wantGot(t, "ListDeveloperTeams", []portal.Team{t1, t2}, teams, err)
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
	wantGot(t, "ListDeveloperTeams after remove", []string{t2.ID}, ids(teams, teamID), err)
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

func (su suite) testTeamMembersConcurrent(t *testing.T, s portal.FullStore) {
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

func (su suite) testListTeamMembers(t *testing.T, s portal.FullStore) {
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
	checkPages(t, "ListTeamMembers", func(p portal.Page) ([]portal.Developer, int, error) { return s.ListTeamMembers(ctx, tm.ID, p) }, []paged[portal.Developer]{
		{portal.Page{Size: 5, Number: 1}, devs[:5], 13},
		{portal.Page{Size: 5, Number: 2}, devs[5:10], 13},
		{portal.Page{Size: 5, Number: 3}, devs[10:], 13},
		{portal.Page{Size: 5, Number: 9}, nil, 13},
		{portal.Page{Size: 100, Number: farPage}, nil, 13},
		{portal.Page{}, devs, 13},
	})
}

func (su suite) role(teamID, name, entity string) portal.RoleAssignment {
	return portal.RoleAssignment{ID: newID(), TeamID: teamID, RoleName: name, EntityID: entity, EntityTypeName: "APIs", EntityRegion: "*", CreatedAt: su.now()}
}

func (su suite) testRoles(t *testing.T, s portal.FullStore) {
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
	wantGot(t, "ListTeamRoles", []portal.RoleAssignment{viewer, consumer, consumer2}, got, err)
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

func (su suite) testDeleteTeam(t *testing.T, s portal.FullStore) {
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
	wantGot(t, "ListTeamRoles(kept)", []portal.RoleAssignment{kr}, roles, err)
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

func roleID(r portal.RoleAssignment) string { return r.ID }

func (su suite) testDeveloperRoles(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "roles@example.com")
	t1 := su.mustCreateTeam(t, s, "one", su.now())
	t2 := su.mustCreateTeam(t, s, "two", su.now())
	t3 := su.mustCreateTeam(t, s, "three", su.now())
	for _, tm := range []portal.Team{t1, t2} {
		wantNil(t, "AddTeamMember", s.AddTeamMember(ctx, tm.ID, d.ID, su.event("team.member_added", tm.ID)))
	}
	base := su.now()
	r1 := su.role(t1.ID, portal.RoleAPIConsumer, "api-1")
	r1.CreatedAt = base.Add(2 * time.Second)
	r2 := su.role(t2.ID, portal.RoleAPIViewer, "api-1")
	r2.CreatedAt = base
	r3 := su.role(t2.ID, portal.RoleAPIConsumer, "api-2")
	r3.CreatedAt = base.Add(time.Second)
	r4 := su.role(t3.ID, portal.RoleAPIConsumer, "api-3") // not the developer's team
	for _, r := range []portal.RoleAssignment{r1, r2, r3, r4} {
		wantNil(t, "AssignRole", s.AssignRole(ctx, r, su.event("team.role_assigned", r.TeamID)))
	}
	got, err := s.ListDeveloperRoles(ctx, d.ID)
	wantGot(t, "ListDeveloperRoles", []portal.RoleAssignment{r2, r3, r1}, got, err)
	wantNil(t, "RemoveTeamMember", s.RemoveTeamMember(ctx, t2.ID, d.ID, su.event("team.member_removed", t2.ID)))
	got, err = s.ListDeveloperRoles(ctx, d.ID)
	wantGot(t, "ListDeveloperRoles after leaving a team", []string{r1.ID}, ids(got, roleID), err)
	wantNil(t, "RemoveRole", s.RemoveRole(ctx, t1.ID, r1.ID, su.event("team.role_removed", t1.ID)))
	got, err = s.ListDeveloperRoles(ctx, d.ID)
	wantNil(t, "ListDeveloperRoles", err)
	if len(got) != 0 {
		t.Errorf("ListDeveloperRoles after the role went = %v, want none", ids(got, roleID))
	}
	got, err = s.ListDeveloperRoles(ctx, newID())
	wantNil(t, "ListDeveloperRoles(unknown developer)", err)
	if len(got) != 0 {
		t.Errorf("ListDeveloperRoles(unknown developer) = %v, want none", ids(got, roleID))
	}
}

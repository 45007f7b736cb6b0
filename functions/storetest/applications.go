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

func application(developerID, name string, created time.Time) portal.Application {
	return portal.Application{
		ID: newID(), Name: name, Description: "app " + name, DeveloperID: developerID,
		AuthStrategyID: portal.DefaultAuthStrategyID, CreatedAt: created, UpdatedAt: created,
	}
}

func (su suite) mustCreateApp(t *testing.T, s portal.FullStore, developerID, name string, created time.Time) portal.Application {
	t.Helper()
	a := application(developerID, name, created)
	wantNil(t, "CreateApplication("+name+")", s.CreateApplication(ctx, a, su.event("application.created", a.ID)))
	a.Version = 1
	return a
}

func appID(a portal.Application) string { return a.ID }

func (su suite) testApplications(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "apps@example.com")
	a := application(d.ID, "Weather app", su.now())
	ev := su.event("application.created", a.ID)
	wantNil(t, "CreateApplication", s.CreateApplication(ctx, a, ev))
	a.Version = 1
	got, err := s.GetApplication(ctx, a.ID)
	wantGot(t, "GetApplication", a, got, err)
	evs, err := s.ListAuditEvents(ctx, a.ID)
	wantGot(t, "ListAuditEvents("+a.ID+")", []portal.AuditEvent{ev}, evs, err)
	_, err = s.GetApplication(ctx, newID())
	wantCode(t, "GetApplication(unknown)", err, portal.ENotFound)

	sameID := application(d.ID, "copy", su.now())
	sameID.ID = a.ID
	wantCode(t, "CreateApplication(same id)", s.CreateApplication(ctx, sameID, su.event("application.created", a.ID)), portal.EConflict)
	orphan := application(newID(), "orphan", su.now())
	wantCode(t, "CreateApplication(unknown developer)", s.CreateApplication(ctx, orphan, su.event("application.created", orphan.ID)), portal.ENotFound)
	_, err = s.GetApplication(ctx, orphan.ID)
	wantCode(t, "GetApplication(refused)", err, portal.ENotFound)
	wantAudit(t, s, orphan.ID)
	list, total, err := s.ListApplications(ctx, d.ID, portal.Page{})
	wantNil(t, "ListApplications", err)
	if diff := cmp.Diff([]portal.Application{a}, list); diff != "" || total != 1 {
		t.Errorf("ListApplications after refused creates: total %d (-want +got):\n%s", total, diff)
	}

	change := a
	change.Name, change.Description, change.AuthStrategyID = "Forecast", "renamed", "long"
	change.DeveloperID = newID()               // ignored
	change.CreatedAt = su.now().Add(time.Hour) // ignored
	ev = su.event("application.updated", a.ID)
	got, err = s.UpdateApplication(ctx, change, ev)
	wantNil(t, "UpdateApplication", err)
	want := a
	want.Name, want.Description, want.AuthStrategyID, want.UpdatedAt, want.Version = "Forecast", "renamed", "long", ev.At, 2
	wantWritten(t, "UpdateApplication", want, got, func() (portal.Application, error) { return s.GetApplication(ctx, a.ID) })
	_, err = s.UpdateApplication(ctx, change, su.event("application.updated", a.ID)) // version 1 is stale
	wantCode(t, "UpdateApplication(stale)", err, portal.EConflict)
	unknown := application(d.ID, "ghost", su.now())
	unknown.Version = 1
	_, err = s.UpdateApplication(ctx, unknown, su.event("application.updated", unknown.ID))
	wantCode(t, "UpdateApplication(unknown)", err, portal.ENotFound)
	wantAudit(t, s, unknown.ID)
	wantAudit(t, s, a.ID, "application.created", "application.updated")

	// Concurrent updates of one version: one wins.
	errs := race(concurrency, func(i int) error {
		c := got
		c.Name = fmt.Sprintf("race %d", i)
		_, err := s.UpdateApplication(ctx, c, su.event("application.updated", a.ID))
		return err
	})
	w := oneWinner(t, "concurrent UpdateApplication", errs, portal.EConflict)
	stored, err := s.GetApplication(ctx, a.ID)
	wantNil(t, "GetApplication", err)
	if stored.Name != fmt.Sprintf("race %d", w) || stored.Version != 3 {
		t.Errorf("GetApplication after race = %q v%d, want %q v3", stored.Name, stored.Version, fmt.Sprintf("race %d", w))
	}
}

func (su suite) testListApplications(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "many@example.com")
	other := su.mustCreateDeveloper(t, s, "few@example.com")
	base := su.now().Add(-time.Hour)
	var mine, all []portal.Application
	for i := range 12 {
		a := su.mustCreateApp(t, s, d.ID, fmt.Sprintf("app %02d", i), base.Add(time.Duration((i*5)%12)*time.Second))
		mine = append(mine, a)
		all = append(all, a)
	}
	for i := range 3 {
		all = append(all, su.mustCreateApp(t, s, other.ID, fmt.Sprintf("other %d", i), base.Add(time.Duration(i)*time.Second+time.Millisecond)))
	}
	byCreated := func(as []portal.Application) {
		sort.Slice(as, func(i, j int) bool { return as[i].CreatedAt.Before(as[j].CreatedAt) })
	}
	byCreated(mine)
	byCreated(all)
	checkPages(t, "ListApplications", func(p portal.Page) ([]portal.Application, int, error) { return s.ListApplications(ctx, d.ID, p) }, []paged[portal.Application]{
		{portal.Page{Size: 5, Number: 1}, mine[:5], 12},
		{portal.Page{Size: 5, Number: 3}, mine[10:], 12},
		{portal.Page{Size: 5, Number: 4}, nil, 12},
		{portal.Page{Size: 100, Number: farPage}, nil, 12},
		{portal.Page{}, mine, 12},
	})
	checkPages(t, "ListAllApplications", func(p portal.Page) ([]portal.Application, int, error) { return s.ListAllApplications(ctx, p) }, []paged[portal.Application]{
		{portal.Page{Size: 4, Number: 2}, all[4:8], 15},
		{portal.Page{Size: 10, Number: 2}, all[10:], 15},
		{portal.Page{Size: 100, Number: farPage}, nil, 15},
		{portal.Page{}, all, 15},
	})
	got, total, err := s.ListApplications(ctx, newID(), portal.Page{})
	wantNil(t, "ListApplications(unknown developer)", err)
	if total != 0 || len(got) != 0 {
		t.Errorf("ListApplications(unknown developer) = %d (total %d), want none", len(got), total)
	}
}

func (su suite) testApplicationLimitConcurrent(t *testing.T, s portal.FullStore) {
	const max = portal.MaxApplicationsPerDeveloper
	const room = concurrency / 2
	d := su.mustCreateDeveloper(t, s, "limit@example.com")
	other := su.mustCreateDeveloper(t, s, "other@example.com")
	base := su.now().Add(-time.Hour)
	fill(t, max-room, func(i int) error {
		a := application(d.ID, fmt.Sprintf("app %d", i), base.Add(time.Duration(i)*time.Millisecond))
		return s.CreateApplication(ctx, a, su.event("application.created", a.ID))
	})
	apps := make([]portal.Application, concurrency)
	for i := range apps {
		apps[i] = application(d.ID, fmt.Sprintf("race %d", i), su.now())
	}
	errs := race(concurrency, func(i int) error {
		return s.CreateApplication(ctx, apps[i], su.event("application.created", apps[i].ID))
	})
	won := countWinners(t, "concurrent CreateApplication at the limit", errs, room, portal.EPrecondition)
	for i, a := range apps {
		if slices.Contains(won, i) {
			wantAudit(t, s, a.ID, "application.created")
			continue
		}
		_, err := s.GetApplication(ctx, a.ID)
		wantCode(t, "GetApplication(refused over the limit)", err, portal.ENotFound)
		wantAudit(t, s, a.ID)
	}
	list, total, err := s.ListApplications(ctx, d.ID, portal.Page{Size: 100, Number: 5})
	wantNil(t, "ListApplications", err)
	if total != max || len(list) != 100 {
		t.Errorf("ListApplications(page 5) = %d apps, total %d, want 100, %d", len(list), total, max)
	}
	_, total, err = s.ListAllApplications(ctx, portal.Page{})
	wantNil(t, "ListAllApplications", err)
	if total != max {
		t.Errorf("ListAllApplications total = %d, want %d", total, max)
	}

	// The limit is per developer, and deleting makes room for one.
	su.mustCreateApp(t, s, other.ID, "elsewhere", su.now())
	extra := application(d.ID, "extra", su.now())
	wantCode(t, "CreateApplication(over the limit)", s.CreateApplication(ctx, extra, su.event("application.created", extra.ID)), portal.EPrecondition)
	wantNil(t, "DeleteApplication", s.DeleteApplication(ctx, list[0].ID, su.event("application.deleted", list[0].ID)))
	wantNil(t, "CreateApplication(after a delete)", s.CreateApplication(ctx, extra, su.event("application.created", extra.ID)))
	again := application(d.ID, "again", su.now())
	wantCode(t, "CreateApplication(over the limit again)", s.CreateApplication(ctx, again, su.event("application.created", again.ID)), portal.EPrecondition)
}

func (su suite) testDeleteApplication(t *testing.T, s portal.FullStore) {
	a1, a2 := api("del1"), api("del2")
	su.mustPublish(t, s, 2, a1, a2)
	d := su.mustCreateDeveloper(t, s, "deleter@example.com")
	app := su.mustCreateApp(t, s, d.ID, "doomed", su.now())
	keep := su.mustCreateApp(t, s, d.ID, "kept", su.now().Add(time.Second))
	var creds []portal.Credential
	for range 3 {
		creds = append(creds, su.mustCreateCredential(t, s, app))
	}
	kc := su.mustCreateCredential(t, s, keep)
	regs := []portal.Registration{su.mustRegister(t, s, app.ID, a1.ID), su.mustRegister(t, s, app.ID, a2.ID)}
	kr := su.mustRegister(t, s, keep.ID, a1.ID)

	wantNil(t, "DeleteApplication", s.DeleteApplication(ctx, app.ID, su.event("application.deleted", app.ID)))
	_, err := s.GetApplication(ctx, app.ID)
	wantCode(t, "GetApplication(deleted)", err, portal.ENotFound)
	for _, c := range creds {
		_, err := s.GetCredentialByHash(ctx, c.Hash)
		wantCode(t, "GetCredentialByHash(deleted application's)", err, portal.ENotFound)
		wantCode(t, "TouchCredential(deleted application's)", s.TouchCredential(ctx, c.ID, su.now()), portal.ENotFound)
	}
	for _, r := range regs {
		_, err := s.GetRegistration(ctx, r.ID)
		wantCode(t, "GetRegistration(deleted application's)", err, portal.ENotFound)
		_, err = s.FindRegistration(ctx, app.ID, r.APIID)
		wantCode(t, "FindRegistration(deleted application's)", err, portal.ENotFound)
	}
	list, err := s.ListCredentials(ctx, app.ID)
	wantNil(t, "ListCredentials(deleted application)", err)
	if len(list) != 0 {
		t.Errorf("ListCredentials(deleted application) = %v, want none", ids(list, credID))
	}
	all, total, err := s.ListAllRegistrations(ctx, "", portal.Page{})
	wantNil(t, "ListAllRegistrations", err)
	if total != 1 || len(all) != 1 || all[0].ID != kr.ID {
		t.Errorf("ListAllRegistrations = %v (total %d), want [%s]", ids(all, regID), total, kr.ID)
	}
	apps, total, err := s.ListApplications(ctx, d.ID, portal.Page{})
	wantNil(t, "ListApplications", err)
	if diff := cmp.Diff([]portal.Application{keep}, apps); diff != "" || total != 1 {
		t.Errorf("ListApplications after delete: total %d (-want +got):\n%s", total, diff)
	}
	_, total, err = s.ListAllApplications(ctx, portal.Page{})
	wantNil(t, "ListAllApplications", err)
	if total != 1 {
		t.Errorf("ListAllApplications total after delete = %d, want 1", total)
	}
	if _, err := s.GetCredentialByHash(ctx, kc.Hash); err != nil {
		t.Errorf("GetCredentialByHash(kept application's) = %v, want nil", err)
	}
	wantAudit(t, s, app.ID, "application.created", "application.deleted")
	wantCode(t, "DeleteApplication(again)", s.DeleteApplication(ctx, app.ID, su.event("application.deleted", app.ID)), portal.ENotFound)
	wantAudit(t, s, app.ID, "application.created", "application.deleted")
	err = s.CreateCredential(ctx, su.credential(app.ID), su.event("credential.created", "x"))
	wantCode(t, "CreateCredential(deleted application)", err, portal.ENotFound)
	err = s.CreateRegistration(ctx, su.registration(app.ID, a1.ID, portal.RegistrationPending), su.event("registration.created", "x"))
	wantCode(t, "CreateRegistration(deleted application)", err, portal.ENotFound)

	// The hashes and the pair (application, API) are free again.
	fresh := su.mustCreateApp(t, s, d.ID, "fresh", su.now())
	re := creds[0]
	re.ID, re.ApplicationID = newID(), fresh.ID
	wantNil(t, "CreateCredential(hash of a deleted application)", s.CreateCredential(ctx, re, su.event("credential.created", re.ID)))

	// Deleting while keys are being added: no key outlives the application.
	racer := su.mustCreateApp(t, s, d.ID, "racer", su.now())
	added := make([]portal.Credential, concurrency)
	for i := range added {
		added[i] = su.credential(racer.ID)
	}
	race(concurrency+1, func(i int) error {
		if i == concurrency {
			return s.DeleteApplication(ctx, racer.ID, su.event("application.deleted", racer.ID))
		}
		return s.CreateCredential(ctx, added[i], su.event("credential.created", added[i].ID))
	})
	_, err = s.GetApplication(ctx, racer.ID)
	wantCode(t, "GetApplication(deleted during key creation)", err, portal.ENotFound)
	for _, c := range added {
		_, err := s.GetCredentialByHash(ctx, c.Hash)
		wantCode(t, "GetCredentialByHash(key added while its application was deleted)", err, portal.ENotFound)
	}
}

// testTeamApplications: an application with a TeamID is listed for its
// team, needs the team to exist, and leaves the list when deleted.
func (su suite) testTeamApplications(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "teamapps@example.com")
	tm := su.mustCreateTeam(t, s, "Owners", su.now())
	shared := application(d.ID, "Shared", su.now())
	shared.TeamID = tm.ID
	wantNil(t, "CreateApplication(team)", s.CreateApplication(ctx, shared, su.event("application.created", shared.ID)))
	own := su.mustCreateApp(t, s, d.ID, "Own", su.now().Add(time.Second))
	got, err := s.ListTeamApplications(ctx, tm.ID)
	wantNil(t, "ListTeamApplications", err)
	if len(got) != 1 || got[0].ID != shared.ID || got[0].TeamID != tm.ID {
		t.Errorf("ListTeamApplications = %+v, want only %s with its team", got, shared.ID)
	}
	if a, err := s.GetApplication(ctx, shared.ID); err != nil || a.TeamID != tm.ID {
		t.Errorf("GetApplication(team app) = %+v, %v; want TeamID %s", a, err, tm.ID)
	}
	if a, _ := s.GetApplication(ctx, own.ID); a.TeamID != "" {
		t.Errorf("a developer's own application has TeamID %q", a.TeamID)
	}
	orphan := application(d.ID, "Orphan", su.now())
	orphan.TeamID = newID()
	wantCode(t, "CreateApplication(unknown team)", s.CreateApplication(ctx, orphan, su.event("application.created", orphan.ID)), portal.ENotFound)
	if _, err := s.GetApplication(ctx, orphan.ID); !portal.IsCode(err, portal.ENotFound) {
		t.Errorf("the refused application exists: %v", err)
	}
	wantNil(t, "DeleteApplication", s.DeleteApplication(ctx, shared.ID, su.event("application.deleted", shared.ID)))
	got, err = s.ListTeamApplications(ctx, tm.ID)
	wantNil(t, "ListTeamApplications(after delete)", err)
	if len(got) != 0 {
		t.Errorf("ListTeamApplications after the delete = %+v, want none", got)
	}
	empty, err := s.ListTeamApplications(ctx, newID())
	wantNil(t, "ListTeamApplications(unknown team)", err)
	if len(empty) != 0 {
		t.Errorf("ListTeamApplications(unknown team) = %+v", empty)
	}
}

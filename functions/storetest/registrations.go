package storetest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/functions/portal"
)

func (su suite) registration(appID, apiID string, st portal.RegistrationStatus) portal.Registration {
	n := su.now()
	return portal.Registration{ID: newID(), ApplicationID: appID, APIID: apiID, Status: st, CreatedAt: n, UpdatedAt: n}
}

func (su suite) mustRegister(t *testing.T, s portal.FullStore, appID, apiID string) portal.Registration {
	t.Helper()
	r := su.registration(appID, apiID, portal.RegistrationPending)
	wantNil(t, "CreateRegistration("+appID+", "+apiID+")", s.CreateRegistration(ctx, r, su.event("registration.created", r.ID)))
	r.Version = 1
	return r
}

// mustRegisteredApp publishes one API (slug) and registers to it the
// application of a new developer (slug@example.com).
func (su suite) mustRegisteredApp(t *testing.T, s portal.FullStore, slug string) (portal.API, portal.Application, portal.Registration) {
	t.Helper()
	a := api(slug)
	su.mustPublish(t, s, 1, a)
	d := su.mustCreateDeveloper(t, s, slug+"@example.com")
	app := su.mustCreateApp(t, s, d.ID, "app", su.now())
	return a, app, su.mustRegister(t, s, app.ID, a.ID)
}

func regID(r portal.Registration) string { return r.ID }

func (su suite) testRegistrations(t *testing.T, s portal.FullStore) {
	a1, a2 := api("one"), api("two")
	su.mustPublish(t, s, 2, a1, a2)
	d := su.mustCreateDeveloper(t, s, "registrant@example.com")
	app := su.mustCreateApp(t, s, d.ID, "app", su.now())
	other := su.mustCreateApp(t, s, d.ID, "other", su.now())

	r2 := su.registration(app.ID, a2.ID, portal.RegistrationApproved)
	r1 := su.registration(app.ID, a1.ID, portal.RegistrationPending)
	r1.CreatedAt = r2.CreatedAt.Add(-time.Second)
	ev := su.event("registration.created", r2.ID)
	wantNil(t, "CreateRegistration(approved)", s.CreateRegistration(ctx, r2, ev))
	wantNil(t, "CreateRegistration(pending)", s.CreateRegistration(ctx, r1, su.event("registration.created", r1.ID)))
	r1.Version, r2.Version = 1, 1
	got, err := s.GetRegistration(ctx, r2.ID)
	wantGot(t, "GetRegistration", r2, got, err)
	got, err = s.FindRegistration(ctx, app.ID, a1.ID)
	wantGot(t, "FindRegistration", r1, got, err)
	_, err = s.FindRegistration(ctx, other.ID, a1.ID)
	wantCode(t, "FindRegistration(not registered)", err, portal.ENotFound)
	_, err = s.GetRegistration(ctx, newID())
	wantCode(t, "GetRegistration(unknown)", err, portal.ENotFound)
	evs, err := s.ListAuditEvents(ctx, r2.ID)
	wantGot(t, "ListAuditEvents("+r2.ID+")", []portal.AuditEvent{ev}, evs, err)

	dup := su.registration(app.ID, a1.ID, portal.RegistrationPending)
	wantCode(t, "CreateRegistration(same application and API)", s.CreateRegistration(ctx, dup, su.event("registration.created", dup.ID)), portal.EConflict)
	wantAudit(t, s, dup.ID)
	sameID := su.registration(other.ID, a1.ID, portal.RegistrationPending)
	sameID.ID = r1.ID
	wantCode(t, "CreateRegistration(same id)", s.CreateRegistration(ctx, sameID, su.event("registration.created", r1.ID)), portal.EConflict)
	_, err = s.FindRegistration(ctx, other.ID, a1.ID)
	wantCode(t, "FindRegistration(refused same id)", err, portal.ENotFound)
	noApp := su.registration(newID(), a1.ID, portal.RegistrationPending)
	wantCode(t, "CreateRegistration(unknown application)", s.CreateRegistration(ctx, noApp, su.event("registration.created", noApp.ID)), portal.ENotFound)
	noAPI := su.registration(app.ID, newID(), portal.RegistrationPending)
	wantCode(t, "CreateRegistration(unknown API)", s.CreateRegistration(ctx, noAPI, su.event("registration.created", noAPI.ID)), portal.ENotFound)
	wantAudit(t, s, noAPI.ID)

	regs, err := s.ListRegistrations(ctx, app.ID)
	wantGot(t, "ListRegistrations", []portal.Registration{r1, r2}, regs, err)
	regs, err = s.ListRegistrations(ctx, newID())
	wantNil(t, "ListRegistrations(unknown application)", err)
	if len(regs) != 0 {
		t.Errorf("ListRegistrations(unknown application) = %v, want none", ids(regs, regID))
	}

	wantNil(t, "DeleteRegistration", s.DeleteRegistration(ctx, r1.ID, su.event("registration.deleted", r1.ID)))
	wantCode(t, "DeleteRegistration(again)", s.DeleteRegistration(ctx, r1.ID, su.event("registration.deleted", r1.ID)), portal.ENotFound)
	_, err = s.GetRegistration(ctx, r1.ID)
	wantCode(t, "GetRegistration(deleted)", err, portal.ENotFound)
	_, err = s.FindRegistration(ctx, app.ID, a1.ID)
	wantCode(t, "FindRegistration(deleted)", err, portal.ENotFound)
	wantAudit(t, s, r1.ID, "registration.created", "registration.deleted")
	_, total, err := s.ListAllRegistrations(ctx, "", portal.Page{})
	wantNil(t, "ListAllRegistrations", err)
	if total != 1 {
		t.Errorf("ListAllRegistrations total after delete = %d, want 1", total)
	}
	// Registering again after a delete works.
	su.mustRegister(t, s, app.ID, a1.ID)
}

func (su suite) testRegistrationsConcurrent(t *testing.T, s portal.FullStore) {
	a := api("contested")
	su.mustPublish(t, s, 1, a)
	d := su.mustCreateDeveloper(t, s, "racer@example.com")
	app := su.mustCreateApp(t, s, d.ID, "app", su.now())
	regs := make([]portal.Registration, concurrency)
	for i := range regs {
		regs[i] = su.registration(app.ID, a.ID, portal.RegistrationPending)
	}
	errs := race(concurrency, func(i int) error {
		return s.CreateRegistration(ctx, regs[i], su.event("registration.created", regs[i].ID))
	})
	w := oneWinner(t, "concurrent CreateRegistration", errs, portal.EConflict)
	got, err := s.ListRegistrations(ctx, app.ID)
	wantNil(t, "ListRegistrations", err)
	if len(got) != 1 || got[0].ID != regs[w].ID {
		t.Errorf("ListRegistrations after race = %v, want [%s]", ids(got, regID), regs[w].ID)
	}
	_, total, err := s.ListAllRegistrations(ctx, "", portal.Page{})
	wantNil(t, "ListAllRegistrations", err)
	if total != 1 {
		t.Errorf("ListAllRegistrations total after race = %d, want 1", total)
	}
	for i, r := range regs {
		if i != w {
			wantAudit(t, s, r.ID)
			_, err := s.GetRegistration(ctx, r.ID)
			wantCode(t, "GetRegistration(loser)", err, portal.ENotFound)
		}
	}
}

func (su suite) testListAllRegistrations(t *testing.T, s portal.FullStore) {
	var apis []portal.API
	for i := range 4 {
		apis = append(apis, api(fmt.Sprintf("list%d", i)))
	}
	su.mustPublish(t, s, 4, apis...)
	d := su.mustCreateDeveloper(t, s, "lister@example.com")
	base := su.now().Add(-time.Hour)
	var all, approved, pending []portal.Registration
	for i := range 3 {
		app := su.mustCreateApp(t, s, d.ID, fmt.Sprintf("app %d", i), base)
		for j, a := range apis {
			r := su.registration(app.ID, a.ID, portal.RegistrationPending)
			r.CreatedAt = base.Add(time.Duration((i*4+j)*7%12) * time.Second)
			r.UpdatedAt = r.CreatedAt
			if j%2 == 0 {
				r.Status = portal.RegistrationApproved
			}
			wantNil(t, "CreateRegistration", s.CreateRegistration(ctx, r, su.event("registration.created", r.ID)))
			r.Version = 1
			all = append(all, r)
			if r.Status == portal.RegistrationApproved {
				approved = append(approved, r)
			} else {
				pending = append(pending, r)
			}
		}
	}
	byCreated := func(rs []portal.Registration) {
		sort.Slice(rs, func(i, j int) bool { return rs[i].CreatedAt.Before(rs[j].CreatedAt) })
	}
	byCreated(all)
	byCreated(approved)
	byCreated(pending)
	for st, pages := range map[portal.RegistrationStatus][]paged[portal.Registration]{
		"": {
			{portal.Page{Size: 5, Number: 1}, all[:5], 12},
			{portal.Page{Size: 5, Number: 3}, all[10:], 12},
			{portal.Page{Size: 5, Number: 4}, nil, 12},
			{portal.Page{Size: 100, Number: farPage}, nil, 12},
			{portal.Page{}, all, 12},
		},
		portal.RegistrationApproved: {
			{portal.Page{Size: 100, Number: farPage}, nil, 6},
			{portal.Page{Size: 4, Number: 2}, approved[4:], 6},
		},
		portal.RegistrationPending: {{portal.Page{Size: 100}, pending, 6}},
		portal.RegistrationRevoked: {{portal.Page{}, nil, 0}},
	} {
		checkPages(t, fmt.Sprintf("ListAllRegistrations(%q)", st), func(p portal.Page) ([]portal.Registration, int, error) {
			return s.ListAllRegistrations(ctx, st, p)
		}, pages)
	}
}

func (su suite) testRegistrationStatus(t *testing.T, s portal.FullStore) {
	a, app, r := su.mustRegisteredApp(t, s, "status")
	tr := portal.RegistrationTransitions

	ev := su.event("registration.status_changed", r.ID)
	got, err := s.SetRegistrationStatus(ctx, r.ID, tr[portal.RegistrationApproved], portal.RegistrationApproved, ev)
	wantNil(t, "SetRegistrationStatus(pending→approved)", err)
	want := r
	want.Status, want.Version, want.UpdatedAt = portal.RegistrationApproved, 2, ev.At
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SetRegistrationStatus (-want +got):\n%s", diff)
	}
	for name, read := range map[string]func() (portal.Registration, error){
		"GetRegistration":  func() (portal.Registration, error) { return s.GetRegistration(ctx, r.ID) },
		"FindRegistration": func() (portal.Registration, error) { return s.FindRegistration(ctx, app.ID, a.ID) },
	} {
		stored, err := read()
		wantGot(t, name+" after status change", want, stored, err)
	}

	_, err = s.SetRegistrationStatus(ctx, r.ID, tr[portal.RegistrationRejected], portal.RegistrationRejected, su.event("registration.status_changed", r.ID))
	wantCode(t, "SetRegistrationStatus(approved→rejected)", err, portal.EPrecondition)
	if err != nil && !strings.Contains(err.Error(), string(portal.RegistrationApproved)) {
		t.Errorf("SetRegistrationStatus precondition error = %q, want it to name the current status", err)
	}
	got, err = s.SetRegistrationStatus(ctx, r.ID, tr[portal.RegistrationRevoked], portal.RegistrationRevoked, su.event("registration.status_changed", r.ID))
	wantNil(t, "SetRegistrationStatus(approved→revoked)", err)
	if got.Status != portal.RegistrationRevoked || got.Version != 3 {
		t.Errorf("SetRegistrationStatus(approved→revoked) = %s v%d, want revoked v3", got.Status, got.Version)
	}
	_, err = s.SetRegistrationStatus(ctx, r.ID, tr[portal.RegistrationRevoked], portal.RegistrationRevoked, su.event("registration.status_changed", r.ID))
	wantCode(t, "SetRegistrationStatus(revoked→revoked)", err, portal.EPrecondition)

	// The status filter follows the changes.
	list, total, err := s.ListAllRegistrations(ctx, portal.RegistrationRevoked, portal.Page{})
	wantNil(t, "ListAllRegistrations(revoked)", err)
	if total != 1 || len(list) != 1 || list[0].ID != r.ID {
		t.Errorf("ListAllRegistrations(revoked) = %v (total %d), want [%s]", ids(list, regID), total, r.ID)
	}
	for _, st := range []portal.RegistrationStatus{portal.RegistrationPending, portal.RegistrationApproved} {
		_, total, err = s.ListAllRegistrations(ctx, st, portal.Page{})
		wantNil(t, "ListAllRegistrations", err)
		if total != 0 {
			t.Errorf("ListAllRegistrations(%s) total = %d, want 0", st, total)
		}
	}

	_, err = s.SetRegistrationStatus(ctx, newID(), tr[portal.RegistrationApproved], portal.RegistrationApproved, su.event("registration.status_changed", "x"))
	wantCode(t, "SetRegistrationStatus(unknown)", err, portal.ENotFound)
	wantAudit(t, s, r.ID, "registration.created", "registration.status_changed", "registration.status_changed")
	evs, err := s.ListAuditEvents(ctx, r.ID)
	wantNil(t, "ListAuditEvents", err)
	if len(evs) == 3 {
		if evs[1].ID != ev.ID || evs[1].Detail["from"] != "pending" || evs[1].Detail["to"] != "approved" || evs[1].Detail["case"] != ev.Action {
			t.Errorf("status audit event = %+v, want id %s with from=pending, to=approved and the caller's detail", evs[1], ev.ID)
		}
	}
}

func (su suite) testRegistrationStatusConcurrent(t *testing.T, s portal.FullStore) {
	a, app, r := su.mustRegisteredApp(t, s, "approve")
	pending := []portal.RegistrationStatus{portal.RegistrationPending}
	targets := make([]portal.RegistrationStatus, concurrency)
	for i := range targets {
		targets[i] = portal.RegistrationApproved
		if i%2 == 1 {
			targets[i] = portal.RegistrationRejected
		}
	}
	errs := race(concurrency, func(i int) error {
		_, err := s.SetRegistrationStatus(ctx, r.ID, pending, targets[i], su.event("registration.status_changed", r.ID))
		return err
	})
	w := oneWinner(t, "concurrent SetRegistrationStatus", errs, portal.EPrecondition)
	got, err := s.FindRegistration(ctx, app.ID, a.ID)
	wantNil(t, "FindRegistration", err)
	if got.Status != targets[w] || got.Version != 2 {
		t.Errorf("after race: stored %s v%d, want %s v2", got.Status, got.Version, targets[w])
	}
	wantAudit(t, s, r.ID, "registration.created", "registration.status_changed")
}

package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/portal-dev/portal/functions/portal"
)

func (su suite) testSettings(t *testing.T, s portal.FullStore) {
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
	wantWritten(t, "PutSettings", want, got, func() (portal.Settings, error) { return s.GetSettings(ctx) })

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
	stored, err := s.GetSettings(ctx)
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

func (su suite) testAdminTokens(t *testing.T, s portal.FullStore) {
	created := su.now()
	a := portal.AdminToken{ID: newID(), Name: "ci", Hash: newID() + newID(), CreatedAt: created}
	b := portal.AdminToken{ID: newID(), Name: "laptop", Hash: newID() + newID(), CreatedAt: created.Add(time.Second)}
	for _, tok := range []portal.AdminToken{b, a} {
		wantNil(t, "CreateAdminToken", s.CreateAdminToken(ctx, tok, su.event("admin_token.created", tok.ID)))
	}
	wantCode(t, "CreateAdminToken(same hash)", s.CreateAdminToken(ctx, portal.AdminToken{ID: newID(), Name: "x", Hash: a.Hash, CreatedAt: su.now()}, su.event("admin_token.created", "x")), portal.EConflict)
	wantCode(t, "CreateAdminToken(same id)", s.CreateAdminToken(ctx, portal.AdminToken{ID: a.ID, Name: "x", Hash: newID(), CreatedAt: su.now()}, su.event("admin_token.created", a.ID)), portal.EConflict)

	got, err := s.GetAdminTokenByHash(ctx, a.Hash)
	wantGot(t, "GetAdminTokenByHash", a, got, err)
	_, err = s.GetAdminTokenByHash(ctx, newID())
	wantCode(t, "GetAdminTokenByHash(unknown)", err, portal.ENotFound)
	list, err := s.ListAdminTokens(ctx)
	wantGot(t, "ListAdminTokens", []portal.AdminToken{a, b}, list, err)

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

func (su suite) testAuditEvents(t *testing.T, s portal.FullStore) {
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
	wantGot(t, "ListAuditEvents", []portal.AuditEvent{created, early, late}, evs, err, cmpopts.EquateEmpty())
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

package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/functions/portal"
)

// credential is a new key of the application; set DeveloperID to the
// application's developer to compare it with what the store returns.
func (su suite) credential(appID string) portal.Credential {
	hash := newID() + newID() + newID()
	return portal.Credential{ID: newID(), ApplicationID: appID, DisplayName: "key " + hash[:4], Hash: hash, Hint: "pk_…" + hash[:4], CreatedAt: su.now()}
}

func (su suite) mustCreateCredential(t *testing.T, s portal.FullStore, app portal.Application) portal.Credential {
	t.Helper()
	c := su.credential(app.ID)
	c.DeveloperID = "ignored: the store sets it"
	wantNil(t, "CreateCredential("+app.ID+")", s.CreateCredential(ctx, c, su.event("credential.created", c.ID)))
	c.DeveloperID = app.DeveloperID
	return c
}

func credID(c portal.Credential) string { return c.ID }

func (su suite) testCredentials(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "keys@example.com")
	app := su.mustCreateApp(t, s, d.ID, "app", su.now())
	other := su.mustCreateApp(t, s, d.ID, "other", su.now())

	c1 := su.credential(app.ID)
	exp := su.now().Add(24 * time.Hour)
	c2 := su.credential(app.ID)
	c2.CreatedAt, c2.ExpiresAt = c1.CreatedAt.Add(-time.Second), &exp
	c1.DeveloperID, c2.DeveloperID = d.ID, d.ID
	ev := su.event("credential.created", c1.ID)
	wantNil(t, "CreateCredential", s.CreateCredential(ctx, c1, ev))
	wantNil(t, "CreateCredential(expiring)", s.CreateCredential(ctx, c2, su.event("credential.created", c2.ID)))
	for _, c := range []portal.Credential{c1, c2} {
		got, err := s.GetCredentialByHash(ctx, c.Hash)
		wantGot(t, "GetCredentialByHash", c, got, err)
	}
	_, err := s.GetCredentialByHash(ctx, newID())
	wantCode(t, "GetCredentialByHash(unknown)", err, portal.ENotFound)
	list, err := s.ListCredentials(ctx, app.ID)
	wantGot(t, "ListCredentials", []portal.Credential{c2, c1}, list, err)
	list, err = s.ListCredentials(ctx, other.ID)
	wantNil(t, "ListCredentials(none)", err)
	if len(list) != 0 {
		t.Errorf("ListCredentials(other) = %v, want none", ids(list, credID))
	}
	evs, err := s.ListAuditEvents(ctx, c1.ID)
	wantGot(t, "ListAuditEvents("+c1.ID+")", []portal.AuditEvent{ev}, evs, err)

	sameHash := su.credential(other.ID)
	sameHash.Hash = c1.Hash
	wantCode(t, "CreateCredential(same hash, other application)", s.CreateCredential(ctx, sameHash, su.event("credential.created", sameHash.ID)), portal.EConflict)
	wantAudit(t, s, sameHash.ID)
	sameID := su.credential(other.ID)
	sameID.ID = c1.ID
	wantCode(t, "CreateCredential(same id)", s.CreateCredential(ctx, sameID, su.event("credential.created", c1.ID)), portal.EConflict)
	_, err = s.GetCredentialByHash(ctx, sameID.Hash)
	wantCode(t, "GetCredentialByHash(refused)", err, portal.ENotFound)
	noApp := su.credential(newID())
	wantCode(t, "CreateCredential(unknown application)", s.CreateCredential(ctx, noApp, su.event("credential.created", noApp.ID)), portal.ENotFound)
	_, err = s.GetCredentialByHash(ctx, noApp.Hash)
	wantCode(t, "GetCredentialByHash(refused)", err, portal.ENotFound)
	got, err := s.GetCredentialByHash(ctx, c1.Hash)
	wantNil(t, "GetCredentialByHash", err)
	if got.ApplicationID != app.ID || got.ID != c1.ID {
		t.Errorf("GetCredentialByHash after refused creates = %s of %s, want %s of %s", got.ID, got.ApplicationID, c1.ID, app.ID)
	}

	// Expiry: brought forward, never extended.
	grace := su.now().Add(time.Hour)
	ev = su.event("credential.expired", c1.ID)
	got, err = s.ExpireCredential(ctx, app.ID, c1.ID, grace, ev)
	wantNil(t, "ExpireCredential", err)
	want := c1
	want.ExpiresAt = &grace
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ExpireCredential (-want +got):\n%s", diff)
	}
	got, err = s.GetCredentialByHash(ctx, c1.Hash)
	wantGot(t, "GetCredentialByHash after expire", want, got, err)
	got, err = s.ExpireCredential(ctx, app.ID, c1.ID, grace.Add(time.Hour), su.event("credential.expired", c1.ID))
	wantNil(t, "ExpireCredential(later)", err)
	if got.ExpiresAt == nil || !got.ExpiresAt.Equal(grace) {
		t.Errorf("ExpireCredential(later) expires at %v, want still %v", got.ExpiresAt, grace)
	}
	soon := su.now().Add(time.Minute)
	got, err = s.ExpireCredential(ctx, app.ID, c2.ID, soon, su.event("credential.expired", c2.ID))
	wantNil(t, "ExpireCredential(sooner than its TTL)", err)
	if got.ExpiresAt == nil || !got.ExpiresAt.Equal(soon) {
		t.Errorf("ExpireCredential(sooner) expires at %v, want %v", got.ExpiresAt, soon)
	}
	_, err = s.ExpireCredential(ctx, other.ID, c1.ID, soon, su.event("credential.expired", c1.ID))
	wantCode(t, "ExpireCredential(other application's)", err, portal.ENotFound)
	_, err = s.ExpireCredential(ctx, app.ID, newID(), soon, su.event("credential.expired", "x"))
	wantCode(t, "ExpireCredential(unknown)", err, portal.ENotFound)
	wantAudit(t, s, c1.ID, "credential.created", "credential.expired")

	// Last use: forward only, not audited.
	used := su.now()
	wantNil(t, "TouchCredential", s.TouchCredential(ctx, c1.ID, used))
	wantNil(t, "TouchCredential(earlier)", s.TouchCredential(ctx, c1.ID, used.Add(-time.Minute)))
	got, err = s.GetCredentialByHash(ctx, c1.Hash)
	wantNil(t, "GetCredentialByHash", err)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) || got.ExpiresAt == nil || !got.ExpiresAt.Equal(grace) {
		t.Errorf("GetCredentialByHash after touch: last used %v, expires %v; want %v, %v", got.LastUsedAt, got.ExpiresAt, used, grace)
	}
	list, err = s.ListCredentials(ctx, app.ID)
	wantNil(t, "ListCredentials", err)
	if len(list) != 2 || list[1].LastUsedAt == nil || !list[1].LastUsedAt.Equal(used) {
		t.Errorf("ListCredentials after touch = %+v, want the second used at %v", list, used)
	}
	wantCode(t, "TouchCredential(unknown)", s.TouchCredential(ctx, newID(), used), portal.ENotFound)
	wantAudit(t, s, c1.ID, "credential.created", "credential.expired")

	// Deletion: the key stops resolving at once.
	wantCode(t, "DeleteCredential(other application's)", s.DeleteCredential(ctx, other.ID, c1.ID, su.event("credential.deleted", c1.ID)), portal.ENotFound)
	wantNil(t, "DeleteCredential", s.DeleteCredential(ctx, app.ID, c1.ID, su.event("credential.deleted", c1.ID)))
	_, err = s.GetCredentialByHash(ctx, c1.Hash)
	wantCode(t, "GetCredentialByHash(deleted)", err, portal.ENotFound)
	wantCode(t, "DeleteCredential(again)", s.DeleteCredential(ctx, app.ID, c1.ID, su.event("credential.deleted", c1.ID)), portal.ENotFound)
	wantCode(t, "TouchCredential(deleted)", s.TouchCredential(ctx, c1.ID, su.now()), portal.ENotFound)
	_, err = s.GetCredentialByHash(ctx, c1.Hash)
	wantCode(t, "GetCredentialByHash(deleted, after touch)", err, portal.ENotFound)
	list, err = s.ListCredentials(ctx, app.ID)
	wantGot(t, "ListCredentials after delete", []string{c2.ID}, ids(list, credID), err)
	wantAudit(t, s, c1.ID, "credential.created", "credential.expired", "credential.deleted")
	// The hash is free again.
	wantNil(t, "CreateCredential(deleted hash)", s.CreateCredential(ctx, sameHash, su.event("credential.created", sameHash.ID)))
}

func (su suite) testCredentialLimitConcurrent(t *testing.T, s portal.FullStore) {
	const max = portal.MaxCredentialsPerApplication
	const room = 5
	d := su.mustCreateDeveloper(t, s, "keyring@example.com")
	app := su.mustCreateApp(t, s, d.ID, "app", su.now())
	other := su.mustCreateApp(t, s, d.ID, "other", su.now())
	var first []portal.Credential
	for range max - room {
		first = append(first, su.mustCreateCredential(t, s, app))
	}
	creds := make([]portal.Credential, concurrency)
	for i := range creds {
		creds[i] = su.credential(app.ID)
	}
	errs := race(concurrency, func(i int) error {
		return s.CreateCredential(ctx, creds[i], su.event("credential.created", creds[i].ID))
	})
	won := countWinners(t, "concurrent CreateCredential at the limit", errs, room, portal.EPrecondition)
	for i, c := range creds {
		_, err := s.GetCredentialByHash(ctx, c.Hash)
		if slices.Contains(won, i) {
			wantNil(t, "GetCredentialByHash(winner)", err)
			continue
		}
		wantCode(t, "GetCredentialByHash(refused over the limit)", err, portal.ENotFound)
		wantAudit(t, s, c.ID)
	}
	list, err := s.ListCredentials(ctx, app.ID)
	wantNil(t, "ListCredentials", err)
	if len(list) != max {
		t.Errorf("ListCredentials = %d, want %d", len(list), max)
	}
	su.mustCreateCredential(t, s, other) // the limit is per application
	extra := su.credential(app.ID)
	wantCode(t, "CreateCredential(over the limit)", s.CreateCredential(ctx, extra, su.event("credential.created", extra.ID)), portal.EPrecondition)
	wantNil(t, "DeleteCredential", s.DeleteCredential(ctx, app.ID, first[0].ID, su.event("credential.deleted", first[0].ID)))
	wantNil(t, "CreateCredential(after a delete)", s.CreateCredential(ctx, extra, su.event("credential.created", extra.ID)))
	again := su.credential(app.ID)
	wantCode(t, "CreateCredential(over the limit again)", s.CreateCredential(ctx, again, su.event("credential.created", again.ID)), portal.EPrecondition)
}

func (su suite) testCredentialHashConcurrent(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "hash@example.com")
	apps := []portal.Application{su.mustCreateApp(t, s, d.ID, "a", su.now()), su.mustCreateApp(t, s, d.ID, "b", su.now())}
	hash := newID() + newID()
	creds := make([]portal.Credential, concurrency)
	for i := range creds {
		creds[i] = su.credential(apps[i%2].ID)
		creds[i].Hash = hash
	}
	errs := race(concurrency, func(i int) error {
		return s.CreateCredential(ctx, creds[i], su.event("credential.created", creds[i].ID))
	})
	w := oneWinner(t, "concurrent CreateCredential with one hash", errs, portal.EConflict)
	got, err := s.GetCredentialByHash(ctx, hash)
	wantNil(t, "GetCredentialByHash", err)
	creds[w].DeveloperID = d.ID
	if diff := cmp.Diff(creds[w], got); diff != "" {
		t.Errorf("GetCredentialByHash after race (-want +got):\n%s", diff)
	}
	n := 0
	for _, a := range apps {
		list, err := s.ListCredentials(ctx, a.ID)
		wantNil(t, "ListCredentials", err)
		n += len(list)
	}
	if n != 1 {
		t.Errorf("credentials after race = %d, want 1", n)
	}
	// The losers left nothing behind: the counter still allows the rest.
	for range portal.MaxCredentialsPerApplication - 1 {
		su.mustCreateCredential(t, s, apps[w%2])
	}
}

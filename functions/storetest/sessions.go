package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/functions/portal"
)

func (su suite) token(kind portal.TokenKind, ttl time.Duration) portal.Token {
	return portal.Token{Hash: newID() + newID(), Kind: kind, DeveloperID: newID(), ExpiresAt: su.now().Add(ttl)}
}

func (su suite) testTokens(t *testing.T, s portal.FullStore) {
	tok := su.token(portal.TokenVerifyEmail, 24*time.Hour)
	wantNil(t, "PutToken", s.PutToken(ctx, tok))

	_, err := s.ConsumeToken(ctx, tok.Hash, portal.TokenResetPassword, su.now())
	wantCode(t, "ConsumeToken(wrong kind)", err, portal.ENotFound)
	_, err = s.ConsumeToken(ctx, tok.Hash, portal.TokenVerifyEmail, tok.ExpiresAt)
	wantCode(t, "ConsumeToken(at expiry)", err, portal.ENotFound)
	_, err = s.ConsumeToken(ctx, tok.Hash, portal.TokenVerifyEmail, tok.ExpiresAt.Add(time.Hour))
	wantCode(t, "ConsumeToken(after expiry)", err, portal.ENotFound)

	got, err := s.ConsumeToken(ctx, tok.Hash, portal.TokenVerifyEmail, su.now())
	wantGot(t, "ConsumeToken", tok, got, err)
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

func (su suite) testTokensConcurrentConsume(t *testing.T, s portal.FullStore) {
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
func (su suite) testTokensSuperseded(t *testing.T, s portal.FullStore) {
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
		wantGot(t, "ConsumeToken("+string(tok.Kind)+")", tok, got, err)
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
func (su suite) testTokensSupersededConcurrent(t *testing.T, s portal.FullStore) {
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

func (su suite) testSessions(t *testing.T, s portal.FullStore) {
	d := su.mustCreateDeveloper(t, s, "session@example.com")
	sess := su.session(d.ID, 12*time.Hour)
	wantNil(t, "CreateSession", s.CreateSession(ctx, sess))
	got, err := s.GetSession(ctx, sess.Hash, su.now())
	wantGot(t, "GetSession", sess, got, err)
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

	// Admin sessions have no developer, and need their admin user.
	au := su.mustCreateAdminUser(t, s, "session-admin@example.com")
	admin := su.session("", time.Hour)
	admin.AdminUserID = au.ID
	wantNil(t, "CreateSession(admin)", s.CreateSession(ctx, admin))
	got, err = s.GetSession(ctx, admin.Hash, su.now())
	wantGot(t, "GetSession(admin)", admin, got, err)

	// A session needs its developer.
	err = s.CreateSession(ctx, su.session(newID(), time.Hour))
	wantCode(t, "CreateSession(unknown developer)", err, portal.ENotFound)
	unknownAdmin := su.session("", time.Hour)
	unknownAdmin.AdminUserID = newID()
	wantCode(t, "CreateSession(unknown admin user)", s.CreateSession(ctx, unknownAdmin), portal.ENotFound)
	wantNil(t, "DeleteSession(admin)", s.DeleteSession(ctx, admin.Hash))
	_, err = s.GetSession(ctx, admin.Hash, su.now())
	wantCode(t, "GetSession(admin, deleted)", err, portal.ENotFound)
}

func (su suite) testDeleteDeveloperSessions(t *testing.T, s portal.FullStore) {
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

func (su suite) testLoginFailures(t *testing.T, s portal.FullStore) {
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

func (su suite) testMailSlots(t *testing.T, s portal.FullStore) {
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
func (su suite) testMailSlotsConcurrent(t *testing.T, s portal.FullStore) {
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

package boltstore_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/boltstore"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/storetest"
)

func open(t testing.TB, path string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	for _, c := range storetest.Shifts {
		t.Run(c.Name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) portal.FullStore {
				return open(t, filepath.Join(t.TempDir(), "portal.db"))
			}, storetest.Shifted(c.Shift))
		})
	}
}

func TestReopenKeepsDataAndPurgeRemovesExpired(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portal.db")
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	d := portal.Developer{ID: "d1", Email: "a@example.com", Status: portal.StatusPending, CreatedAt: now}
	if err := s.CreateDeveloper(ctx, d, portal.AuditEvent{At: now, Action: "developer.created"}); err != nil {
		t.Fatal(err)
	}
	live := portal.Session{Hash: "live", DeveloperID: "d1", ExpiresAt: now.Add(time.Hour)}
	dead := portal.Session{Hash: "dead", DeveloperID: "d1", ExpiresAt: now.Add(-time.Hour)}
	for _, sess := range []portal.Session{live, dead} {
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutToken(ctx, portal.Token{Hash: "old", Kind: portal.TokenVerifyEmail, ExpiresAt: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	if _, err := s.GetDeveloper(ctx, "d1"); err != nil {
		t.Errorf("GetDeveloper after reopen = %v, want nil", err)
	}
	if _, err := s.GetSession(ctx, "live", now); err != nil {
		t.Errorf("GetSession(live) after reopen = %v, want nil", err)
	}
	// Expired items stay until the caller, who owns the clock, purges.
	if err := s.CreateSession(ctx, dead); !portal.IsCode(err, portal.EConflict) {
		t.Errorf("CreateSession(expired, not yet purged) = %v, want conflict", err)
	}
	if err := s.Purge(ctx, now); err != nil {
		t.Fatal(err)
	}
	// Purged: putting the same hashes again no longer conflicts.
	if err := s.CreateSession(ctx, dead); err != nil {
		t.Errorf("CreateSession(purged hash) = %v, want nil", err)
	}
	if err := s.PutToken(ctx, portal.Token{Hash: "old", Kind: portal.TokenVerifyEmail, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Errorf("PutToken(purged hash) = %v, want nil", err)
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portal.db")
	open(t, path)
	_, err := boltstore.Open(path)
	if err == nil || !strings.Contains(err.Error(), "another process") {
		t.Errorf("Open(locked) = %v, want an error saying another process holds it", err)
	}
}

func BenchmarkGetSession(b *testing.B) {
	storetest.BenchGetSession(b, open(b, filepath.Join(b.TempDir(), "portal.db")))
}

func BenchmarkGetDeveloper(b *testing.B) {
	storetest.BenchGetDeveloper(b, open(b, filepath.Join(b.TempDir(), "portal.db")))
}

func BenchmarkGetCredentialByHash(b *testing.B) {
	storetest.BenchCredentialByHash(b, open(b, filepath.Join(b.TempDir(), "portal.db")))
}

// BenchmarkValidatorMiss is the reads of a validation on a cache miss,
// one after the other.
func BenchmarkValidatorMiss(b *testing.B) {
	storetest.BenchValidatorMiss(b, open(b, filepath.Join(b.TempDir(), "portal.db")), false)
}

// BenchmarkValidatorMissParallel is the same with the four reads that
// follow the key's at once.
func BenchmarkValidatorMissParallel(b *testing.B) {
	storetest.BenchValidatorMiss(b, open(b, filepath.Join(b.TempDir(), "portal.db")), true)
}

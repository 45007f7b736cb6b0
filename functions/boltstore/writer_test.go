package boltstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/portal"
)

// TestWriteWaitIsBounded: while another write holds the file, a write
// fails as Unavailable within the store's wait, and has not happened.
func TestWriteWaitIsBounded(t *testing.T) {
	t.Parallel()
	s, err := Open(filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.writeWait = 100 * time.Millisecond
	s.writer <- struct{}{} // a write in progress that does not end
	now := time.Now().UTC()
	d := portal.Developer{ID: "d1", Email: "a@example.com", Status: portal.StatusPending, CreatedAt: now}
	start := time.Now()
	err = s.CreateDeveloper(context.Background(), d, portal.AuditEvent{At: now, Action: "developer.created"})
	if took := time.Since(start); !portal.IsCode(err, portal.EUnavailable) || took > time.Second {
		t.Fatalf("CreateDeveloper while the writer is held = %v after %v, want Unavailable within the wait", err, took)
	}
	<-s.writer
	if _, err := s.GetDeveloper(context.Background(), "d1"); !portal.IsCode(err, portal.ENotFound) {
		t.Errorf("the refused write happened: GetDeveloper = %v", err)
	}
	if err := s.CreateDeveloper(context.Background(), d, portal.AuditEvent{At: now, Action: "developer.created"}); err != nil {
		t.Errorf("CreateDeveloper once the writer is free = %v", err)
	}
}

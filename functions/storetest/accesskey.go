package storetest

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/portal-dev/portal/functions/portal"
)

func key32(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func (su suite) testAccessKey(t *testing.T, s portal.FullStore) {
	ctx := context.Background()
	if _, err := s.AccessKey(ctx, []byte("short")); !portal.IsCode(err, portal.EInvalid) {
		t.Fatalf("AccessKey(short candidate) = %v; want invalid", err)
	}
	got, err := s.AccessKey(ctx, key32('a'))
	if err != nil || !bytes.Equal(got, key32('a')) {
		t.Fatalf("AccessKey(a) on an empty store = %q, %v; want the candidate stored", got, err)
	}
	if got, err := s.AccessKey(ctx, key32('b')); err != nil || !bytes.Equal(got, key32('a')) {
		t.Fatalf("AccessKey(b) after a = %q, %v; want the stored a", got, err)
	}
	if err := s.SetAccessKey(ctx, []byte("short"), su.event("access-key.rotated", "")); !portal.IsCode(err, portal.EInvalid) {
		t.Fatalf("SetAccessKey(short) = %v; want invalid", err)
	}
	if err := s.SetAccessKey(ctx, key32('c'), su.event("access-key.rotated", "")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.AccessKey(ctx, key32('d')); err != nil || !bytes.Equal(got, key32('c')) {
		t.Fatalf("AccessKey after rotation = %q, %v; want the new key c", got, err)
	}
	evs, err := s.ListAuditEvents(ctx, "access-key")
	if err != nil || len(evs) != 1 || evs[0].Action != "access-key.rotated" {
		t.Fatalf("audit of the rotation = %+v, %v; want one access-key.rotated event", evs, err)
	}
}

// Two cold starts racing for the first key agree on one.
func (su suite) testAccessKeyConcurrent(t *testing.T, s portal.FullStore) {
	ctx := context.Background()
	const n = 8
	keys := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, err := s.AccessKey(ctx, key32(byte('a'+i)))
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for i := range keys {
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("concurrent AccessKey calls returned different keys: %q and %q", keys[0], keys[i])
		}
	}
}

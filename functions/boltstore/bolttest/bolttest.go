// Package bolttest opens the embedded store for a test: a fresh file in
// the test's own temporary folder, closed when the test ends, so that no
// test sees what another (or an earlier run) left behind.
package bolttest

import (
	"path/filepath"
	"testing"

	"github.com/portal-dev/portal/functions/boltstore"
)

// Open returns an empty store in tb's temporary folder; it fails tb when
// the store cannot be opened and closes it at tb's cleanup.
func Open(tb testing.TB) *boltstore.Store {
	tb.Helper()
	st, err := boltstore.Open(filepath.Join(tb.TempDir(), "portal.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

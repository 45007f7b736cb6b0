// Package testfiles writes the file trees tests start from and checks
// golden files, for the tests of every package: one definition of each.
package testfiles

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Tree writes files (slash-separated names under dir, and their
// contents), making the folders they need.
func Tree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Golden compares got with the golden file at path. With update it
// writes got there instead (making the folder). rewrite is the command
// that updates the file, for the message of a difference.
func Golden(t testing.TB, path, got string, update bool, rewrite string) {
	t.Helper()
	if update {
		Tree(t, filepath.Dir(path), map[string]string{filepath.Base(path): got})
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run %s)", err, rewrite)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got); if intended, run %s:\n%s", path, rewrite, diff)
	}
}

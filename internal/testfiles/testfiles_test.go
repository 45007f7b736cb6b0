package testfiles

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeT records failures instead of failing the test; Golden and Tree
// call nothing else of it.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Fatalf(string, ...any) { f.failed = true; panic(f) }
func (f *fakeT) Fatal(...any)          { f.failed = true; panic(f) }

// golden runs Golden on a fake T and reports whether it failed.
func golden(path, got string, update bool) (failed bool) {
	f := &fakeT{}
	defer func() {
		if r := recover(); r != nil && r != any(f) {
			panic(r)
		}
		failed = f.failed
	}()
	Golden(f, path, got, update, "go test -update")
	return f.failed
}

func TestTreeAndGolden(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	Tree(t, dir, map[string]string{"a/b/c.txt": "one", "d.txt": "two"})
	for name, want := range map[string]string{"a/b/c.txt": "one", "d.txt": "two"} {
		if got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name))); err != nil || string(got) != want {
			t.Errorf("Tree wrote %s = %q, %v, want %q", name, got, err, want)
		}
	}
	path := filepath.Join(dir, "golden", "x.golden")
	if !golden(path, "new", false) {
		t.Errorf("Golden with no golden file passed")
	}
	if golden(path, "new", true) {
		t.Errorf("Golden -update failed")
	}
	if golden(path, "new", false) {
		t.Errorf("Golden failed on what -update wrote")
	}
	if !golden(path, "changed", false) {
		t.Errorf("Golden passed a difference")
	}
}

package generator

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestWatchAddsAnAPI: under portal serve (one watching builder), an API
// added to portal.yaml gets its pages — from a portal with none, as Kong's
// tutorial starts. Hugo's content adapter does not see a new page file,
// so the builder reloads the site when the set of APIs changes.
func TestWatchAddsAnAPI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec, _ := filepath.Abs("../sample-specs/httpbin.openapi.yaml")
	cfg := filepath.Join(dir, "portal.yaml")
	os.WriteFile(cfg, []byte("name: p\napis: []\n"), 0o644)
	b, _ := newBuilt(t, Options{Config: cfg, Watch: true})
	os.WriteFile(cfg, []byte("name: p\napis:\n  - slug: h\n    spec: "+spec+"\n"), 0o644)
	sum, err := b.Build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.APIs != 1 {
		t.Errorf("Build().APIs = %d, want 1", sum.APIs)
	}
	if _, err := os.Stat(filepath.Join(b.Options().Out, "apis/h/index.html")); err != nil {
		t.Fatal(err)
	}
}

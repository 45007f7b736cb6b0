package generator

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWatchAddsAnAPI: under portal serve (one watching builder), an API
// added to portal.yaml gets its pages — from a portal with none, as Kong's
// tutorial starts. Hugo's content adapter does not see a new page file,
// so the builder reloads the site when the set of APIs changes.
func TestWatchAddsAnAPI(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, "name: p\napis: []\n")
	b, _ := newBuilt(t, Options{Config: cfg, Watch: true})
	if err := os.WriteFile(cfg, []byte("name: p\napis:\n  - slug: h\n    spec: "+sampleSpec(t, "httpbin.openapi.yaml")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
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

// TestWatchLoadsOneReloadScript: a watching build (portal serve) loads
// the theme's reload script, which portal serve answers, and not Hugo's
// own (/livereload.js, which nothing serves: a 404 and a wasted request on
// every page).
func TestWatchLoadsOneReloadScript(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, "name: p\napis: []\n")
	b, _ := newBuilt(t, Options{Config: cfg, Watch: true, LiveReload: true})
	home := readFile(t, filepath.Join(b.Options().Out, "index.html"))
	if !strings.Contains(home, `src="/_portal/livereload.js"`) {
		t.Errorf("the home page lacks the theme's reload script:\n%s", home)
	}
	if strings.Contains(home, "/livereload.js?") {
		t.Errorf("the home page loads Hugo's reload script too:\n%s", home)
	}
}

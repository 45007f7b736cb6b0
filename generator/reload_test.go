package generator

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRebuildRereadsOnlyTheEditedDescription edits one of two
// descriptions under a watching builder (portal serve): the rebuild parses
// that one again, takes the other from memory, and both APIs' pages show
// the current text.
func TestRebuildRereadsOnlyTheEditedDescription(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, err := os.ReadFile("../sample-specs/httpbin.openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if err := os.WriteFile(filepath.Join(dir, n+".yaml"), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "portal.yaml")
	yaml := "name: p\napis:\n  - slug: a\n    spec: a.yaml\n  - slug: b\n    spec: b.yaml\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	b, _ := newBuilt(t, Options{Config: cfg, Data: filepath.Join(dir, ".portal"), Watch: true, Progress: &progress})
	ctx := context.Background()

	edited := filepath.Join(dir, "b.yaml")
	changed := bytes.Replace(src, []byte("title: httpbin"), []byte("title: httpbin edited"), 1)
	if bytes.Equal(changed, src) {
		t.Fatal("the sample's title moved; fix the edit")
	}
	if err := os.WriteFile(edited, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Second)
	os.Chtimes(edited, later, later)
	progress.Reset()
	if _, err := b.Build(ctx, edited); err != nil {
		t.Fatalf("rebuild: Build(%s) = %v", edited, err)
	}
	log := progress.String()
	if !strings.Contains(log, "loaded b:") || strings.Contains(log, "loaded a:") {
		t.Errorf("rebuild progress = %q, want b loaded again and a taken from memory", log)
	}
	out := b.Options().Out
	for slug, want := range map[string]string{"a": "httpbin", "b": "httpbin edited"} {
		page, err := os.ReadFile(filepath.Join(out, "apis", slug, "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(page), want) {
			t.Errorf("apis/%s/index.html lacks %q", slug, want)
		}
		if _, err := os.Stat(filepath.Join(out, "apis", slug, "reference", "get-anything", "index.html")); err != nil {
			t.Errorf("apis/%s: %v", slug, err)
		}
	}
}

package generator

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchPortal copies a portal to a temporary folder that a benchmark may
// edit: PORTAL_BENCH_CONFIG's folder (its specs given by absolute path, as
// make bench writes them), or by default the sample portal.
func benchPortal(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	src := os.Getenv("PORTAL_BENCH_CONFIG")
	copies := []string{"content"}
	if src == "" {
		src = "../portal.yaml"
		copies = append(copies, "sample-specs")
	}
	for _, d := range copies {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join(filepath.Dir(src), d))); err != nil {
			b.Fatal(err)
		}
	}
	cfg, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "portal.yaml"), cfg, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkBuild is a full `portal build`: descriptions, pages, Hugo,
// search index and catalog.
func BenchmarkBuild(b *testing.B) {
	dir := benchPortal(b)
	for b.Loop() {
		bl, err := NewBuilder(Options{Config: filepath.Join(dir, "portal.yaml"), Data: filepath.Join(dir, ".portal")})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bl.Build(context.Background()); err != nil {
			b.Fatal(err)
		}
		bl.Close()
	}
}

// BenchmarkRebuildMarkdownEdit is what `portal serve` does after one
// Markdown page is saved: reload what changed, rewrite changed files, and
// let Hugo re-render what depends on them.
func BenchmarkRebuildMarkdownEdit(b *testing.B) {
	dir := benchPortal(b)
	bl, err := NewBuilder(Options{Config: filepath.Join(dir, "portal.yaml"), Data: filepath.Join(dir, ".portal"), Watch: true, LiveReload: true})
	if err != nil {
		b.Fatal(err)
	}
	defer bl.Close()
	ctx := context.Background()
	if _, err := bl.Build(ctx); err != nil {
		b.Fatal(err)
	}
	page := filepath.Join(dir, "content", "bench-edit.md")
	os.WriteFile(page, []byte("---\ntitle: Bench\n---\n\nfirst\n"), 0o644)
	if _, err := bl.Build(ctx, page); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		if err := os.WriteFile(page, fmt.Appendf(nil, "---\ntitle: Bench\n---\n\nedit %d\n", i), 0o644); err != nil {
			b.Fatal(err)
		}
		if _, err := bl.Build(ctx, page); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	got, err := os.ReadFile(filepath.Join(dir, ".portal", "public", "bench-edit", "index.html"))
	if err != nil {
		b.Fatal(err)
	}
	if want := fmt.Sprintf("edit %d", i); !contains(got, want) {
		b.Fatalf("rebuilt page lacks %q", want)
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

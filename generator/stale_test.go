package generator

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portal-dev/portal/functions/catalog"
)

// TestRebuildLeavesNothingStale removes an API from portal.yaml, or makes
// it private, and rebuilds into the same output folder: as `portal build`
// does (a new builder each time), as `portal serve` does (one watching
// builder, rebuilding incrementally), and as a restarted `portal serve`
// does. No file may keep a removed API (pages, description, search,
// sitemap); no public file may keep one made private (its own pages stay,
// behind the gate).
func TestRebuildLeavesNothingStale(t *testing.T) {
	t.Parallel()
	spec := sampleSpec(t, "httpbin.openapi.yaml")
	before := "name: p\napis:\n  - slug: open\n    spec: " + spec + "\n  - slug: gone\n    spec: " + spec + "\n"
	afters := map[string]string{
		"removed": "name: p\napis:\n  - slug: open\n    spec: " + spec + "\n",
		"private": before + "    visibility: private\n",
	}
	modes := map[string]func(t *testing.T, cfg, data, after string) string{
		"portal build": func(t *testing.T, cfg, data, after string) string {
			out := filepath.Join(t.TempDir(), "public")
			for _, c := range []string{before, after} {
				if err := os.WriteFile(cfg, []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
				b, err := NewBuilder(Options{Config: cfg, Data: data, Out: out})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := b.Build(context.Background()); err != nil {
					t.Fatalf("Build() = %v", err)
				}
				b.Close()
				if c == before {
					mustExist(t, filepath.Join(out, "apis", "gone", "httpbin.openapi.yaml"))
				}
			}
			return out
		},
		"portal serve": func(t *testing.T, cfg, data, after string) string {
			b, err := NewBuilder(Options{Config: cfg, Data: data, Watch: true, LiveReload: true})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			ctx := context.Background()
			if _, err := b.Build(ctx); err != nil {
				t.Fatalf("Build() = %v", err)
			}
			out := b.Options().Out
			mustExist(t, filepath.Join(out, "apis", "gone", "reference", "get-anything", "index.html"))
			if err := os.WriteFile(cfg, []byte(after), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Build(ctx, cfg); err != nil {
				t.Fatalf("rebuild: Build(%s) = %v", cfg, err)
			}
			return out
		},
		"portal serve restarted": func(t *testing.T, cfg, data, after string) string {
			var out string
			for _, c := range []string{before, after} {
				if err := os.WriteFile(cfg, []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
				b, err := NewBuilder(Options{Config: cfg, Data: data, Watch: true, LiveReload: true})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := b.Build(context.Background()); err != nil {
					t.Fatalf("Build() = %v", err)
				}
				b.Close()
				out = b.Options().Out
			}
			return out
		},
	}
	for mode, run := range modes {
		for change, after := range afters {
			t.Run(mode+"/"+change, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				cfg := filepath.Join(dir, "portal.yaml")
				if err := os.WriteFile(cfg, []byte(before), 0o644); err != nil {
					t.Fatal(err)
				}
				data := filepath.Join(dir, ".portal")
				out := run(t, cfg, data, after)
				raw, err := os.ReadFile(filepath.Join(data, "catalog.json"))
				if err != nil {
					t.Fatal(err)
				}
				cat, err := catalog.Decode(raw)
				if err != nil {
					t.Fatal(err)
				}
				// The API that stays is whole: the pruning took only the other.
				for _, f := range []string{"apis/open/index.html", "apis/open/httpbin.openapi.yaml", "apis/open/reference/get-anything/index.html", "index.html", "404.html"} {
					mustExist(t, filepath.Join(out, f))
				}
				_, err = os.Stat(filepath.Join(out, "apis", "gone", "reference", "get-anything", "index.html"))
				switch {
				case change == "removed" && err == nil:
					t.Errorf("%s: apis/gone/ is still in the output", mode)
				case change == "private" && err != nil:
					t.Errorf("%s: the private API's pages are not built: %v", mode, err)
				}
				err = filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					rel, _ := filepath.Rel(out, p)
					if need, _ := catalog.Need(cat.Gate, "/"+filepath.ToSlash(rel)); need != catalog.NeedNothing {
						return nil // gated: only those who may read it receive it
					}
					data, err := os.ReadFile(p)
					if err != nil {
						return err
					}
					if strings.Contains(string(data), "/apis/gone/") {
						t.Errorf("%s: %s still mentions /apis/gone/", mode, rel)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func mustExist(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("want %s in the output: %v", p, err)
	}
}

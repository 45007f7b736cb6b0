package generator

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// jsBudget is the most JavaScript, gzip-compressed, that any page may load.
const jsBudget = 30 * 1024

// TestJavaScriptBudget builds the sample portal and, for every page, sums
// the gzip size of each script the page loads: its <script src> files, the
// modules they import (static and dynamic, followed recursively), and its
// inline scripts (not JSON data islands). No page may load more than 30 KB.
// The largest page is logged (go test -v -run TestJavaScriptBudget).
func TestJavaScriptBudget(t *testing.T) {
	t.Parallel()
	out, _ := build(t, "../portal.yaml")
	sizes := map[string]int{} // script path → gzip size, each compressed once
	gz := func(key string, b []byte) int {
		if n, ok := sizes[key]; ok {
			return n
		}
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		w.Write(b)
		w.Close()
		sizes[key] = buf.Len()
		return buf.Len()
	}
	largest, largestSize, pages := "", 0, 0
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		page := "/" + filepath.ToSlash(strings.TrimPrefix(p, out+string(filepath.Separator)))
		srcs, inline := pageScripts(t, readFile(t, p))
		total := 0
		for i, s := range inline {
			total += gz(page+"#inline"+string(rune('0'+i)), []byte(s))
		}
		seen := map[string]bool{}
		var load func(src string)
		load = func(src string) {
			if seen[src] {
				return
			}
			seen[src] = true
			if src == "/_portal/livereload.js" {
				return // portal serve's, not in a build
			}
			b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(src)))
			if err != nil {
				t.Errorf("%s loads %s, which the build did not write: %v", page, src, err)
				return
			}
			total += gz(src, b)
			for _, imp := range jsImports(string(b)) {
				if strings.HasPrefix(imp, "./") || strings.HasPrefix(imp, "../") {
					imp = path.Join(path.Dir(src), imp)
				}
				if strings.HasPrefix(imp, "/") {
					load(imp)
				}
			}
		}
		for _, s := range srcs {
			load(s)
		}
		pages++
		if total > jsBudget {
			t.Errorf("%s loads %d bytes of JavaScript (gzip), over the %d-byte budget", page, total, jsBudget)
		}
		if total > largestSize {
			largest, largestSize = page, total
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages < 40 || largestSize == 0 {
		t.Fatalf("checked %d pages, largest %d bytes: the build is not the sample portal", pages, largestSize)
	}
	t.Logf("%d pages; the largest JavaScript load is %s: %.1f KB gzip (budget %d KB)", pages, largest, float64(largestSize)/1024, jsBudget/1024)
}

// pageScripts lists a page's script URLs (site-absolute) and the text of
// its inline scripts, leaving out data islands (JSON types).
func pageScripts(t *testing.T, page string) (srcs, inline []string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return srcs, inline
		case html.StartTagToken:
			tok := z.Token()
			if tok.Data != "script" {
				continue
			}
			src, typ := "", ""
			for _, a := range tok.Attr {
				switch a.Key {
				case "src":
					src = a.Val
				case "type":
					typ = strings.ToLower(a.Val)
				}
			}
			if strings.Contains(typ, "json") {
				continue
			}
			if src != "" {
				if !strings.HasPrefix(src, "/") {
					t.Errorf("script src %q is not site-absolute; the budget test cannot find it", src)
					continue
				}
				srcs = append(srcs, src)
				continue
			}
			if z.Next() == html.TextToken {
				inline = append(inline, string(z.Text()))
			}
		}
	}
}

var importRe = regexp.MustCompile(`(?:\bimport\s*\(\s*|\bimport\s*(?:[\w*${}\s,]+?\s*\bfrom\s*)?|\bexport\s*[\w*${}\s,]+?\s*\bfrom\s*)["']([^"']+)["']`)

// jsImports lists the module specifiers a script imports.
func jsImports(src string) []string {
	var out []string
	for _, m := range importRe.FindAllStringSubmatch(src, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestJSImports(t *testing.T) {
	t.Parallel()
	src := `import{el as a}from"./dom.js";import "./side.js"; export * from '/x/y.js'; const m = await import("./lazy.js"); const s = "import";`
	got := strings.Join(jsImports(src), " ")
	if want := "./dom.js ./side.js /x/y.js ./lazy.js"; got != want {
		t.Errorf("jsImports = %q, want %q", got, want)
	}
}

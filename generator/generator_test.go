package generator

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/portal-dev/portal/generator/site"
	"github.com/portal-dev/portal/internal/testfiles"
)

var update = flag.Bool("update", false, "rewrite golden files")

// build builds the portal at cfg into a temporary folder.
func build(t *testing.T, cfg string) (string, Summary) {
	t.Helper()
	data := t.TempDir()
	_, sum := newBuilt(t, Options{Config: cfg, Data: data, Out: filepath.Join(data, "public")})
	return filepath.Join(data, "public"), sum
}

// newBuilt makes a builder, closed when the test ends, and builds once.
func newBuilt(t testing.TB, opts Options) (*Builder, Summary) {
	t.Helper()
	b, err := NewBuilder(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	sum, err := b.Build(context.Background())
	if err != nil {
		t.Fatalf("Build(%s) = %v", opts.Config, err)
	}
	return b, sum
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// sampleSpec is the absolute path of the description name in sample-specs,
// for a portal.yaml written in a temporary folder.
func sampleSpec(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("../sample-specs", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeConfig writes yaml as portal.yaml in a new temporary folder and
// returns its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "portal.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestBuildSample(t *testing.T) {
	t.Parallel()
	out, sum := build(t, "../portal.yaml")
	if sum.APIs != 6 {
		t.Errorf("Build().APIs = %d, want 6", sum.APIs)
	}
	if sum.Operations < 30 || sum.Pages < 40 {
		t.Errorf("Build() = %d operations, %d pages; want at least 30 and 40", sum.Operations, sum.Pages)
	}
	for _, f := range []string{
		"index.html", "404.html", "sitemap.xml", "robots.txt", "search-index.json",
		"apis/index.html",
		"apis/httpbin/index.html",
		"apis/httpbin/reference/index.html",
		"apis/httpbin/schemas/index.html",
		"apis/httpbin/docs/quick-start/index.html",
		"apis/httpbin/docs/guides/authentication/index.html",
		"apis/httpbin/httpbin.openapi.yaml",
		"apis/petstore/reference/index.html",
		"apis/museum/webhooks/index.html",
		"apis/streetlights/index.html",
		"apis/streetlights/channels/index.html",
		"apis/streetlights/operations/index.html",
		"apis/streetlights/operations/turn-on/index.html",
		"apis/streetlights/messages/light-measured/index.html",
		"apis/streetlights/streetlights.asyncapi3.yaml",
		"apis/accounts/operations/close-account/index.html",
		"apis/accounts/messages/account-closed/index.html",
		"apis/accounts/schemas/account/index.html",
		"about/index.html",
	} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}

	var docs []site.SearchDoc
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, "search-index.json"))), &docs); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, d := range docs {
		kinds[d.Kind]++
	}
	for _, k := range []string{"api", "operation", "webhook", "schema", "channel", "message", "page"} {
		if kinds[k] == 0 {
			t.Errorf("search index has no %q entries: %v", k, kinds)
		}
	}

	sitemap := readFile(t, filepath.Join(out, "sitemap.xml"))
	for _, want := range []string{"/apis/httpbin/", "/apis/httpbin/docs/quick-start/"} {
		if !strings.Contains(sitemap, want) {
			t.Errorf("sitemap.xml lacks %s", want)
		}
	}

	// No page carries live markup from the hostile description.
	err := filepath.WalkDir(filepath.Join(out, "apis", "hostile"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		for _, bad := range liveMarkup(readFile(t, p)) {
			t.Errorf("%s: %s", p, bad)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// liveMarkup parses a page and lists what a browser would run or load from
// it that the theme did not put there: event handlers, script URLs,
// frames, and scripts or styles mentioning the hostile spec's marker.
func liveMarkup(page string) []string {
	var bad []string
	z := html.NewTokenizer(strings.NewReader(page))
	inScript := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return bad
		case html.TextToken:
			if inScript && strings.Contains(string(z.Text()), "__pwned") {
				bad = append(bad, "script mentions __pwned")
			}
		case html.EndTagToken:
			inScript = false
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script":
				// JSON data islands (type="application/json") never run.
				inScript = true
				for _, a := range tok.Attr {
					if a.Key == "type" && a.Val == "application/json" {
						inScript = false
					}
				}
			case "style":
				inScript = true
			case "iframe", "object", "embed", "frame", "base", "form":
				bad = append(bad, "<"+tok.Data+"> element")
			}
			for _, a := range tok.Attr {
				key, val := strings.ToLower(a.Key), strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(key, "on"):
					bad = append(bad, "event handler "+a.Key+"="+a.Val)
				case (key == "href" || key == "src" || key == "action" || key == "formaction" || key == "xlink:href") &&
					(strings.HasPrefix(val, "javascript:") || strings.HasPrefix(val, "vbscript:") || strings.HasPrefix(val, "data:text/html")):
					bad = append(bad, key+"="+a.Val)
				case key == "style" && strings.Contains(val, "__pwned"):
					bad = append(bad, "style="+a.Val)
				}
			}
		}
	}
}

func TestThemeOverride(t *testing.T) {
	t.Parallel()
	out, _ := build(t, "testdata/override/portal.yaml")
	matches, _ := filepath.Glob(filepath.Join(out, "apis/museum/reference/*/index.html"))
	if len(matches) == 0 {
		t.Fatal("no operation pages built")
	}
	page := readFile(t, matches[0])
	if !strings.Contains(page, `data-test=override`) && !strings.Contains(page, `data-test="override"`) {
		t.Errorf("operation page does not use the user's layouts/_partials/operation/parameters.html")
	}
}

func TestBuildRejectsBrokenSpec(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("openapi: 3.0.3\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          $ref: '#/components/responses/Missing'\n"), 0o644)
	cfg := filepath.Join(dir, "portal.yaml")
	os.WriteFile(cfg, []byte("name: p\napis:\n  - slug: bad\n    spec: bad.yaml\n"), 0o644)
	b, err := NewBuilder(Options{Config: cfg, Data: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Build(context.Background())
	var pe *ProblemsError
	if !errors.As(err, &pe) {
		t.Fatalf("Build() = %v, want a *ProblemsError", err)
	}
	found := false
	for _, p := range pe.Problems {
		if p.Severity.String() == "error" && strings.HasSuffix(p.File, "bad.yaml") && p.Line > 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("Build() problems = %+v, want an error located in bad.yaml", pe.Problems)
	}
}

// TestGolden compares the <main> of representative pages with testdata/golden.
func TestGolden(t *testing.T) {
	t.Parallel()
	out, _ := build(t, "../portal.yaml")
	var docs []site.SearchDoc
	json.Unmarshal([]byte(readFile(t, filepath.Join(out, "search-index.json"))), &docs)
	pages := map[string]string{
		"catalog":          "/apis/",
		"httpbin-overview": "/apis/httpbin/",
		"museum-reference": "/apis/museum/reference/",
		"streetlights":     "/apis/streetlights/",
	}
	for _, d := range docs {
		switch {
		case d.Kind == "operation" && d.Method == "GET" && d.Path == "/anything" && strings.Contains(d.URL, "/httpbin/"):
			pages["httpbin-get-anything"] = d.URL
		case d.Kind == "webhook" && strings.Contains(d.URL, "/museum/") && pages["museum-webhook"] == "":
			pages["museum-webhook"] = d.URL
		case d.Kind == "schema" && strings.Contains(d.URL, "/petstore/") && d.Title == "Category":
			pages["petstore-schema-category"] = d.URL
		case d.Kind == "operation" && d.Method == "RECEIVE" && strings.Contains(d.URL, "/streetlights/") && d.OpID == "requestStatus":
			pages["streetlights-operation-request-status"] = d.URL
		case d.Kind == "message" && strings.Contains(d.URL, "/accounts/") && d.OpID == "accountClosed":
			pages["accounts-message-account-closed"] = d.URL
		}
	}
	for name, url := range pages {
		t.Run(name, func(t *testing.T) {
			html := readFile(t, filepath.Join(out, filepath.FromSlash(url), "index.html"))
			got := mainOf(html)
			if got == "" {
				t.Fatalf("%s has no <main>", url)
			}
			testfiles.Golden(t, filepath.Join("testdata", "golden", name+".html"), got, *update, "go test ./generator -run TestGolden -update")
		})
	}
	if len(pages) != 9 {
		t.Errorf("found %d of 9 golden pages: %v", len(pages), pages)
	}
}

var (
	fingerprint = regexp.MustCompile(`\.[0-9a-f]{64}\.(css|js)`)
	betweenTags = regexp.MustCompile(`>\s+<`)
)

// mainOf returns the <main> element, one tag per line.
func mainOf(html string) string {
	i := strings.Index(html, "<main")
	j := strings.LastIndex(html, "</main>")
	if i < 0 || j < i {
		return ""
	}
	s := html[i : j+len("</main>")]
	s = fingerprint.ReplaceAllString(s, ".$1")
	s = betweenTags.ReplaceAllString(s, "><")
	return strings.ReplaceAll(s, "><", ">\n<") + "\n"
}

// TestLiveMarkup shows that the hostile-output check can fail.
func TestLiveMarkup(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		page string
		bad  bool
	}{
		"escaped text":       {`<p>&lt;img src=x onerror="window.__pwned=1"&gt;</p>`, false},
		"json data island":   {`<script type="application/json">{"a":"\u003cscript\u003ewindow.__pwned=1"}</script>`, false},
		"event handler":      {`<img src=x onerror="window.__pwned=1">`, true},
		"javascript link":    {`<a href="javascript:window.__pwned=1">x</a>`, true},
		"inline script":      {`<script>window.__pwned=1</script>`, true},
		"iframe":             {`<iframe src="/x"></iframe>`, true},
		"theme's own script": {`<script>document.documentElement.classList.add("js")</script>`, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := liveMarkup(tt.page); (len(got) > 0) != tt.bad {
				t.Errorf("liveMarkup(%q) = %v, want bad=%v", tt.page, got, tt.bad)
			}
		})
	}
}

// TestCatalogAuth: every API in catalog.json states its auth strategy:
// the description's apiKey names, the default apikey header when it has
// none, or none where portal.yaml says auth: none. A description whose
// only security cannot be checked by a gateway gets a warning.
func TestCatalogAuth(t *testing.T) {
	t.Parallel()
	museum := sampleSpec(t, "museum.openapi31.yaml")
	cfg := writeConfig(t, "name: p\napis:\n"+
		"  - slug: petstore\n    spec: "+sampleSpec(t, "petstore.swagger.json")+"\n"+
		"  - slug: bearer\n    spec: "+museum+"\n"+
		"  - slug: open\n    spec: "+museum+"\n    auth: none\n")
	data := t.TempDir()
	b, _ := newBuilt(t, Options{Config: cfg, Data: data, Out: filepath.Join(data, "public")})
	var cat Catalog
	if err := json.Unmarshal([]byte(readFile(t, b.Options().Catalog)), &cat); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range cat.APIs {
		if a.AuthStrategy == nil {
			t.Errorf("%s has no auth strategy in catalog.json", a.Slug)
			continue
		}
		got[a.Slug] = fmt.Sprintf("%s %v %v", a.AuthStrategy.Type, a.AuthStrategy.KeyNames, a.AuthStrategy.KeyInQuery)
	}
	want := map[string]string{"petstore": "key_auth [api_key] false", "bearer": "key_auth [apikey] false", "open": "none [] false"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("auth strategies (-want +got):\n%s", diff)
	}

	problems, err := Validate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var warned []string
	for _, p := range problems {
		if p.Rule == "auth" {
			warned = append(warned, p.Message)
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "API bearer") || !strings.Contains(warned[0], "http bearer") {
		t.Errorf("auth warnings = %q, want one about the bearer-only API", warned)
	}
}

package generator

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/portal-dev/portal/functions/catalog"
	"github.com/portal-dev/portal/internal/testfiles"
)

// canary is written into a private API's description, spec and docs and
// into a private page: no file an anonymous visitor can fetch may hold it.
const canary = "CANARY-7f3c91d2"

const canarySpec = `openapi: 3.1.0
info:
  title: Ledger
  version: "1"
  description: The ledger API. ` + canary + `-description
paths:
  /entries:
    get:
      operationId: listEntries
      summary: List entries ` + canary + `-operation
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Entry"}
components:
  schemas:
    Entry:
      type: object
      description: One entry. ` + canary + `-schema
      properties:
        amount: {type: integer}
`

// privatePortal writes a portal with a public API, a private one with
// docs, and user pages, one of them private; extra goes into portal.yaml.
func privatePortal(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	httpbin := sampleSpec(t, "httpbin.openapi.yaml")
	files := map[string]string{
		"ledger.yaml":                       canarySpec,
		"docs/ledger/setup.md":              "---\ntitle: Ledger setup\n---\nSet it up. " + canary + "-docs\n",
		"content/guides/_index.md":          "---\ntitle: Guides\n---\nHow to.\n",
		"content/guides/open.md":            "---\ntitle: Open guide\n---\nFor everyone.\n",
		"content/guides/internal/_index.md": "---\ntitle: Internal guides " + canary + "-title\nvisibility: private\n---\nFor partners. " + canary + "-page\n",
		"content/guides/internal/a.md":      "---\ntitle: Below the internal guides\n---\nStill private, by inheritance.\n",
		"content/guides/secret.md":          "---\ntitle: Secret guide\nvisibility: private\n---\nA private leaf. " + canary + "-leaf\n",
		"portal.yaml": "name: p\n" + extra + "apis:\n  - slug: open\n    spec: " + httpbin + "\n    visibility: public\n" +
			"  - slug: ledger\n    spec: ledger.yaml\n    visibility: private\n    docs: docs/ledger\n",
	}
	testfiles.Tree(t, dir, files)
	return filepath.Join(dir, "portal.yaml")
}

// publicFiles returns the output's files (slash-separated) that the gate
// rules let anyone read, and those they guard.
func publicFiles(t *testing.T, out string, rules []catalog.GateRule) (public, gated []string) {
	t.Helper()
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		rel = filepath.ToSlash(rel)
		if need, ok := catalog.Need(rules, "/"+rel); ok && need == catalog.NeedNothing {
			public = append(public, rel)
		} else {
			gated = append(gated, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return public, gated
}

// TestPrivateContentIsGated: a partner portal (public pages and catalog,
// private API and page). The private content is built; the gate rules
// guard it; no public file holds a byte of it.
func TestPrivateContentIsGated(t *testing.T) {
	t.Parallel()
	out, sum := build(t, privatePortal(t, ""))
	if sum.APIs != 2 {
		t.Errorf("Build().APIs = %d, want 2 (private APIs are built too)", sum.APIs)
	}
	want := []catalog.GateRule{
		{Prefix: "/_portal/private/", Need: "pages"},
		{Prefix: "/apis/ledger/", Need: "api:ledger"},
		{Prefix: "/guides/internal/", Need: "pages"},
		{Prefix: "/guides/secret/", Need: "pages"},
	}
	if !slices.Equal(sum.Catalog.Gate, want) {
		t.Fatalf("gate rules = %+v, want %+v", sum.Catalog.Gate, want)
	}
	public, gated := publicFiles(t, out, sum.Catalog.Gate)
	for _, f := range public {
		if strings.Contains(readFile(t, filepath.Join(out, f)), canary) {
			t.Errorf("public file %s holds private content", f)
		}
	}
	for _, f := range []string{"apis/index.html", "index.html", "guides/index.html", "search-index.json", "sitemap.xml"} {
		body := readFile(t, filepath.Join(out, f))
		if strings.Contains(body, "/apis/ledger/") || strings.Contains(body, "/guides/internal/") || strings.Contains(body, "/guides/secret/") || strings.Contains(body, "Ledger") || strings.Contains(body, "Secret guide") {
			t.Errorf("public %s names private content", f)
		}
	}
	// Built, behind the gate, each search entry with its pages.
	for f, marks := range map[string][]string{
		"apis/ledger/index.html":                        {canary + "-description"},
		"apis/ledger/reference/list-entries/index.html": {canary + "-operation"},
		"apis/ledger/schemas/entry/index.html":          {canary + "-schema"},
		"apis/ledger/docs/setup/index.html":             {canary + "-docs"},
		"apis/ledger/ledger.yaml":                       {canary + "-description"},
		"apis/ledger/search-index.json":                 {canary + "-operation", "/apis/ledger/docs/setup/"},
		"guides/internal/index.html":                    {canary + "-page", `<meta name="robots" content="noindex">`},
		"guides/internal/a/index.html":                  {"Still private"},
		"guides/secret/index.html":                      {canary + "-leaf"},
		"_portal/private/search-index.json":             {canary + "-title", "/guides/internal/a/"},
	} {
		if !slices.Contains(gated, f) {
			t.Errorf("%s is not behind the gate (gated files: %v)", f, gated)
			continue
		}
		body := readFile(t, filepath.Join(out, f))
		for _, m := range marks {
			if !strings.Contains(body, m) {
				t.Errorf("%s lacks %q", f, m)
			}
		}
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "guides/index.html")), "Open guide") {
		t.Error("the public section lost its public child")
	}
}

// TestInternalPortalIsGated: everything private by default; only what the
// login page needs is public.
func TestInternalPortalIsGated(t *testing.T) {
	t.Parallel()
	out, sum := build(t, privatePortal(t, "default_api_visibility: private\ndefault_page_visibility: private\n"))
	public, _ := publicFiles(t, out, sum.Catalog.Gate)
	for _, f := range public {
		ok := strings.HasPrefix(f, "_portal/assets/") || f == "404.html" || f == "robots.txt" || f == "sitemap.xml" && false ||
			strings.HasPrefix(f, "apis/open/")
		for _, p := range accountPages {
			ok = ok || f == strings.TrimPrefix(p, "/")+"index.html"
		}
		// The admin console's static shells: the API behind them decides.
		ok = ok || strings.HasPrefix(f, "admin/")
		if !ok {
			t.Errorf("%s is public in an internal portal", f)
		}
		if strings.Contains(readFile(t, filepath.Join(out, f)), canary) {
			t.Errorf("public file %s holds private content", f)
		}
	}
	for _, f := range []string{"login/index.html", "apis/open/index.html", "admin/login/index.html", "admin/developers/index.html"} {
		if !slices.Contains(public, f) {
			t.Errorf("%s is not public: an explicitly public API, the login pages and the admin console stay readable", f)
		}
	}
}

// TestNoAccounts: authentication_enabled: false builds no account pages
// and no account link.
func TestNoAccounts(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, "name: p\nauthentication_enabled: false\napis:\n  - slug: open\n    spec: "+sampleSpec(t, "httpbin.openapi.yaml")+"\n")
	out, sum := build(t, cfg)
	for _, f := range []string{"login/index.html", "signup/index.html", "account/index.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			t.Errorf("%s built on a portal without accounts", f)
		}
	}
	if home := readFile(t, filepath.Join(out, "index.html")); strings.Contains(home, "account-link") {
		t.Error("the header links to an account on a portal without accounts")
	}
	if a := sum.Catalog.Portal.AuthenticationEnabled; a == nil || *a {
		t.Errorf("catalog.json authentication_enabled = %v, want false", a)
	}
}

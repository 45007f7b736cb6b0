package generator

import (
	"path/filepath"
	"strings"
	"testing"
)

// The admin console's pages are built on every portal, noindex, each with
// its own page name for the island, and in neither the sitemap nor the
// search index.
func TestAdminPages(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, "name: p\napis:\n  - slug: open\n    spec: "+sampleSpec(t, "httpbin.openapi.yaml")+"\n")
	out, _ := build(t, cfg)
	for page, file := range map[string]string{
		"login": "admin/login/index.html", "overview": "admin/index.html", "developers": "admin/developers/index.html",
		"registrations": "admin/registrations/index.html", "applications": "admin/applications/index.html", "teams": "admin/teams/index.html",
		"apis": "admin/apis/index.html", "settings": "admin/settings/index.html", "auth-strategies": "admin/auth-strategies/index.html", "audit": "admin/audit/index.html",
	} {
		html := readFile(t, filepath.Join(out, file))
		for _, want := range []string{`<meta name="robots" content="noindex, nofollow">`, `data-page="` + page + `"`, `/_portal/assets/admin.`, `id="main"`} {
			if !strings.Contains(html, want) {
				t.Errorf("%s lacks %s", file, want)
			}
		}
		if strings.Contains(html, `class="site-header"`) {
			t.Errorf("%s has the developer header; the console has its own", file)
		}
		if page != "login" && !strings.Contains(html, `aria-current="page"`) {
			t.Errorf("%s: the console nav does not mark the page", file)
		}
	}
	for _, f := range []string{"sitemap.xml", "search-index.json"} {
		if strings.Contains(readFile(t, filepath.Join(out, f)), "/admin/") {
			t.Errorf("%s lists the admin console", f)
		}
	}
}

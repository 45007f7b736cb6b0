package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portal-dev/portal/internal/testfiles"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	testfiles.Tree(t, dir, files)
	return dir
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"portal.yaml": `name: acme
display_name: Acme APIs
branding:
  primary_color: "#1456f0"
apis:
  - slug: httpbin
    spec: specs/a.yaml
    version: "1.0"
    labels: {team: core}
    docs: content/apis/httpbin
  - slug: private-one
    spec: specs/a.yaml
    visibility: private
`,
		"specs/a.yaml":                  "openapi: 3.0.3\n",
		"content/apis/httpbin/intro.md": "# hi\n",
	})
	c, err := Load(filepath.Join(dir, "portal.yaml"))
	if err != nil {
		t.Fatalf("Load = %v, want nil", err)
	}
	if got, want := len(c.APIs), 2; got != want {
		t.Fatalf("len(APIs) = %d, want %d", got, want)
	}
	if got, want := c.APIs[0].Spec, filepath.Join(dir, "specs/a.yaml"); got != want {
		t.Errorf("APIs[0].Spec = %q, want %q", got, want)
	}
	if got, want := c.APIs[0].Visibility, Public; got != want {
		t.Errorf("APIs[0].Visibility = %q, want %q", got, want)
	}
	if got, want := c.APIs[1].Visibility, Private; got != want {
		t.Errorf("APIs[1].Visibility = %q, want %q", got, want)
	}
	if got, want := c.Content, filepath.Join(dir, "content"); got != want {
		t.Errorf("Content = %q, want %q", got, want)
	}
	if c.Layouts != "" {
		t.Errorf("Layouts = %q, want empty (no folder)", c.Layouts)
	}
}

// TestGatewayRoute: an API's gateway route defaults to /gateway/{slug}/;
// a host is lower-cased and a path gets its trailing slash.
func TestGatewayRoute(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"a.yaml": "openapi: 3.0.3\n"})
	c, err := Parse(filepath.Join(dir, "portal.yaml"), []byte("name: acme\napis:\n"+
		"  - slug: httpbin\n    spec: a.yaml\n"+
		"  - slug: petstore\n    spec: a.yaml\n    gateway: {host: API.Acme.com, path: /v2}\n"+
		"  - slug: root\n    spec: a.yaml\n    gateway: {host: root.acme.com, path: /}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Gateway{{Path: "/gateway/httpbin/"}, {Host: "api.acme.com", Path: "/v2/"}, {Host: "root.acme.com", Path: "/"}}
	for i, w := range want {
		if got := c.APIs[i].Gateway; got != w {
			t.Errorf("APIs[%d].Gateway = %+v, want %+v", i, got, w)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"a.yaml": "openapi: 3.0.3\n"})
	tests := map[string]struct {
		yaml string
		want []string // substrings, each in one error, in order
	}{
		"unknown top-level key": {
			yaml: "name: acme\ndisplay_nme: X\napis:\n  - slug: a\n    spec: a.yaml\n",
			want: []string{`portal.yaml:2: display_nme: unknown key "display_nme"; did you mean "display_name"?`},
		},
		"unknown api key": {
			yaml: "name: acme\napis:\n  - slug: a\n    spec: a.yaml\n    colour: red\n",
			want: []string{`portal.yaml:5: apis[0].colour: unknown key "colour"`},
		},
		"bad values": {
			yaml: "name: Acme Inc\nbranding:\n  primary_color: blue\napis:\n  - slug: Bad Slug\n    spec: missing.yaml\n    visibility: secret\n",
			want: []string{
				`portal.yaml:1: name: "Acme Inc" must be lower-case`,
				`portal.yaml:3: branding.primary_color: "blue" must be a hex colour`,
				`portal.yaml:5: apis[0].slug: "Bad Slug" must be lower-case`,
				`portal.yaml:6: apis[0].spec: file`,
				`portal.yaml:7: apis[0].visibility: "secret" must be public or private`,
			},
		},
		"bad default visibilities": {
			yaml: "name: acme\ndefault_api_visibility: secret\ndefault_page_visibility: hidden\napis:\n  - slug: a\n    spec: a.yaml\n",
			want: []string{
				`portal.yaml:2: default_api_visibility: "secret" must be public or private`,
				`portal.yaml:3: default_page_visibility: "hidden" must be public or private`,
			},
		},
		"duplicate slug": {
			yaml: "name: acme\napis:\n  - slug: a\n    spec: a.yaml\n  - slug: a\n    spec: a.yaml\n",
			want: []string{`portal.yaml:5: apis[1].slug: "a" is already used by apis[0]`},
		},
		"unknown gateway key": {
			yaml: "name: acme\napis:\n  - slug: a\n    spec: a.yaml\n    gateway:\n      hots: api.acme.com\n",
			want: []string{`portal.yaml:6: apis[0].gateway.hots: unknown key "hots"; did you mean "host"?`},
		},
		"bad gateway route": {
			yaml: "name: acme\napis:\n  - slug: a\n    spec: a.yaml\n    gateway:\n      host: https://api.acme.com\n      path: /a/../b\n" +
				"  - slug: b\n    spec: a.yaml\n    gateway: {host: \"api.acme.com:8443\"}\n" +
				"  - slug: c\n    spec: a.yaml\n    gateway: {path: petstore}\n",
			want: []string{
				`portal.yaml:6: apis[0].gateway.host: "https://api.acme.com" is a URL; give the host name only`,
				`portal.yaml:7: apis[0].gateway.path: "/a/../b" must be a plain path prefix such as /petstore/`,
				`portal.yaml:10: apis[1].gateway.host: "api.acme.com:8443" must be a host name without port`,
				`portal.yaml:13: apis[2].gateway.path: "petstore" must be a plain path prefix`,
			},
		},
		"duplicate gateway route": {
			yaml: "name: acme\napis:\n  - slug: a\n    spec: a.yaml\n    gateway: {path: /gateway/b}\n  - slug: b\n    spec: a.yaml\n",
			want: []string{`portal.yaml:6: apis[1].gateway: /gateway/b/ is already the route of apis[0] (a)`},
		},
		"no apis": {
			yaml: "name: acme\n",
			want: []string{`apis: no APIs listed`},
		},
		"syntax": {
			yaml: "name: acme\napis: [\n",
			want: []string{`portal.yaml:2: not valid YAML: did not find`},
		},
		"wrong shape": {
			yaml: "name: acme\napis:\n  slug: a\n",
			want: []string{`portal.yaml:3: apis: must be a list`},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(filepath.Join(dir, "portal.yaml"), []byte(tt.yaml))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse = %v, want Errors", err)
			}
			if len(errs) != len(tt.want) {
				t.Fatalf("Parse gave %d errors, want %d:\n%v", len(errs), len(tt.want), err)
			}
			for i, w := range tt.want {
				got := errs[i].Error()
				got = strings.Replace(got, filepath.Join(dir, "portal.yaml"), "portal.yaml", 1)
				if !strings.Contains(got, w) {
					t.Errorf("error %d = %q, want it to contain %q", i, got, w)
				}
			}
		})
	}
}

// An explicit empty list is a portal with nothing published yet.
func TestNothingPublishedYet(t *testing.T) {
	t.Parallel()
	c, err := Parse(filepath.Join(t.TempDir(), "portal.yaml"), []byte("name: acme\napis: []\n"))
	if err != nil || len(c.APIs) != 0 {
		t.Fatalf("Parse(apis: []) = %v, %v; want a portal without APIs", c, err)
	}
}

// authentication_enabled: false is for a public portal only.
func TestAuthenticationDisabled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("openapi: 3.1.0\ninfo: {title: a, version: '1'}\npaths: {}\n"), 0o644)
	c, err := Parse(filepath.Join(dir, "portal.yaml"), []byte("name: acme\nauthentication_enabled: false\napis:\n  - slug: a\n    spec: a.yaml\n"))
	if err != nil || c.Accounts() {
		t.Fatalf("Parse(public portal without accounts) = %v, accounts %v", err, c != nil && c.Accounts())
	}
	for name, yaml := range map[string]string{
		"private API":   "name: acme\nauthentication_enabled: false\napis:\n  - slug: a\n    spec: a.yaml\n    visibility: private\n",
		"private pages": "name: acme\nauthentication_enabled: false\ndefault_page_visibility: private\napis: []\n",
	} {
		_, err := Parse(filepath.Join(dir, "portal.yaml"), []byte(yaml))
		if err == nil || !strings.Contains(err.Error(), "authentication_enabled: false, but") {
			t.Errorf("%s without accounts: %v; want an error naming authentication_enabled", name, err)
		}
	}
	if c, err := Parse(filepath.Join(dir, "portal.yaml"), []byte("name: acme\napis: []\n")); err != nil || !c.Accounts() {
		t.Errorf("the default: accounts %v, %v; want on", c != nil && c.Accounts(), err)
	}
}

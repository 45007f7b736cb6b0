package render

import (
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portal-dev/portal/generator/spec"
)

// TestSamplesGatewayAndKeys: code samples call the gateway's route when
// there is one, send the portal key from $PORTAL_API_KEY in the header the
// API's auth strategy names, and read every other credential from the
// environment; no literal placeholder secret is left. The samples are
// valid Go and valid shell. Golden files: testdata/samples_*.golden
// (go test -run TestSamples -update).
func TestSamplesGatewayAndKeys(t *testing.T) {
	t.Parallel()
	str := &spec.Schema{Type: []string{"string"}}
	keys := &spec.API{
		Kind: spec.KindOpenAPI, SpecVersion: "3.0.3", Title: "Keys",
		Servers: []spec.Server{{URL: "https://api.example.org/v1"}},
		SecuritySchemes: []spec.SecurityScheme{
			{Key: "key", Type: "apiKey", Name: "X-Key", In: "header"},
			{Key: "qkey", Type: "apiKey", Name: "api_key", In: "query"},
			{Key: "basic", Type: "http", Scheme: "basic"},
			{Key: "oauth", Type: "oauth2"},
		},
		Security: []spec.SecurityRequirement{{Schemes: []spec.SchemeRef{{Key: "key"}}}},
		Operations: []*spec.Operation{
			{ID: "get", Slug: "get", Method: "GET", Path: "/items/{id}", Parameters: []spec.Parameter{{Name: "id", In: "path", Required: true, Schema: str}}},
			{ID: "query", Slug: "query", Method: "GET", Path: "/search", Parameters: []spec.Parameter{{Name: "q", In: "query", Required: true, Schema: str, Example: raw(`"it's $HOME"`)}},
				Security: []spec.SecurityRequirement{{Schemes: []spec.SchemeRef{{Key: "qkey"}, {Key: "basic"}}}}},
			{ID: "post", Slug: "post", Method: "POST", Path: "/items", Security: []spec.SecurityRequirement{{Schemes: []spec.SchemeRef{{Key: "key"}, {Key: "oauth"}}}},
				RequestBody: &spec.RequestBody{Content: []spec.MediaType{{Name: "application/json", Example: raw(`{"name":"Rex"}`)}}}},
		},
	}
	gateway := Samples{BaseURL: "http://127.0.0.1:8080/gateway/keys", KeyHeader: "X-Key", PortalKeys: true}
	tests := map[string]struct {
		opts          Samples
		op            string
		want, notWant []string
	}{
		"gateway": {opts: gateway, op: "get",
			want:    []string{`curl 'http://127.0.0.1:8080/gateway/keys/items/string'`, `-H "X-Key: $PORTAL_API_KEY"`, `"X-Key": process.env.PORTAL_API_KEY`, `"X-Key": os.environ["PORTAL_API_KEY"]`, `req.Header.Set("X-Key", os.Getenv("PORTAL_API_KEY"))`},
			notWant: []string{"api.example.org"}},
		"gateway keeps the upstream's own token": {opts: gateway, op: "post",
			want: []string{`-H "X-Key: $PORTAL_API_KEY"`, `-H "Authorization: Bearer $ACCESS_TOKEN"`, `"Authorization": "Bearer " + process.env.ACCESS_TOKEN`, `"Bearer "+os.Getenv("ACCESS_TOKEN")`}},
		"no gateway, portal keys in the query and basic auth": {opts: Samples{PortalKeys: true}, op: "query",
			want: []string{
				`curl "https://api.example.org/v1/search?q=it%27s+%24HOME&api_key=${PORTAL_API_KEY}"`, `-u "$API_USERNAME:$API_PASSWORD"`,
				`fetch("https://api.example.org/v1/search?q=it%27s+%24HOME" + "&api_key=" + encodeURIComponent(process.env.PORTAL_API_KEY)`,
				`btoa(process.env.API_USERNAME + ":" + process.env.API_PASSWORD)`,
				`params={`, `"api_key": os.environ["PORTAL_API_KEY"]`, `auth=(os.environ["API_USERNAME"], os.environ["API_PASSWORD"])`,
				`"https://api.example.org/v1/search?q=it%27s+%24HOME" + "&api_key=" + url.QueryEscape(os.Getenv("PORTAL_API_KEY"))`, `req.SetBasicAuth(os.Getenv("API_USERNAME"), os.Getenv("API_PASSWORD"))`,
			}},
		"auth none: the upstream's own key": {op: "get", want: []string{`-H "X-Key: $API_KEY"`}, notWant: []string{"PORTAL_API_KEY"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := New(keys, Options{Base: "/apis/keys/", Samples: tc.opts})
			var all strings.Builder
			for _, s := range r.samples(findOp(keys, tc.op)) {
				all.WriteString("-- " + s.Label + " --\n" + s.Code + "\n")
				switch s.Lang {
				case "go":
					if _, err := parser.ParseFile(token.NewFileSet(), "main.go", s.Code, 0); err != nil {
						t.Errorf("the Go sample does not parse: %v\n%s", err, s.Code)
					}
				case "bash":
					if out, err := exec.Command("bash", "-n", "-c", s.Code).CombinedOutput(); err != nil {
						t.Errorf("the curl sample is not valid shell: %v %s\n%s", err, out, s.Code)
					}
				}
			}
			got := all.String()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("samples lack %s:\n%s", w, got)
				}
			}
			for _, w := range append(tc.notWant, "YOUR_", "BASE64_") {
				if strings.Contains(got, w) {
					t.Errorf("samples contain %s:\n%s", w, got)
				}
			}
			golden := filepath.Join("testdata", "samples_"+slugify(name)+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", golden, diff)
			}
		})
	}
}

package edge

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/functions/catalog"
)

// The edge gates run on the runtimes they are deployed to, as closely as
// can be had here: the CloudFront Function under Node (testdata/
// cloudfront_harness.mjs stubs the cloudfront module's KeyValueStore and
// feeds CloudFront's viewer-request events), the Netlify Edge Function
// under Deno (testdata/netlify_harness.mjs stubs Netlify's env, context
// and the 404 page's fetch). Both must decide every case of
// functions/access/testdata/vectors.json as the Go gate does.

// vectors mirrors functions/access's Vectors (its test file's type).
type vectors struct {
	Key    string             `json:"key"`
	Now    int64              `json:"now"`
	Rules  []catalog.GateRule `json:"rules"`
	Paths  []struct{ Path, Want string }
	Tokens []struct {
		Name, Token string
		Valid       bool
		APIs        []string
		Pages       bool
	}
	Decisions []decision `json:"decisions"`
	RuleSets  []struct {
		Name      string             `json:"name"`
		Rules     []catalog.GateRule `json:"rules"`
		Decisions []decision         `json:"decisions"`
	} `json:"rule_sets"`
}

type decision struct{ Path, Token, Want string }

var loadVectors = sync.OnceValues(func() (*vectors, error) {
	b, err := os.ReadFile("../../functions/access/testdata/vectors.json")
	if err != nil {
		return nil, err
	}
	v := new(vectors)
	return v, json.Unmarshal(b, v)
})

func testVectors(t testing.TB) (*vectors, map[string]string) {
	t.Helper()
	v, err := loadVectors()
	if err != nil {
		t.Fatalf("vectors: %v", err)
	}
	tokens := map[string]string{}
	for _, c := range v.Tokens {
		tokens[c.Name] = c.Token
	}
	return v, tokens
}

func nodeBin(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH; run `make deps` (it installs Debian's nodejs): %v", err)
	}
	return p
}

// denoBin is the Deno that `make deps` installs from npm into scripts/deno:
// the binary of this platform's optional package, or the package's shim.
func denoBin(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "scripts", "deno", "node_modules")
	arch := map[string]string{"amd64": "x64", "arm64": "arm64"}[runtime.GOARCH]
	var candidates []string
	switch runtime.GOOS {
	case "linux":
		candidates = append(candidates, filepath.Join(dir, "@deno", "linux-"+arch+"-glibc", "deno"))
	case "darwin":
		candidates = append(candidates, filepath.Join(dir, "@deno", "darwin-"+arch, "deno"))
	case "windows":
		candidates = append(candidates, filepath.Join(dir, "@deno", "win32-"+arch, "deno.exe"))
	}
	candidates = append(candidates, filepath.Join(dir, ".bin", "deno"))
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			abs, err := filepath.Abs(c)
			if err != nil {
				t.Fatal(err)
			}
			return abs
		}
	}
	t.Fatalf("Deno is not installed in scripts/deno; run `make deps` (npm ci in scripts/deno)")
	return ""
}

// run writes code and the harness's input to a temporary folder, runs the
// harness and returns its results, one per op.
func run(t testing.TB, name string, args func(dir, code, input string) []string, code string, input map[string]any) []json.RawMessage {
	t.Helper()
	dir := t.TempDir()
	codeFile, inputFile := filepath.Join(dir, "function.js"), filepath.Join(dir, "input.json")
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(codeFile, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inputFile, in, 0o644); err != nil {
		t.Fatal(err)
	}
	argv := args(dir, codeFile, inputFile)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DENO_NO_UPDATE_CHECK=1", "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s harness: %v\n%s", name, err, stderr.String())
	}
	var out []json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%s harness output: %v\n%s\n%s", name, err, stdout.String(), stderr.String())
	}
	if len(out) != len(input["ops"].([]map[string]any)) {
		t.Fatalf("%s harness: %d results for %d ops", name, len(out), len(input["ops"].([]map[string]any)))
	}
	return out
}

func runCloudFront(t testing.TB, rules []catalog.GateRule, ops []map[string]any) []json.RawMessage {
	t.Helper()
	v, _ := testVectors(t)
	code, err := CloudFront(rules)
	if err != nil {
		t.Fatal(err)
	}
	node := nodeBin(t)
	harness, err := filepath.Abs("testdata/cloudfront_harness.mjs")
	if err != nil {
		t.Fatal(err)
	}
	return run(t, "node", func(_, code, input string) []string { return []string{node, harness, code, input} },
		code, map[string]any{"key": v.Key, "now": v.Now, "kvsKey": KVSKey, "ops": ops})
}

// testExports lets the Deno harness reach the verifier itself; the rest
// of the module is the deployed code as generated.
const testExports = "\nexport const __test = { normalize, verify, sig };\n"

func runNetlify(t testing.TB, rules []catalog.GateRule, ops []map[string]any) []json.RawMessage {
	t.Helper()
	v, _ := testVectors(t)
	code, err := Netlify(rules)
	if err != nil {
		t.Fatal(err)
	}
	deno := denoBin(t)
	harness, err := filepath.Abs("testdata/netlify_harness.mjs")
	if err != nil {
		t.Fatal(err)
	}
	return run(t, "deno", func(dir, code, input string) []string {
		return []string{deno, "run", "--no-config", "--no-prompt", "--allow-read=" + dir, harness, code, input}
	}, code+testExports, map[string]any{"key": v.Key, "now": v.Now, "keyEnv": NetlifyKeyEnv, "ops": ops})
}

// cfEvent is a CloudFront Functions viewer-request event for a request
// to target (path and query) carrying token as the access cookie.
func cfEvent(method, target, token, accept string) map[string]any {
	uri, rawQuery, _ := strings.Cut(target, "?")
	qs := map[string]any{}
	if rawQuery != "" {
		for pair := range strings.SplitSeq(rawQuery, "&") {
			k, v, _ := strings.Cut(pair, "=")
			if prev, ok := qs[k].(map[string]any); ok {
				mv, _ := prev["multiValue"].([]any)
				if mv == nil {
					mv = []any{map[string]any{"value": prev["value"]}}
				}
				prev["multiValue"] = append(mv, map[string]any{"value": v})
				continue
			}
			qs[k] = map[string]any{"value": v}
		}
	}
	headers := map[string]any{"host": map[string]any{"value": "portal.example.com"}, "user-agent": map[string]any{"value": "edge-test"}}
	if accept != "" {
		headers["accept"] = map[string]any{"value": accept}
	}
	cookies := map[string]any{"theme": map[string]any{"value": "dark"}}
	if token != "" {
		cookies["__Host-portal_access"] = map[string]any{"value": token}
	}
	return map[string]any{
		"version": "1.0",
		"context": map[string]any{"distributionDomainName": "d111111abcdef8.cloudfront.net", "distributionId": "EDFDVBD6EXAMPLE",
			"eventType": "viewer-request", "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="},
		"viewer":  map[string]any{"ip": "198.51.100.11"},
		"request": map[string]any{"method": method, "uri": uri, "querystring": qs, "headers": headers, "cookies": cookies},
	}
}

func nfRequest(method, target, token, accept string) map[string]any {
	headers := map[string]string{}
	if accept != "" {
		headers["accept"] = accept
	}
	if token != "" {
		headers["cookie"] = "theme=dark; __Host-portal_access=" + token
	}
	return map[string]any{"op": "request", "method": method, "url": "https://portal.example.com" + target, "headers": headers}
}

const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// cfResult is what the CloudFront Function returned: the request (to the
// origin) or a response of its own.
type cfResult struct {
	Result struct {
		StatusCode int                               `json:"statusCode"`
		URI        string                            `json:"uri"`
		Headers    map[string]struct{ Value string } `json:"headers"`
		Body       struct{ Encoding, Data string }   `json:"body"`
	} `json:"result"`
	KVSGets int `json:"kvsGets"`
}

func (r cfResult) decision() string {
	switch res := r.Result; {
	case res.StatusCode == 302 && strings.HasPrefix(res.Headers["location"].Value, "/login/?next="), res.StatusCode == 401:
		return "login"
	case res.StatusCode == 301, res.StatusCode == 0 && res.URI != DeniedURI:
		return "allow"
	case res.StatusCode == 0 && res.URI == DeniedURI:
		return "deny"
	}
	return fmt.Sprintf("unexpected %+v", r.Result)
}

type nfResult struct {
	Kind    string            `json:"kind"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	Nexts   int               `json:"nexts"`
	Fetched []string          `json:"fetched"`
}

func (r nfResult) decision() string {
	switch {
	case r.Kind == "bypass", r.Kind == "response" && r.Status == 200 && r.Nexts == 1:
		return "allow"
	case r.Kind == "response" && (r.Status == 302 || r.Status == 401):
		return "login"
	case r.Kind == "response" && r.Status == 404:
		return "deny"
	}
	return fmt.Sprintf("unexpected %+v", r)
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return v
}

// TestVectors runs every case of the vectors on both edge gates.
func TestVectors(t *testing.T) {
	t.Parallel()
	v, tokens := testVectors(t)
	type set struct {
		name      string
		rules     []catalog.GateRule
		decisions []decision
	}
	sets := []set{{"main", v.Rules, v.Decisions}}
	for _, s := range v.RuleSets {
		sets = append(sets, set{s.Name, s.Rules, s.Decisions})
	}
	if len(sets) < 2 || len(v.Paths) == 0 || len(v.Tokens) == 0 {
		t.Fatalf("the vectors have %d rule sets, %d paths, %d tokens: not the file this test expects", len(sets), len(v.Paths), len(v.Tokens))
	}
	for _, platform := range []string{"cloudfront", "netlify"} {
		t.Run(platform, func(t *testing.T) {
			t.Parallel()
			for i, s := range sets {
				var ops []map[string]any
				if i == 0 {
					for _, c := range v.Paths {
						ops = append(ops, map[string]any{"op": "normalize", "path": c.Path})
					}
					for _, c := range v.Tokens {
						ops = append(ops, map[string]any{"op": "verify", "token": c.Token})
					}
				}
				for _, c := range s.decisions {
					if platform == "cloudfront" {
						ops = append(ops, map[string]any{"op": "request", "event": cfEvent("GET", c.Path, tokens[c.Token], browser)})
					} else {
						ops = append(ops, nfRequest("GET", c.Path, tokens[c.Token], browser))
					}
				}
				var out []json.RawMessage
				if platform == "cloudfront" {
					out = runCloudFront(t, s.rules, ops)
				} else {
					out = runNetlify(t, s.rules, ops)
				}
				if i == 0 {
					for _, c := range v.Paths {
						got := decode[struct{ Key *string }](t, out[0])
						out = out[1:]
						want := hex.EncodeToString([]byte(c.Want))
						switch {
						case c.Want == "" && got.Key != nil:
							t.Errorf("normalize(%q) = %q; want a failure", c.Path, *got.Key)
						case c.Want != "" && got.Key == nil:
							t.Errorf("normalize(%q) failed; want %q", c.Path, c.Want)
						case c.Want != "" && *got.Key != want:
							t.Errorf("normalize(%q) = hex %s; want %q (hex %s)", c.Path, *got.Key, c.Want, want)
						}
					}
					for _, c := range v.Tokens {
						got := decode[struct {
							Claims *struct {
								APIs  []string `json:"apis"`
								Pages bool     `json:"pages"`
							}
						}](t, out[0])
						out = out[1:]
						switch {
						case c.Valid && got.Claims == nil:
							t.Errorf("token %s refused; want valid", c.Name)
						case !c.Valid && got.Claims != nil:
							t.Errorf("token %s verified; want refused", c.Name)
						case c.Valid && (!slices.Equal(got.Claims.APIs, c.APIs) || got.Claims.Pages != c.Pages):
							t.Errorf("token %s: apis %v pages %v; want apis %v pages %v", c.Name, got.Claims.APIs, got.Claims.Pages, c.APIs, c.Pages)
						}
					}
				}
				for j, c := range s.decisions {
					var got string
					if platform == "cloudfront" {
						got = decode[cfResult](t, out[j]).decision()
					} else {
						got = decode[nfResult](t, out[j]).decision()
					}
					if got != c.Want {
						t.Errorf("%s: %s %q with token %q = %s; want %s", s.name, platform, c.Path, c.Token, got, c.Want)
					}
				}
			}
		})
	}
}

// sign makes an HS256 token of claims with key.
func sign(key []byte, claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	in := enc(map[string]string{"alg": "HS256", "typ": "JWT"}) + "." + enc(claims)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// internalRules is the internal portal's rule set from the vectors.
func internalRules(t *testing.T) []catalog.GateRule {
	v, _ := testVectors(t)
	for _, s := range v.RuleSets {
		if s.Name == "internal" {
			return s.Rules
		}
	}
	t.Fatal("no internal rule set in the vectors")
	return nil
}

// TestCloudFrontAnswers checks what the CloudFront Function answers, beyond
// the decision: the login redirect and its next, 401 for other clients,
// the rewrite of a denied request, index.html, and failing closed.
func TestCloudFrontAnswers(t *testing.T) {
	t.Parallel()
	v, tokens := testVectors(t)
	key, _ := base64.StdEncoding.DecodeString(v.Key)
	emptyKeyToken := sign(nil, map[string]any{"sub": "x", "apis": []string{"payments"}, "pages": true, "exp": v.Now + 60})
	short := base64.StdEncoding.EncodeToString(key[:16])
	shortKeyToken := sign(key[:16], map[string]any{"sub": "x", "apis": []string{"payments"}, "pages": true, "exp": v.Now + 60})
	cases := []struct {
		name                    string
		rules                   []catalog.GateRule
		method, target, token   string
		accept                  string
		kvsDown                 bool
		kvsKey                  *string
		status                  int
		uri, location, bodyPart string
		kvsGets                 int
	}{
		{name: "login-redirect", method: "GET", target: "/apis/payments/reference/?tab=go&x=a%20b", accept: browser,
			status: 302, location: "/login/?next=%2Fapis%2Fpayments%2Freference%2F%3Ftab%3Dgo%26x%3Da%2520b"},
		{name: "login-head", method: "HEAD", target: "/apis/payments/", accept: "text/html", status: 302, location: "/login/?next=%2Fapis%2Fpayments%2F"},
		{name: "login-repeated-query", method: "GET", target: "/apis/payments/?a=1&a=2", accept: browser, status: 302,
			location: "/login/?next=%2Fapis%2Fpayments%2F%3Fa%3D1%26a%3D2"},
		{name: "login-json", method: "GET", target: "/search/private/pages.json", accept: "application/json", status: 401, bodyPart: `"status":401`},
		{name: "login-no-accept", method: "GET", target: "/apis/payments/", status: 401, bodyPart: `"status":401`},
		{name: "login-post", method: "POST", target: "/apis/payments/", accept: browser, status: 401},
		{name: "login-expired", method: "GET", target: "/apis/payments/", token: tokens["expired"], accept: browser, status: 302, kvsGets: 1},
		{name: "next-stays-local", rules: internalRules(t), method: "GET", target: "//evil.example/x", accept: browser, status: 302,
			location: "/login/?next=%2Fevil.example%2Fx"},
		{name: "deny", method: "GET", target: "/apis/payments/", token: tokens["issued"], accept: browser, uri: DeniedURI, kvsGets: 1},
		{name: "deny-unreadable-path", method: "GET", target: "/apis/pay%zzments/", accept: browser, uri: DeniedURI},
		{name: "allow-folder", method: "GET", target: "/apis/payments/", token: tokens["valid"], accept: browser, uri: "/apis/payments/index.html", kvsGets: 1},
		{name: "allow-file", method: "GET", target: "/apis/payments/openapi.yaml", token: tokens["valid"], uri: "/apis/payments/openapi.yaml", kvsGets: 1},
		{name: "allow-folder-without-slash", method: "GET", target: "/apis/payments?x=1", token: tokens["valid"], accept: browser,
			status: 301, location: "/apis/payments/?x=1", kvsGets: 1},
		{name: "public-index", method: "GET", target: "/", accept: browser, uri: "/index.html"},
		{name: "public-needs-no-key", method: "GET", target: "/guides/start/", accept: browser, kvsDown: true, uri: "/guides/start/index.html"},
		{name: "public-slash-stays-local", method: "GET", target: "//evil", accept: browser, status: 301, location: "/evil/"},
		{name: "kvs-down-fails-closed", method: "GET", target: "/apis/payments/", token: tokens["valid"], accept: browser, kvsDown: true, status: 302, kvsGets: 1},
		{name: "empty-key-fails-closed", method: "GET", target: "/apis/payments/", token: emptyKeyToken, accept: browser, kvsKey: new(string), status: 302, kvsGets: 1},
		{name: "short-key-fails-closed", method: "GET", target: "/apis/payments/", token: shortKeyToken, accept: browser, kvsKey: &short, status: 302, kvsGets: 1},
	}
	var ops []map[string]any
	for _, c := range cases {
		op := map[string]any{"op": "request", "event": cfEvent(c.method, c.target, c.token, c.accept), "kvsDown": c.kvsDown}
		if c.kvsKey != nil {
			op["key"] = *c.kvsKey
		}
		ops = append(ops, op)
	}
	// one run per rule set
	var out []json.RawMessage
	byRules := map[bool][]int{}
	for i, c := range cases {
		byRules[c.rules != nil] = append(byRules[c.rules != nil], i)
	}
	out = make([]json.RawMessage, len(cases))
	for internal, idx := range byRules {
		rules := v.Rules
		if internal {
			rules = internalRules(t)
		}
		var these []map[string]any
		for _, i := range idx {
			these = append(these, ops[i])
		}
		for j, r := range runCloudFront(t, rules, these) {
			out[idx[j]] = r
		}
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := decode[cfResult](t, out[i])
			res := got.Result
			if res.StatusCode != c.status {
				t.Fatalf("status %d (%+v); want %d", res.StatusCode, res, c.status)
			}
			if c.status == 0 && res.URI != c.uri {
				t.Errorf("uri %q; want %q", res.URI, c.uri)
			}
			if c.location != "" && res.Headers["location"].Value != c.location {
				t.Errorf("location %q; want %q", res.Headers["location"].Value, c.location)
			}
			if c.status != 0 && res.Headers["cache-control"].Value != "private, no-store" {
				t.Errorf("cache-control %q; want private, no-store", res.Headers["cache-control"].Value)
			}
			if c.status == 401 && (res.Headers["content-type"].Value != "application/problem+json" || !strings.Contains(res.Body.Data, `"status":401`)) {
				t.Errorf("401 answer %+v; want a problem+json body", res)
			}
			if !strings.Contains(res.Body.Data, c.bodyPart) {
				t.Errorf("body %q; want it to contain %q", res.Body.Data, c.bodyPart)
			}
			if got.KVSGets != c.kvsGets {
				t.Errorf("%d KeyValueStore reads; want %d", got.KVSGets, c.kvsGets)
			}
		})
	}
}

// TestNetlifyAnswers checks what the Netlify Edge Function answers beyond
// the decision, and its declaration.
func TestNetlifyAnswers(t *testing.T) {
	t.Parallel()
	v, tokens := testVectors(t)
	key, _ := base64.StdEncoding.DecodeString(v.Key)
	short := base64.StdEncoding.EncodeToString(key[:16])
	shortKeyToken := sign(key[:16], map[string]any{"sub": "x", "apis": []string{"payments"}, "pages": true, "exp": v.Now + 60})
	type want struct {
		kind, location, bodyPart, contentType string
		status, nexts                         int
		fetched                               bool
	}
	cases := []struct {
		name string
		op   map[string]any
		want want
	}{
		{"login-redirect", nfRequest("GET", "/apis/payments/reference/?tab=go&x=a%20b", "", browser),
			want{kind: "response", status: 302, location: "/login/?next=%2Fapis%2Fpayments%2Freference%2F%3Ftab%3Dgo%26x%3Da%2520b"}},
		{"login-head", nfRequest("HEAD", "/apis/payments/", "", "text/html"), want{kind: "response", status: 302, location: "/login/?next=%2Fapis%2Fpayments%2F"}},
		{"login-json", nfRequest("GET", "/search/private/pages.json", "", "application/json"),
			want{kind: "response", status: 401, bodyPart: `"status":401`, contentType: "application/problem+json"}},
		{"login-post", nfRequest("POST", "/apis/payments/", "", browser), want{kind: "response", status: 401}},
		{"login-wrong-cookie-name", func() map[string]any {
			op := nfRequest("GET", "/apis/payments/", "", browser)
			op["headers"].(map[string]string)["cookie"] = "portal_access=" + tokens["valid"]
			return op
		}(), want{kind: "response", status: 302}},
		{"deny-404-page", nfRequest("GET", "/apis/payments/", tokens["issued"], browser),
			want{kind: "response", status: 404, bodyPart: "Page not found", contentType: "text/html; charset=utf-8", fetched: true}},
		{"deny-unreadable-path", nfRequest("GET", "/apis/pay%zzments/", "", browser), want{kind: "response", status: 404, fetched: true}},
		{"allow-private", nfRequest("GET", "/apis/payments/", tokens["valid"], browser),
			want{kind: "response", status: 200, bodyPart: "the page", contentType: "text/html; charset=utf-8", nexts: 1}},
		{"public", nfRequest("GET", "/guides/start/", "", browser), want{kind: "bypass"}},
		{"public-without-key", func() map[string]any {
			op := nfRequest("GET", "/", "", browser)
			op["key"] = nil
			return op
		}(), want{kind: "bypass"}},
		{"no-key-fails-closed", func() map[string]any {
			op := nfRequest("GET", "/apis/payments/", tokens["valid"], browser)
			op["key"] = nil
			return op
		}(), want{kind: "response", status: 302}},
		{"short-key-fails-closed", func() map[string]any {
			op := nfRequest("GET", "/apis/payments/", shortKeyToken, browser)
			op["key"] = short
			return op
		}(), want{kind: "response", status: 302}},
	}
	ops := []map[string]any{{"op": "config"}}
	for _, c := range cases {
		ops = append(ops, c.op)
	}
	out := runNetlify(t, v.Rules, ops)

	var cfg struct {
		Config map[string]any `json:"config"`
	}
	if err := json.Unmarshal(out[0], &cfg); err != nil {
		t.Fatal(err)
	}
	excluded := []any{}
	for _, p := range NetlifyExcluded(v.Rules) {
		excluded = append(excluded, p)
	}
	wantConfig := map[string]any{"pattern": "^/.*$", "excludedPattern": excluded, "onError": "fail"}
	if diff := cmp.Diff(wantConfig, cfg.Config); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := decode[nfResult](t, out[i+1])
			if got.Kind != c.want.kind || got.Status != c.want.status {
				t.Fatalf("%s %d (%+v); want %s %d", got.Kind, got.Status, got, c.want.kind, c.want.status)
			}
			if got.Kind != "response" {
				return
			}
			if got.Headers["cache-control"] != "private, no-store" {
				t.Errorf("cache-control %q; want private, no-store", got.Headers["cache-control"])
			}
			if c.want.location != "" && got.Headers["location"] != c.want.location {
				t.Errorf("location %q; want %q", got.Headers["location"], c.want.location)
			}
			if c.want.contentType != "" && got.Headers["content-type"] != c.want.contentType {
				t.Errorf("content-type %q; want %q", got.Headers["content-type"], c.want.contentType)
			}
			if !strings.Contains(got.Body, c.want.bodyPart) {
				t.Errorf("body %q; want it to contain %q", got.Body, c.want.bodyPart)
			}
			if got.Nexts != c.want.nexts {
				t.Errorf("%d context.next() calls; want %d", got.Nexts, c.want.nexts)
			}
			if wantFetched := []string(nil); c.want.fetched {
				wantFetched = []string{"https://portal.example.com/404.html"}
				if !slices.Equal(got.Fetched, wantFetched) {
					t.Errorf("fetched %q; want %q", got.Fetched, wantFetched)
				}
			} else if len(got.Fetched) > 0 {
				t.Errorf("fetched %q; want nothing", got.Fetched)
			}
		})
	}

	// A portal whose 404 page is itself private answers a plain 404: the
	// page would only be a login redirect.
	t.Run("deny-private-404-page", func(t *testing.T) {
		out := runNetlify(t, []catalog.GateRule{{Prefix: "/", Need: "pages"}}, []map[string]any{nfRequest("GET", "/guides/", tokens["no-pages"], browser)})
		got := decode[nfResult](t, out[0])
		if got.Status != 404 || len(got.Fetched) > 0 || !strings.HasPrefix(got.Headers["content-type"], "text/plain") {
			t.Errorf("%+v; want a plain 404 without fetching /404.html", got)
		}
	})
}

// TestNetlifyExcluded checks that the paths the Netlify gate skips are
// only ones that name a public file or a function, however spelled.
func TestNetlifyExcluded(t *testing.T) {
	t.Parallel()
	internal := internalRules(t)
	v, _ := testVectors(t)
	match := func(rules []catalog.GateRule, path string) bool {
		for _, p := range NetlifyExcluded(rules) {
			if regexp.MustCompile(p).MatchString(path) {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		rules []catalog.GateRule
		path  string
		want  bool
	}{
		{internal, "/_portal/assets/app.5f3c.css", true},
		{internal, "/_portal/assets/fonts/inter.woff2", true},
		{internal, "/_portal/assets/../../apis/payments/", false},
		{internal, "/_portal/assets/%2e%2e/apis/payments/", false},
		{internal, "/_portal/assets/..%2f..%2fapis/payments/", false},
		{internal, "/_portal/assets/.%2e/index.html", false},
		{internal, "/_portal/assets/a\\..\\..\\index.html", false},
		{internal, "/_portal/assets/", false},
		{internal, "/_PORTAL/assets/app.css", false},
		{internal, "/api/v3/developer/authenticate", true},
		{internal, "/api/v3/apis/payments", true},
		{internal, "/v3/portals/p-1/developers", true},
		{internal, "/validate", true},
		{internal, "/validate/../apis/payments/", false},
		{internal, "/api/../apis/payments/", false},
		{internal, "/api/v3/%2e%2e/%2e%2e/apis/payments/", false},
		{internal, "/apis/payments/", false},
		{internal, "/", false},
		{v.Rules, "/_portal/assets/app.css", true}, // nothing gates the assets: skipped
		{[]catalog.GateRule{{Prefix: "/", Need: "pages"}}, "/_portal/assets/app.css", false},
		{[]catalog.GateRule{{Prefix: "/_portal/assets/private/", Need: "pages"}}, "/_portal/assets/app.css", false},
		{[]catalog.GateRule{{Prefix: "/_portal/", Need: "pages"}, {Prefix: "/_portal/assets/", Need: ""}}, "/_portal/assets/app.css", true},
	} {
		if got := match(c.rules, c.path); got != c.want {
			t.Errorf("excluded(%q) = %v; want %v (patterns %q)", c.path, got, c.want, NetlifyExcluded(c.rules))
		}
	}
}

// realisticRules is a partner portal with 20 private APIs and private
// guides, and the internal portal of the same: what the size is judged on.
func realisticRules(internal bool) []catalog.GateRule {
	var rules []catalog.GateRule
	if internal {
		rules = append(rules, catalog.GateRule{Prefix: "/", Need: "pages"})
		for _, p := range []string{"/login/", "/signup/", "/verify-email/", "/reset-password/", "/forgot-password/", "/_portal/assets/", "/404.html/", "/favicon.ico/", "/robots.txt/"} {
			rules = append(rules, catalog.GateRule{Prefix: p})
		}
	} else {
		rules = append(rules, catalog.GateRule{Prefix: "/guides/internal/", Need: "pages"}, catalog.GateRule{Prefix: "/search/private/", Need: "pages"})
	}
	for i := range 20 {
		slug := fmt.Sprintf("%s-service-v%d", []string{"payments", "ledger", "identity", "notifications", "billing"}[i%5], i/5+1)
		rules = append(rules, catalog.GateRule{Prefix: "/apis/" + slug + "/", Need: "api:" + slug},
			catalog.GateRule{Prefix: "/search/apis/" + slug + "/", Need: "api:" + slug})
	}
	return rules
}

// TestSize keeps the CloudFront Function within CloudFront's limit for a
// realistic portal, and makes too many rules a clear build error.
func TestSize(t *testing.T) {
	t.Parallel()
	for _, internal := range []bool{false, true} {
		rules := realisticRules(internal)
		cf, err := CloudFront(rules)
		if err != nil {
			t.Fatal(err)
		}
		nf, err := Netlify(rules)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("internal=%v, %d rules (20 private APIs): CloudFront Function %d bytes (limit %d), Netlify Edge Function %d bytes",
			internal, len(rules), len(cf), MaxCloudFrontSize, len(nf))
	}
	var many []catalog.GateRule
	for i := range 300 {
		many = append(many, catalog.GateRule{Prefix: fmt.Sprintf("/apis/api-number-%d/", i), Need: fmt.Sprintf("api:api-number-%d", i)})
	}
	if _, err := CloudFront(many); err == nil || !strings.Contains(err.Error(), "over CloudFront's limit of 10240") {
		t.Errorf("CloudFront(300 rules) = %v; want the size error", err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"/", "/apis/payments/", "/caf\u00e9/", "/a.b/c~d/"} {
		if err := Check([]catalog.GateRule{{Prefix: p, Need: "pages"}}); err != nil {
			t.Errorf("Check(%q) = %v; want nil", p, err)
		}
	}
	bad := [][]catalog.GateRule{
		{{Prefix: "/APIs/", Need: "pages"}},
		{{Prefix: "/apis", Need: "pages"}},
		{{Prefix: "apis/", Need: "pages"}},
		{{Prefix: "", Need: "pages"}},
		{{Prefix: "/apis//x/", Need: "pages"}},
		{{Prefix: "/apis/../x/", Need: "pages"}},
		{{Prefix: "/apis./", Need: "pages"}},
		{{Prefix: "/apis%2f/", Need: "pages"}},
		{{Prefix: "/apis\\x/", Need: "pages"}},
		{{Prefix: "/apis/", Need: "admin"}},
		{{Prefix: "/apis/", Need: "api:"}},
		{{Prefix: "/apis/", Need: "pages"}, {Prefix: "/apis/", Need: ""}},
	}
	for _, rules := range bad {
		if _, err := CloudFront(rules); err == nil {
			t.Errorf("CloudFront(%q) = nil error; want ErrRule", rules)
		}
		if err := WriteNetlify(t.TempDir(), rules); err == nil {
			t.Errorf("WriteNetlify(%q) = nil error; want ErrRule", rules)
		}
	}
}

// TestCloudFrontSubset keeps to what cloudfront-js-2.0 runs: Node, which
// runs the tests, accepts more. It reads the sources the function is made
// of (compaction hides nesting).
func TestCloudFrontSubset(t *testing.T) {
	t.Parallel()
	forbidden := []struct{ re, why string }{
		{`\?\.`, "optional chaining"},
		{`\?\?`, "nullish coalescing"},
		{`\.\.\.`, "spread"},
		{`\bfor\s*\([^;)]*\bof\b`, "for-of"},
		{`\b(const|let|var)\s*[\[{]`, "destructuring"},
		{`\bclass\s`, "classes"},
		{`\bexport\b`, "modules beyond the two imports"},
		{`\bimport\s*\(`, "dynamic import"},
		{`\b(eval|Function)\s*\(`, "eval"},
		{`\bcatch\s*\{`, "optional catch binding"},
	}
	for name, src := range map[string]string{"gate.js": gateJS, "cloudfront.js": cloudfrontJS} {
		for n, line := range strings.Split(src, "\n") {
			code, _, _ := strings.Cut(line, "// ")
			for _, f := range forbidden {
				if regexp.MustCompile(f.re).MatchString(code) {
					t.Errorf("%s:%d: %s, which cloudfront-js-2.0 does not support: %s", name, n+1, f.why, line)
				}
			}
			if strings.Contains(code, "async") && !strings.HasPrefix(code, "async function ") {
				t.Errorf("%s:%d: an async function inside another (cloudfront-js-2.0 supports top-level ones only): %s", name, n+1, line)
			}
		}
	}
}

// TestWriteNetlify writes the function where the deploy puts it.
func TestWriteNetlify(t *testing.T) {
	t.Parallel()
	v, _ := testVectors(t)
	dir := filepath.Join(t.TempDir(), NetlifyDir)
	if err := WriteNetlify(dir, v.Rules); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, NetlifyFile))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Netlify(v.Rules)
	if string(got) != want {
		t.Errorf("%s is not Netlify(rules)", NetlifyFile)
	}
}

// BenchmarkVerifyNode and BenchmarkVerifyDeno are the edge verifiers'
// times per cookie (ns/cookie: verify alone; ns/request: the whole gated
// request) under Node and Deno, medians of rounds timed inside the
// runtime, so that starting it does not count. Run with -benchtime 1x.
func BenchmarkVerifyNode(b *testing.B) { benchEdge(b, "cloudfront") }

func BenchmarkVerifyDeno(b *testing.B) { benchEdge(b, "netlify") }

func benchEdge(b *testing.B, platform string) {
	v, tokens := testVectors(b)
	op := map[string]any{"op": "bench", "token": tokens["valid"], "n": 2000, "rounds": 9}
	const page = "/apis/payments/reference/create-payment/"
	var out []json.RawMessage
	for b.Loop() {
		if platform == "cloudfront" {
			op["event"] = cfEvent("GET", page, tokens["valid"], browser)
			out = runCloudFront(b, v.Rules, []map[string]any{op})
		} else {
			r := nfRequest("GET", page, tokens["valid"], browser)
			op["url"], op["headers"] = r["url"], r["headers"]
			out = runNetlify(b, v.Rules, []map[string]any{op})
		}
	}
	var res struct{ Verify, Request []float64 }
	if err := json.Unmarshal(out[0], &res); err != nil {
		b.Fatal(err)
	}
	median := func(xs []float64) float64 {
		xs = slices.Clone(xs)
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	b.ReportMetric(median(res.Verify), "ns/cookie")
	b.ReportMetric(median(res.Request), "ns/request")
}

func TestPrivate(t *testing.T) {
	t.Parallel()
	v, _ := testVectors(t)
	internal := internalRules(t)
	for _, c := range []struct {
		rules []catalog.GateRule
		file  string
		want  bool
	}{
		{v.Rules, "apis/payments/index.html", true},
		{v.Rules, "apis/payments/openapi.yaml", true},
		{v.Rules, "APIs/Payments/index.html", true},
		{v.Rules, "apis/paymentsx/index.html", false},
		{v.Rules, "index.html", false},
		{v.Rules, "search/private/pages.json", true},
		{internal, "index.html", true},
		{internal, "login/index.html", false},
		{internal, "404.html", false},
		{internal, "_portal/assets/app.css", false},
		{internal, "guides/start/index.html", true},
	} {
		if got := Private(c.rules, c.file); got != c.want {
			t.Errorf("Private(%q) = %v; want %v", c.file, got, c.want)
		}
	}
}

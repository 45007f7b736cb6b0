package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portal-dev/portal/functions/catalog"
)

// Edge makes the gate's code for the two edges from a build's gate rules:
// the CloudFront Function (cloudfront-js-2.0; the key in the
// KeyValueStore under "access-key") and the Netlify Edge Function files
// (the key in PORTAL_ACCESS_KEY). Package generator/edge implements it;
// the deploy commands take it as a parameter.
type Edge interface {
	CloudFrontFunction(rules []catalog.GateRule) (string, error)
	WriteNetlify(dir string, rules []catalog.GateRule) error
}

// NetlifyEdgeFunction is the name the edge function is declared under in
// netlify.toml (its file is <dir>/portal-gate.js).
const NetlifyEdgeFunction = "portal-gate"

// FailClosed is an Edge that reads no cookie: it serves public paths
// (mapping …/ to …/index.html on CloudFront) and answers 404, private and
// uncached, for every gated path and for any path it cannot read plainly
// while anything is gated. A deploy with it is safe, and private pages
// are unreachable until the real gate is wired in.
var FailClosed Edge = failClosed{}

type failClosed struct{}

type jsRule struct {
	Prefix string `json:"p"`
	Gated  bool   `json:"g"`
}

// rulesJSON is the rules, longest prefix first, as a JS literal.
func rulesJSON(rules []catalog.GateRule) string {
	var rs []jsRule
	for _, r := range rules {
		rs = append(rs, jsRule{Prefix: strings.ToLower(r.Prefix), Gated: r.Need != catalog.NeedNothing})
	}
	slices.SortStableFunc(rs, func(a, b jsRule) int { return len(b.Prefix) - len(a.Prefix) })
	b, _ := json.Marshal(rs)
	if rs == nil {
		b = []byte("[]")
	}
	return string(b)
}

// gatedJS decides a path: true to deny. Shared by both edges (ES5, which
// cloudfront-js-2.0 and Deno both run).
const gatedJS = `
function gated(uri) {
  var key = uri.toLowerCase();
  var any = false;
  for (var i = 0; i < RULES.length; i++) { if (RULES[i].g) { any = true; } }
  if (!any) { return false; }
  if (key.indexOf('%') >= 0 || key.indexOf('\\') >= 0 || key.indexOf('//') >= 0 || key.indexOf('/.') >= 0 || key.indexOf('./') >= 0 || key.indexOf(';') >= 0 || key.indexOf(' ') >= 0) { return true; }
  for (var j = 0; j < RULES.length; j++) {
    var p = RULES[j].p;
    if (key.indexOf(p) === 0 || key + '/' === p) { return RULES[j].g; }
  }
  return false;
}
`

func (failClosed) CloudFrontFunction(rules []catalog.GateRule) (string, error) {
	return `// Portal's gate (fail-closed stand-in: every gated path is a 404).
var RULES = ` + rulesJSON(rules) + `;` + gatedJS + `
function handler(event) {
  var req = event.request;
  if (gated(req.uri)) {
    return { statusCode: 404, statusDescription: 'Not Found', headers: { 'cache-control': { value: 'private, no-store' } } };
  }
  if (req.uri.charAt(req.uri.length - 1) === '/') { req.uri += 'index.html'; }
  return req;
}
`, nil
}

func (failClosed) WriteNetlify(dir string, rules []catalog.GateRule) error {
	src := `// Portal's gate (fail-closed stand-in: every gated path is a 404).
var RULES = ` + rulesJSON(rules) + `;` + gatedJS + `
export default async (request, context) => {
  if (gated(new URL(request.url).pathname)) {
    return new Response('Not Found', { status: 404, headers: { 'cache-control': 'private, no-store', 'content-type': 'text/plain' } });
  }
  return context.next();
};
`
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, NetlifyEdgeFunction+".js")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		return fmt.Errorf("write the edge function: %w", err)
	}
	return nil
}

// Package edge generates the portal's gate for the two CDNs that serve a
// built site without a server of ours: a CloudFront Function (AWS) and a
// Netlify Edge Function. Both verify the access cookie (functions/access)
// on the build's private path prefixes, with one verifier source
// (gate.js) that decides as the Go gate does, and answer as `portal
// serve` does: a browser without a valid cookie is sent to
// /login/?next=…, other clients get 401, a visitor without the right
// gets 404, and private answers are not cached.
//
// The deploy code calls CloudFront for the function's code (the key is in
// the distribution's KeyValueStore under KVSKey; Private says which files
// to store with Cache-Control "private, no-store"; a 403 from S3 must
// become /404.html with status 404, see DeniedURI) and WriteNetlify into
// NetlifyDir during the Netlify build (the key in the site's environment
// variable NetlifyKeyEnv).
package edge

import (
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/portal-dev/portal/functions/catalog"
	"github.com/portal-dev/portal/generator/headers"
)

// Names the deploy code shares with the generated code.
const (
	// KVSKey is the KeyValueStore key holding the cookie's HMAC key, base64.
	KVSKey = "access-key"
	// NetlifyKeyEnv is the Netlify environment variable holding the same
	// key, base64.
	NetlifyKeyEnv = "PORTAL_ACCESS_KEY"
	// NetlifyDir is where a Netlify build picks up generated edge functions
	// (the Frameworks API), relative to the base directory. Its functions
	// declare their paths inline: netlify.toml needs no [[edge_functions]].
	NetlifyDir = ".netlify/v1/edge-functions"
	// NetlifyFile is the edge function's file name in NetlifyDir.
	NetlifyFile = "portal-gate.js"
	// DeniedURI is the URI a denied request is rewritten to on CloudFront:
	// no object may have this key, so that S3 answers 403, which the
	// distribution must map to /404.html with status 404.
	DeniedURI = "/_portal/denied"
	// MaxCloudFrontSize is CloudFront's limit on a function's code, bytes.
	MaxCloudFrontSize = 10240
)

// FunctionRoutes are the paths of the portal's functions on Netlify
// (reached through rewrites, not files): the edge gate does not run there,
// since the functions answer for their own access.
var FunctionRoutes = []string{"/api/", "/v3/", "/validate"}

var (
	//go:embed gate.js
	gateJS string
	//go:embed cloudfront.js
	cloudfrontJS string
	//go:embed netlify.js
	netlifyJS string
)

// CloudFront returns the CloudFront Function's code (runtime
// cloudfront-js-2.0, viewer request) for rules. It fails if the code would
// be over CloudFront's size limit.
func CloudFront(rules []catalog.GateRule) (string, error) {
	lit, err := rulesLiteral(rules)
	if err != nil {
		return "", err
	}
	code := fill(cloudfrontJS,
		"/*RULES*/[]", lit,
		"/*KEY_NAME*/''", jsString(KVSKey),
		"/*DENIED*/''", jsString(DeniedURI),
		"/*GATE*/", gateJS)
	code = compact(code)
	if len(code) > MaxCloudFrontSize {
		return "", fmt.Errorf("edge: the CloudFront Function would be %d bytes with %d gate rules, over CloudFront's limit of %d: gate fewer, broader prefixes (a folder per API, not a rule per page)",
			len(code), len(rules), MaxCloudFrontSize)
	}
	return code, nil
}

// Netlify returns the Netlify Edge Function's code for rules: an ES module
// for Deno that declares its own paths.
func Netlify(rules []catalog.GateRule) (string, error) {
	lit, err := rulesLiteral(rules)
	if err != nil {
		return "", err
	}
	excluded := "["
	for i, p := range NetlifyExcluded(rules) {
		if i > 0 {
			excluded += ", "
		}
		excluded += jsString(p)
	}
	excluded += "]"
	return fill(netlifyJS,
		"/*EXCLUDED*/[]", excluded,
		"/*RULES*/[]", lit,
		"/*KEY_ENV*/''", jsString(NetlifyKeyEnv),
		"/*GATE*/", gateJS), nil
}

// WriteNetlify writes the Netlify Edge Function for rules as
// dir/NetlifyFile, creating dir (normally NetlifyDir).
func WriteNetlify(dir string, rules []catalog.GateRule) error {
	code, err := Netlify(rules)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, NetlifyFile), []byte(code), 0o644); err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	return nil
}

// Private reports whether the gate needs something to read file, a path
// of the build output relative to its root ("apis/payments/index.html"):
// the CloudFront Function cannot set response headers, so the deploy
// stores such files with Cache-Control "private, no-store". file must be
// a plain path (no escapes or dot segments), as the build writes them.
func Private(rules []catalog.GateRule, file string) bool {
	key := "/" + strings.Trim(lowerASCII(strings.ReplaceAll(file, "\\", "/")), "/") + "/"
	longest, need := -1, catalog.NeedNothing
	for _, r := range rules {
		if strings.HasPrefix(key, r.Prefix) && len(r.Prefix) > longest {
			longest, need = len(r.Prefix), r.Need
		}
	}
	return need != catalog.NeedNothing
}

func lowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// A path segment that stays where it is: no dot segment, escape or
// backslash, whether or not the CDN decodes the path before matching.
const plainSegment = `[A-Za-z0-9_~-][A-Za-z0-9._~-]*`

// NetlifyExcluded returns the regular expressions of the paths the Netlify
// gate does not run on: the functions' routes, and the theme's assets
// folder when no rule gates anything in it. Each matches only paths that
// name something in that folder.
func NetlifyExcluded(rules []catalog.GateRule) []string {
	var out []string
	if folderPublic(rules, headers.AssetsPrefix) {
		out = append(out, "^"+regexp.QuoteMeta(headers.AssetsPrefix)+"(?:"+plainSegment+"/)*"+plainSegment+"$")
	}
	var folders []string
	for _, r := range FunctionRoutes {
		if strings.HasSuffix(r, "/") {
			folders = append(folders, regexp.QuoteMeta(strings.Trim(r, "/")))
		} else {
			out = append(out, "^"+regexp.QuoteMeta(r)+"$")
		}
	}
	if len(folders) > 0 {
		out = append(out, "^/(?:"+strings.Join(folders, "|")+")(?:/"+plainSegment+")*/?$")
	}
	return out
}

// folderPublic reports whether the gate lets anyone read everything under
// folder: the longest rule above it needs nothing and no rule inside
// needs anything.
func folderPublic(rules []catalog.GateRule, folder string) bool {
	longest, need := -1, catalog.NeedNothing
	for _, r := range rules {
		if strings.HasPrefix(r.Prefix, folder) && r.Need != catalog.NeedNothing {
			return false
		}
		if strings.HasPrefix(folder, r.Prefix) && len(r.Prefix) > longest {
			longest, need = len(r.Prefix), r.Need
		}
	}
	return need == catalog.NeedNothing
}

// rulesLiteral checks rules and returns them as a JavaScript array with
// one [need, prefix…] array per need (a need is written once: the
// CloudFront Function's size is counted), as byte strings, sorted.
func rulesLiteral(rules []catalog.GateRule) (string, error) {
	if err := Check(rules); err != nil {
		return "", err
	}
	byNeed := map[string][]string{}
	for _, r := range rules {
		byNeed[r.Need] = append(byNeed[r.Need], r.Prefix)
	}
	var b strings.Builder
	b.WriteString("[")
	for i, need := range slices.Sorted(maps.Keys(byNeed)) {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("[" + jsString(need))
		prefixes := byNeed[need]
		slices.Sort(prefixes)
		for _, p := range prefixes {
			b.WriteString("," + jsString(p))
		}
		b.WriteString("]")
	}
	b.WriteString("]")
	return b.String(), nil
}

// ErrRule is the error of a gate rule that no gate could apply as meant.
var ErrRule = errors.New("edge: bad gate rule")

// Check reports the first rule that a gate cannot apply as meant: a
// prefix not in the normal form access.Normalize gives paths (it would
// never match), an unknown need, or a prefix given twice.
func Check(rules []catalog.GateRule) error {
	seen := map[string]bool{}
	for i, r := range rules {
		if !normalPrefix(r.Prefix) {
			return fmt.Errorf("%w %d: prefix %q is not a path in normal form (starting and ending with \"/\", lower case, no empty, \".\" or \"..\" segments, no trailing dots or spaces, escapes, backslashes, \"?\" or \"#\"): no request would ever match it", ErrRule, i, r.Prefix)
		}
		if seen[r.Prefix] {
			return fmt.Errorf("%w %d: prefix %q is given twice: which need applies would depend on the order", ErrRule, i, r.Prefix)
		}
		seen[r.Prefix] = true
		if r.Need != catalog.NeedNothing && r.Need != catalog.NeedPages &&
			!(strings.HasPrefix(r.Need, catalog.NeedAPIPrefix) && len(r.Need) > len(catalog.NeedAPIPrefix)) {
			return fmt.Errorf("%w %d: need %q for %q is none of \"\", %q, %q+slug", ErrRule, i, r.Need, r.Prefix, catalog.NeedPages, catalog.NeedAPIPrefix)
		}
	}
	return nil
}

func normalPrefix(p string) bool {
	if p == "/" {
		return true
	}
	if len(p) < 3 || p[0] != '/' || p[len(p)-1] != '/' {
		return false
	}
	for _, seg := range strings.Split(p[1:len(p)-1], "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasSuffix(seg, ".") || strings.HasSuffix(seg, " ") ||
			strings.ContainsAny(seg, `%\?#`) {
			return false
		}
		for i := 0; i < len(seg); i++ {
			if c := seg[i]; c < 0x20 || c == 0x7f || 'A' <= c && c <= 'Z' {
				return false
			}
		}
	}
	return true
}

// jsString quotes s as a JavaScript string of its bytes: a byte outside
// printable ASCII is one \u00XX character, as the gate's byte strings are.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '\'' || c == '\\' {
			fmt.Fprintf(&b, `\u%04x`, c)
		} else {
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// fill replaces each placeholder of a template once, in order (the
// shared gate last, so that nothing in it is taken for a placeholder).
func fill(tmpl string, placeholderValue ...string) string {
	for i := 0; i < len(placeholderValue); i += 2 {
		k, v := placeholderValue[i], placeholderValue[i+1]
		if !strings.Contains(tmpl, k) {
			panic("edge: template lacks " + k)
		}
		tmpl = strings.Replace(tmpl, k, v, 1)
	}
	return tmpl
}

// compact drops whole-line comments, indentation and blank lines: the
// CloudFront Function's size counts against its limit. The sources have
// no multi-line strings, so no line's meaning changes.
func compact(code string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(code, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

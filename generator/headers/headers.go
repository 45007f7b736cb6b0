// Package headers is the one source of the HTTP response headers a built
// portal is served with: `portal serve` sends them, and netlify.toml's
// [[headers]] block is generated from them (Netlify writes the block as
// TOML; a test keeps the file in step).
package headers

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// AssetsPrefix is where the theme publishes its fingerprinted assets: the
// only files that may be cached as immutable. A user's own static/*.js
// lives elsewhere and may change under the same name.
const AssetsPrefix = "/_portal/assets/"

// noReferrer lists the pages whose URL carries a secret in its query (the
// mailed email-confirmation and password-reset links): they send no
// Referer at all, so that the token never leaves with a request.
var noReferrer = []string{"/verify-email/", "/reset-password/"}

// NoReferrer reports whether the page at path (a URL path) must send no
// referrer. The slash-less form counts too: serve's redirect to the
// folder carries the query.
func NoReferrer(path string) bool {
	for _, p := range noReferrer {
		if strings.HasPrefix(path, p) || path == strings.TrimSuffix(p, "/") {
			return true
		}
	}
	return false
}

// CSP is the Content-Security-Policy of a portal whose pages have inline
// scripts with these hashes ("sha256-…", from InlineScripts).
//
//   - script-src: the theme's own files, and its inline scripts by hash;
//     never 'unsafe-inline', so markup that slips into a page cannot run.
//   - style-src needs 'unsafe-inline': the home page's hero sets its image
//     in a style attribute and the brand colour is an inline <style>, both
//     from portal.yaml. Descriptions are sanitised of styles.
//   - img-src: descriptions may show images from any https origin.
//   - connect-src: try-it calls whichever API server the description lists
//     or the reader types in, on any origin; cleartext only to this
//     machine (a description's dev server), which is all an https page may
//     reach over http anyway. Live reload is 'self'.
func CSP(scriptHashes []string) string {
	script := "script-src 'self'"
	for _, h := range scriptHashes {
		script += " '" + h + "'"
	}
	return strings.Join([]string{
		"default-src 'self'",
		script,
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data: https:",
		"connect-src 'self' https: http://localhost:* http://127.0.0.1:* http://[::1]:*",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
}

// Site returns the headers of every page and answer of the site at path
// (a URL path), under this CSP; hsts only where TLS is terminated.
func Site(path, csp string, hsts bool) http.Header {
	h := http.Header{}
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY") // frame-ancestors for browsers without CSP 2
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	if NoReferrer(path) {
		h.Set("Referrer-Policy", "no-referrer")
	}
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if hsts {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	return h
}

// Netlify renders the [[headers]] tables of netlify.toml for this CSP.
// Netlify merges the tables that match a path, later ones winning, so the
// specific rules follow the general one.
func Netlify(csp string) string {
	var b strings.Builder
	table := func(pattern string, h http.Header) {
		fmt.Fprintf(&b, "[[headers]]\n  for = %q\n  [headers.values]\n", pattern)
		keys := make([]string, 0, len(h))
		for k := range h {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "    %s = %q\n", k, h.Get(k))
		}
		b.WriteString("\n")
	}
	table("/*", Site("/", csp, true))
	for _, p := range noReferrer {
		table(p+"*", http.Header{"Referrer-Policy": {"no-referrer"}})
	}
	table(AssetsPrefix+"*", http.Header{"Cache-Control": {"public, max-age=31536000, immutable"}})
	return strings.TrimSuffix(b.String(), "\n")
}

// InlineScripts returns the CSP hashes ("sha256-…") of the page's inline
// scripts that a browser would run; data blocks (type="application/json")
// are not scripts to CSP. It runs on every page a build writes, so it
// looks for tags with IndexByte and tokenizes only script elements
// (tokenizing whole pages cost 1 ms per operation page).
func InlineScripts(page []byte) []string {
	var out []string
	for i := 0; i < len(page); {
		j := bytes.IndexByte(page[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := page[i:]
		if len(rest) < 2 || rest[1] != 's' && rest[1] != 'S' && rest[1] != '!' {
			i++
			continue
		}
		if bytes.HasPrefix(rest, []byte("<!--")) {
			k := bytes.Index(rest[4:], []byte("-->"))
			if k < 0 {
				break
			}
			i += 4 + k + 3
			continue
		}
		if len(rest) < 8 || !bytes.EqualFold(rest[1:7], []byte("script")) || !strings.ContainsRune(" \t\n\r\f/>", rune(rest[7])) {
			i++
			continue
		}
		h, n := inlineScript(rest)
		if h != "" {
			out = append(out, h)
		}
		i += n
	}
	return out
}

// inlineScript reads the script element at the start of page: its hash if
// it is an inline script a browser runs, and the bytes it spans up to its
// end tag (so that a "<script" in its text is not taken for a tag).
func inlineScript(page []byte) (hash string, n int) {
	// Hand the tokenizer the element only, not the rest of the page to
	// copy; a mixed-case end tag falls back to the page.
	for _, end := range []string{"</script", "</SCRIPT"} {
		if k := bytes.Index(page, []byte(end)); k >= 0 {
			if gt := bytes.IndexByte(page[k:], '>'); gt >= 0 {
				page = page[:k+gt+1]
			}
			break
		}
	}
	z := html.NewTokenizer(bytes.NewReader(page))
	if z.Next() != html.StartTagToken {
		return "", 1
	}
	n = len(z.Raw())
	name, attrs := z.TagName()
	if atom.Lookup(name) != atom.Script {
		return "", n
	}
	run := true
	for attrs {
		var k, v []byte
		k, v, attrs = z.TagAttr()
		switch string(k) {
		case "src":
			run = false
		case "type":
			run = isScriptType(string(v))
		}
	}
	if !run {
		// A file's or a data block's tag: no need to read the text (the
		// try-it data can be large), which JSON encoders keep free of "<".
		return "", n
	}
	// The tokenizer hands script text over raw, byte for byte: what the
	// browser hashes.
	if z.Next() != html.TextToken {
		return "", n
	}
	raw := z.Raw()
	n += len(raw)
	sum := sha256.Sum256(raw)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:]), n
}

// isScriptType reports whether a type attribute makes a classic or module
// script (HTML's "JavaScript MIME type essence match").
func isScriptType(t string) bool {
	t = strings.ToLower(strings.TrimSpace(t))
	switch t {
	case "", "module", "text/javascript", "application/javascript", "text/ecmascript", "application/ecmascript":
		return true
	}
	return false
}

package access

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/portal-dev/portal/functions/catalog"
)

// Decision is what a gate does with a request.
type Decision string

const (
	Allow Decision = "allow" // answer it
	Login Decision = "login" // no valid token: an HTML GET goes to /login/?next=…, anything else gets 401
	Deny  Decision = "deny"  // a token without the right, or a path that cannot be read safely: 404
)

// Gate decides requests by a build's gate rules.
type Gate struct {
	rules []catalog.GateRule // longest prefix first
	key   []byte
}

// NewGate returns the gate for rules, verifying tokens with key.
func NewGate(rules []catalog.GateRule, key []byte) *Gate {
	rules = slices.Clone(rules)
	slices.SortFunc(rules, func(a, b catalog.GateRule) int { return cmp.Compare(len(b.Prefix), len(a.Prefix)) })
	return &Gate{rules: rules, key: key}
}

// Private reports whether any rule gates anything.
func (g *Gate) Private() bool {
	for _, r := range g.rules {
		if r.Need != catalog.NeedNothing {
			return true
		}
	}
	return false
}

// Need returns what reading path needs, and false when the path cannot be
// normalised (it is then denied whatever the token).
func (g *Gate) Need(path string) (string, bool) {
	key, ok := Normalize(path)
	if !ok {
		return "", false
	}
	for _, r := range g.rules {
		if strings.HasPrefix(key, r.Prefix) {
			return r.Need, true
		}
	}
	return catalog.NeedNothing, true
}

// Decide is the gate's decision for a request to path (a request target:
// a query is ignored) carrying token ("" when there is no cookie), at now.
func (g *Gate) Decide(path, token string, now time.Time) Decision {
	need, ok := g.Need(path)
	switch {
	case !ok:
		return Deny
	case need == catalog.NeedNothing:
		return Allow
	}
	grant, err := Verify(g.key, token, now)
	switch {
	case err != nil:
		return Login
	case grant.Allows(need):
		return Allow
	}
	return Deny
}

// Normalize turns a request path into the form gate rules are matched
// against, the same way in every gate: the query and fragment dropped;
// percent-escapes decoded until none is left (at most three rounds: a
// double-encoded dot is still a dot); backslashes read as slashes; ASCII
// letters lower-cased; empty and "." segments dropped, ".." taking one
// back; trailing dots and spaces trimmed from each segment (some file
// systems ignore them); and the result always ends with "/", so that a
// folder rule matches the folder, its index.html and the path without its
// slash alike. It fails on a malformed escape, a control character, or
// escapes left after three rounds.
func Normalize(path string) (string, bool) {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	for round := 0; strings.IndexByte(path, '%') >= 0; round++ {
		if round == 3 {
			return "", false
		}
		var ok bool
		if path, ok = unescape(path); !ok {
			return "", false
		}
	}
	var segs []string
	for seg := range strings.FieldsFuncSeq(path, func(r rune) bool { return r == '/' || r == '\\' }) {
		for i := 0; i < len(seg); i++ {
			if c := seg[i]; c < 0x20 || c == 0x7f {
				return "", false
			}
		}
		switch seg {
		case ".":
			continue
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
			continue
		}
		if seg = strings.TrimRight(seg, ". "); seg != "" {
			segs = append(segs, lowerASCII(seg))
		}
	}
	if len(segs) == 0 {
		return "/", true
	}
	return "/" + strings.Join(segs, "/") + "/", true
}

// unescape decodes every %XX; any other % is malformed.
func unescape(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", false
		}
		b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
		i += 2
	}
	return string(b), true
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

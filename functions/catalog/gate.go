package catalog

import "strings"

// Need returns what reading path (a request target) needs under rules:
// the need of the longest rule prefix of its normal form (Normalize), or
// NeedNothing when no rule matches; false when the path cannot be
// normalised (a gate then denies it whatever the visitor holds).
func Need(rules []GateRule, path string) (string, bool) {
	key, ok := Normalize(path)
	if !ok {
		return "", false
	}
	need, best := NeedNothing, 0
	for _, r := range rules {
		if len(r.Prefix) > best && strings.HasPrefix(key, r.Prefix) {
			need, best = r.Need, len(r.Prefix)
		}
	}
	return need, true
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
		c, ok := DecodeEscape(s, i)
		if !ok {
			return "", false
		}
		b = append(b, c)
		i += 2
	}
	return string(b), true
}

// DecodeEscape decodes the percent escape %XX at s[i]; ok is false when
// there is none there (too short, or not hex). The gate and the gateways'
// path normalising (functions/validate) read escapes with it.
func DecodeEscape(s string, i int) (c byte, ok bool) {
	if i+2 >= len(s) || s[i] != '%' || !isHex(s[i+1]) || !isHex(s[i+2]) {
		return 0, false
	}
	return unhex(s[i+1])<<4 | unhex(s[i+2]), true
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

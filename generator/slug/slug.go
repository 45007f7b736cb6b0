// Package slug makes the URL-safe, unique names of generated pages.
package slug

import (
	"strconv"
	"strings"
	"unicode"
)

// Slugger hands out URL-safe, lower-case slugs, unique among those it issued.
type Slugger struct{ seen map[string]bool }

// New returns a Slugger that has issued nothing.
func New() *Slugger { return &Slugger{seen: map[string]bool{}} }

// Next returns the slug of s (or fallback when s has no usable characters),
// with -2, -3, ... appended when it was issued before. camel splits
// camelCase words ("listPets" → "list-pets").
func (g *Slugger) Next(s, fallback string, camel bool) string {
	base := Kebab(s, camel)
	if base == "" {
		base = fallback
	}
	slug := base
	for i := 2; g.seen[slug]; i++ {
		slug = base + "-" + strconv.Itoa(i)
	}
	g.seen[slug] = true
	return slug
}

// Kebab lower-cases s, splits camelCase words and joins runs of ASCII
// letters and digits with single hyphens: "repos/list-for-org" becomes
// "repos-list-for-org", and so does "reposListForOrg" when camel is set.
func Kebab(s string, camel bool) string {
	var b strings.Builder
	b.Grow(len(s) + 4)
	rs := []rune(s)
	pendingDash := false
	for i, r := range rs {
		isUpper := r >= 'A' && r <= 'Z'
		isLower := r >= 'a' && r <= 'z'
		isDigit := r >= '0' && r <= '9'
		if !isUpper && !isLower && !isDigit {
			pendingDash = b.Len() > 0
			continue
		}
		if camel && isUpper && i > 0 && b.Len() > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				pendingDash = true
			}
		}
		if pendingDash {
			b.WriteByte('-')
			pendingDash = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

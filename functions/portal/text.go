package portal

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckText is the one rule for the text people give things (a name, a
// description): its length in characters and the characters it may hold.
// A name is one line of 1 to max characters once trimmed (optional: may
// be empty); a description (multiline) may also hold line breaks and tabs.
// Control characters and the invisible bidirectional controls are
// refused everywhere: shown to an admin in a list or a terminal, they would
// reorder or rewrite what the admin reads (a name that displays as another
// developer's, an escape sequence that redraws the screen). It returns the
// reason for a FieldError, or "" when the text is fine.
func CheckText(s string, max int, optional, multiline bool) string {
	t := strings.TrimSpace(s)
	n := utf8.RuneCountInString(t)
	switch {
	case !utf8.ValidString(s):
		return "must be UTF-8 text"
	case n == 0 && !optional:
		return fmt.Sprintf("must be 1 to %d characters", max)
	case n > max && optional:
		return fmt.Sprintf("must be at most %d characters", max)
	case n > max:
		return fmt.Sprintf("must be 1 to %d characters", max)
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || isBidiControl(r) {
			return fmt.Sprintf("must not contain control characters (found %U)", r)
		}
	}
	return ""
}

// isBidiControl reports the invisible characters that change the
// direction of the text around them (Unicode's Bidi_Control).
func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F ||
		(r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

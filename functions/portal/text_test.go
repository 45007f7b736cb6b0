package portal

import "testing"

func TestCheckText(t *testing.T) {
	for _, c := range []struct {
		s                   string
		max                 int
		optional, multiline bool
		ok                  bool
	}{
		{"Jane Doe", 10, false, false, true},
		{"  ", 10, false, false, false},
		{"", 10, true, false, true},
		{"Zoë 李", 5, false, false, true},
		{"Zoë 李 x", 5, false, false, false},
		{"Zoë 李 x", 5, true, false, false},
		{"a\x1b[2Jb", 100, false, false, false},               // an escape sequence
		{"a\u202Eevil", 100, false, false, false},             // right-to-left override
		{"a\u2066b\u2069", 100, false, false, false},          // isolates
		{"a\u0085b", 100, false, false, false},                // C1 next line
		{"line one\nline two\tx", 100, true, true, true},      // a description
		{"line one\nline two", 100, false, false, false},      // not in a name
		{"line\x00", 100, true, true, false},                  // NUL even in a description
		{string([]byte{0xff, 'a'}), 100, false, false, false}, // not UTF-8
	} {
		got := CheckText(c.s, c.max, c.optional, c.multiline)
		if (got == "") != c.ok {
			t.Errorf("CheckText(%q, %d, %v, %v) = %q, want ok=%v", c.s, c.max, c.optional, c.multiline, got, c.ok)
		}
	}
}

package site

import (
	"bytes"
	"regexp"
)

// markerRe finds the theme's fragment markers, as Hugo's minifier leaves them.
var markerRe = regexp.MustCompile(`<portal-fragment name=["']?([a-z_]+)["']?\s*></portal-fragment>`)

// Splice replaces the fragment markers in a rendered page with the page's
// fragments. A marker without a fragment is removed. Only pages the
// generator made carry fragments, and fragment text is escaped markup, so
// spec content can never produce a marker.
func Splice(page []byte, frags map[string]string) []byte {
	if len(frags) == 0 || !bytes.Contains(page, []byte("<portal-fragment")) {
		return page
	}
	var out bytes.Buffer
	out.Grow(len(page) + total(frags))
	last := 0
	for _, m := range markerRe.FindAllSubmatchIndex(page, -1) {
		out.Write(page[last:m[0]])
		out.WriteString(frags[string(page[m[2]:m[3]])])
		last = m[1]
	}
	out.Write(page[last:])
	return out.Bytes()
}

func total(frags map[string]string) int {
	n := 0
	for _, f := range frags {
		n += len(f)
	}
	return n
}

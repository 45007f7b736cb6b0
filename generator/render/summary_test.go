package render

import "testing"

// TestPlainTextAndSummary: a Markdown list reads as a list of clauses, not
// one run-on line, and a summary is the description's first paragraph.
func TestPlainTextAndSummary(t *testing.T) {
	t.Parallel()
	streetlights := "The Smartylighting Streetlights API lets you remotely manage the city's lights.\n\n" +
		"### Check out its features\n\n" +
		"* Turn a specific streetlight on or off 🌃\n* Dim a specific streetlight 😎\n* Receive real-time information\n\n" +
		"Messages live in the `common/` folder."
	tests := map[string]struct {
		src, plain, summary string
	}{
		"list after a heading": {
			src:     streetlights,
			plain:   "The Smartylighting Streetlights API lets you remotely manage the city's lights. Check out its features. Turn a specific streetlight on or off 🌃; Dim a specific streetlight 😎; Receive real-time information. Messages live in the common/ folder.",
			summary: "The Smartylighting Streetlights API lets you remotely manage the city's lights.",
		},
		"one line": {
			src: "Returns everything about the request", plain: "Returns everything about the request", summary: "Returns everything about the request",
		},
		"heading first": {
			src: "# Overview\n\nThe accounts API.\n\nMore text.", plain: "Overview. The accounts API. More text.", summary: "The accounts API.",
		},
		"list only": {
			src: "- red\n- green:\n- blue", plain: "red; green: blue", summary: "red; green: blue",
		},
		"loose list and a paragraph": {
			src: "Colours:\n\n- red\n\n- green\n\nThat is all", plain: "Colours: red; green. That is all", summary: "Colours:",
		},
		"inline markup in the first paragraph": {
			src: "Account **lifecycle** events on\n[Kafka](https://kafka.apache.org).\n\nSecond.", plain: "Account lifecycle events on Kafka. Second.", summary: "Account lifecycle events on Kafka.",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := PlainText(tc.src, 0); got != tc.plain {
				t.Errorf("PlainText(%q) = %q, want %q", tc.src, got, tc.plain)
			}
			if got := Summary(tc.src, 0); got != tc.summary {
				t.Errorf("Summary(%q) = %q, want %q", tc.src, got, tc.summary)
			}
		})
	}
	if got, want := Summary(streetlights, 40), "The Smartylighting Streetlights API…"; got != want {
		t.Errorf("Summary(streetlights, 40) = %q, want %q", got, want)
	}
}

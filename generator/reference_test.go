package generator

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portal-dev/portal/generator/site"
)

// TestOverviewAndSummaries builds the sample portal and reads what a
// visitor reads: an API overview says its description once (no lead that
// repeats its first paragraph), and an AsyncAPI description whose features
// are a Markdown list is summarised by its first paragraph on the catalog
// card and in search, not flattened into one run-on line.
func TestOverviewAndSummaries(t *testing.T) {
	t.Parallel()
	out, _ := build(t, "../portal.yaml")
	const first = "The Smartylighting Streetlights API lets you remotely manage the city&#39;s lights."

	overview := mainOf(readFile(t, filepath.Join(out, "apis", "streetlights", "index.html")))
	if n := strings.Count(overview, "lets you remotely manage the city"); n != 1 {
		t.Errorf("the streetlights overview says its first paragraph %d times, want once:\n%s", n, overview)
	}
	if strings.Contains(overview, `class="lead"`) {
		t.Errorf("the streetlights overview has a lead, though its summary is its description's first paragraph")
	}
	// An API whose summary is its own (portal.yaml's description) keeps it as the lead.
	hostile := mainOf(readFile(t, filepath.Join(out, "apis", "hostile", "index.html")))
	if !strings.Contains(hostile, `<p class="lead">A description that attacks the renderer`) {
		t.Errorf("the hostile overview lost the lead that portal.yaml gives it")
	}

	catalog := readFile(t, filepath.Join(out, "apis", "index.html"))
	if !strings.Contains(catalog, `<p class="card-summary">`+first+`</p>`) {
		t.Errorf("the catalog card of streetlights does not summarise it by its first paragraph:\n%s", mainOf(catalog))
	}
	if strings.Contains(catalog, "Check out its features Turn") {
		t.Errorf("the catalog flattens the streetlights feature list into run-on text")
	}

	var docs []site.SearchDoc
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, "search-index.json"))), &docs); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range docs {
		if strings.Contains(d.Summary, "features Turn") || strings.Contains(d.Summary, "off 🌃 Dim") {
			t.Errorf("search entry %s has a run-on summary: %q", d.URL, d.Summary)
		}
		if d.Kind == "api" && d.URL == "/apis/streetlights/" {
			found = true
			if want := "The Smartylighting Streetlights API lets you remotely manage the city's lights."; d.Summary != want {
				t.Errorf("search summary of streetlights = %q, want %q", d.Summary, want)
			}
		}
	}
	if !found {
		t.Errorf("no search entry for /apis/streetlights/")
	}
}

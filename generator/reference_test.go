package generator

import (
	"context"
	"encoding/json"
	"html"
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

// TestSamplesUseTheGateway: an API that a gateway routes (it has an
// upstream_url) gets code samples that call the gateway, on portal serve's
// origin when the builder has one, else on the gateway host portal.yaml
// gives, with the portal key read from $PORTAL_API_KEY in the header its
// auth strategy names. An API without a route keeps its own server, and
// the upstream's own credentials stay variables.
func TestSamplesUseTheGateway(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, "name: p\napis:\n"+
		"  - slug: petstore\n    spec: "+sampleSpec(t, "petstore.swagger.json")+"\n    upstream_url: https://petstore.example/v2\n"+
		"    gateway: {host: api.acme.example, path: /pets-api/}\n"+
		"  - slug: museum\n    spec: "+sampleSpec(t, "museum.openapi31.yaml")+"\n")
	page := func(out, api, op string) string {
		t.Helper()
		return html.UnescapeString(readFile(t, filepath.Join(out, "apis", api, "reference", op, "index.html")))
	}
	for name, tc := range map[string]struct {
		origin, petstore string
	}{
		"portal.yaml's gateway host": {petstore: "curl 'https://api.acme.example/pets-api/pet/"},
		"portal serve's gateway":     {origin: "http://127.0.0.1:8080", petstore: "curl 'http://127.0.0.1:8080/gateway/petstore/pet/"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data := t.TempDir()
			b, err := NewBuilder(Options{Config: cfg, Data: data, Out: filepath.Join(data, "public"), GatewayOrigin: tc.origin})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			if _, err := b.Build(context.Background()); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(data, "public")
			pet := page(out, "petstore", "get-pet-by-id")
			for _, want := range []string{tc.petstore, `-H "api_key: $PORTAL_API_KEY"`, `"api_key": process.env.PORTAL_API_KEY`} {
				if !strings.Contains(pet, want) {
					t.Errorf("petstore getPetById samples lack %s", want)
				}
			}
			if strings.Contains(pet, "YOUR_API_KEY") {
				t.Errorf("petstore samples still carry a literal placeholder key")
			}
			// No upstream_url: the description's server and its own bearer token.
			museum := page(out, "museum", "get-event")
			for _, want := range []string{"curl 'https://eu.museum.example.com/v1/events/", `-H "Authorization: Bearer $API_TOKEN"`} {
				if !strings.Contains(museum, want) {
					t.Errorf("museum samples lack %s", want)
				}
			}
		})
	}
}

package gateway

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/portal-dev/portal/generator"
)

func testRoutes(t *testing.T) ([]Route, []Skipped, Options) {
	t.Helper()
	vu, _ := url.Parse("http://portal.internal:8080/validate")
	cat := generator.Catalog{APIs: []generator.CatalogAPI{
		{Slug: "httpbin", RoutePrefix: "/gateway/httpbin/", UpstreamURL: "httpbin", AuthStrategy: &generator.AuthStrategy{Type: "key_auth", KeyNames: []string{"apikey"}}},
		{Slug: "petstore", RouteHost: "api.acme.example", RoutePrefix: "/v2/", UpstreamURL: "https://petstore.example/v2", AuthStrategy: &generator.AuthStrategy{Type: "key_auth", KeyNames: []string{"api_key"}}},
		{Slug: "museum", RoutePrefix: "/museum/", UpstreamURL: "http://museum.internal:9000", AuthStrategy: &generator.AuthStrategy{Type: "none"}},
		{Slug: "events", SpecType: "asyncapi", UpstreamURL: "httpbin"},
		{Slug: "docs-only", RoutePrefix: "/gateway/docs-only/"},
	}}
	routes, skipped, err := Routes(cat, vu, "")
	if err != nil {
		t.Fatal(err)
	}
	return routes, skipped, Options{ValidateURL: vu, Origin: "https://developer.acme.example", Listen: "8000", Source: "portal.yaml", Portal: "acme"}
}

// decodeConfig writes the gateway configuration kind for testRoutes,
// decodes it, as YAML, into v and returns the routes and options it was
// written for.
func decodeConfig(t *testing.T, kind string, v any) ([]Route, Options) {
	t.Helper()
	routes, skipped, o := testRoutes(t)
	var buf bytes.Buffer
	if err := Write(&buf, kind, o, routes, skipped); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(buf.Bytes(), v); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, buf.String())
	}
	return routes, o
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	routes, skipped, _ := testRoutes(t)
	var got []string
	for _, r := range routes {
		got = append(got, r.Host+r.Prefix+" -> "+r.Upstream.String()+" "+r.Auth())
	}
	want := []string{
		"/gateway/httpbin/ -> http://portal.internal:8080/upstream/httpbin/ key_auth, key in apikey",
		"api.acme.example/v2/ -> https://petstore.example/v2 key_auth, key in api_key",
		"/museum/ -> http://museum.internal:9000 auth: none, open; X-Anonymous-Consumer: true",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Routes = %q, want %q", got, want)
	}
	if len(skipped) != 2 || skipped[0].Slug != "events" || skipped[1].Slug != "docs-only" {
		t.Errorf("skipped = %+v, want events (AsyncAPI) and docs-only (no upstream)", skipped)
	}
}

// TestTraefikIsConsistent: Traefik cannot run here, so its configuration
// is checked for what it must hold: every router's middlewares and service
// are defined, each API's chain names it and clears a client's identity,
// forwardAuth sends only the key and the name, and the key is removed.
func TestTraefikIsConsistent(t *testing.T) {
	t.Parallel()
	var c struct {
		HTTP struct {
			Routers map[string]struct {
				EntryPoints []string `yaml:"entryPoints"`
				Rule        string
				Middlewares []string
				Service     string
			}
			Middlewares map[string]map[string]map[string]any
			Services    map[string]any
		} `yaml:"http"`
	}
	routes, o := decodeConfig(t, "traefik", &c)
	if len(c.HTTP.Routers) != len(routes) {
		t.Fatalf("%d routers, want %d", len(c.HTTP.Routers), len(routes))
	}
	for _, r := range routes {
		rt, ok := c.HTTP.Routers["portal-"+r.Slug]
		if !ok {
			t.Fatalf("no router for %s", r.Slug)
		}
		if _, ok := c.HTTP.Services[rt.Service]; !ok {
			t.Errorf("%s: service %q undefined", r.Slug, rt.Service)
		}
		for _, m := range rt.Middlewares {
			if _, ok := c.HTTP.Middlewares[m]; !ok {
				t.Errorf("%s: middleware %q undefined", r.Slug, m)
			}
		}
		if rt.Middlewares[0] != "portal-cors" {
			t.Errorf("%s: CORS (the preflight) must come before the key check: %v", r.Slug, rt.Middlewares)
		}
		if !strings.Contains(rt.Rule, "PathPrefix(`"+r.Prefix+"`)") || (r.Host != "") != strings.Contains(rt.Rule, "Host(`"+r.Host+"`)") {
			t.Errorf("%s: rule %q", r.Slug, rt.Rule)
		}
		req := c.HTTP.Middlewares["portal-"+r.Slug+"-request"]["headers"]["customRequestHeaders"].(map[string]any)
		if req["X-Portal-API"] != r.Slug {
			t.Errorf("%s: X-Portal-API = %v", r.Slug, req["X-Portal-API"])
		}
		for _, h := range IdentityHeaders {
			if v, ok := req[h]; !ok || v != "" {
				t.Errorf("%s: a client's %s is not cleared", r.Slug, h)
			}
		}
		fa := c.HTTP.Middlewares["portal-"+r.Slug+"-auth"]["forwardAuth"]
		if fa["trustForwardHeader"] != false || fa["address"] != o.ValidateURL.String() {
			t.Errorf("%s: forwardAuth = %v", r.Slug, fa)
		}
		if !r.Open {
			key := c.HTTP.Middlewares["portal-"+r.Slug+"-key"]["headers"]["customRequestHeaders"].(map[string]any)
			for _, k := range r.KeyNames {
				if v, ok := key[k]; !ok || v != "" {
					t.Errorf("%s: key %s is not removed", r.Slug, k)
				}
			}
		}
	}
}

// TestEnvoyIsConsistent: Envoy cannot run here; its bootstrap is checked
// for what it must hold: filters in order (CORS, then the header
// clean-up, then ext_authz failing closed, then the router), every route's
// cluster defined, and the key removed on keyed routes.
func TestEnvoyIsConsistent(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	routes, _ := decodeConfig(t, "envoy", &doc)
	get := func(v any, path ...any) any {
		for _, p := range path {
			switch k := p.(type) {
			case string:
				v = v.(map[string]any)[k]
			case int:
				v = v.([]any)[k]
			}
		}
		return v
	}
	hcm := get(doc, "static_resources", "listeners", 0, "filter_chains", 0, "filters", 0, "typed_config")
	var filters []string
	for _, f := range get(hcm, "http_filters").([]any) {
		filters = append(filters, get(f, "name").(string))
	}
	if want := []string{"envoy.filters.http.cors", "envoy.filters.http.header_mutation", "envoy.filters.http.ext_authz", "envoy.filters.http.router"}; !slices.Equal(filters, want) {
		t.Errorf("http_filters = %v, want %v", filters, want)
	}
	if get(hcm, "http_filters", 2, "typed_config", "failure_mode_allow") != false {
		t.Errorf("ext_authz does not fail closed")
	}
	if get(hcm, "normalize_path") != true || get(hcm, "merge_slashes") != true || get(hcm, "path_with_escaped_slashes_action") != "REJECT_REQUEST" {
		t.Errorf("the connection manager does not normalise paths as /validate does")
	}
	clusters := map[string]bool{}
	for _, c := range get(doc, "static_resources", "clusters").([]any) {
		clusters[get(c, "name").(string)] = true
	}
	n := 0
	for _, vh := range get(hcm, "route_config", "virtual_hosts").([]any) {
		for _, rt := range get(vh, "routes").([]any) {
			n++
			cl := get(rt, "route", "cluster").(string)
			if !clusters[cl] {
				t.Errorf("route to undefined cluster %s", cl)
			}
			removed, _ := get(rt).(map[string]any)["request_headers_to_remove"].([]any)
			if !strings.HasSuffix(cl, "museum") && len(removed) == 0 {
				t.Errorf("route to %s keeps the key", cl)
			}
		}
	}
	if n != 2*len(routes) {
		t.Errorf("%d routes, want %d (with and without the trailing slash)", n, 2*len(routes))
	}
	if !clusters["portal_validate"] {
		t.Errorf("no cluster for the validator")
	}
}

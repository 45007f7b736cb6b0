package generator

import (
	"context"
	"crypto/sha1"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/portal-dev/portal/functions/catalog"
	"github.com/portal-dev/portal/generator/config"
	"github.com/portal-dev/portal/generator/spec"
)

// The catalog's shape is the contract in functions/catalog (standard
// library only), shared with the functions that read it; these names keep
// the generator's callers short.
type (
	// Catalog is catalog.json.
	Catalog = catalog.Catalog
	// CatalogPortal names the portal.
	CatalogPortal = catalog.Portal
	// CatalogAPI is one published API.
	CatalogAPI = catalog.API
	// AuthStrategy is how gateways authenticate an API's consumers.
	AuthStrategy = catalog.AuthStrategy
)

// writeCatalog writes catalog.json and returns what it wrote.
func (b *Builder) writeCatalog(gate []catalog.GateRule) (Catalog, error) {
	c := b.catalog()
	c.Gate = gate
	if err := c.Validate(); err != nil {
		return Catalog{}, err
	}
	return c, writeJSON(b.opts.Catalog, c, true)
}

// LoadCatalog reads portal.yaml and its descriptions and returns the
// catalog a build would write, without building the site (for `portal
// gateway config`). Problems in the descriptions are a *ProblemsError.
func LoadCatalog(ctx context.Context, configPath string) (Catalog, error) {
	b, err := NewBuilder(Options{Config: configPath})
	if err != nil {
		return Catalog{}, err
	}
	defer b.Close()
	cfg, err := config.Load(configPath)
	if err != nil {
		return Catalog{}, err
	}
	b.Config = cfg
	if _, err := b.loadAPIs(ctx, cfg, nil); err != nil {
		return Catalog{}, err
	}
	return b.catalog(), nil
}

func (b *Builder) catalog() Catalog {
	cfg := b.Config
	cat := Catalog{Portal: CatalogPortal{Name: cfg.Name, DisplayName: cfg.DisplayName, URL: cfg.URL, AuthenticationEnabled: cfg.AuthenticationEnabled}}
	for _, ac := range cfg.APIs {
		c, ok := b.cache[ac.Spec]
		var api *spec.API
		if ok {
			api = c.api
		}
		ca := CatalogAPI{
			ID:          stableID(cfg.Name, ac.Slug),
			Slug:        ac.Slug,
			Name:        ac.Title,
			Version:     ac.Version,
			Description: ac.Description,
			Visibility:  ac.Visibility,
			Labels:      ac.Labels,
			RouteHost:   ac.Gateway.Host,
			RoutePrefix: ac.Gateway.Path,
			UpstreamURL: ac.UpstreamURL,

			AutoApproveRegistrations: ac.AutoApproveRegistrations,
		}
		if api != nil {
			if ca.Name == "" {
				ca.Name = api.Title
			}
			if ca.Version == "" {
				ca.Version = api.Version
			}
			ca.SpecType, ca.SpecVersion = string(api.Kind), api.SpecVersion
			ca.Operations = len(api.Operations) + len(api.Webhooks)
			ca.AuthStrategy, _ = authFor(cfg.File, ac, api)
		} else if s, ok := b.summaries[ac.Spec]; ok {
			if ca.Name == "" {
				ca.Name = s.title
			}
			if ca.Version == "" {
				ca.Version = s.version
			}
			ca.SpecType, ca.SpecVersion, ca.Operations, ca.AuthStrategy = s.kind, s.specVersion, s.operations, s.auth
		}
		if ac.Auth == config.AuthNone {
			ca.AuthStrategy = &AuthStrategy{Type: config.AuthNone}
		}
		if ca.Name == "" {
			ca.Name = ac.Slug
		}
		if ca.Visibility == "" {
			ca.Visibility = config.Public
		}
		cat.APIs = append(cat.APIs, ca)
	}
	sort.SliceStable(cat.APIs, func(i, j int) bool { return cat.APIs[i].Slug < cat.APIs[j].Slug })
	return cat
}

// authFor returns the API's auth strategy, always explicit in the
// catalog: none where portal.yaml says `auth: none`; otherwise key_auth
// with the key names of the description's apiKey schemes in a header or
// the query, or Konnect's default ["apikey"]. Nothing is open by accident.
// The problems warn of security the description declares that the
// portal's gateways cannot check.
func authFor(file string, ac config.API, api *spec.API) (*AuthStrategy, []spec.Problem) {
	if ac.Auth == config.AuthNone {
		return &AuthStrategy{Type: config.AuthNone}, nil
	}
	s := &AuthStrategy{Type: config.AuthKey}
	var other []string
	for _, sc := range api.SecuritySchemes {
		switch {
		case sc.Type == "apiKey" && (sc.In == "header" || sc.In == "query") && sc.Name != "":
			if !slices.Contains(s.KeyNames, sc.Name) {
				s.KeyNames = append(s.KeyNames, sc.Name)
			}
			s.KeyInQuery = s.KeyInQuery || sc.In == "query"
		default:
			kind := sc.Type
			if sc.Scheme != "" {
				kind += " " + sc.Scheme
			} else if sc.In != "" {
				kind += " in " + sc.In
			}
			other = append(other, kind)
		}
	}
	// Brokers, not HTTP gateways, carry an AsyncAPI's messages: nothing to
	// warn of there.
	if len(s.KeyNames) > 0 || len(other) == 0 || api.Kind == spec.KindAsyncAPI {
		if len(s.KeyNames) == 0 {
			s.KeyNames = []string{"apikey"}
		}
		return s, nil
	}
	s.KeyNames = []string{"apikey"}
	return s, []spec.Problem{{
		Severity: spec.Warning, File: displayPath(file), Line: ac.Line, Rule: "auth",
		Message: fmt.Sprintf("API %s: the description declares %s security, which the portal's gateways cannot check; they will ask for a portal API key in the apikey header", ac.Slug, strings.Join(slices.Compact(slices.Sorted(slices.Values(other))), ", ")),
		Hint:    "keep it to enforce portal keys in front of the API, add an apiKey security scheme to name the key's header, or set auth: none on the API in portal.yaml if its upstream checks its own credentials",
	}}
}

// stableID derives a UUID-shaped id (version 5 layout) from the portal and
// API names, so that rebuilds and republishing keep ids.
func stableID(portal, slug string) string {
	h := sha1.Sum([]byte("portal-api:" + portal + "/" + slug))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

package generator

import (
	"crypto/sha1"
	"fmt"
	"sort"

	"github.com/portal-dev/portal/generator/config"
	"github.com/portal-dev/portal/generator/spec"
)

// Catalog is catalog.json: what the functions need to know about the
// published APIs. `portal publish` mirrors it into the store.
type Catalog struct {
	Portal CatalogPortal `json:"portal"`
	APIs   []CatalogAPI  `json:"apis"`
}

// CatalogPortal names the portal.
type CatalogPortal struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	URL         string `json:"url,omitempty"`
}

// CatalogAPI is one published API, with Konnect's field names.
type CatalogAPI struct {
	ID           string            `json:"id"` // stable: derived from portal name and slug
	Slug         string            `json:"slug"`
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Description  string            `json:"description,omitempty"`
	Visibility   string            `json:"visibility"`
	Labels       map[string]string `json:"labels,omitempty"`
	SpecType     string            `json:"spec_type"` // openapi, asyncapi
	SpecVersion  string            `json:"spec_version"`
	AuthStrategy *AuthStrategy     `json:"auth_strategy,omitempty"`
	RoutePrefix  string            `json:"route_prefix"` // where the local gateway serves it
	UpstreamURL  string            `json:"upstream_url,omitempty"`
	Operations   int               `json:"operations"`
	// AutoApproveRegistrations: registrations to this API need no admin.
	AutoApproveRegistrations bool `json:"auto_approve_registrations,omitempty"`
}

// AuthStrategy is how the gateway authenticates this API's consumers.
type AuthStrategy struct {
	Type     string   `json:"type"` // key_auth
	KeyNames []string `json:"key_names"`
}

func (b *Builder) writeCatalog() error {
	cfg := b.Config
	cat := Catalog{Portal: CatalogPortal{Name: cfg.Name, DisplayName: cfg.DisplayName, URL: cfg.URL}}
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
			RoutePrefix: "/gateway/" + ac.Slug + "/",
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
			ca.AuthStrategy = keyAuth(api)
		} else if s, ok := b.summaries[ac.Spec]; ok {
			if ca.Name == "" {
				ca.Name = s.title
			}
			if ca.Version == "" {
				ca.Version = s.version
			}
			ca.SpecType, ca.SpecVersion, ca.Operations, ca.AuthStrategy = s.kind, s.specVersion, s.operations, s.auth
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
	return writeJSON(b.opts.Catalog, cat, true)
}

// keyAuth returns a key_auth strategy when the API declares an apiKey
// scheme, with its key names (Konnect's default is ["apikey"]).
func keyAuth(api *spec.API) *AuthStrategy {
	var names []string
	for _, s := range api.SecuritySchemes {
		if s.Type == "apiKey" && s.In == "header" && s.Name != "" {
			names = append(names, s.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return &AuthStrategy{Type: "key_auth", KeyNames: names}
}

// stableID derives a UUID-shaped id (version 5 layout) from the portal and
// API names, so that rebuilds and republishing keep ids.
func stableID(portal, slug string) string {
	h := sha1.Sum([]byte("portal-api:" + portal + "/" + slug))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// Package catalog is the contract between a build and the functions:
// catalog.json, the published APIs with Konnect's field names. The
// generator writes it, `portal publish` and `portal serve` read it into the
// store. It imports only the standard library, so that both sides can
// share it and the Lambda functions link nothing of the generator.
package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Catalog is catalog.json.
type Catalog struct {
	Portal Portal `json:"portal"`
	APIs   []API  `json:"apis"`
	// Gate says which paths of the built site are private and what
	// reading them needs; every gate (portal serve, the CloudFront
	// Function, the Netlify Edge Function) decides by it.
	Gate []GateRule `json:"gate,omitempty"`
}

// GateRule: paths under Prefix (a folder: it starts and ends with "/",
// lower case) need Need. The longest matching prefix decides; a path no
// rule matches is public.
type GateRule struct {
	Prefix string `json:"prefix"`
	Need   string `json:"need"`
}

// What a gate rule may need.
const (
	NeedNothing   = ""      // public: the exceptions inside a private folder
	NeedPages     = "pages" // private pages: any approved developer
	NeedAPIPrefix = "api:"  // "api:<slug>": a developer who may read that API
)

// Portal names the portal.
type Portal struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	URL         string `json:"url,omitempty"`
	// AuthenticationEnabled: developers can sign up and log in; absent
	// means true. Publishing makes the store's setting follow it.
	AuthenticationEnabled *bool `json:"authentication_enabled,omitempty"`
}

// API is one published API.
type API struct {
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
	// RouteHost and RoutePrefix are where the gateway serves the API
	// (portal.yaml's gateway; /validate matches forwarded requests to
	// them): any host when RouteHost is empty, and /gateway/{slug}/ by
	// default, where the local gateway of `portal serve` serves it too.
	RouteHost   string `json:"route_host,omitempty"`
	RoutePrefix string `json:"route_prefix"`
	UpstreamURL string `json:"upstream_url,omitempty"`
	Operations  int    `json:"operations"`
	// AutoApproveRegistrations: registrations to this API need no admin.
	AutoApproveRegistrations bool `json:"auto_approve_registrations,omitempty"`
}

// AuthStrategy is how gateways authenticate an API's consumers.
type AuthStrategy struct {
	Type       string   `json:"type"` // AuthKey or AuthNone
	KeyNames   []string `json:"key_names,omitempty"`
	KeyInQuery bool     `json:"key_in_query,omitempty"`
}

// Auth strategy types.
const (
	AuthKey  = "key_auth"
	AuthNone = "none"
)

// Validate checks what the functions rely on: every API has an id and a
// slug, both unique, and an auth strategy of a known type (or none given,
// which publishing treats as the default key_auth).
func (c Catalog) Validate() error {
	ids, slugs := map[string]bool{}, map[string]bool{}
	for i, a := range c.APIs {
		switch {
		case a.ID == "" || a.Slug == "":
			return fmt.Errorf("catalog.json: apis[%d] has no id or slug; rebuild with portal build", i)
		case ids[a.ID]:
			return fmt.Errorf("catalog.json: apis[%d] repeats the id %s; rebuild with portal build", i, a.ID)
		case slugs[a.Slug]:
			return fmt.Errorf("catalog.json: apis[%d] repeats the slug %s; slugs must be unique in portal.yaml", i, a.Slug)
		case a.AuthStrategy != nil && a.AuthStrategy.Type != AuthKey && a.AuthStrategy.Type != AuthNone:
			return fmt.Errorf("catalog.json: apis[%d] (%s) has auth strategy type %q; the portal knows %s and %s", i, a.Slug, a.AuthStrategy.Type, AuthKey, AuthNone)
		}
		ids[a.ID], slugs[a.Slug] = true, true
	}
	prefixes := map[string]bool{}
	for i, r := range c.Gate {
		switch {
		case !strings.HasPrefix(r.Prefix, "/") || !strings.HasSuffix(r.Prefix, "/") || r.Prefix != strings.ToLower(r.Prefix) || strings.Contains(r.Prefix, "//"):
			return fmt.Errorf("catalog.json: gate[%d] prefix %q must be a lower-case folder path (/…/); rebuild with portal build", i, r.Prefix)
		case prefixes[r.Prefix]:
			return fmt.Errorf("catalog.json: gate[%d] repeats the prefix %q; rebuild with portal build", i, r.Prefix)
		case r.Need != NeedNothing && r.Need != NeedPages && !(strings.HasPrefix(r.Need, NeedAPIPrefix) && slugs[strings.TrimPrefix(r.Need, NeedAPIPrefix)]):
			return fmt.Errorf("catalog.json: gate[%d] needs %q; a rule needs nothing, %q or %q followed by a published API's slug", i, r.Need, NeedPages, NeedAPIPrefix)
		}
		prefixes[r.Prefix] = true
	}
	return nil
}

// Decode reads and validates catalog.json.
func Decode(data []byte) (Catalog, error) {
	var c Catalog
	if err := json.Unmarshal(data, &c); err != nil {
		return Catalog{}, fmt.Errorf("catalog.json: %w", err)
	}
	return c, c.Validate()
}

// Encode writes catalog.json, indented for people reading the build.
func (c Catalog) Encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

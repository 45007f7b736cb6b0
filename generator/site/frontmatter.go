package site

// This file is the contract between the site writer and themes/portal.
//
// The writer generates a Hugo project (hugo.toml, content/, data/, static/)
// and runs Hugo with the theme. Every generated page is a Markdown file whose
// front matter is JSON and whose body is empty: Hugo renders the page chrome
// from templates, and the parts that come from an untrusted description are
// HTML fragments that our Go renderer produced (escaped and sanitised). The
// theme places each fragment with its own partial, so that a user can
// override or drop any of them from their own layouts/ folder; see Fragments.
//
// Hugo lower-cases every key of .Params, so all keys here are snake_case and
// anything whose keys must survive (try-it data, examples) travels as a
// pre-serialised string.
//
// URLs:
//
//	/                                   home (content/_index.md, user-owned)
//	/apis/                              catalog            layout "catalog"
//	/apis/{api}/                        API overview       layout "api"
//	/apis/{api}/docs/...                the API's Markdown docs (user-owned; no layout set: "page"/"section")
//	/apis/{api}/reference/              operations by tag  layout "reference"
//	/apis/{api}/reference/{op}/         one operation      layout "operation"
//	/apis/{api}/webhooks/{op}/          one 3.1 webhook    layout "operation" (webhook: true)
//	/apis/{api}/schemas/                schema index       layout "schemas"
//	/apis/{api}/schemas/{schema}/       one schema         layout "schema"
//
// AsyncAPI descriptions have no reference/ or webhooks/; instead:
//
//	/apis/{api}/channels/               channels           layout "reference"
//	/apis/{api}/operations/             operations by channel layout "reference"
//	/apis/{api}/operations/{op}/        one send/receive   layout "operation" (method SEND or RECEIVE, path the channel address)
//	/apis/{api}/messages/               message index      layout "schemas"
//	/apis/{api}/messages/{msg}/         one message        layout "message"
//	/search-index.json                  search documents (SearchDoc), written after Hugo
//	/apis/{api}/{file}                  the original description, for download

// FrontMatter is the JSON front matter of every generated page.
type FrontMatter struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"` // plain text, for <meta name=description>
	Layout      string `json:"layout"`
	Weight      int    `json:"weight,omitempty"`
	Params      Params `json:"params"`
	// Sitemap and build options, e.g. excluded pages.
	Sitemap map[string]any `json:"sitemap,omitempty"`
}

// Params is .Params of a generated page. Fields are empty where they do not
// apply to the page's layout.
type Params struct {
	Generated bool `json:"generated"` // always true: lets templates tell generated pages from user pages

	// API is set on every page under /apis/{api}/.
	API *APIParams `json:"api,omitempty"`

	// Operation pages.
	Method      string   `json:"method,omitempty"`       // GET, POST, ...
	Path        string   `json:"path,omitempty"`         // /pets/{petId}, or the webhook name
	OperationID string   `json:"operation_id,omitempty"` //
	Tags        []string `json:"op_tags,omitempty"`      // the operation's tags
	Deprecated  bool     `json:"deprecated,omitempty"`   //
	Webhook     bool     `json:"webhook,omitempty"`      //

	// Schema pages.
	SchemaName string `json:"schema_name,omitempty"`

	// Account pages: signup, login, verify-email, forgot-password,
	// reset-password, account.
	AccountPage string `json:"account_page,omitempty"`
	// Admin console pages: login, overview, developers, registrations,
	// applications, teams, apis, settings, auth-strategies, audit.
	AdminPage string `json:"admin_page,omitempty"`
	// AdminSignedOut marks the console's pages for someone not logged in
	// (login, accept an invitation, a forgotten password).
	AdminSignedOut bool `json:"admin_signed_out,omitempty"`
	// AppsPage names a page of My Apps: list (/apps/) or app
	// (/apps/app/?id=…).
	AppsPage string `json:"apps_page,omitempty"`
	// NoIndex asks search engines not to index the page (a developer's
	// own pages).
	NoIndex bool `json:"noindex,omitempty"`
	// Referrer, if set, is the page's <meta name="referrer"> policy.
	Referrer string `json:"referrer,omitempty"`

	// AsyncAPI message pages.
	MessageName string `json:"message_name,omitempty"`
	ContentType string `json:"content_type,omitempty"`

	// Fragments names the HTML fragments this page has, rendered and
	// sanitised in Go. The theme marks where each goes with
	// <portal-fragment name="NAME"></portal-fragment> (partial
	// "fragment.html"); after Hugo has rendered the page, the generator
	// replaces each marker with its fragment. Keeping kilobytes of markup out
	// of front matter keeps Hugo fast and small on specs with thousands of
	// operations. Names by layout:
	//   api:       description, servers, security, info
	//   reference: index (operations grouped by tag, with method badges)
	//   schemas:   index
	//   operation: description, security, parameters, request, responses,
	//              callbacks, samples (code samples, tabbed), tryit (the
	//              try-it island's <script type="application/json"> data)
	//   schema:    description, schema, example, used_by
	//   operation (AsyncAPI): description, channel (action and address),
	//              security, parameters (channel parameters), messages
	//              (payload and headers trees), reply, bindings; no samples
	//              or tryit
	//   message:   description, info (name, content type, correlation id,
	//              traits applied), headers, payload, examples, bindings,
	//              used_by
	//   every generated page under /apis/{api}/: nav, the sidebar's
	//              operations by tag (only the current tag expanded)
	Fragments []string `json:"fragments,omitempty"`
}

// APIParams describes the API a page belongs to.
type APIParams struct {
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Version     string   `json:"version"`      // the portal.yaml version, else info.version
	Kind        string   `json:"kind"`         // openapi, asyncapi
	SpecVersion string   `json:"spec_version"` // 3.1.0, 2.0, ...
	Labels      []string `json:"labels,omitempty"`
	Summary     string   `json:"summary,omitempty"` // plain text, one paragraph, for the catalog card
	Download    string   `json:"download"`          // URL of the original description
	Operations  int      `json:"operations"`
	Schemas     int      `json:"schemas"`
	HasDocs     bool     `json:"has_docs"`
	// KeyAuth: the description asks for an API key in a header, so the
	// overview offers a way to get one.
	KeyAuth bool   `json:"key_auth,omitempty"`
	URL     string `json:"url"` // /apis/{api}/
	// AsyncAPI: the servers' protocols (kafka, mqtt, ...) for the catalog
	// badge, and the number of channels and messages.
	Protocols []string `json:"protocols,omitempty"`
	Channels  int      `json:"channels,omitempty"`
	Messages  int      `json:"messages,omitempty"`
	// Private: the API's pages are gated, and it is left out of the
	// public catalog (a logged-in developer's browser adds it from
	// /api/v3/apis).
	Private bool `json:"private,omitempty"`

	// SummaryIsDescription: Summary is the description's first paragraph
	// (neither portal.yaml nor info.summary gave one), so the overview,
	// which shows the description, does not show it again as its lead.
	SummaryIsDescription bool `json:"summary_is_description,omitempty"`
}

// SearchDoc is one entry of /search-index.json. Short keys keep the index
// small; the search island indexes t, p, o, g, s and shows the rest.
type SearchDoc struct {
	ID      int    `json:"id"`
	Kind    string `json:"k"`           // api, operation, webhook, schema, channel, message, page
	Title   string `json:"t"`           //
	URL     string `json:"u"`           //
	API     string `json:"a,omitempty"` // API title
	Method  string `json:"m,omitempty"` //
	Path    string `json:"p,omitempty"` //
	OpID    string `json:"o,omitempty"` //
	Tag     string `json:"g,omitempty"` //
	Summary string `json:"s,omitempty"` // plain text, at most ~160 characters
}

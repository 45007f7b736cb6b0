package render

import (
	"strings"

	"github.com/portal-dev/portal/generator/spec"
)

// Overview renders the fragments of the API overview page. Keys:
// description, servers, security, info.
func (r *Renderer) Overview() map[string]string {
	out := map[string]string{
		"description": r.descriptionHTML(r.api.Description, r.api.ExternalDocs),
		"servers":     "",
		"security":    "",
		"info":        "",
	}
	switch {
	case len(r.api.Servers) > 0 && r.isAsync():
		out["servers"] = renderString(asyncServersView(r.asyncServerViews()))
	case len(r.api.Servers) > 0:
		out["servers"] = renderString(serversView(r.serverViews()))
	}
	if len(r.api.SecuritySchemes) > 0 {
		out["security"] = renderString(schemesView(r.schemeViews(), r.defaultSecurity()))
	}
	if info := r.infoView(); len(info) > 0 {
		out["info"] = renderString(infoView(info))
	}
	return out
}

type serverView struct {
	URL, Href string
	Desc      string
	Variables []variableView
}

type variableView struct {
	Name, Default string
	Enum          []string
	Desc          string
}

func (r *Renderer) serverViews() []serverView {
	var out []serverView
	for _, s := range r.api.Servers {
		sv := serverView{URL: s.URL, Desc: r.markdown(s.Description)}
		if len(s.Variables) == 0 {
			sv.Href = string(safeURL(s.URL))
		}
		for _, v := range s.Variables {
			sv.Variables = append(sv.Variables, variableView{Name: v.Name, Default: v.Default, Enum: v.Enum, Desc: r.markdown(v.Description)})
		}
		out = append(out, sv)
	}
	return out
}

type schemeView struct {
	Key, Anchor, Kind string
	Desc              string
	OpenID            *linkView
	Flows             []flowView
}

type flowView struct {
	Type                          string
	Authorization, Token, Refresh *linkView
	Scopes                        []scopeView
}

type scopeView struct{ Name, Desc string }

func urlLink(u string) *linkView {
	if u == "" {
		return nil
	}
	return &linkView{Text: u, URL: string(safeURL(u))}
}

func (r *Renderer) schemeViews() []schemeView {
	var out []schemeView
	for _, sc := range r.api.SecuritySchemes {
		sv := schemeView{Key: sc.Key, Anchor: "security-" + slugify(sc.Key), Kind: schemeKind(&sc), Desc: r.markdown(sc.Description), OpenID: urlLink(sc.OpenIDConnectURL)}
		for _, f := range sc.Flows {
			fv := flowView{Type: f.Type, Authorization: urlLink(f.AuthorizationURL), Token: urlLink(f.TokenURL), Refresh: urlLink(f.RefreshURL)}
			for _, s := range f.Scopes {
				fv.Scopes = append(fv.Scopes, scopeView{Name: s.Name, Desc: PlainText(s.Description, 0)})
			}
			sv.Flows = append(sv.Flows, fv)
		}
		out = append(out, sv)
	}
	return out
}

// defaultSecurity is the fragment for the document-wide requirement.
func (r *Renderer) defaultSecurity() string {
	if len(r.api.Security) == 0 {
		return ""
	}
	return r.securityHTML(r.api.Security, true)
}

type infoItem struct {
	Label string
	Text  string
	Link  *linkView
}

func (r *Renderer) infoView() []infoItem {
	var out []infoItem
	if r.api.Version != "" {
		out = append(out, infoItem{Label: "Version", Text: r.api.Version})
	}
	if c := r.api.Contact; c != nil {
		if c.Name != "" || c.URL != "" {
			it := infoItem{Label: "Contact", Text: c.Name}
			if c.URL != "" {
				text := c.Name
				if text == "" {
					text = c.URL
				}
				it = infoItem{Label: "Contact", Link: &linkView{Text: text, URL: string(safeURL(c.URL))}}
			}
			out = append(out, it)
		}
		if c.Email != "" {
			out = append(out, infoItem{Label: "Email", Link: &linkView{Text: c.Email, URL: string(safeURL("mailto:" + c.Email))}})
		}
	}
	if l := r.api.License; l != nil && (l.Name != "" || l.Identifier != "") {
		name := l.Name
		if name == "" {
			name = l.Identifier
		}
		u := l.URL
		if u == "" && l.Identifier != "" {
			u = "https://spdx.org/licenses/" + l.Identifier + ".html"
		}
		it := infoItem{Label: "License", Text: name}
		if u != "" {
			it = infoItem{Label: "License", Link: &linkView{Text: name, URL: string(safeURL(u))}}
		}
		out = append(out, it)
	}
	if r.api.TermsOfService != "" {
		out = append(out, infoItem{Label: "Terms of service", Link: &linkView{Text: r.api.TermsOfService, URL: string(safeURL(r.api.TermsOfService))}})
	}
	return out
}

// indexOp is one line of an operation list.
type indexOp struct {
	Method, Path, Summary, URL string
	Deprecated                 bool
}

func (r *Renderer) indexOp(op *spec.Operation) indexOp {
	return indexOp{Method: op.Method, Path: op.Path, Summary: op.Summary, URL: r.OperationURL(op), Deprecated: op.Deprecated}
}

type indexGroup struct {
	Name, Anchor string
	Desc         string
	Ops          []indexOp
}

// ReferenceIndex renders the operations grouped by tag (untagged ones
// under "Other"), then the webhooks. Each group's heading carries the id
// that Nav links to: "tag-<slug>", and "webhooks".
func (r *Renderer) ReferenceIndex() string {
	var groups []indexGroup
	for _, g := range r.groups {
		ig := indexGroup{Name: g.Name, Anchor: g.Anchor, Desc: r.markdown(r.tagDesc[g.Name])}
		for _, op := range g.Ops {
			ig.Ops = append(ig.Ops, r.indexOp(op))
		}
		groups = append(groups, ig)
	}
	if len(r.api.Webhooks) > 0 {
		ig := indexGroup{Name: "Webhooks", Anchor: "webhooks"}
		for _, op := range r.api.Webhooks {
			ig.Ops = append(ig.Ops, r.indexOp(op))
		}
		groups = append(groups, ig)
	}
	return renderString(referenceIndexView(groups))
}

type schemaItem struct {
	Name, URL, Type, Summary string
}

// SchemasIndex renders the list of component schemas.
func (r *Renderer) SchemasIndex() string {
	var items []schemaItem
	for _, ns := range r.api.Schemas {
		it := schemaItem{Name: ns.Name, URL: r.SchemaURL(ns)}
		if ns.Schema != nil {
			it.Type = typeName(ns.Schema)
			it.Summary = PlainText(ns.Schema.Description, 140)
		}
		items = append(items, it)
	}
	return renderString(schemasIndexView(items))
}

// Schema renders the fragments of a component schema page. Keys:
// description, schema, example, used_by.
func (r *Renderer) Schema(ns *spec.NamedSchema) map[string]string {
	out := map[string]string{"description": "", "schema": "", "example": "", "used_by": ""}
	if ns.Schema == nil {
		return out
	}
	out["description"] = r.markdown(ns.Schema.Description)
	b := r.newTree()
	b.self = ns.Name
	if ns.Schema.Ref == "" {
		b.stack = []string{ns.Name}
	}
	tree := b.root(ns.Schema)
	tree.Desc = "" // shown as the page description
	out["schema"] = renderString(schemaTree(tree))
	if ns.Schema.Raw == "" {
		out["example"] = renderString(exampleBlock(jsonPretty(Example(ns.Schema))))
	}
	var ops []indexOp
	for _, op := range r.usedByOps[ns.Name] {
		ops = append(ops, r.indexOp(op))
	}
	var schemas []schemaItem
	for _, s := range r.usedBySchema[ns.Name] {
		schemas = append(schemas, schemaItem{Name: s.Name, URL: r.SchemaURL(s)})
	}
	if len(ops) > 0 || len(schemas) > 0 {
		out["used_by"] = renderString(usedByView(ops, schemas))
	}
	return out
}

type navGroup struct {
	Name, URL string
	Open      bool
	Ops       []navOp
}

type navOp struct {
	Method, Label, URL string
	Sub                string // secondary text: an AsyncAPI operation's channel address
	Current            bool
}

// Nav renders the API sidebar for the page at URL current: overview,
// reference tags (only the current operation's tag expanded; the others
// link to the index), webhooks, schemas. The current link carries
// aria-current="page".
func (r *Renderer) Nav(current string) string {
	_, html, mark := r.SharedNav(current)
	return MarkCurrent(html, mark)
}

// SharedNav is Nav in two parts: the sidebar that every page with the
// same key shares (key "" is the one with no group open), and the link
// that Nav marks as the current page ("" for none). The sidebar is the
// same for every operation of a tag but for that link, so the site writer
// keeps it once per tag.
func (r *Renderer) SharedNav(current string) (key, html, mark string) {
	curOp := r.opByURL[current]
	open := ""
	if curOp != nil {
		open = "\x00webhooks"
		if !curOp.Webhook {
			open = r.opTag[curOp]
		}
		if r.isAsync() {
			open = "" // one sidebar lists them all
		}
		mark = current
	}
	if v, ok := r.navCache.Load(open); ok {
		html = v.(string)
	} else {
		html = r.renderNav(open)
		r.navCache.Store(open, html)
	}
	return open, html, mark
}

// MarkCurrent marks the link to current in a sidebar from SharedNav.
func MarkCurrent(html, current string) string {
	if current == "" {
		return html
	}
	link := `<a href="` + current + `">`
	return strings.Replace(html, link, `<a href="`+current+`" aria-current="page">`, 1)
}

func (r *Renderer) renderNav(open string) string {
	if r.isAsync() {
		return renderString(navView(navData{Ops: r.asyncNavOps()}))
	}
	var groups []navGroup
	add := func(name, anchor string, ops []*spec.Operation, isOpen bool) {
		g := navGroup{Name: name, URL: r.referenceURL() + "#" + anchor, Open: isOpen}
		if isOpen {
			for _, op := range ops {
				label := op.Summary
				if label == "" && op.Action != "" {
					label = op.ID
				}
				if label == "" {
					label = op.Path
				}
				g.Ops = append(g.Ops, navOp{Method: op.Method, Label: label, URL: r.OperationURL(op)})
			}
		}
		groups = append(groups, g)
	}
	for _, g := range r.groups {
		add(g.Name, g.Anchor, g.Ops, open == g.Name)
	}
	if len(r.api.Webhooks) > 0 {
		add("Webhooks", "webhooks", r.api.Webhooks, open == "\x00webhooks")
	}
	return renderString(navView(navData{
		Base:      r.opts.Base,
		Reference: r.referenceURL(),
		Schemas:   r.schemasURL(),
		Groups:    groups,
		HasSchema: len(r.api.Schemas) > 0,
	}))
}

type navData struct {
	Base, Reference, Schemas, Current string
	Groups                            []navGroup
	Ops                               []navOp // AsyncAPI: every operation, by name, in channel order
	HasSchema                         bool
}

// asyncNavOps lists an AsyncAPI description's operations for the sidebar,
// all of them (they are few) in channel order: each by its title, summary
// or operationId, with its channel's address as secondary text.
func (r *Renderer) asyncNavOps() []navOp {
	var out []navOp
	for _, g := range r.groups {
		for _, op := range g.Ops {
			sub := op.Path
			if op.Channel != nil {
				sub = op.Channel.Label()
			}
			label := firstNonEmpty(op.Title, PlainText(op.Summary, 80), op.ID, sub)
			if label == sub {
				sub = ""
			}
			out = append(out, navOp{Method: op.Method, Label: label, URL: r.OperationURL(op), Sub: sub})
		}
	}
	return out
}

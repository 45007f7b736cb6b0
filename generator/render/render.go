// Package render turns a *spec.API into the sanitised HTML fragments that the
// Hugo theme prints with safeHTML (see generator/site/frontmatter.go for which
// fragment goes to which layout).
//
// Descriptions are untrusted CommonMark and reach HTML only through
// Markdown; every other string from the spec (names, paths, enum values,
// examples, URLs) is escaped by the templ components.
package render

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/portal-dev/portal/generator/spec"
)

// Options configure a Renderer.
type Options struct {
	// Base is the API's URL path, such as "/apis/httpbin/"; every URL the
	// renderer emits is under it.
	Base string
	// ExtraServers are offered first in the try-it server picker and marked
	// as local, e.g. the upstream that `portal serve` runs.
	ExtraServers []spec.Server
	// Samples say where code samples send requests and with which key.
	Samples Samples
}

// Renderer renders one API. It is safe for concurrent use once built.
type Renderer struct {
	api  *spec.API
	opts Options

	schemaByName map[string]*spec.NamedSchema
	schemes      map[string]*spec.SecurityScheme
	tagAnchor    map[string]string // tag name → id on the reference index
	tagDesc      map[string]string
	groups       []tagGroup // reference index order
	opTag        map[*spec.Operation]string
	usedByOps    map[string][]*spec.Operation // schema name → operations
	usedBySchema map[string][]*spec.NamedSchema
	mdCache      sync.Map // description → sanitised HTML; specs repeat them a lot
	navCache     sync.Map // open group ("" for none) → sidebar HTML without aria-current
	opByURL      map[string]*spec.Operation
}

// markdown is Markdown with a per-API cache.
func (r *Renderer) markdown(src string) string {
	if src == "" {
		return ""
	}
	if v, ok := r.mdCache.Load(src); ok {
		return v.(string)
	}
	out := Markdown(src)
	r.mdCache.Store(src, out)
	return out
}

// tagGroup is one section of the reference index.
type tagGroup struct {
	Name, Anchor string
	Ops          []*spec.Operation
}

// otherTag holds untagged operations.
const otherTag = "Other"

// New prepares a Renderer for api.
func New(api *spec.API, opts Options) *Renderer {
	if !strings.HasSuffix(opts.Base, "/") {
		opts.Base += "/"
	}
	r := &Renderer{
		api:          api,
		opts:         opts,
		schemaByName: map[string]*spec.NamedSchema{},
		schemes:      map[string]*spec.SecurityScheme{},
		tagAnchor:    map[string]string{},
		tagDesc:      map[string]string{},
		opTag:        map[*spec.Operation]string{},
		usedByOps:    map[string][]*spec.Operation{},
		usedBySchema: map[string][]*spec.NamedSchema{},
	}
	for _, ns := range api.Schemas {
		r.schemaByName[ns.Name] = ns
	}
	r.opByURL = make(map[string]*spec.Operation, len(api.Operations)+len(api.Webhooks))
	for _, op := range allOperations(api) {
		r.opByURL[r.OperationURL(op)] = op
	}
	for i := range api.SecuritySchemes {
		r.schemes[api.SecuritySchemes[i].Key] = &api.SecuritySchemes[i]
	}

	// Tag groups in declaration order, then "Other"; anchors unique.
	used := map[string]bool{"webhooks": true}
	byTag := map[string]*tagGroup{}
	var order []string
	addTag := func(name string) {
		if _, ok := byTag[name]; ok {
			return
		}
		a := "tag-" + slugify(name)
		for i := 2; used[a]; i++ {
			a = "tag-" + slugify(name) + "-" + strconv.Itoa(i)
		}
		used[a] = true
		r.tagAnchor[name] = a
		byTag[name] = &tagGroup{Name: name, Anchor: a}
		order = append(order, name)
	}
	for _, t := range api.Tags {
		addTag(t.Name)
		if t.Description != "" {
			r.tagDesc[t.Name] = t.Description
		}
	}
	var other []*spec.Operation
	for _, op := range api.Operations {
		if len(op.Tags) == 0 {
			other = append(other, op)
			r.opTag[op] = otherTag
			continue
		}
		r.opTag[op] = op.Tags[0]
		for _, t := range op.Tags {
			addTag(t)
			byTag[t].Ops = append(byTag[t].Ops, op)
		}
	}
	if len(other) > 0 {
		addTag(otherTag)
		byTag[otherTag].Ops = append(byTag[otherTag].Ops, other...)
	}
	for _, name := range order {
		if g := byTag[name]; len(g.Ops) > 0 {
			r.groups = append(r.groups, *g)
		}
	}
	if r.isAsync() {
		// AsyncAPI operations are found by channel, not by tag.
		r.groups = r.channelGroups()
	}

	// Direct references, for the "used by" lists of schema pages.
	for _, op := range allOperations(api) {
		seen := map[string]bool{}
		for _, s := range operationSchemas(op) {
			collectRefs(s, seen, map[*spec.Schema]bool{}, false)
		}
		for name := range seen {
			r.usedByOps[name] = append(r.usedByOps[name], op)
		}
	}
	for _, ns := range api.Schemas {
		seen := map[string]bool{}
		collectRefs(ns.Schema, seen, map[*spec.Schema]bool{}, true)
		for name := range seen {
			if name != ns.Name {
				r.usedBySchema[name] = append(r.usedBySchema[name], ns)
			}
		}
	}
	return r
}

// allOperations lists operations, then webhooks, then callback operations.
func allOperations(api *spec.API) []*spec.Operation {
	ops := append(append([]*spec.Operation{}, api.Operations...), api.Webhooks...)
	return ops
}

// operationSchemas are the top-level schemas an operation mentions.
func operationSchemas(op *spec.Operation) []*spec.Schema {
	var out []*spec.Schema
	for _, p := range op.Parameters {
		out = append(out, p.Schema)
	}
	if op.RequestBody != nil {
		for _, mt := range op.RequestBody.Content {
			out = append(out, mt.Schema)
		}
	}
	for _, resp := range op.Responses {
		for _, h := range resp.Headers {
			out = append(out, h.Schema)
		}
		for _, mt := range resp.Content {
			out = append(out, mt.Schema)
		}
	}
	for _, m := range op.Messages {
		out = append(out, m.Payload, m.Headers)
	}
	if op.Reply != nil {
		for _, m := range op.Reply.Messages {
			out = append(out, m.Payload, m.Headers)
		}
	}
	for _, cb := range op.Callbacks {
		for _, cop := range cb.Operations {
			out = append(out, operationSchemas(cop)...)
		}
	}
	return out
}

// collectRefs records the names of the refs reachable from s without
// passing through another ref. root is the schema of a component page,
// which may itself carry its own name as Ref.
func collectRefs(s *spec.Schema, names map[string]bool, seen map[*spec.Schema]bool, root bool) {
	if s == nil {
		return
	}
	if s.Ref != "" && !root {
		names[s.Ref] = true
		return
	}
	if seen[s] {
		return
	}
	seen[s] = true
	for _, p := range s.Properties {
		collectRefs(p.Schema, names, seen, false)
	}
	for _, p := range s.PatternProperties {
		collectRefs(p.Schema, names, seen, false)
	}
	for _, list := range [][]*spec.Schema{s.AllOf, s.OneOf, s.AnyOf, s.PrefixItems} {
		for _, c := range list {
			collectRefs(c, names, seen, false)
		}
	}
	collectRefs(s.Items, names, seen, false)
	collectRefs(s.AdditionalProperties, names, seen, false)
	collectRefs(s.Not, names, seen, false)
}

// OperationURL is the page of an operation or webhook.
func (r *Renderer) OperationURL(op *spec.Operation) string {
	if op.Webhook {
		return r.opts.Base + "webhooks/" + op.Slug + "/"
	}
	if op.Action != "" {
		return r.opts.Base + "operations/" + op.Slug + "/"
	}
	return r.opts.Base + "reference/" + op.Slug + "/"
}

// SchemaURL is the page of a component schema.
func (r *Renderer) SchemaURL(ns *spec.NamedSchema) string {
	return r.opts.Base + "schemas/" + ns.Slug + "/"
}

// schemaURLByName is SchemaURL for a Ref, or "" when the component is unknown.
func (r *Renderer) schemaURLByName(name string) string {
	if ns, ok := r.schemaByName[name]; ok {
		return r.SchemaURL(ns)
	}
	return ""
}

func (r *Renderer) referenceURL() string {
	if r.isAsync() {
		return r.opts.Base + "channels/"
	}
	return r.opts.Base + "reference/"
}
func (r *Renderer) schemasURL() string { return r.opts.Base + "schemas/" }

// renderString renders a component into a string. Our components write to
// a strings.Builder only, so an error is a bug in a template.
func renderString(c templ.Component) string {
	var sb strings.Builder
	if err := c.Render(context.Background(), &sb); err != nil {
		panic("render: " + err.Error())
	}
	return sb.String()
}

// slugify makes an id fragment: lower-case letters, digits and dashes.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if out == "" {
		return "x"
	}
	return out
}

// safeURL returns u as a link target when it is absolute http(s) or mailto,
// else "" so that the caller shows it as text.
func safeURL(u string) templ.SafeURL {
	u = strings.TrimSpace(u)
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		if p.Host == "" {
			return ""
		}
		return templ.SafeURL(p.String())
	case "mailto":
		return templ.SafeURL(p.String())
	}
	return ""
}

// methodClass is the badge class of an HTTP method.
func methodClass(m string) string {
	return "method method-" + slugify(m)
}

func itoa(i int) string { return strconv.Itoa(i) }

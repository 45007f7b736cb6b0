package openapi

import (
	"strings"

	"github.com/pb33f/libopenapi/datamodel"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"

	"github.com/portal-dev/portal/generator/slug"
	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/generator/yamljson"
	"github.com/portal-dev/portal/generator/yamlnode"
)

// v3conv converts one OpenAPI 3.x document.
type v3conv struct {
	l       *loader
	schemas *schemas
	slugs   *slug.Slugger
	tags    *tagSet
}

func (l *loader) convertV3(info *datamodel.SpecInfo, doc *v3.Document) *spec.API {
	c := &v3conv{l: l, schemas: newSchemas("#/components/schemas/", l.root, l.idx), slugs: slug.New(), tags: &tagSet{}}
	api := &spec.API{Kind: spec.KindOpenAPI, SpecVersion: info.Version}
	convertInfo(api, doc.Info)
	api.ExternalDocs = externalDocs(doc.ExternalDocs)
	api.Servers = servers(doc.Servers)
	c.tags.declareAll(doc.Tags)
	if comp := doc.Components; comp != nil {
		api.Schemas = c.schemas.buildComponents(l.lookup("components", "schemas"))
		if comp.SecuritySchemes != nil {
			for key, s := range comp.SecuritySchemes.FromOldest() {
				api.SecuritySchemes = append(api.SecuritySchemes, securityScheme(key, s))
			}
		}
	}
	if low := doc.GoLow(); low != nil && low.Security.ValueNode != nil {
		api.Security = security(doc.Security)
	}
	if doc.Paths != nil && doc.Paths.PathItems != nil {
		for path, item := range doc.Paths.PathItems.FromOldest() {
			api.Operations = append(api.Operations, c.pathItem(path, item, "/paths/"+yamlnode.EscapePointer(path), false)...)
		}
	}
	if doc.Webhooks != nil {
		for name, item := range doc.Webhooks.FromOldest() {
			api.Webhooks = append(api.Webhooks, c.pathItem(name, item, "/webhooks/"+yamlnode.EscapePointer(name), true)...)
		}
	}
	api.Tags = c.tags.list
	l.unusedSchemas(api, c.schemas, "/components/schemas/")
	return api
}

func convertInfo(api *spec.API, info *base.Info) {
	if info == nil {
		return
	}
	api.Title, api.Version, api.Summary = info.Title, info.Version, info.Summary
	api.Description, api.TermsOfService = info.Description, info.TermsOfService
	if c := info.Contact; c != nil {
		api.Contact = &spec.Contact{Name: c.Name, URL: c.URL, Email: c.Email}
	}
	if li := info.License; li != nil {
		api.License = &spec.License{Name: li.Name, URL: li.URL, Identifier: li.Identifier}
	}
}

func externalDocs(d *base.ExternalDoc) *spec.ExternalDocs {
	if d == nil {
		return nil
	}
	return &spec.ExternalDocs{Description: d.Description, URL: d.URL}
}

func servers(ss []*v3.Server) []spec.Server {
	var out []spec.Server
	for _, s := range ss {
		if s == nil {
			continue
		}
		srv := spec.Server{URL: s.URL, Description: s.Description}
		if s.Variables != nil {
			for name, v := range s.Variables.FromOldest() {
				if v != nil {
					srv.Variables = append(srv.Variables, spec.ServerVariable{Name: name, Default: v.Default, Enum: v.Enum, Description: v.Description})
				}
			}
		}
		out = append(out, srv)
	}
	return out
}

func securityScheme(key string, s *v3.SecurityScheme) spec.SecurityScheme {
	out := spec.SecurityScheme{Key: key}
	if s == nil {
		return out
	}
	out.Type, out.Description, out.Name, out.In = s.Type, s.Description, s.Name, s.In
	out.Scheme, out.BearerFormat, out.OpenIDConnectURL = s.Scheme, s.BearerFormat, s.OpenIdConnectUrl
	if f := s.Flows; f != nil {
		for _, fl := range []struct {
			name string
			flow *v3.OAuthFlow
		}{{"implicit", f.Implicit}, {"password", f.Password}, {"clientCredentials", f.ClientCredentials}, {"authorizationCode", f.AuthorizationCode}, {"deviceAuthorization", f.Device}} {
			if fl.flow == nil {
				continue
			}
			flow := spec.OAuthFlow{Type: fl.name, AuthorizationURL: fl.flow.AuthorizationUrl, TokenURL: fl.flow.TokenUrl, RefreshURL: fl.flow.RefreshUrl}
			flow.Scopes = scopes(fl.flow.Scopes)
			out.Flows = append(out.Flows, flow)
		}
	}
	return out
}

func scopes(m *orderedmap.Map[string, string]) []spec.Scope {
	if m == nil {
		return nil
	}
	var out []spec.Scope
	for name, desc := range m.FromOldest() {
		out = append(out, spec.Scope{Name: name, Description: desc})
	}
	return out
}

// security converts requirements; the result is non-nil even when empty.
func security(reqs []*base.SecurityRequirement) []spec.SecurityRequirement {
	out := make([]spec.SecurityRequirement, 0, len(reqs))
	for _, r := range reqs {
		if r == nil {
			continue
		}
		var req spec.SecurityRequirement
		if r.Requirements != nil {
			for key, sc := range r.Requirements.FromOldest() {
				req.Schemes = append(req.Schemes, spec.SchemeRef{Key: key, Scopes: sc})
			}
		}
		out = append(out, req)
	}
	return out
}

// tagSet collects tags: declared ones first, then those seen on operations.
type tagSet struct {
	list []spec.Tag
	seen map[string]bool
}

func (t *tagSet) declare(tag spec.Tag) {
	if t.seen == nil {
		t.seen = map[string]bool{}
	}
	if t.seen[tag.Name] {
		return
	}
	t.seen[tag.Name] = true
	t.list = append(t.list, tag)
}

// declareAll declares the document's tags, in order.
func (t *tagSet) declareAll(tags []*base.Tag) {
	for _, tag := range tags {
		if tag != nil {
			t.declare(spec.Tag{Name: tag.Name, Description: tag.Description, ExternalDocs: externalDocs(tag.ExternalDocs)})
		}
	}
}

func (t *tagSet) use(names []string) {
	for _, n := range names {
		t.declare(spec.Tag{Name: n})
	}
}

type methodOp struct {
	method string
	op     *v3.Operation
}

func pathOperations(item *v3.PathItem) []methodOp {
	ops := []methodOp{
		{"get", item.Get}, {"put", item.Put}, {"post", item.Post}, {"delete", item.Delete},
		{"options", item.Options}, {"head", item.Head}, {"patch", item.Patch}, {"trace", item.Trace}, {"query", item.Query},
	}
	if item.AdditionalOperations != nil {
		for m, op := range item.AdditionalOperations.FromOldest() {
			ops = append(ops, methodOp{m, op})
		}
	}
	return ops
}

func (c *v3conv) pathItem(path string, item *v3.PathItem, pointer string, webhook bool) []*spec.Operation {
	if item == nil {
		return nil
	}
	var out []*spec.Operation
	for _, mo := range pathOperations(item) {
		if mo.op == nil {
			continue
		}
		out = append(out, c.operation(path, mo.method, item, mo.op, pointer+"/"+yamlnode.EscapePointer(mo.method), webhook))
	}
	return out
}

func (c *v3conv) operation(path, method string, item *v3.PathItem, op *v3.Operation, pointer string, webhook bool) *spec.Operation {
	o := &spec.Operation{
		ID: op.OperationId, Method: strings.ToUpper(method), Path: path, Webhook: webhook,
		Summary: op.Summary, Description: op.Description, Tags: op.Tags,
		Deprecated: boolValue(op.Deprecated), ExternalDocs: externalDocs(op.ExternalDocs), Pointer: pointer,
	}
	if o.Summary == "" && o.Description == "" {
		o.Summary, o.Description = item.Summary, item.Description
	}
	c.tags.use(op.Tags)
	if op.OperationId != "" {
		o.Slug = c.slugs.Next(op.OperationId, "operation", true)
	} else {
		o.Slug = c.slugs.Next(method+"-"+path, "operation", false)
	}
	o.Parameters = c.parameters(item.Parameters, op.Parameters)
	if rb := op.RequestBody; rb != nil {
		o.RequestBody = &spec.RequestBody{Description: rb.Description, Required: boolValue(rb.Required), Content: c.content(rb.Content)}
	}
	if r := op.Responses; r != nil {
		if r.Codes != nil {
			for code, resp := range r.Codes.FromOldest() {
				o.Responses = append(o.Responses, c.response(code, resp))
			}
		}
		if r.Default != nil {
			o.Responses = append(o.Responses, c.response("default", r.Default))
		}
	}
	if low := op.GoLow(); low != nil && low.Security.ValueNode != nil {
		o.Security = security(op.Security)
	}
	o.Servers = servers(op.Servers)
	if len(o.Servers) == 0 {
		o.Servers = servers(item.Servers)
	}
	if op.Callbacks != nil {
		for name, cb := range op.Callbacks.FromOldest() {
			if cb == nil || cb.Expression == nil {
				continue
			}
			callback := spec.Callback{Name: name}
			for expr, cbItem := range cb.Expression.FromOldest() {
				callback.Operations = append(callback.Operations,
					c.pathItem(expr, cbItem, pointer+"/callbacks/"+yamlnode.EscapePointer(name)+"/"+yamlnode.EscapePointer(expr), false)...)
			}
			o.Callbacks = append(o.Callbacks, callback)
		}
	}
	return o
}

// parameters merges path-level with operation-level parameters; an
// operation parameter replaces the path one with the same name and location.
func (c *v3conv) parameters(pathParams, opParams []*v3.Parameter) []spec.Parameter {
	var out []spec.Parameter
	overridden := func(p *v3.Parameter) bool {
		for _, q := range opParams {
			if q != nil && q.Name == p.Name && q.In == p.In {
				return true
			}
		}
		return false
	}
	for _, p := range pathParams {
		if p != nil && !overridden(p) {
			out = append(out, c.parameter(p))
		}
	}
	for _, p := range opParams {
		if p != nil {
			out = append(out, c.parameter(p))
		}
	}
	return out
}

func (c *v3conv) parameter(p *v3.Parameter) spec.Parameter {
	out := spec.Parameter{
		Name: p.Name, In: p.In, Description: p.Description, Required: boolValue(p.Required),
		Deprecated: p.Deprecated, Style: p.Style, Explode: p.Explode,
		AllowEmptyValue: p.AllowEmptyValue, AllowReserved: p.AllowReserved,
		Schema: c.schemas.proxy(p.Schema), Examples: examples(p.Examples),
	}
	if p.Example != nil {
		out.Example = yamljson.Value(p.Example)
	}
	if out.Schema == nil && p.Content != nil {
		// A parameter described by content: show its first media type.
		for _, mt := range p.Content.FromOldest() {
			if mt != nil {
				out.Schema = c.schemas.proxy(mt.Schema)
				if out.Example == nil && mt.Example != nil {
					out.Example = yamljson.Value(mt.Example)
				}
				if out.Examples == nil {
					out.Examples = examples(mt.Examples)
				}
			}
			break
		}
	}
	return out
}

func examples(m *orderedmap.Map[string, *base.Example]) []spec.Example {
	if m == nil || m.Len() == 0 {
		return nil
	}
	out := make([]spec.Example, 0, m.Len())
	for name, e := range m.FromOldest() {
		if e == nil {
			continue
		}
		ex := spec.Example{Name: name, Summary: e.Summary, Description: e.Description, ExternalValue: e.ExternalValue}
		if e.Value != nil {
			ex.Value = yamljson.Value(e.Value)
		} else if e.DataValue != nil {
			ex.Value = yamljson.Value(e.DataValue)
		}
		out = append(out, ex)
	}
	return out
}

func (c *v3conv) content(m *orderedmap.Map[string, *v3.MediaType]) []spec.MediaType {
	if m == nil || m.Len() == 0 {
		return nil
	}
	out := make([]spec.MediaType, 0, m.Len())
	for name, mt := range m.FromOldest() {
		if mt == nil {
			out = append(out, spec.MediaType{Name: name})
			continue
		}
		o := spec.MediaType{Name: name, Schema: c.schemas.proxy(mt.Schema), Examples: examples(mt.Examples)}
		if o.Schema == nil && mt.ItemSchema != nil {
			o.Schema = &spec.Schema{Type: []string{"array"}, Items: c.schemas.proxy(mt.ItemSchema)}
		}
		if mt.Example != nil {
			o.Example = yamljson.Value(mt.Example)
		}
		if mt.Encoding != nil {
			for prop, e := range mt.Encoding.FromOldest() {
				if e != nil {
					o.Encoding = append(o.Encoding, spec.Encoding{Property: prop, ContentType: e.ContentType, Style: e.Style, Explode: e.Explode})
				}
			}
		}
		out = append(out, o)
	}
	return out
}

func (c *v3conv) response(code string, r *v3.Response) spec.Response {
	out := spec.Response{Code: code}
	if r == nil {
		return out
	}
	out.Description = r.Description
	if out.Description == "" {
		out.Description = r.Summary
	}
	if r.Headers != nil {
		for name, h := range r.Headers.FromOldest() {
			if h == nil {
				continue
			}
			hd := spec.Header{Name: name, Description: h.Description, Required: h.Required, Deprecated: h.Deprecated, Schema: c.schemas.proxy(h.Schema)}
			if h.Example != nil {
				hd.Example = yamljson.Value(h.Example)
			}
			if hd.Schema == nil && h.Content != nil {
				for _, mt := range h.Content.FromOldest() {
					if mt != nil {
						hd.Schema = c.schemas.proxy(mt.Schema)
					}
					break
				}
			}
			out.Headers = append(out.Headers, hd)
		}
	}
	out.Content = c.content(r.Content)
	if r.Links != nil {
		for name, lk := range r.Links.FromOldest() {
			if lk != nil {
				out.Links = append(out.Links, spec.Link{Name: name, OperationID: lk.OperationId, OperationRef: lk.OperationRef, Description: lk.Description})
			}
		}
	}
	return out
}

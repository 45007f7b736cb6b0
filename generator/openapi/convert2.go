package openapi

import (
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel"
	v2 "github.com/pb33f/libopenapi/datamodel/high/v2"

	"github.com/portal-dev/portal/generator/slug"
	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/generator/yamljson"
	"github.com/portal-dev/portal/generator/yamlnode"
)

// v2conv converts one Swagger 2.0 document.
type v2conv struct {
	l        *loader
	doc      *v2.Swagger
	schemas  *schemas
	slugs    *slug.Slugger
	tags     *tagSet
	consumes []string
	produces []string
}

func (l *loader) convertV2(info *datamodel.SpecInfo, doc *v2.Swagger) *spec.API {
	c := &v2conv{l: l, doc: doc, schemas: newSchemas("#/definitions/", l.root, l.idx), slugs: slug.New(), tags: &tagSet{},
		consumes: doc.Consumes, produces: doc.Produces}
	api := &spec.API{Kind: spec.KindOpenAPI, SpecVersion: info.Version}
	convertInfo(api, doc.Info)
	api.ExternalDocs = externalDocs(doc.ExternalDocs)
	api.Servers = v2servers(doc.Host, doc.BasePath, doc.Schemes)
	c.tags.declareAll(doc.Tags)
	api.Schemas = c.schemas.buildComponents(l.lookup("definitions"))
	if sd := doc.SecurityDefinitions; sd != nil && sd.Definitions != nil {
		for key, s := range sd.Definitions.FromOldest() {
			api.SecuritySchemes = append(api.SecuritySchemes, v2securityScheme(key, s))
		}
	}
	if low := doc.GoLow(); low != nil && low.Security.ValueNode != nil {
		api.Security = security(doc.Security)
	}
	if doc.Paths != nil && doc.Paths.PathItems != nil {
		for path, item := range doc.Paths.PathItems.FromOldest() {
			if item == nil {
				continue
			}
			for _, mo := range []struct {
				method string
				op     *v2.Operation
			}{{"get", item.Get}, {"put", item.Put}, {"post", item.Post}, {"delete", item.Delete},
				{"options", item.Options}, {"head", item.Head}, {"patch", item.Patch}} {
				if mo.op != nil {
					api.Operations = append(api.Operations, c.operation(path, mo.method, item, mo.op))
				}
			}
		}
	}
	api.Tags = c.tags.list
	l.unusedSchemas(api, c.schemas, "/definitions/")
	return api
}

// v2servers builds one server per scheme from host and basePath.
func v2servers(host, basePath string, schemes []string) []spec.Server {
	if host == "" && basePath == "" {
		return nil
	}
	if host == "" {
		return []spec.Server{{URL: basePath}}
	}
	if len(schemes) == 0 {
		schemes = []string{"https"}
	}
	var out []spec.Server
	for _, s := range schemes {
		out = append(out, spec.Server{URL: s + "://" + host + basePath})
	}
	return out
}

func v2securityScheme(key string, s *v2.SecurityScheme) spec.SecurityScheme {
	out := spec.SecurityScheme{Key: key}
	if s == nil {
		return out
	}
	out.Type, out.Description, out.Name, out.In = s.Type, s.Description, s.Name, s.In
	if s.Type == "basic" {
		out.Scheme = "basic"
	}
	if s.Type == "oauth2" {
		flow := spec.OAuthFlow{AuthorizationURL: s.AuthorizationUrl, TokenURL: s.TokenUrl}
		switch s.Flow {
		case "application":
			flow.Type = "clientCredentials"
		case "accessCode":
			flow.Type = "authorizationCode"
		default:
			flow.Type = s.Flow
		}
		if s.Scopes != nil {
			flow.Scopes = scopes(s.Scopes.Values)
		}
		out.Flows = []spec.OAuthFlow{flow}
	}
	return out
}

func (c *v2conv) operation(path, method string, item *v2.PathItem, op *v2.Operation) *spec.Operation {
	pointer := "/paths/" + yamlnode.EscapePointer(path) + "/" + method
	o := &spec.Operation{
		ID: op.OperationId, Method: strings.ToUpper(method), Path: path,
		Summary: op.Summary, Description: op.Description, Tags: op.Tags,
		Deprecated: op.Deprecated, ExternalDocs: externalDocs(op.ExternalDocs), Pointer: pointer,
	}
	c.tags.use(op.Tags)
	if op.OperationId != "" {
		o.Slug = c.slugs.Next(op.OperationId, "operation", true)
	} else {
		o.Slug = c.slugs.Next(method+"-"+path, "operation", false)
	}
	consumes := op.Consumes
	if len(consumes) == 0 {
		consumes = c.consumes
	}
	produces := op.Produces
	if len(produces) == 0 {
		produces = c.produces
	}
	if len(produces) == 0 {
		produces = []string{"application/json"}
	}

	var params []*v2.Parameter
	for _, p := range item.Parameters {
		if p == nil {
			continue
		}
		overridden := false
		for _, q := range op.Parameters {
			if q != nil && q.Name == p.Name && q.In == p.In {
				overridden = true
			}
		}
		if !overridden {
			params = append(params, p)
		}
	}
	params = append(params, op.Parameters...)

	var form *spec.Schema
	hasFile := false
	for _, p := range params {
		if p == nil {
			continue
		}
		switch p.In {
		case "body":
			rb := &spec.RequestBody{Description: p.Description, Required: boolValue(p.Required)}
			body := c.schemas.proxy(p.Schema)
			types := consumes
			if len(types) == 0 {
				types = []string{"application/json"}
			}
			for _, t := range types {
				rb.Content = append(rb.Content, spec.MediaType{Name: t, Schema: body})
			}
			o.RequestBody = rb
		case "formData":
			if form == nil {
				form = &spec.Schema{Type: []string{"object"}}
			}
			s := c.paramSchema(p)
			s.Description = p.Description
			form.Properties = append(form.Properties, spec.Property{Name: p.Name, Schema: s, Required: boolValue(p.Required)})
			if boolValue(p.Required) {
				form.Required = append(form.Required, p.Name)
			}
			if p.Type == "file" {
				hasFile = true
			}
		default:
			sp := spec.Parameter{Name: p.Name, In: p.In, Description: p.Description, Required: boolValue(p.Required),
				AllowEmptyValue: boolValue(p.AllowEmptyValue), Schema: c.paramSchema(p)}
			sp.Style, sp.Explode = collectionStyle(p.In, p.CollectionFormat)
			o.Parameters = append(o.Parameters, sp)
		}
	}
	if form != nil {
		rb := &spec.RequestBody{Required: len(form.Required) > 0}
		var types []string
		for _, t := range consumes {
			if t == "multipart/form-data" || t == "application/x-www-form-urlencoded" {
				types = append(types, t)
			}
		}
		if len(types) == 0 {
			if hasFile {
				types = []string{"multipart/form-data"}
			} else {
				types = []string{"application/x-www-form-urlencoded"}
			}
		}
		for _, t := range types {
			rb.Content = append(rb.Content, spec.MediaType{Name: t, Schema: form})
		}
		o.RequestBody = rb
	}

	if r := op.Responses; r != nil {
		if r.Codes != nil {
			for code, resp := range r.Codes.FromOldest() {
				o.Responses = append(o.Responses, c.response(code, resp, produces))
			}
		}
		if r.Default != nil {
			o.Responses = append(o.Responses, c.response("default", r.Default, produces))
		}
	}
	if low := op.GoLow(); low != nil && low.Security.ValueNode != nil {
		o.Security = security(op.Security)
	}
	if len(op.Schemes) > 0 {
		o.Servers = v2servers(c.doc.Host, c.doc.BasePath, op.Schemes)
	}
	return o
}

// collectionStyle maps a 2.0 collectionFormat to a 3.x style and explode.
func collectionStyle(in, format string) (string, *bool) {
	switch format {
	case "multi":
		return "form", ptr(true)
	case "ssv":
		return "spaceDelimited", ptr(false)
	case "pipes":
		return "pipeDelimited", ptr(false)
	case "csv":
		if in == "query" {
			return "form", ptr(false)
		}
		return "simple", ptr(false)
	}
	return "", nil
}

// paramSchema builds a schema from a 2.0 non-body parameter's fields.
func (c *v2conv) paramSchema(p *v2.Parameter) *spec.Schema {
	if p.Schema != nil {
		return c.schemas.proxy(p.Schema)
	}
	s := &spec.Schema{Format: p.Format, Pattern: p.Pattern, UniqueItems: boolValue(p.UniqueItems)}
	if p.Type != "" {
		s.Type = []string{p.Type}
	}
	if p.Default != nil {
		s.Default, s.HasDefault = yamljson.Value(p.Default), true
	}
	s.Enum = yamljson.Values(p.Enum)
	s.Minimum, s.Maximum = intFloat(p.Minimum), intFloat(p.Maximum)
	if boolValue(p.ExclusiveMinimum) && s.Minimum != nil {
		s.ExclusiveMinimum, s.Minimum = s.Minimum, nil
	}
	if boolValue(p.ExclusiveMaximum) && s.Maximum != nil {
		s.ExclusiveMaximum, s.Maximum = s.Maximum, nil
	}
	s.MultipleOf = intFloat(p.MultipleOf)
	s.MinLength, s.MaxLength = intInt(p.MinLength), intInt(p.MaxLength)
	s.MinItems, s.MaxItems = intInt(p.MinItems), intInt(p.MaxItems)
	if p.Items != nil {
		s.Items = itemsSchema(p.Items, 0)
	}
	return s
}

func itemsSchema(it *v2.Items, depth int) *spec.Schema {
	if it == nil || depth > 32 {
		return nil
	}
	s := &spec.Schema{Format: it.Format, Pattern: it.Pattern, UniqueItems: it.UniqueItems}
	if it.Type != "" {
		s.Type = []string{it.Type}
	}
	if it.Default != nil {
		s.Default, s.HasDefault = yamljson.Value(it.Default), true
	}
	s.Enum = yamljson.Values(it.Enum)
	s.Items = itemsSchema(it.Items, depth+1)
	return s
}

func intFloat(i *int) *float64 {
	if i == nil {
		return nil
	}
	return ptr(float64(*i))
}

func intInt(i *int) *int64 {
	if i == nil {
		return nil
	}
	return ptr(int64(*i))
}

func (c *v2conv) response(code string, r *v2.Response, produces []string) spec.Response {
	out := spec.Response{Code: code}
	if r == nil {
		return out
	}
	out.Description = r.Description
	if r.Headers != nil {
		for name, h := range r.Headers.FromOldest() {
			if h == nil {
				continue
			}
			s := &spec.Schema{Format: h.Format, Pattern: h.Pattern}
			if h.Type != "" {
				s.Type = []string{h.Type}
			}
			out.Headers = append(out.Headers, spec.Header{Name: name, Description: h.Description, Schema: s})
		}
	}
	var examples map[string]*yaml.Node
	if r.Examples != nil && r.Examples.Values != nil {
		examples = map[string]*yaml.Node{}
		for mime, n := range r.Examples.Values.FromOldest() {
			examples[mime] = n
		}
	}
	if r.Schema != nil || len(examples) > 0 {
		body := c.schemas.proxy(r.Schema)
		for _, t := range produces {
			mt := spec.MediaType{Name: t, Schema: body}
			if n := examples[t]; n != nil {
				mt.Example = yamljson.Value(n)
			}
			out.Content = append(out.Content, mt)
		}
	}
	return out
}

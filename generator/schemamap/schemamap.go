// Package schemamap maps JSON Schema nodes (OpenAPI's Schema Object,
// AsyncAPI's default schema format) onto the portal's spec.Schema, for
// both description adapters: a keyword handled here is handled for both.
// Each adapter resolves its own $refs, through Doc.
package schemamap

import (
	"slices"

	"github.com/pb33f/go-yaml"

	"github.com/portal-dev/portal/generator/slug"
	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/generator/yamljson"
	"github.com/portal-dev/portal/generator/yamlnode"
)

// Doc is an adapter's view of the document a schema node is in.
type Doc interface {
	// Ref returns the schema the $ref value node ref names, as seen from
	// this document (a component is the same pointer every time, so cyclic
	// graphs stay finite).
	Ref(ref *yaml.Node) *spec.Schema
	// MappingName returns what a discriminator mapping's ref shows: the
	// component's name where it names one (recording the use), else the
	// ref as written.
	MappingName(ref string) string
}

// Node converts one schema node of doc; nil stays nil. A boolean false
// schema is "not anything"; a $ref with sibling keywords wraps the shared
// target in a schema of its own.
func Node(n *yaml.Node, doc Doc) *spec.Schema {
	n = yamlnode.Resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Value == "false" {
		return &spec.Schema{Not: &spec.Schema{}}
	}
	if rn := yamlnode.Ref(n); rn != nil {
		target := doc.Ref(rn)
		if len(n.Content) == 2 {
			return target
		}
		out := &spec.Schema{}
		Fill(out, n, doc, true)
		out.AllOf = append([]*spec.Schema{target}, out.AllOf...)
		return out
	}
	out := &spec.Schema{}
	Fill(out, n, doc, false)
	return out
}

// Components converts the named schemas of the mapping m
// (components/schemas, definitions) in document order. Each is allocated
// first, into components by name (a name seen before is skipped), so that
// $refs between them resolve to these same pointers; then fill fills each
// from its node.
func Components(m *yaml.Node, components map[string]*spec.Schema, fill func(dst *spec.Schema, n *yaml.Node)) []*spec.NamedSchema {
	m = yamlnode.Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]*spec.NamedSchema, 0, len(m.Content)/2)
	slugs := slug.New()
	for i := 0; i+1 < len(m.Content); i += 2 {
		name := m.Content[i].Value
		if _, dup := components[name]; dup {
			continue
		}
		s := &spec.Schema{Ref: name}
		components[name] = s
		out = append(out, &spec.NamedSchema{Name: name, Slug: slugs.Next(name, "schema", false), Schema: s})
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		fill(components[m.Content[i].Value], yamlnode.Resolve(m.Content[i+1]))
	}
	return out
}

// FillComponent fills a component's schema from its node n. An alias of
// another schema (a $ref) keeps its own node, pointing at the target.
func FillComponent(dst *spec.Schema, n *yaml.Node, doc Doc) {
	if rn := yamlnode.Ref(n); rn != nil {
		if target := doc.Ref(rn); target != dst {
			dst.AllOf = []*spec.Schema{target}
		}
		Fill(dst, n, doc, true)
		return
	}
	Fill(dst, n, doc, false)
}

// List converts a sequence of schema nodes.
func List(n *yaml.Node, doc Doc) []*spec.Schema {
	n = yamlnode.Resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil
	}
	out := make([]*spec.Schema, 0, len(n.Content))
	for _, item := range n.Content {
		out = append(out, Node(item, doc))
	}
	return out
}

// Properties converts a mapping of schemas (properties,
// patternProperties), in document order.
func Properties(n *yaml.Node, doc Doc, required []string) []spec.Property {
	n = yamlnode.Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil
	}
	out := make([]spec.Property, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		name := n.Content[i].Value
		out = append(out, spec.Property{Name: name, Schema: Node(n.Content[i+1], doc), Required: slices.Contains(required, name)})
	}
	return out
}

// Fill maps the keywords of the schema node n of doc onto dst. With
// skipRef the $ref keyword is ignored (the caller handled it).
func Fill(dst *spec.Schema, n *yaml.Node, doc Doc, skipRef bool) {
	n = yamlnode.Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	var props, patternProps *yaml.Node
	var exclMinBool, exclMaxBool bool
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, yamlnode.Resolve(n.Content[i+1])
		if v == nil {
			continue
		}
		switch k {
		case "title":
			dst.Title = v.Value
		case "description":
			dst.Description = v.Value
		case "type":
			if v.Kind == yaml.SequenceNode {
				dst.Type = make([]string, 0, len(v.Content))
				for _, t := range v.Content {
					dst.Type = append(dst.Type, t.Value)
					if t.Value == "null" {
						dst.Nullable = true
					}
				}
			} else if v.Value != "" {
				dst.Type = []string{v.Value}
				if v.Value == "null" {
					dst.Nullable = true
				}
			}
		case "format":
			dst.Format = v.Value
		case "nullable":
			if v.Value == "true" {
				dst.Nullable = true
			}
		case "readOnly":
			dst.ReadOnly = v.Value == "true"
		case "writeOnly":
			dst.WriteOnly = v.Value == "true"
		case "deprecated":
			dst.Deprecated = v.Value == "true"
		case "const":
			dst.Const, dst.HasConst = yamljson.Value(v), true
		case "enum":
			if v.Kind == yaml.SequenceNode {
				dst.Enum = yamljson.Values(v.Content)
			}
		case "default":
			dst.Default, dst.HasDefault = yamljson.Value(v), true
		case "example":
			dst.Example = yamljson.Value(v)
		case "examples":
			if v.Kind == yaml.SequenceNode {
				dst.Examples = yamljson.Values(v.Content)
			}
		case "properties":
			props = v
		case "required":
			if v.Kind == yaml.SequenceNode {
				dst.Required = make([]string, 0, len(v.Content))
				for _, r := range v.Content {
					dst.Required = append(dst.Required, r.Value)
				}
			}
		case "additionalProperties":
			if v.Kind == yaml.ScalarNode && (v.Value == "true" || v.Value == "false") {
				dst.AdditionalPropertiesAllowed = ptr(v.Value == "true")
			} else {
				dst.AdditionalProperties = Node(v, doc)
				dst.AdditionalPropertiesAllowed = ptr(true)
			}
		case "patternProperties":
			patternProps = v
		case "items":
			if v.Kind == yaml.MappingNode {
				dst.Items = Node(v, doc)
			} else if v.Kind == yaml.SequenceNode {
				// Draft 4 tuple form, as 2020-12 prefixItems.
				dst.PrefixItems = List(v, doc)
			}
		case "prefixItems":
			dst.PrefixItems = List(v, doc)
		case "allOf":
			dst.AllOf = append(dst.AllOf, List(v, doc)...)
		case "oneOf":
			dst.OneOf = List(v, doc)
		case "anyOf":
			dst.AnyOf = List(v, doc)
		case "not":
			dst.Not = Node(v, doc)
		case "discriminator":
			dst.Discriminator = Discriminator(v, doc)
		case "minimum":
			dst.Minimum = yamlnode.Float(v)
		case "maximum":
			dst.Maximum = yamlnode.Float(v)
		case "exclusiveMinimum":
			if v.Tag == "!!bool" || v.Value == "true" || v.Value == "false" {
				exclMinBool = v.Value == "true"
			} else {
				dst.ExclusiveMinimum = yamlnode.Float(v)
			}
		case "exclusiveMaximum":
			if v.Tag == "!!bool" || v.Value == "true" || v.Value == "false" {
				exclMaxBool = v.Value == "true"
			} else {
				dst.ExclusiveMaximum = yamlnode.Float(v)
			}
		case "multipleOf":
			dst.MultipleOf = yamlnode.Float(v)
		case "minLength":
			dst.MinLength = yamlnode.Int(v)
		case "maxLength":
			dst.MaxLength = yamlnode.Int(v)
		case "pattern":
			dst.Pattern = v.Value
		case "minItems":
			dst.MinItems = yamlnode.Int(v)
		case "maxItems":
			dst.MaxItems = yamlnode.Int(v)
		case "uniqueItems":
			dst.UniqueItems = v.Value == "true"
		case "minProperties":
			dst.MinProperties = yamlnode.Int(v)
		case "maxProperties":
			dst.MaxProperties = yamlnode.Int(v)
		case "contentMediaType":
			dst.ContentMediaType = v.Value
		case "contentEncoding":
			dst.ContentEncoding = v.Value
		}
	}
	if props != nil {
		dst.Properties = Properties(props, doc, dst.Required)
	}
	if patternProps != nil {
		dst.PatternProperties = Properties(patternProps, doc, nil)
	}
	// 3.0 boolean form: the minimum (maximum) itself is exclusive.
	if exclMinBool && dst.Minimum != nil {
		dst.ExclusiveMinimum, dst.Minimum = dst.Minimum, nil
	}
	if exclMaxBool && dst.Maximum != nil {
		dst.ExclusiveMaximum, dst.Maximum = dst.Maximum, nil
	}
}

// Discriminator converts a discriminator: Swagger 2.0's property name, or
// OpenAPI 3's object with its mapping.
func Discriminator(v *yaml.Node, doc Doc) *spec.Discriminator {
	if v.Kind == yaml.ScalarNode {
		return &spec.Discriminator{PropertyName: v.Value}
	}
	if v.Kind != yaml.MappingNode {
		return nil
	}
	d := &spec.Discriminator{}
	if pn := yamlnode.MapValue(v, "propertyName"); pn != nil {
		d.PropertyName = pn.Value
	}
	if m := yamlnode.MapValue(v, "mapping"); m != nil && m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			d.Mapping = append(d.Mapping, spec.DiscriminatorMapping{Value: m.Content[i].Value, Ref: doc.MappingName(m.Content[i+1].Value)})
		}
	}
	return d
}

func ptr[T any](v T) *T { return &v }

package asyncapi

import (
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"

	"github.com/portal-dev/portal/generator/slug"
	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/generator/yamljson"
)

// schemas converts JSON Schema (and AsyncAPI Schema) nodes to spec.Schema
// graphs. Component schemas are allocated up front and every $ref to one
// returns that same pointer, so cyclic graphs stay finite; other $refs
// (into other files, say) are converted once and cut where they cycle.
type schemas struct {
	l          *loader
	components map[string]*spec.Schema // by component name
	done       map[string]*spec.Schema // finished non-component refs
	active     map[string]bool         // non-component refs being converted
}

func newSchemas(l *loader) *schemas {
	return &schemas{l: l, components: map[string]*spec.Schema{}, done: map[string]*spec.Schema{}, active: map[string]bool{}}
}

// buildComponents converts every named schema of components/schemas in
// document order. A 3.x multi-format schema in another format keeps its
// source.
func (c *schemas) buildComponents(m *yaml.Node) []*spec.NamedSchema {
	m = resolveAlias(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]*spec.NamedSchema, 0, len(m.Content)/2)
	slugs := slug.New()
	for i := 0; i+1 < len(m.Content); i += 2 {
		name := m.Content[i].Value
		if _, dup := c.components[name]; dup {
			continue
		}
		s := &spec.Schema{Ref: name}
		c.components[name] = s
		out = append(out, &spec.NamedSchema{Name: name, Slug: slugs.Next(name, "schema", false), Schema: s})
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		dst := c.components[m.Content[i].Value]
		n := resolveAlias(m.Content[i+1])
		if c.l.major >= 3 && mapValue(n, "schemaFormat") != nil && mapValue(n, "schema") != nil {
			if src := c.multiFormat(n); src != nil && src != dst {
				ref := dst.Ref
				*dst = *src
				dst.Ref = ref
			}
			continue
		}
		if rn := refOf(n); rn != nil {
			// An alias of another schema: keep its own node, pointing at the target.
			if target := c.ref(rn); target != dst {
				dst.AllOf = []*spec.Schema{target}
			}
			c.fill(dst, n, true)
			continue
		}
		c.fill(dst, n, false)
	}
	return out
}

// withFormat converts a schema written in format (a schemaFormat value;
// "" for the default): JSON Schema, AsyncAPI and OpenAPI schemas are
// modelled, anything else (Avro, Protobuf, RAML) is kept as source.
func (c *schemas) withFormat(n *yaml.Node, format string) *spec.Schema {
	if n == nil {
		return nil
	}
	if isJSONSchemaFormat(format) {
		return c.node(n)
	}
	t, _ := c.l.deref(n)
	return &spec.Schema{Raw: rawSource(t), RawFormat: formatName(format)}
}

// multiFormat converts a 3.x multi-format schema object {schemaFormat, schema}.
func (c *schemas) multiFormat(n *yaml.Node) *spec.Schema {
	return c.withFormat(mapValue(n, "schema"), str(n, "schemaFormat"))
}

// payload converts a 3.x payload or headers value, which is a schema or a
// multi-format schema object.
func (c *schemas) payload(n *yaml.Node) *spec.Schema {
	if n == nil {
		return nil
	}
	if c.l.major >= 3 {
		if t, _ := c.l.deref(n); t != nil && mapValue(t, "schemaFormat") != nil && mapValue(t, "schema") != nil {
			return c.multiFormat(t)
		}
	}
	return c.node(n)
}

// isJSONSchemaFormat reports whether a schemaFormat is one we model.
func isJSONSchemaFormat(format string) bool {
	f := strings.ToLower(strings.TrimSpace(format))
	return f == "" || strings.HasPrefix(f, "application/vnd.aai.asyncapi") ||
		strings.HasPrefix(f, "application/schema+json") || strings.HasPrefix(f, "application/schema+yaml") ||
		strings.HasPrefix(f, "application/vnd.oai.openapi")
}

// formatName is a short, readable name of a schemaFormat.
func formatName(format string) string {
	f := strings.ToLower(format)
	version := ""
	if _, v, ok := strings.Cut(f, "version="); ok {
		version = " " + strings.TrimSpace(v)
	}
	switch {
	case strings.Contains(f, "avro"):
		return "Avro" + version
	case strings.Contains(f, "protobuf"):
		return "Protobuf" + version
	case strings.Contains(f, "raml"):
		return "RAML" + version
	}
	return format
}

// node converts one schema node.
func (c *schemas) node(n *yaml.Node) *spec.Schema {
	n = resolveAlias(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Value == "false" {
		return &spec.Schema{Not: &spec.Schema{}}
	}
	if rn := refOf(n); rn != nil {
		target := c.ref(rn)
		if len(n.Content) == 2 {
			return target
		}
		// $ref with sibling keywords: the siblings wrap the shared target.
		out := &spec.Schema{}
		c.fill(out, n, true)
		out.AllOf = append([]*spec.Schema{target}, out.AllOf...)
		return out
	}
	out := &spec.Schema{}
	c.fill(out, n, false)
	return out
}

// ref returns the schema a canonical $ref value node names.
func (c *schemas) ref(rn *yaml.Node) *spec.Schema {
	ref := rn.Value
	if name, ok := c.l.componentName(ref, "schemas"); ok {
		if s, ok := c.components[name]; ok {
			return s
		}
	}
	if s, ok := c.done[ref]; ok {
		return s
	}
	if c.active[ref] {
		// A cycle through a schema that is not a component: cut it here.
		return &spec.Schema{Description: "Circular reference to `" + c.l.written(rn) + "`."}
	}
	n := c.l.resolve(rn)
	if n == nil {
		return &spec.Schema{}
	}
	c.active[ref] = true
	s := c.node(n)
	delete(c.active, ref)
	c.done[ref] = s
	return s
}

func (c *schemas) list(n *yaml.Node) []*spec.Schema {
	n = resolveAlias(n)
	if n == nil || n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil
	}
	out := make([]*spec.Schema, 0, len(n.Content))
	for _, item := range n.Content {
		out = append(out, c.node(item))
	}
	return out
}

func (c *schemas) properties(n *yaml.Node, required []string) []spec.Property {
	n = resolveAlias(n)
	if n == nil || n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil
	}
	out := make([]spec.Property, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		name := n.Content[i].Value
		out = append(out, spec.Property{Name: name, Schema: c.node(n.Content[i+1]), Required: contains(required, name)})
	}
	return out
}

// fill maps the keywords of the schema node n onto dst. With skipRef the
// $ref keyword is ignored (the caller handled it).
func (c *schemas) fill(dst *spec.Schema, n *yaml.Node, skipRef bool) {
	n = resolveAlias(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	var props, patternProps *yaml.Node
	var exclMinBool, exclMaxBool bool
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, resolveAlias(n.Content[i+1])
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
				dst.AdditionalProperties = c.node(v)
				dst.AdditionalPropertiesAllowed = ptr(true)
			}
		case "patternProperties":
			patternProps = v
		case "items":
			if v.Kind == yaml.MappingNode {
				dst.Items = c.node(v)
			} else if v.Kind == yaml.SequenceNode {
				// Draft 4 tuple form, as 2020-12 prefixItems.
				dst.PrefixItems = c.list(v)
			}
		case "prefixItems":
			dst.PrefixItems = c.list(v)
		case "allOf":
			dst.AllOf = append(dst.AllOf, c.list(v)...)
		case "oneOf":
			dst.OneOf = c.list(v)
		case "anyOf":
			dst.AnyOf = c.list(v)
		case "not":
			dst.Not = c.node(v)
		case "discriminator":
			dst.Discriminator = c.discriminator(v)
		case "minimum":
			dst.Minimum = floatOf(v)
		case "maximum":
			dst.Maximum = floatOf(v)
		case "exclusiveMinimum":
			if v.Tag == "!!bool" || v.Value == "true" || v.Value == "false" {
				exclMinBool = v.Value == "true"
			} else {
				dst.ExclusiveMinimum = floatOf(v)
			}
		case "exclusiveMaximum":
			if v.Tag == "!!bool" || v.Value == "true" || v.Value == "false" {
				exclMaxBool = v.Value == "true"
			} else {
				dst.ExclusiveMaximum = floatOf(v)
			}
		case "multipleOf":
			dst.MultipleOf = floatOf(v)
		case "minLength":
			dst.MinLength = intOf(v)
		case "maxLength":
			dst.MaxLength = intOf(v)
		case "pattern":
			dst.Pattern = v.Value
		case "minItems":
			dst.MinItems = intOf(v)
		case "maxItems":
			dst.MaxItems = intOf(v)
		case "uniqueItems":
			dst.UniqueItems = v.Value == "true"
		case "minProperties":
			dst.MinProperties = intOf(v)
		case "maxProperties":
			dst.MaxProperties = intOf(v)
		case "contentMediaType":
			dst.ContentMediaType = v.Value
		case "contentEncoding":
			dst.ContentEncoding = v.Value
		}
	}
	if props != nil {
		dst.Properties = c.properties(props, dst.Required)
	}
	if patternProps != nil {
		dst.PatternProperties = c.properties(patternProps, nil)
	}
	// 3.0 boolean form: the minimum (maximum) itself is exclusive.
	if exclMinBool && dst.Minimum != nil {
		dst.ExclusiveMinimum, dst.Minimum = dst.Minimum, nil
	}
	if exclMaxBool && dst.Maximum != nil {
		dst.ExclusiveMaximum, dst.Maximum = dst.Maximum, nil
	}
}

func (c *schemas) discriminator(v *yaml.Node) *spec.Discriminator {
	if v.Kind == yaml.ScalarNode {
		// Swagger 2.0: discriminator is the property name.
		return &spec.Discriminator{PropertyName: v.Value}
	}
	if v.Kind != yaml.MappingNode {
		return nil
	}
	d := &spec.Discriminator{}
	if pn := mapValue(v, "propertyName"); pn != nil {
		d.PropertyName = pn.Value
	}
	if m := resolveAlias(mapValue(v, "mapping")); m != nil && m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			ref := m.Content[i+1].Value
			name := ref
			if n, ok := c.l.componentName(canonicalRef(c.l.rootDoc.abs, ref), "schemas"); ok {
				name = n
			}
			d.Mapping = append(d.Mapping, spec.DiscriminatorMapping{Value: m.Content[i].Value, Ref: name})
		}
	}
	return d
}

func floatOf(v *yaml.Node) *float64 {
	f, err := strconv.ParseFloat(strings.ReplaceAll(v.Value, "_", ""), 64)
	if err != nil {
		return nil
	}
	return &f
}

func intOf(v *yaml.Node) *int64 {
	if i, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
		return &i
	}
	if f := floatOf(v); f != nil {
		i := int64(*f)
		return &i
	}
	return nil
}

func boolValue(b *bool) bool { return b != nil && *b }

func ptr[T any](v T) *T { return &v }

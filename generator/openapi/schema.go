package openapi

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"github.com/pb33f/libopenapi/index"

	"github.com/portal-dev/portal/generator/slug"
	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/generator/yamljson"
)

// schemas converts schemas to spec.Schema graphs. Component schemas are
// allocated up front and every $ref to one returns that same pointer, so
// cyclic graphs stay finite and nothing is deep-copied.
//
// It reads schemas straight from the YAML nodes libopenapi parsed rather
// than through libopenapi's schema models: building those for every schema
// of a large description costs more than the whole rest of the load.
type schemas struct {
	prefix     string                  // "#/components/schemas/" or "#/definitions/"
	root       *yaml.Node              // the root document's top mapping
	idx        *index.SpecIndex        // the root document's index; may be nil
	components map[string]*spec.Schema // by component name
	done       map[string]*spec.Schema // finished non-component refs
	active     map[string]bool         // non-component refs being converted
	used       map[string]bool         // component names reached by a $ref
}

func newSchemas(prefix string, root *yaml.Node, idx *index.SpecIndex) *schemas {
	return &schemas{
		prefix:     prefix,
		root:       root,
		idx:        idx,
		components: map[string]*spec.Schema{},
		done:       map[string]*spec.Schema{},
		active:     map[string]bool{},
		used:       map[string]bool{},
	}
}

// buildComponents converts every named schema of the mapping m (the
// components/schemas or definitions node) in document order.
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
		if ref, ok := refOf(n); ok {
			// An alias of another schema: keep its own node, pointing at the target.
			if target := c.ref(ref, c.idx); target != dst {
				dst.AllOf = []*spec.Schema{target}
			}
			c.fill(dst, n, c.idx, true)
			continue
		}
		c.fill(dst, n, c.idx, false)
	}
	return out
}

// componentName returns the component a local ref names, if it names one.
func (c *schemas) componentName(ref string) (string, bool) {
	rest, ok := strings.CutPrefix(ref, c.prefix)
	if !ok || strings.Contains(rest, "/") {
		return "", false
	}
	return unescapePointer(unescapeURL(rest)), true
}

// proxy converts the schema behind a libopenapi schema proxy; nil stays nil.
func (c *schemas) proxy(p *base.SchemaProxy) *spec.Schema {
	if p == nil {
		return nil
	}
	if p.IsReference() {
		return c.ref(p.GetReference(), c.idx)
	}
	n := p.GetValueNode()
	if n == nil {
		return nil
	}
	return c.node(n, c.idx)
}

// node converts one schema node found in the document of idx.
func (c *schemas) node(n *yaml.Node, idx *index.SpecIndex) *spec.Schema {
	n = resolveAlias(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Value == "false" {
		return &spec.Schema{Not: &spec.Schema{}}
	}
	if ref, ok := refOf(n); ok {
		target := c.ref(ref, idx)
		if len(n.Content) == 2 {
			return target
		}
		// $ref with sibling keywords: the siblings wrap the shared target.
		out := &spec.Schema{}
		c.fill(out, n, idx, true)
		out.AllOf = append([]*spec.Schema{target}, out.AllOf...)
		return out
	}
	out := &spec.Schema{}
	c.fill(out, n, idx, false)
	return out
}

// ref returns the schema a $ref names, as seen from the document of idx.
func (c *schemas) ref(ref string, idx *index.SpecIndex) *spec.Schema {
	local := idx == c.idx
	if local {
		if name, ok := c.componentName(ref); ok {
			if s, ok := c.components[name]; ok {
				c.used[name] = true
				return s
			}
		}
	}
	key := ref
	if !local && idx != nil {
		key = idx.GetSpecAbsolutePath() + "|" + ref
	}
	if s, ok := c.done[key]; ok {
		return s
	}
	if c.active[key] {
		// A cycle through a schema that is not a component: cut it here.
		return &spec.Schema{Description: "Circular reference to `" + ref + "`."}
	}
	n, nidx := c.resolve(ref, idx)
	if n == nil {
		// Unresolvable; libopenapi's index reports it as a problem.
		return &spec.Schema{}
	}
	c.active[key] = true
	s := c.node(n, nidx)
	delete(c.active, key)
	c.done[key] = s
	return s
}

// resolve finds the node a $ref points at: local pointers are walked in
// their own document, anything else is looked up through libopenapi's index
// (and rolodex, for files).
func (c *schemas) resolve(ref string, idx *index.SpecIndex) (*yaml.Node, *index.SpecIndex) {
	if strings.HasPrefix(ref, "#") {
		root := c.root
		if idx != c.idx && idx != nil {
			root = idx.GetRootNode()
			if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
				root = root.Content[0]
			}
		}
		return walkPointer(root, strings.TrimPrefix(ref, "#")), idx
	}
	if idx == nil {
		return nil, nil
	}
	found, fidx := idx.SearchIndexForReference(ref)
	if found == nil || found.Node == nil {
		return nil, nil
	}
	if fidx == nil {
		fidx = idx
	}
	return found.Node, fidx
}

// walkPointer follows a JSON pointer (without the leading #) from n.
func walkPointer(n *yaml.Node, pointer string) *yaml.Node {
	if pointer == "" || pointer == "/" {
		return n
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = unescapePointer(unescapeURL(tok))
		n = resolveAlias(n)
		if n == nil {
			return nil
		}
		switch n.Kind {
		case yaml.MappingNode:
			n = mapValue(n, tok)
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil
			}
			n = n.Content[i]
		default:
			return nil
		}
	}
	return n
}

func unescapeURL(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return n.Content[0]
	}
	return n
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// refOf returns the $ref of a mapping node, if it has one.
func refOf(n *yaml.Node) (string, bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		return "", false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "$ref" && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value, true
		}
	}
	return "", false
}

func (c *schemas) list(n *yaml.Node, idx *index.SpecIndex) []*spec.Schema {
	n = resolveAlias(n)
	if n == nil || n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil
	}
	out := make([]*spec.Schema, 0, len(n.Content))
	for _, item := range n.Content {
		out = append(out, c.node(item, idx))
	}
	return out
}

func (c *schemas) properties(n *yaml.Node, idx *index.SpecIndex, required []string) []spec.Property {
	n = resolveAlias(n)
	if n == nil || n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil
	}
	out := make([]spec.Property, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		name := n.Content[i].Value
		out = append(out, spec.Property{Name: name, Schema: c.node(n.Content[i+1], idx), Required: contains(required, name)})
	}
	return out
}

// fill maps the keywords of the schema node n onto dst. With skipRef the
// $ref keyword is ignored (the caller handled it).
func (c *schemas) fill(dst *spec.Schema, n *yaml.Node, idx *index.SpecIndex, skipRef bool) {
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
				dst.AdditionalProperties = c.node(v, idx)
				dst.AdditionalPropertiesAllowed = ptr(true)
			}
		case "patternProperties":
			patternProps = v
		case "items":
			if v.Kind == yaml.MappingNode {
				dst.Items = c.node(v, idx)
			} else if v.Kind == yaml.SequenceNode {
				// Draft 4 tuple form, as 2020-12 prefixItems.
				dst.PrefixItems = c.list(v, idx)
			}
		case "prefixItems":
			dst.PrefixItems = c.list(v, idx)
		case "allOf":
			dst.AllOf = append(dst.AllOf, c.list(v, idx)...)
		case "oneOf":
			dst.OneOf = c.list(v, idx)
		case "anyOf":
			dst.AnyOf = c.list(v, idx)
		case "not":
			dst.Not = c.node(v, idx)
		case "discriminator":
			dst.Discriminator = c.discriminator(v, idx)
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
		dst.Properties = c.properties(props, idx, dst.Required)
	}
	if patternProps != nil {
		dst.PatternProperties = c.properties(patternProps, idx, nil)
	}
	// 3.0 boolean form: the minimum (maximum) itself is exclusive.
	if exclMinBool && dst.Minimum != nil {
		dst.ExclusiveMinimum, dst.Minimum = dst.Minimum, nil
	}
	if exclMaxBool && dst.Maximum != nil {
		dst.ExclusiveMaximum, dst.Maximum = dst.Maximum, nil
	}
}

func (c *schemas) discriminator(v *yaml.Node, idx *index.SpecIndex) *spec.Discriminator {
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
			if n, ok := c.componentName(ref); ok && idx == c.idx {
				name = n
				c.used[n] = true
			} else if _, ok := c.components[ref]; ok {
				c.used[ref] = true
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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// unescapePointer decodes one JSON pointer token.
func unescapePointer(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// escapePointer encodes one JSON pointer token.
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

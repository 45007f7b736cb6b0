package asyncapi

import (
	"strings"

	"github.com/pb33f/go-yaml"

	"github.com/portal-dev/portal/generator/schemamap"
	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/generator/yamlnode"
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
	return schemamap.Components(m, c.components, func(dst *spec.Schema, n *yaml.Node) {
		if c.l.major >= 3 && yamlnode.MapValue(n, "schemaFormat") != nil && yamlnode.MapValue(n, "schema") != nil {
			if src := c.multiFormat(n); src != nil && src != dst {
				ref := dst.Ref
				*dst = *src
				dst.Ref = ref
			}
			return
		}
		schemamap.FillComponent(dst, n, c)
	})
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
	return c.withFormat(yamlnode.MapValue(n, "schema"), str(n, "schemaFormat"))
}

// payload converts a 3.x payload or headers value, which is a schema or a
// multi-format schema object.
func (c *schemas) payload(n *yaml.Node) *spec.Schema {
	if n == nil {
		return nil
	}
	if c.l.major >= 3 {
		if t, _ := c.l.deref(n); t != nil && yamlnode.MapValue(t, "schemaFormat") != nil && yamlnode.MapValue(t, "schema") != nil {
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
func (c *schemas) node(n *yaml.Node) *spec.Schema { return schemamap.Node(n, c) }

// Ref implements schemamap.Doc: refs are canonical across the files of
// the description, so one view serves them all.
func (c *schemas) Ref(rn *yaml.Node) *spec.Schema { return c.ref(rn) }

// MappingName implements schemamap.Doc.
func (c *schemas) MappingName(ref string) string {
	if n, ok := c.l.componentName(canonicalRef(c.l.rootDoc.abs, ref), "schemas"); ok {
		return n
	}
	return ref
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

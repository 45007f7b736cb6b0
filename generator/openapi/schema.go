package openapi

import (
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"github.com/pb33f/libopenapi/index"

	"github.com/portal-dev/portal/generator/schemamap"
	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/generator/yamlnode"
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
	docs       map[*index.SpecIndex]*docView
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
		docs:       map[*index.SpecIndex]*docView{},
	}
}

// buildComponents converts every named schema of the mapping m (the
// components/schemas or definitions node) in document order.
func (c *schemas) buildComponents(m *yaml.Node) []*spec.NamedSchema {
	return schemamap.Components(m, c.components, func(dst *spec.Schema, n *yaml.Node) {
		schemamap.FillComponent(dst, n, c.doc(c.idx))
	})
}

// componentName returns the component a local ref names, if it names one.
func (c *schemas) componentName(ref string) (string, bool) {
	rest, ok := strings.CutPrefix(ref, c.prefix)
	if !ok || strings.Contains(rest, "/") {
		return "", false
	}
	return yamlnode.UnescapePointer(yamlnode.UnescapeURL(rest)), true
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
	return schemamap.Node(n, c.doc(idx))
}

// doc is the schema mapper's view of the document of idx: one per
// document, made once.
func (c *schemas) doc(idx *index.SpecIndex) *docView {
	d, ok := c.docs[idx]
	if !ok {
		d = &docView{c: c, idx: idx}
		c.docs[idx] = d
	}
	return d
}

// docView resolves $refs as seen from one document.
type docView struct {
	c   *schemas
	idx *index.SpecIndex
}

// Ref implements schemamap.Doc.
func (d *docView) Ref(ref *yaml.Node) *spec.Schema { return d.c.ref(ref.Value, d.idx) }

// MappingName implements schemamap.Doc: a discriminator mapping to a
// component of the root document counts as a use of it.
func (d *docView) MappingName(ref string) string {
	c := d.c
	if n, ok := c.componentName(ref); ok && d.idx == c.idx {
		c.used[n] = true
		return n
	}
	if _, ok := c.components[ref]; ok {
		c.used[ref] = true
	}
	return ref
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
		return yamlnode.WalkPointer(root, strings.TrimPrefix(ref, "#")), idx
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

func boolValue(b *bool) bool { return b != nil && *b }

func ptr[T any](v T) *T { return &v }

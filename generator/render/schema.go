package render

import (
	"strconv"
	"strings"

	"github.com/portal-dev/portal/generator/spec"
)

// Limits on one rendered schema tree. A named ref is expanded inline at most
// maxInlineRefs levels below the top-level schema (deeper ones are links to
// their pages); past softNodeBudget nodes no more refs are expanded, and past
// hardNodeBudget properties are cut with a note.
const (
	maxInlineRefs   = 1
	softNodeBudget  = 250
	hardNodeBudget  = 600
	maxAnonDepth    = 12
	maxEnumShown    = 40
	maxExampleChars = 120
)

// schemaNode is the view of one schema in a tree, with every decision about
// cycles and size already taken, so the templates only print it.
type schemaNode struct {
	Label         string // "additional properties:", a variant title
	Name          string // property or parameter name
	Required      bool
	TypePrefix    string // "array of "
	TypeName      string // "Pet", "string", "string or integer"
	TypeURL       string // set when TypeName is a component with a page
	TypeSuffix    string // " (date-time)"
	Circular      bool   // a ref to a schema already being expanded above
	Flags         []string
	Desc          string // sanitised HTML
	Facts         []fact
	Props         []*schemaNode
	Truncated     int // properties left out for size
	Additional    *schemaNode
	NoAdditional  bool
	Groups        []variantGroup
	Discriminator *discriminator // on a parent without oneOf/anyOf
	Not           *schemaNode
	Raw           string
	RawFormat     string
}

// fact is one labelled line under a property: enum, default, constraints.
type fact struct {
	Label  string
	Values []string // each shown as code
	Text   string   // shown as text
}

type variantGroup struct {
	Label         string // "one of", "any of", "all of", "items in order"
	Discriminator *discriminator
	Variants      []*schemaNode
}

type discriminator struct {
	Property string
	Mapping  []mapping
}

type mapping struct{ Value, Ref, URL string }

// HasBody reports whether the node has nested content to show.
func (n *schemaNode) HasBody() bool {
	return len(n.Props) > 0 || n.Truncated > 0 || n.Additional != nil || n.NoAdditional ||
		len(n.Groups) > 0 || n.Not != nil || n.Raw != "" || n.Discriminator != nil
}

// BodyLabel is the summary of a collapsed body.
func (n *schemaNode) BodyLabel() string {
	switch {
	case len(n.Props) > 0:
		c := len(n.Props) + n.Truncated
		if c == 1 {
			return "1 property"
		}
		return strconv.Itoa(c) + " properties"
	case len(n.Groups) > 0:
		return n.Groups[0].Label + " (" + strconv.Itoa(len(n.Groups[0].Variants)) + ")"
	case n.Raw != "":
		return "schema source"
	}
	return "details"
}

// treeBuilder builds one tree; it is not reused across trees.
type treeBuilder struct {
	r     *Renderer
	self  string   // the component whose page this tree is on, if any
	stack []string // component names being expanded, outermost first
	anon  map[*spec.Schema]bool
	nodes int
}

func (r *Renderer) newTree() *treeBuilder {
	return &treeBuilder{r: r, anon: map[*spec.Schema]bool{}}
}

// root builds the tree of a top-level schema (a body, a parameter, a
// component page): a ref at the top is expanded without using the budget.
func (b *treeBuilder) root(s *spec.Schema) *schemaNode {
	return b.node("", s, 0, true)
}

func (b *treeBuilder) inStack(name string) bool {
	for _, n := range b.stack {
		if n == name {
			return true
		}
	}
	return false
}

func (b *treeBuilder) node(name string, s *spec.Schema, refDepth int, top bool) *schemaNode {
	b.nodes++
	n := &schemaNode{Name: name}
	if s == nil {
		n.TypeName = "any"
		return n
	}
	n.Desc = b.r.markdown(s.Description)
	n.Flags = flags(s)
	n.Facts = facts(s)

	// Unwrap anonymous arrays: "array of array of Pet". At the top, the
	// schema itself may be a ref (a body that is $ref Pet, or a component
	// page's own schema) and is unwrapped too.
	t := s
	for (t.Ref == "" || top && t == s) && primaryType(t) == "array" && t.Items != nil && len(t.Properties) == 0 {
		n.TypePrefix += "array of "
		if t != s {
			n.Facts = append(n.Facts, facts(t)...)
		}
		t = t.Items
	}
	if t != s && t.Ref == "" {
		n.Facts = append(n.Facts, facts(t)...)
		if n.Desc == "" {
			n.Desc = b.r.markdown(t.Description)
		}
	}

	switch {
	case t.Ref != "" && top:
		// The top-level schema is always expanded and costs no budget.
		if t.Ref == b.self {
			n.TypeName = typeName(t)
		} else {
			n.TypeName, n.TypeURL = t.Ref, b.r.schemaURLByName(t.Ref)
		}
		b.expand(n, t, refDepth)
	case t.Ref != "":
		n.TypeName, n.TypeURL = t.Ref, b.r.schemaURLByName(t.Ref)
		switch {
		case b.inStack(t.Ref):
			n.Circular = true
		case refDepth < maxInlineRefs && b.nodes < softNodeBudget:
			b.expand(n, t, refDepth+1)
			return n
		}
		if t == s {
			// The component's own description is on its page, one click away.
			n.Desc = ""
		}
	default:
		n.TypeName = typeName(t)
		if t.Format != "" {
			n.TypeSuffix = " (" + t.Format + ")"
		}
		if b.anon[t] || len(b.anon) > maxAnonDepth {
			// Anonymous cycles cannot come from a well-formed adapter;
			// stop anyway rather than recurse forever.
			n.Circular = b.anon[t]
			return n
		}
		b.anon[t] = true
		b.content(n, t, refDepth)
		delete(b.anon, t)
	}
	return n
}

// expand fills n from the component t while t is on the stack.
func (b *treeBuilder) expand(n *schemaNode, t *spec.Schema, refDepth int) {
	b.stack = append(b.stack, t.Ref)
	b.content(n, t, refDepth)
	b.stack = b.stack[:len(b.stack)-1]
}

// content fills the nested parts of n from t.
func (b *treeBuilder) content(n *schemaNode, t *spec.Schema, refDepth int) {
	if t.Raw != "" {
		n.Raw, n.RawFormat = t.Raw, t.RawFormat
		return
	}
	for i, p := range t.Properties {
		if b.nodes >= hardNodeBudget {
			n.Truncated = len(t.Properties) - i
			break
		}
		c := b.node(p.Name, p.Schema, refDepth, false)
		c.Required = p.Required || t.IsRequired(p.Name)
		n.Props = append(n.Props, c)
	}
	for _, p := range t.PatternProperties {
		if b.nodes >= hardNodeBudget {
			n.Truncated++
			continue
		}
		c := b.node("/"+p.Name+"/", p.Schema, refDepth, false)
		c.Label = "pattern"
		n.Props = append(n.Props, c)
	}
	switch {
	case t.AdditionalProperties != nil:
		n.Additional = b.node("", t.AdditionalProperties, refDepth, false)
		n.Additional.Label = "additional properties:"
	case t.AdditionalPropertiesAllowed != nil && !*t.AdditionalPropertiesAllowed:
		n.NoAdditional = true
	}
	disc := b.discriminator(t.Discriminator)
	for _, g := range []struct {
		label string
		list  []*spec.Schema
		disc  bool
	}{
		{"all of", t.AllOf, false},
		{"one of", t.OneOf, true},
		{"any of", t.AnyOf, true},
		{"items in order", t.PrefixItems, false},
	} {
		if len(g.list) == 0 {
			continue
		}
		vg := variantGroup{Label: g.label}
		if g.disc && disc != nil {
			vg.Discriminator, disc = disc, nil
		}
		for _, v := range g.list {
			vn := b.node("", v, refDepth, false)
			if v != nil && v.Ref == "" && v.Title != "" {
				vn.Label = v.Title
			}
			vg.Variants = append(vg.Variants, vn)
		}
		n.Groups = append(n.Groups, vg)
	}
	n.Discriminator = disc
	if t.Not != nil {
		n.Not = b.node("", t.Not, refDepth, false)
		n.Not.Label = "not:"
	}
}

func (b *treeBuilder) discriminator(d *spec.Discriminator) *discriminator {
	if d == nil || d.PropertyName == "" {
		return nil
	}
	out := &discriminator{Property: d.PropertyName}
	for _, m := range d.Mapping {
		ref := m.Ref
		if i := strings.LastIndex(ref, "/"); i >= 0 {
			ref = ref[i+1:]
		}
		out.Mapping = append(out.Mapping, mapping{Value: m.Value, Ref: ref, URL: b.r.schemaURLByName(ref)})
	}
	return out
}

// typeName is the short type label of an anonymous schema.
func typeName(s *spec.Schema) string {
	var types []string
	for _, t := range s.Type {
		if t != "null" {
			types = append(types, t)
		}
	}
	if len(types) == 0 && len(s.Type) == 1 {
		return "null"
	}
	if len(types) > 0 {
		return strings.Join(types, " or ")
	}
	if pt := primaryType(s); pt != "" {
		return pt
	}
	if alts := append(append([]*spec.Schema{}, s.OneOf...), s.AnyOf...); len(alts) > 0 && len(alts) <= 4 {
		labels := make([]string, 0, len(alts))
		for _, a := range alts {
			switch {
			case a == nil:
				labels = append(labels, "any")
			case a.Ref != "":
				labels = append(labels, a.Ref)
			default:
				l := primaryType(a)
				if l == "" {
					l = "any"
				}
				labels = append(labels, l)
			}
		}
		return strings.Join(labels, " or ")
	}
	if len(s.AllOf) > 0 {
		return "object"
	}
	if s.Raw != "" {
		if s.RawFormat != "" {
			return s.RawFormat
		}
		return "schema"
	}
	return "any"
}

func flags(s *spec.Schema) []string {
	var f []string
	if s.Nullable {
		f = append(f, "nullable")
	}
	if s.ReadOnly {
		f = append(f, "read-only")
	}
	if s.WriteOnly {
		f = append(f, "write-only")
	}
	if s.Deprecated {
		f = append(f, "deprecated")
	}
	return f
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// facts lists a schema's values and constraints.
func facts(s *spec.Schema) []fact {
	var out []fact
	if len(s.Enum) > 0 {
		f := fact{Label: "enum"}
		for i, v := range s.Enum {
			if i == maxEnumShown {
				f.Text = "and " + strconv.Itoa(len(s.Enum)-i) + " more"
				break
			}
			f.Values = append(f.Values, jsonText(v))
		}
		out = append(out, f)
	}
	if s.HasConst {
		out = append(out, fact{Label: "const", Values: []string{jsonText(s.Const)}})
	}
	if s.HasDefault {
		out = append(out, fact{Label: "default", Values: []string{jsonText(s.Default)}})
	}
	var rng []string
	if s.ExclusiveMinimum != nil {
		rng = append(rng, "> "+num(*s.ExclusiveMinimum))
	}
	if s.Minimum != nil {
		rng = append(rng, "≥ "+num(*s.Minimum))
	}
	if s.ExclusiveMaximum != nil {
		rng = append(rng, "< "+num(*s.ExclusiveMaximum))
	}
	if s.Maximum != nil {
		rng = append(rng, "≤ "+num(*s.Maximum))
	}
	if len(rng) > 0 {
		out = append(out, fact{Label: "range", Text: strings.Join(rng, ", ")})
	}
	if s.MultipleOf != nil {
		out = append(out, fact{Label: "multiple of", Text: num(*s.MultipleOf)})
	}
	if r := bounds(s.MinLength, s.MaxLength); r != "" {
		out = append(out, fact{Label: "length", Text: r})
	}
	if s.Pattern != "" {
		out = append(out, fact{Label: "pattern", Values: []string{s.Pattern}})
	}
	if r := bounds(s.MinItems, s.MaxItems); r != "" {
		out = append(out, fact{Label: "items", Text: r})
	}
	if s.UniqueItems {
		out = append(out, fact{Label: "unique items", Text: "yes"})
	}
	if r := bounds(s.MinProperties, s.MaxProperties); r != "" {
		out = append(out, fact{Label: "properties", Text: r})
	}
	if s.ContentMediaType != "" {
		out = append(out, fact{Label: "content type", Values: []string{s.ContentMediaType}})
	}
	if s.ContentEncoding != "" {
		out = append(out, fact{Label: "encoding", Values: []string{s.ContentEncoding}})
	}
	if s.Example != nil {
		out = append(out, fact{Label: "example", Values: []string{truncate(jsonText(s.Example), maxExampleChars)}})
	}
	return out
}

func bounds(min, max *int64) string {
	switch {
	case min != nil && max != nil && *min == *max:
		return strconv.FormatInt(*min, 10)
	case min != nil && max != nil:
		return strconv.FormatInt(*min, 10) + "–" + strconv.FormatInt(*max, 10)
	case min != nil:
		return "≥ " + strconv.FormatInt(*min, 10)
	case max != nil:
		return "≤ " + strconv.FormatInt(*max, 10)
	}
	return ""
}

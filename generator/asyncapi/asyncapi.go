// Package asyncapi loads AsyncAPI 2.0–2.6, 3.0 and 3.1 descriptions (YAML
// or JSON) with our own decoder and converts them to the portal's model in
// package spec. It resolves $refs inside the document and across relative
// files, reports circular references without following them forever,
// validates the document against the official AsyncAPI JSON Schema of its
// version, and applies message and operation traits. Problems carry the
// file, line and JSON pointer.
package asyncapi

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"

	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/generator/yamlnode"
)

// ErrUnusable is wrapped by the error Load returns when no API could be built.
var ErrUnusable = errors.New("no usable AsyncAPI description")

// IsAsyncAPI reports whether data looks like an AsyncAPI document: its
// first key is asyncapi (YAML or JSON).
func IsAsyncAPI(data []byte) bool {
	s := bytes.TrimLeft(data, "\xef\xbb\xbf \t\r\n")
	for bytes.HasPrefix(s, []byte("#")) || bytes.HasPrefix(s, []byte("---")) {
		i := bytes.IndexByte(s, '\n')
		if i < 0 {
			return false
		}
		s = bytes.TrimLeft(s[i+1:], " \t\r\n")
	}
	s = bytes.TrimLeft(bytes.TrimPrefix(s, []byte("{")), " \t\r\n")
	s = bytes.TrimPrefix(s, []byte(`"`))
	s = bytes.TrimPrefix(s, []byte(`'`))
	return bytes.HasPrefix(s, []byte("asyncapi"))
}

// Load parses an AsyncAPI description and converts it to our model. file
// names the document in Problems and is the base for relative $refs to
// other files, which are read from disk. Problems holds every error and
// warning; err is non-nil only when nothing usable could be built.
func Load(file string, data []byte) (*spec.API, []spec.Problem, error) {
	l := newLoader(file)
	root := l.parseRoot(data)
	if root == nil {
		return nil, l.problems, l.fatal()
	}
	api := l.convert(root)
	if api == nil {
		return nil, l.problems, l.fatal()
	}
	return api, l.problems, nil
}

// LoadFile reads the description at path and loads it like Load.
func LoadFile(path string) (*spec.API, []spec.Problem, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		p := spec.Problem{Severity: spec.Error, File: path, Rule: "read",
			Message: fmt.Sprintf("cannot read the file: %v", err),
			Hint:    "Check that the path exists and is readable."}
		return nil, []spec.Problem{p}, fmt.Errorf("load spec %s: %w", path, err)
	}
	return Load(path, data)
}

// Validate returns the problems Load would report for data.
func Validate(file string, data []byte) []spec.Problem {
	_, problems, _ := Load(file, data)
	return problems
}

// document is one file of a (possibly multi-file) description.
type document struct {
	abs  string     // absolute path: the key of $refs after canonicalisation
	file string     // as shown in Problems
	root *yaml.Node // the top node; a scalar holding the text for non-YAML files
}

// loader carries the state of one Load call.
type loader struct {
	file     string
	rootDoc  *document
	docs     map[string]*document // by absolute path
	owner    map[*yaml.Node]*document
	origRef  map[*yaml.Node]string // canonicalised $ref value node → as written
	resolved map[string]*yaml.Node // canonical ref → target
	badRefs  map[*yaml.Node]bool   // $ref nodes already reported
	problems []spec.Problem
	major    int // 2 or 3
	version  string
}

func newLoader(file string) *loader {
	return &loader{
		file:     file,
		docs:     map[string]*document{},
		owner:    map[*yaml.Node]*document{},
		origRef:  map[*yaml.Node]string{},
		resolved: map[string]*yaml.Node{},
		badRefs:  map[*yaml.Node]bool{},
	}
}

func (l *loader) fatal() error {
	for _, p := range l.problems {
		if p.Severity == spec.Error {
			return fmt.Errorf("load spec %s: %s: %w", p.File, p.Message, ErrUnusable)
		}
	}
	return fmt.Errorf("load spec %s: %w", l.file, ErrUnusable)
}

// problem records a finding at node n (which locates file and line), with
// the JSON pointer that names it.
func (l *loader) problem(sev spec.Severity, rule string, n *yaml.Node, pointer, msg, hint string) {
	p := spec.Problem{Severity: sev, File: l.file, Pointer: pointer, Message: msg, Hint: hint, Rule: rule}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
		if d := l.owner[n]; d != nil {
			p.File = d.file
			if p.Pointer == "" {
				p.Pointer = pointerOf(d.root, n)
			}
		}
	}
	l.problems = append(l.problems, p)
}

var lineRE = regexp.MustCompile(`line (\d+)`)

// parseRoot parses the root document; it reports syntax errors and a
// missing or unsupported version, and validates the document.
func (l *loader) parseRoot(data []byte) *yaml.Node {
	abs, err := filepath.Abs(l.file)
	if err != nil {
		abs = l.file
	}
	if strings.TrimSpace(string(data)) == "" {
		l.problems = append(l.problems, spec.Problem{Severity: spec.Error, File: l.file, Rule: "parse",
			Message: "the file is empty", Hint: `Write an AsyncAPI description into it, starting with "asyncapi: 3.1.0".`})
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p := spec.Problem{Severity: spec.Error, File: l.file, Rule: "parse",
			Message: "YAML syntax error: " + strings.TrimPrefix(err.Error(), "yaml: "),
			Hint:    "Fix the YAML (or JSON) at this line: check indentation, quotes, commas and brackets."}
		if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
		}
		l.problems = append(l.problems, p)
		return nil
	}
	root := yamlnode.Resolve(&doc)
	if root == nil || root.Kind != yaml.MappingNode {
		l.problems = append(l.problems, spec.Problem{Severity: spec.Error, File: l.file, Line: 1, Rule: "parse",
			Message: "the document is not a mapping", Hint: `An AsyncAPI description is an object that starts with "asyncapi: 3.1.0".`})
		return nil
	}
	d := &document{abs: abs, file: l.file, root: root}
	l.docs[abs] = d
	l.rootDoc = d

	vn := yamlnode.MapValue(root, "asyncapi")
	switch {
	case vn == nil:
		l.problem(spec.Error, "version", root, "", "the document has no asyncapi field",
			`Start the document with "asyncapi: 3.1.0" (or 3.0.0, or 2.6.0).`)
		return nil
	case schemaVersion(vn.Value) == "":
		l.problem(spec.Error, "version", vn, "/asyncapi", fmt.Sprintf("AsyncAPI version %q is not supported", vn.Value),
			"Use AsyncAPI 3.1.0, 3.0.0 or 2.0.0–2.6.0.")
		return nil
	}
	l.version = vn.Value
	l.major, _ = strconv.Atoi(vn.Value[:1])
	// Validate the document as written, before $refs are rewritten.
	l.validate(d, schemaVersion(vn.Value))
	l.adopt(d, root)
	return root
}

// adopt records n and its descendants as belonging to d, and rewrites
// every $ref to canonical form (absolute file path, then #pointer), so
// that a ref means the same wherever its node ends up (after trait merges).
func (l *loader) adopt(d *document, n *yaml.Node) {
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 512 {
			return
		}
		if _, seen := l.owner[n]; seen {
			return
		}
		l.owner[n] = d
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				l.owner[k] = d
				if k.Value == "$ref" && v.Kind == yaml.ScalarNode {
					l.owner[v] = d
					l.origRef[v] = v.Value
					v.Value = canonicalRef(d.abs, v.Value)
					continue
				}
				walk(v, depth+1)
			}
			return
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
}

// canonicalRef makes ref absolute relative to the file base.
func canonicalRef(base, ref string) string {
	if isRemote(ref) {
		return ref
	}
	file, frag, _ := strings.Cut(ref, "#")
	if file == "" {
		file = base
	} else {
		if u, err := url.PathUnescape(file); err == nil {
			file = u
		}
		if !filepath.IsAbs(file) {
			file = filepath.Join(filepath.Dir(base), filepath.FromSlash(file))
		}
	}
	return file + "#" + frag
}

func isRemote(ref string) bool {
	return strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://")
}

// written is the $ref as the author wrote it.
func (l *loader) written(refNode *yaml.Node) string {
	if s, ok := l.origRef[refNode]; ok {
		return s
	}
	return refNode.Value
}

// deref follows $refs from n until a node without one. It returns the
// target and the canonical ref of the last hop ("" when n had none), or
// nil after reporting an unresolvable or circular chain.
func (l *loader) deref(n *yaml.Node) (*yaml.Node, string) {
	n = yamlnode.Resolve(n)
	last := ""
	var seen []string
	for range 64 {
		rn := yamlnode.Ref(n)
		if rn == nil {
			return n, last
		}
		ref := rn.Value
		for _, s := range seen {
			if s == ref {
				if !l.badRefs[rn] {
					l.badRefs[rn] = true
					l.problem(spec.Error, "circular-ref", rn, pointerOfRef(ref),
						fmt.Sprintf("circular reference: $ref %q leads back to itself", l.written(rn)),
						"Point one of the $refs in the loop at the object itself rather than at another $ref.")
				}
				return nil, ""
			}
		}
		seen = append(seen, ref)
		t := l.resolve(rn)
		if t == nil {
			return nil, ""
		}
		n, last = t, ref
	}
	return nil, ""
}

// resolve returns the node a canonical $ref value node names, loading
// other files as needed; it reports what it cannot resolve, once per node.
func (l *loader) resolve(rn *yaml.Node) *yaml.Node {
	ref := rn.Value
	if t, ok := l.resolved[ref]; ok {
		return t
	}
	report := func(msg, hint string) *yaml.Node {
		if !l.badRefs[rn] {
			l.badRefs[rn] = true
			l.problem(spec.Error, "ref", rn, "", msg, hint)
		}
		return nil
	}
	if isRemote(ref) {
		if !l.badRefs[rn] {
			l.badRefs[rn] = true
			l.problem(spec.Warning, "ref", rn, "", fmt.Sprintf("remote $ref %q is not fetched", ref),
				"Copy the referenced definition into a file next to the description and refer to it by a relative path.")
		}
		return nil
	}
	file, frag, _ := strings.Cut(ref, "#")
	d, err := l.load(file)
	if err != nil {
		return report(fmt.Sprintf("cannot resolve $ref %q: %v", l.written(rn), err),
			"Fix the file path; it is relative to the file that holds the $ref.")
	}
	t := yamlnode.WalkPointer(d.root, frag)
	if t == nil {
		return report(fmt.Sprintf("cannot resolve $ref %q: %s has nothing at %s", l.written(rn), d.file, orRoot(frag)),
			"Point the $ref at an existing definition, e.g. #/components/messages/Name.")
	}
	l.resolved[ref] = t
	return t
}

func orRoot(frag string) string {
	if frag == "" {
		return "#"
	}
	return "#" + frag
}

// load returns the document at the absolute path, reading and parsing it
// on first use. Files that are not YAML or JSON (a .proto, say) become one
// scalar node holding their text.
func (l *loader) load(abs string) (*document, error) {
	if d, ok := l.docs[abs]; ok {
		return d, nil
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	file := abs
	if rel, err := filepath.Rel(filepath.Dir(l.rootDoc.abs), abs); err == nil && !strings.HasPrefix(rel, "..") {
		file = filepath.Join(filepath.Dir(l.file), rel)
	}
	d := &document{abs: abs, file: file}
	var n yaml.Node
	switch ext := strings.ToLower(filepath.Ext(abs)); {
	case ext == ".yaml" || ext == ".yml" || ext == ".json" || ext == ".avsc":
		if err := yaml.Unmarshal(data, &n); err != nil {
			p := spec.Problem{Severity: spec.Error, File: file, Rule: "parse",
				Message: "YAML syntax error: " + strings.TrimPrefix(err.Error(), "yaml: "),
				Hint:    "Fix the syntax of the referenced file."}
			if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
				p.Line, _ = strconv.Atoi(m[1])
			}
			l.problems = append(l.problems, p)
			return nil, errors.New("the file does not parse")
		}
		d.root = yamlnode.Resolve(&n)
	default:
		d.root = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: string(data), Line: 1, Column: 1}
	}
	if d.root == nil {
		d.root = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	l.docs[abs] = d
	l.adopt(d, d.root)
	return d, nil
}

// pointerOfRef is the pointer part of a canonical ref.
func pointerOfRef(ref string) string {
	_, frag, _ := strings.Cut(ref, "#")
	return frag
}

// componentName returns the name under components/<kind> that a canonical
// ref names in the root document.
func (l *loader) componentName(ref, kind string) (string, bool) {
	file, frag, _ := strings.Cut(ref, "#")
	if file != l.rootDoc.abs {
		return "", false
	}
	rest, ok := strings.CutPrefix(frag, "/components/"+kind+"/")
	if !ok || strings.Contains(rest, "/") {
		return "", false
	}
	return yamlnode.UnescapePointer(yamlnode.UnescapeURL(rest)), true
}

// lastToken is the last token of a ref's pointer (or the file's base name).
func lastToken(ref string) string {
	file, frag, _ := strings.Cut(ref, "#")
	if frag != "" && frag != "/" {
		return yamlnode.UnescapePointer(yamlnode.UnescapeURL(frag[strings.LastIndex(frag, "/")+1:]))
	}
	base := filepath.Base(file)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// str is the string value of key in mapping m ("" when absent).
func str(m *yaml.Node, key string) string {
	if v := yamlnode.MapValue(m, key); v != nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
		return v.Value
	}
	return ""
}

// pairs calls fn for each member of the mapping n in document order.
func pairs(n *yaml.Node, fn func(key string, k, v *yaml.Node)) {
	n = yamlnode.Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i].Value, n.Content[i], yamlnode.Resolve(n.Content[i+1]))
	}
}

// items returns the elements of a sequence node.
func items(n *yaml.Node) []*yaml.Node {
	n = yamlnode.Resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// pointerOf finds the JSON pointer of node n under root (for a $ref value,
// that of the object holding it), or "".
func pointerOf(root, n *yaml.Node) string {
	var path []string
	var find func(at *yaml.Node, depth int) bool
	find = func(at *yaml.Node, depth int) bool {
		if at == nil || depth > 256 {
			return false
		}
		if at == n {
			return true
		}
		switch at.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(at.Content); i += 2 {
				if at.Content[i+1] == n && at.Content[i].Value == "$ref" {
					return true
				}
				path = append(path, yamlnode.EscapePointer(at.Content[i].Value))
				if at.Content[i] == n || find(at.Content[i+1], depth+1) {
					return true
				}
				path = path[:len(path)-1]
			}
		case yaml.SequenceNode:
			for i, c := range at.Content {
				path = append(path, strconv.Itoa(i))
				if find(c, depth+1) {
					return true
				}
				path = path[:len(path)-1]
			}
		}
		return false
	}
	if !find(root, 0) {
		return ""
	}
	return "/" + strings.Join(path, "/")
}

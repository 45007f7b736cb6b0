// Package yamljson turns YAML nodes into JSON with the document's key
// order kept: examples, defaults and enum values reach the renderer as
// json.RawMessage. The OpenAPI and AsyncAPI adapters share it.
package yamljson

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
)

// maxValueDepth bounds recursion through aliases and deeply nested examples.
const maxValueDepth = 256

// Value converts a YAML node to JSON with the document's key order kept,
// returned as json.RawMessage so that renderers can marshal it unchanged.
// It returns nil for a nil node.
func Value(n *yaml.Node) any {
	if n == nil {
		return nil
	}
	b := appendNodeJSON(nil, n, 0)
	return json.RawMessage(b)
}

// Values converts each node with Value.
func Values(ns []*yaml.Node) []any {
	if len(ns) == 0 {
		return nil
	}
	out := make([]any, 0, len(ns))
	for _, n := range ns {
		out = append(out, Value(n))
	}
	return out
}

// Append appends the JSON of n to b.
func Append(b []byte, n *yaml.Node) []byte { return appendNodeJSON(b, n, 0) }

func appendNodeJSON(b []byte, n *yaml.Node, depth int) []byte {
	if n == nil || depth > maxValueDepth {
		return append(b, "null"...)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return append(b, "null"...)
		}
		return appendNodeJSON(b, n.Content[0], depth+1)
	case yaml.AliasNode:
		return appendNodeJSON(b, n.Alias, depth+1)
	case yaml.SequenceNode:
		b = append(b, '[')
		for i, c := range n.Content {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendNodeJSON(b, c, depth+1)
		}
		return append(b, ']')
	case yaml.MappingNode:
		b = append(b, '{')
		b, _ = appendPairs(b, n, depth, true)
		return append(b, '}')
	case yaml.ScalarNode:
		return appendScalarJSON(b, n)
	}
	return append(b, "null"...)
}

// appendPairs writes the members of a mapping (following merge keys) and
// reports whether it wrote nothing yet, so callers can place commas.
func appendPairs(b []byte, n *yaml.Node, depth int, first bool) ([]byte, bool) {
	if depth > maxValueDepth {
		return b, first
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" || (k.Value == "<<" && k.Style == 0 && k.Tag != "!!str") {
			target := v
			if target.Kind == yaml.AliasNode {
				target = target.Alias
			}
			if target != nil && target.Kind == yaml.MappingNode {
				b, first = appendPairs(b, target, depth+1, first)
				continue
			}
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		key := k.Value
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			key = k.Alias.Value
		}
		b = appendJSONString(b, key)
		b = append(b, ':')
		b = appendNodeJSON(b, v, depth+1)
	}
	return b, first
}

func appendScalarJSON(b []byte, n *yaml.Node) []byte {
	v := n.Value
	switch n.ShortTag() {
	case "!!null":
		return append(b, "null"...)
	case "!!bool":
		switch strings.ToLower(v) {
		case "true", "yes", "on", "y":
			return append(b, "true"...)
		default:
			return append(b, "false"...)
		}
	case "!!int":
		if json.Valid([]byte(v)) && !strings.ContainsAny(v, "+_") {
			return append(b, v...)
		}
		clean := strings.ReplaceAll(v, "_", "")
		if i, err := strconv.ParseInt(clean, 0, 64); err == nil {
			return strconv.AppendInt(b, i, 10)
		}
		if u, err := strconv.ParseUint(clean, 0, 64); err == nil {
			return strconv.AppendUint(b, u, 10)
		}
		return appendJSONString(b, v)
	case "!!float":
		if json.Valid([]byte(v)) && !strings.ContainsAny(v, "+_") {
			return append(b, v...)
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimPrefix(v, "+"), "_", ""), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return appendJSONString(b, v)
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	}
	return appendJSONString(b, v)
}

// appendJSONString writes s as a JSON string. It escapes <, > and & like
// encoding/json, so the bytes are safe to embed in HTML script blocks.
func appendJSONString(b []byte, s string) []byte {
	q, err := json.Marshal(s)
	if err != nil {
		return append(b, `""`...)
	}
	return append(b, q...)
}

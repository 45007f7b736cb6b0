// Package yamlnode reads YAML node trees as JSON documents: aliases
// followed, mapping members looked up, $refs found and JSON pointers
// walked. Both description adapters (OpenAPI and AsyncAPI) read their
// documents with it.
package yamlnode

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
)

// Resolve follows aliases (at most 64, against alias loops) and unwraps
// a document node to its content.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		return Resolve(n.Content[0])
	}
	return n
}

// MapValue returns the value of key in the mapping m, aliases followed;
// nil when m is not a mapping or lacks the key.
func MapValue(m *yaml.Node, key string) *yaml.Node {
	m = Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return Resolve(m.Content[i+1])
		}
	}
	return nil
}

// Ref returns the $ref value node of a mapping node, if it has one.
func Ref(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "$ref" && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1]
		}
	}
	return nil
}

// WalkPointer follows a JSON pointer (without the leading #) from n;
// tokens may be percent-encoded, as in a URI fragment.
func WalkPointer(n *yaml.Node, pointer string) *yaml.Node {
	if pointer == "" || pointer == "/" {
		return n
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = UnescapePointer(UnescapeURL(tok))
		n = Resolve(n)
		if n == nil {
			return nil
		}
		switch n.Kind {
		case yaml.MappingNode:
			n = MapValue(n, tok)
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

// Locate finds the node a JSON pointer (unencoded tokens) names from
// root, to place a problem: the key for a mapping member, the item for a
// sequence element, falling back to the deepest node found.
func Locate(root *yaml.Node, pointer string) *yaml.Node {
	n := root
	at := root
	if pointer == "" || pointer == "/" {
		return at
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = UnescapePointer(tok)
		n = Resolve(n)
		if n == nil {
			break
		}
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == tok {
					at, next = n.Content[i], n.Content[i+1]
					break
				}
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Content) {
				return at
			}
			n = n.Content[i]
			at = n
		default:
			return at
		}
		if n == nil {
			return at
		}
	}
	return at
}

// UnescapeURL decodes a percent-encoded pointer token; a token that does
// not decode stays as it is.
func UnescapeURL(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// UnescapePointer decodes one JSON pointer token.
func UnescapePointer(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// EscapePointer encodes one JSON pointer token.
func EscapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// Float reads a number scalar (YAML's 1_000 allowed); nil if it is none.
func Float(v *yaml.Node) *float64 {
	f, err := strconv.ParseFloat(strings.ReplaceAll(v.Value, "_", ""), 64)
	if err != nil {
		return nil
	}
	return &f
}

// Int reads an integer scalar, truncating a number written as a float;
// nil if it is none.
func Int(v *yaml.Node) *int64 {
	if i, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
		return &i
	}
	if f := Float(v); f != nil {
		i := int64(*f)
		return &i
	}
	return nil
}

package asyncapi

import (
	"bytes"
	"encoding/json"

	"github.com/pb33f/go-yaml"

	"github.com/portal-dev/portal/generator/yamljson"
	"github.com/portal-dev/portal/generator/yamlnode"
)

// rawSource prints a schema we do not model (Avro, Protobuf, RAML) as its
// author wrote it: a string as itself, anything else as indented JSON.
func rawSource(n *yaml.Node) string {
	n = yamlnode.Resolve(n)
	if n == nil {
		return ""
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	var b bytes.Buffer
	if err := json.Indent(&b, yamljson.Append(nil, n), "", "  "); err != nil {
		return string(yamljson.Append(nil, n))
	}
	return b.String()
}

package render

import (
	"flag"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/internal/testfiles"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// fragments prints a fragment map in a stable, diffable form.
func fragments(m map[string]string, keys ...string) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("-- " + k + " --\n")
		b.WriteString(indentHTML(m[k]))
		b.WriteString("\n")
	}
	return b.String()
}

// indentHTML breaks HTML after each closing block tag so golden diffs are
// readable; it does not change what is checked, only how it is shown.
func indentHTML(h string) string {
	for _, tag := range []string{"</li>", "</ul>", "</ol>", "</section>", "</details>", "</div>", "</dl>", "</pre>", "</p>", "</h3>", "</h4>", "</summary>", "</button>", "</tr>"} {
		h = strings.ReplaceAll(h, tag, tag+"\n")
	}
	return h
}

func findOp(api *spec.API, slug string) *spec.Operation {
	for _, op := range append(slices.Clone(api.Operations), api.Webhooks...) {
		if op.Slug == slug {
			return op
		}
	}
	panic("no operation " + slug)
}

func findSchema(api *spec.API, name string) *spec.NamedSchema {
	for _, ns := range api.Schemas {
		if ns.Name == name {
			return ns
		}
	}
	panic("no schema " + name)
}

var opKeys = []string{"description", "security", "parameters", "request", "responses", "callbacks", "samples", "examples", "tryit"}

func TestGolden(t *testing.T) {
	t.Parallel()
	api := petstore()
	r := New(api, Options{Base: "/apis/petstore/", ExtraServers: []spec.Server{{URL: "http://localhost:8080", Description: "Local upstream"}}})

	tests := map[string]func() string{
		"overview": func() string {
			return fragments(r.Overview(), "description", "servers", "security", "info")
		},
		"reference_index": r.ReferenceIndex,
		"schemas_index":   r.SchemasIndex,
		"op_parameters": func() string {
			return fragments(r.Operation(findOp(api, "listpets")), opKeys...)
		},
		"op_request_two_media_callbacks": func() string {
			return fragments(r.Operation(findOp(api, "createpet")), opKeys...)
		},
		"op_oneof_discriminator_security": func() string {
			return fragments(r.Operation(findOp(api, "getpet")), opKeys...)
		},
		"op_cyclic_body": func() string {
			return fragments(r.Operation(findOp(api, "gettree")), opKeys...)
		},
		"webhook": func() string {
			return fragments(r.Operation(findOp(api, "newpet")), opKeys...)
		},
		"schema_cyclic": func() string {
			return fragments(r.Schema(findSchema(api, "Node")), "description", "schema", "example", "used_by")
		},
		"schema_allof": func() string {
			return fragments(r.Schema(findSchema(api, "Pet")), "description", "schema", "example", "used_by")
		},
		"schema_oneof": func() string {
			return fragments(r.Schema(findSchema(api, "Animal")), "description", "schema", "example", "used_by")
		},
		"nav_operation": func() string { return r.Nav("/apis/petstore/reference/getpet/") },
		"nav_webhook":   func() string { return r.Nav("/apis/petstore/webhooks/newpet/") },
		"nav_schemas":   func() string { return r.Nav("/apis/petstore/schemas/") },
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := indentHTML(fn())
			testfiles.Golden(t, filepath.Join("testdata", name+".golden"), got, *update, "go test ./generator/render -update")
		})
	}
}

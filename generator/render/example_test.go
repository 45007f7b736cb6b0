package render

import (
	"encoding/json"
	"testing"

	"github.com/portal-dev/portal/generator/spec"
)

func TestExample(t *testing.T) {
	t.Parallel()
	api := petstore()
	tests := map[string]struct {
		s    *spec.Schema
		want string
	}{
		"cyclic":        {s: findSchema(api, "Node").Schema, want: `{"name":"string","children":[]}`},
		"allOf merges":  {s: findSchema(api, "Pet").Schema, want: `{"name":"Rex","tag":"string","status":"available","weight":0.5,"owner":{"email":"user@example.com","category":{"id":0,"name":"string"}},"labels":{"key":"string"},"strict":{"x":0},"photos":["https://example.com"],"id":0,"created":"2024-01-15T09:30:00Z"}`},
		"oneOf first":   {s: findSchema(api, "Animal").Schema, want: `{"petType":"cat","lives":0}`},
		"ordered given": {s: &spec.Schema{Example: json.RawMessage(`{"z":1,"a":{"y":2,"b":3}}`)}, want: `{"z":1,"a":{"y":2,"b":3}}`},
		"map sorted":    {s: &spec.Schema{Example: map[string]any{"z": 1.0, "a": "x"}}, want: `{"a":"x","z":1}`},
		"const":         {s: &spec.Schema{Type: []string{"string"}, HasConst: true, Const: json.RawMessage(`"c"`)}, want: `"c"`},
		"enum":          {s: &spec.Schema{Type: []string{"integer"}, Enum: []any{json.RawMessage(`3`)}}, want: `3`},
		"uuid":          {s: &spec.Schema{Type: []string{"string"}, Format: "uuid"}, want: `"3fa85f64-5717-4562-b3fc-2c963f66afa6"`},
		"min length":    {s: &spec.Schema{Type: []string{"string"}, MinLength: ptr[int64](8)}, want: `"stringxx"`},
		"nil":           {s: nil, want: `null`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := marshal(Example(tc.s), "")
			if err != nil {
				t.Fatal(err)
			}
			if got := string(b); got != tc.want {
				t.Errorf("Example() = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestExampleFinite checks a deep self-referencing schema without Ref set
// (a malformed adapter) still terminates.
func TestExampleFinite(t *testing.T) {
	t.Parallel()
	s := &spec.Schema{Type: []string{"object"}}
	s.Properties = []spec.Property{{Name: "self", Schema: s}, {Name: "list", Schema: &spec.Schema{Type: []string{"array"}, Items: s}}}
	if _, err := marshal(Example(s), ""); err != nil {
		t.Fatal(err)
	}
	r := New(&spec.API{Schemas: []*spec.NamedSchema{{Name: "S", Slug: "s", Schema: s}}}, Options{Base: "/a/"})
	if got := r.Schema(&spec.NamedSchema{Name: "S", Slug: "s", Schema: s})["schema"]; got == "" {
		t.Error("Schema() rendered nothing")
	}
}

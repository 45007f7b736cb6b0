package schemamap_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/generator/asyncapi"
	"github.com/portal-dev/portal/generator/openapi"
	"github.com/portal-dev/portal/generator/spec"
)

// components are JSON Schemas with most keywords the mapper knows,
// including a discriminator mapping, a cycle and a $ref with siblings.
const components = `
    Pet:
      type: object
      title: A pet
      description: Something that lives with you.
      required: [name, kind]
      discriminator:
        propertyName: kind
        mapping:
          dog: '#/components/schemas/Dog'
      properties:
        name: {type: string, minLength: 1, maxLength: 64, pattern: '^[a-z]+$', example: rex}
        kind: {type: string, enum: [dog, cat], default: dog}
        age: {type: [integer, 'null'], minimum: 0, exclusiveMaximum: 40, multipleOf: 1}
        tags: {type: array, items: {type: string}, minItems: 0, maxItems: 10, uniqueItems: true}
        parent: {$ref: '#/components/schemas/Pet'}
        owner: {$ref: '#/components/schemas/Owner', description: The one who feeds it, readOnly: true}
        extra: {type: object, additionalProperties: {type: integer}, minProperties: 1}
        blob: {type: string, contentMediaType: image/png, contentEncoding: base64, writeOnly: true}
        code: {const: 42, deprecated: true}
      patternProperties:
        '^x-': {type: string}
    Dog:
      allOf:
        - $ref: '#/components/schemas/Pet'
        - type: object
          properties:
            bark: {oneOf: [{type: string}, {type: boolean}], not: {type: 'null'}}
            size: {anyOf: [{type: number, format: float}, {type: string}], examples: [1.5, big]}
    Owner:
      type: object
      properties:
        email: {type: string, format: email}
`

// TestAdaptersAgree: the same JSON Schemas read from an OpenAPI 3.1 and
// an AsyncAPI 3 description map to the same model, keyword for keyword.
func TestAdaptersAgree(t *testing.T) {
	oas := "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:" + components
	aas := "asyncapi: 3.0.0\ninfo: {title: T, version: '1'}\ncomponents:\n  schemas:" + components
	o, _, err := openapi.Load("t.yaml", []byte(oas))
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := asyncapi.Load("t.yaml", []byte(aas))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Schemas) != 3 || len(a.Schemas) != 3 {
		t.Fatalf("schemas: openapi %d, asyncapi %d; want 3 each", len(o.Schemas), len(a.Schemas))
	}
	pet := o.Schemas[0].Schema
	if pet.Discriminator == nil || len(pet.Discriminator.Mapping) != 1 || pet.Discriminator.Mapping[0].Ref != "Dog" || len(pet.PatternProperties) != 1 || !pet.Properties[2].Schema.Nullable {
		t.Errorf("OpenAPI Pet = %+v: discriminator mapping, patternProperties or nullable lost", pet)
	}
	for i := range o.Schemas {
		if diff := cmp.Diff(o.Schemas[i], a.Schemas[i], cmp.Comparer(sameSchema)); diff != "" {
			t.Errorf("schema %s (-openapi +asyncapi):\n%s", o.Schemas[i].Name, diff)
		}
	}
}

// sameSchema compares two schema graphs that may be cyclic: by their
// printed form down to a fixed depth.
func sameSchema(x, y *spec.Schema) bool { return dump(x, 6) == dump(y, 6) }

func dump(s *spec.Schema, depth int) string {
	if s == nil {
		return "nil"
	}
	if depth == 0 {
		return "…" + s.Ref
	}
	var b strings.Builder
	cp := *s
	cp.Properties, cp.PatternProperties, cp.Items, cp.AdditionalProperties, cp.Not = nil, nil, nil, nil, nil
	cp.AllOf, cp.OneOf, cp.AnyOf, cp.PrefixItems = nil, nil, nil, nil
	b.WriteString(cmp.Diff(spec.Schema{}, cp))
	for _, p := range append(append([]spec.Property{}, s.Properties...), s.PatternProperties...) {
		b.WriteString(p.Name + ":" + dump(p.Schema, depth-1))
	}
	for _, l := range [][]*spec.Schema{s.AllOf, s.OneOf, s.AnyOf, s.PrefixItems, {s.Items, s.AdditionalProperties, s.Not}} {
		for _, c := range l {
			b.WriteString("[" + dump(c, depth-1) + "]")
		}
	}
	return b.String()
}

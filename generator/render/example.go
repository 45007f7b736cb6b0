package render

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/portal-dev/portal/generator/spec"
)

// Limits that keep generated examples finite and small on huge schemas.
const (
	maxExampleDepth  = 8
	maxExampleValues = 400
)

// exampleMode says which properties a generated example leaves out.
type exampleMode int

const (
	modeAny      exampleMode = iota
	modeRequest              // skips readOnly properties
	modeResponse             // skips writeOnly properties
)

// Example builds a sample value for s: the schema's own example, else its
// const, default or first enum value, else a value generated from its type
// and format. Objects are ordered (they marshal with the schema's property
// order); generation stops at cycles and at a depth and size cap.
func Example(s *spec.Schema) any {
	return example(s, modeAny)
}

func example(s *spec.Schema, mode exampleMode) any {
	g := exampleGen{mode: mode, stack: map[*spec.Schema]bool{}, budget: maxExampleValues}
	v, _ := g.value(s, 0)
	return v
}

type exampleGen struct {
	mode   exampleMode
	stack  map[*spec.Schema]bool
	budget int
}

// value returns false when s produced nothing (nil schema, cycle, budget),
// so that an enclosing object can leave the property out.
func (g *exampleGen) value(s *spec.Schema, depth int) (any, bool) {
	if s == nil {
		return nil, false
	}
	switch {
	case s.Example != nil:
		return normalize(s.Example), true
	case len(s.Examples) > 0:
		return normalize(s.Examples[0]), true
	case s.HasConst:
		return normalize(s.Const), true
	case s.HasDefault:
		return normalize(s.Default), true
	case len(s.Enum) > 0:
		return normalize(s.Enum[0]), true
	}
	if g.stack[s] || depth > maxExampleDepth || g.budget <= 0 {
		return nil, false
	}
	g.budget--
	g.stack[s] = true
	defer delete(g.stack, s)

	if len(s.AllOf) > 0 {
		return g.allOf(s, depth)
	}
	if len(s.OneOf) > 0 {
		return g.value(s.OneOf[0], depth+1)
	}
	if len(s.AnyOf) > 0 {
		return g.value(s.AnyOf[0], depth+1)
	}
	switch primaryType(s) {
	case "object":
		return g.object(s, depth), true
	case "array":
		arr := []any{}
		for _, p := range s.PrefixItems {
			if v, ok := g.value(p, depth+1); ok {
				arr = append(arr, v)
			}
		}
		if len(arr) == 0 {
			if v, ok := g.value(s.Items, depth+1); ok {
				arr = append(arr, v)
			}
		}
		return arr, true
	case "string":
		return exampleString(s), true
	case "integer":
		n := int64(0)
		if s.Minimum != nil {
			n = int64(*s.Minimum)
		} else if s.ExclusiveMinimum != nil {
			n = int64(*s.ExclusiveMinimum) + 1
		}
		return json.Number(strconv.FormatInt(n, 10)), true
	case "number":
		f := 0.0
		if s.Minimum != nil {
			f = *s.Minimum
		}
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), true
	case "boolean":
		return true, true
	case "null":
		return nil, true
	}
	return nil, true
}

func (g *exampleGen) object(s *spec.Schema, depth int) object {
	o := object{}
	for _, p := range s.Properties {
		if p.Schema != nil && (g.mode == modeRequest && p.Schema.ReadOnly || g.mode == modeResponse && p.Schema.WriteOnly) {
			continue
		}
		if v, ok := g.value(p.Schema, depth+1); ok {
			o = append(o, member{p.Name, v})
		}
	}
	if len(o) == 0 && s.AdditionalProperties != nil {
		if v, ok := g.value(s.AdditionalProperties, depth+1); ok {
			o = append(o, member{"key", v})
		}
	}
	return o
}

// allOf merges the parts' objects in order; a non-object part wins alone.
func (g *exampleGen) allOf(s *spec.Schema, depth int) (any, bool) {
	merged := g.object(s, depth)
	for _, part := range s.AllOf {
		v, ok := g.value(part, depth+1)
		if !ok {
			continue
		}
		po, isObj := v.(object)
		if !isObj {
			if len(merged) == 0 {
				return v, true
			}
			continue
		}
		for _, m := range po {
			if !merged.has(m.Key) {
				merged = append(merged, m)
			}
		}
	}
	return merged, true
}

// primaryType is the schema's first non-null type, inferred when absent.
func primaryType(s *spec.Schema) string {
	for _, t := range s.Type {
		if t != "null" {
			return t
		}
	}
	switch {
	case len(s.Properties) > 0 || s.AdditionalProperties != nil || len(s.PatternProperties) > 0:
		return "object"
	case s.Items != nil || len(s.PrefixItems) > 0:
		return "array"
	case len(s.Type) == 1:
		return "null"
	}
	return ""
}

var formatExamples = map[string]string{
	"date-time":     "2024-01-15T09:30:00Z",
	"date":          "2024-01-15",
	"time":          "09:30:00Z",
	"duration":      "P1D",
	"email":         "user@example.com",
	"idn-email":     "user@example.com",
	"uuid":          "3fa85f64-5717-4562-b3fc-2c963f66afa6",
	"uri":           "https://example.com",
	"url":           "https://example.com",
	"iri":           "https://example.com",
	"uri-reference": "/path",
	"uri-template":  "https://example.com/{id}",
	"hostname":      "example.com",
	"idn-hostname":  "example.com",
	"ipv4":          "192.0.2.1",
	"ipv6":          "2001:db8::1",
	"byte":          "ZXhhbXBsZQ==",
	"binary":        "<binary>",
	"password":      "********",
	"regex":         "^[a-z]+$",
	"json-pointer":  "/a/b",
}

func exampleString(s *spec.Schema) string {
	v, ok := formatExamples[s.Format]
	if !ok {
		v = "string"
	}
	if s.MinLength != nil && int64(len(v)) < *s.MinLength {
		v += strings.Repeat("x", int(*s.MinLength)-len(v))
	}
	if s.MaxLength != nil && *s.MaxLength >= 0 && int64(len(v)) > *s.MaxLength {
		v = v[:*s.MaxLength]
	}
	return v
}

// mediaExample is the example shown for a media type: the given one, else
// the first named example's value, else one generated from the schema.
func mediaExample(mt spec.MediaType, mode exampleMode) (any, bool) {
	if mt.Example != nil {
		return normalize(mt.Example), true
	}
	for _, ex := range mt.Examples {
		if ex.Value != nil {
			return normalize(ex.Value), true
		}
	}
	if mt.Schema == nil || mt.Schema.Raw != "" {
		return nil, false
	}
	return example(mt.Schema, mode), true
}

// isJSON reports whether a media type carries JSON.
func isJSON(mediaType string) bool {
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0]))
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

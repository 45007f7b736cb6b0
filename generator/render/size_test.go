package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/portal-dev/portal/generator/spec"
)

// BenchmarkOperation renders every fragment of a synthetic large operation.
func BenchmarkOperation(b *testing.B) {
	api, op := largeAPI()
	r := New(api, Options{Base: "/apis/large/"})
	b.ReportAllocs()
	var size int
	for b.Loop() {
		size = 0
		for _, v := range r.Operation(op) {
			size += len(v)
		}
	}
	b.ReportMetric(float64(size), "bytes/op-page")
}

// largeAPI has 60 component schemas that refer to each other (with
// cycles) and an operation with many parameters and responses.
func largeAPI() (*spec.API, *spec.Operation) {
	const n = 60
	schemas := make([]*spec.Schema, n)
	for i := range schemas {
		schemas[i] = &spec.Schema{Ref: fmt.Sprintf("S%d", i), Type: []string{"object"}, Description: "Schema with **markdown**."}
	}
	for i, s := range schemas {
		for j := 0; j < 40; j++ {
			var ps *spec.Schema
			switch j % 4 {
			case 0:
				ps = schemas[(i+j+1)%n]
			case 1:
				ps = &spec.Schema{Type: []string{"array"}, Items: schemas[(i+j)%n]}
			case 2:
				ps = &spec.Schema{Type: []string{"string"}, Format: "date-time", Description: "A time."}
			default:
				ps = &spec.Schema{Type: []string{"object"}, Properties: []spec.Property{{Name: "x", Schema: &spec.Schema{Type: []string{"integer"}}}}}
			}
			s.Properties = append(s.Properties, spec.Property{Name: fmt.Sprintf("p%d", j), Schema: ps})
		}
	}
	op := &spec.Operation{Slug: "big", Method: "POST", Path: "/big/{id}", Tags: []string{"big"}, Description: "A *big* operation."}
	for i := 0; i < 20; i++ {
		in := []string{"path", "query", "header", "cookie"}[i%4]
		op.Parameters = append(op.Parameters, spec.Parameter{Name: fmt.Sprintf("p%d", i), In: in, Required: in == "path", Description: "A parameter.", Schema: &spec.Schema{Type: []string{"string"}}})
	}
	op.RequestBody = &spec.RequestBody{Required: true, Content: []spec.MediaType{{Name: "application/json", Schema: schemas[0]}}}
	for i := 0; i < 8; i++ {
		op.Responses = append(op.Responses, spec.Response{Code: fmt.Sprint(200 + i*50), Description: "A response.", Content: []spec.MediaType{{Name: "application/json", Schema: schemas[i+1]}}})
	}
	api := &spec.API{Title: "Large", Operations: []*spec.Operation{op}, Servers: []spec.Server{{URL: "https://api.example.com"}}}
	for i, s := range schemas {
		api.Schemas = append(api.Schemas, &spec.NamedSchema{Name: s.Ref, Slug: strings.ToLower(s.Ref), Schema: schemas[i]})
	}
	return api, op
}

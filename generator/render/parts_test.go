package render

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/portal-dev/portal/generator/openapi"
)

// TestPartsMatchRender checks that the cheap presence lists name exactly
// the fragments that rendering produces, on every sample description.
func TestPartsMatchRender(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../sample-specs/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample specs: %v", err)
	}
	nonEmpty := func(m map[string]string, order []string) []string {
		var out []string
		for _, k := range order {
			if m[k] != "" {
				out = append(out, k)
			}
		}
		return out
	}
	opOrder := []string{"description", "security", "parameters", "request", "responses", "callbacks", "samples", "tryit"}
	schemaOrder := []string{"description", "schema", "example", "used_by"}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			api, _, err := openapi.Load(f, data)
			if err != nil {
				t.Fatal(err)
			}
			r := New(api, Options{Base: "/apis/x/"})
			for _, op := range append(slices.Clone(api.Operations), api.Webhooks...) {
				if got, want := r.OperationParts(op), nonEmpty(r.Operation(op), opOrder); !slices.Equal(got, want) {
					t.Errorf("OperationParts(%s %s) = %v, want %v", op.Method, op.Path, got, want)
				}
			}
			for _, ns := range api.Schemas {
				if got, want := r.SchemaParts(ns), nonEmpty(r.Schema(ns), schemaOrder); !slices.Equal(got, want) {
					t.Errorf("SchemaParts(%s) = %v, want %v", ns.Name, got, want)
				}
			}
		})
	}
}

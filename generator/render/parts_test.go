package render

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/portal-dev/portal/generator/asyncapi"
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
	opOrder := []string{"description", "security", "parameters", "request", "responses", "callbacks", "samples", "examples", "tryit"}
	schemaOrder := []string{"description", "schema", "example", "used_by"}
	asyncOpOrder := []string{"description", "channel", "security", "parameters", "messages", "reply", "bindings", "examples"}
	messageOrder := []string{"description", "info", "headers", "payload", "examples", "bindings", "used_by"}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.IsDir() {
			continue // common/: files other descriptions refer to
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			load := openapi.Load
			if asyncapi.IsAsyncAPI(data) {
				load = asyncapi.Load
			}
			api, _, err := load(f, data)
			if err != nil {
				t.Fatal(err)
			}
			r := New(api, Options{Base: "/apis/x/"})
			for _, op := range append(slices.Clone(api.Operations), api.Webhooks...) {
				order := opOrder
				if op.Action != "" {
					order = asyncOpOrder
				}
				if got, want := r.OperationParts(op), nonEmpty(r.Operation(op), order); !slices.Equal(got, want) {
					t.Errorf("OperationParts(%s %s) = %v, want %v", op.Method, op.Path, got, want)
				}
			}
			for _, m := range api.Messages {
				if got, want := r.MessageParts(m), nonEmpty(r.Message(m), messageOrder); !slices.Equal(got, want) {
					t.Errorf("MessageParts(%s) = %v, want %v", m.Key, got, want)
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

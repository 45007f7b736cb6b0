package render

import "github.com/portal-dev/portal/generator/spec"

// OperationParts names the fragments that Operation renders non-empty, in
// Operation's order, without rendering them: the site writer lists them in
// front matter and renders the fragments only when Hugo writes the page.
func (r *Renderer) OperationParts(op *spec.Operation) []string {
	if op.Action != "" {
		return r.asyncOperationParts(op)
	}
	var out []string
	if op.Description != "" || op.ExternalDocs != nil {
		out = append(out, "description")
	}
	if len(r.effectiveSecurity(op)) > 0 || op.Security != nil {
		out = append(out, "security")
	}
	if len(op.Parameters) > 0 {
		out = append(out, "parameters")
	}
	if op.RequestBody != nil {
		out = append(out, "request")
	}
	if len(op.Responses) > 0 {
		out = append(out, "responses")
	}
	if len(op.Callbacks) > 0 {
		out = append(out, "callbacks")
	}
	if !op.Webhook {
		out = append(out, "samples")
	}
	if hasResponseExamples(op.Responses) {
		out = append(out, "examples")
	}
	if !op.Webhook {
		out = append(out, "tryit")
	}
	return out
}

// SchemaParts names the fragments that Schema renders non-empty, in
// Schema's order, without rendering them.
func (r *Renderer) SchemaParts(ns *spec.NamedSchema) []string {
	if ns.Schema == nil {
		return nil
	}
	var out []string
	if ns.Schema.Description != "" {
		out = append(out, "description")
	}
	out = append(out, "schema")
	if ns.Schema.Raw == "" {
		out = append(out, "example")
	}
	if len(r.usedByOps[ns.Name]) > 0 || len(r.usedBySchema[ns.Name]) > 0 {
		out = append(out, "used_by")
	}
	return out
}

package openapi

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/index"

	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/generator/yamlnode"
)

// lint checks the rules a portal cares about on the converted API, locating
// each finding in the source through its JSON pointer.
func (l *loader) lint(api *spec.API) {
	l.lintTop(api)
	ids := map[string]string{} // operationId -> pointer of first use
	var visit func(ops []*spec.Operation, checkPath bool)
	visit = func(ops []*spec.Operation, checkPath bool) {
		for _, op := range ops {
			l.lintOperation(op, ids, checkPath)
			for _, cb := range op.Callbacks {
				visit(cb.Operations, false)
			}
		}
	}
	visit(api.Operations, true)
	visit(api.Webhooks, false)
}

func (l *loader) lintTop(api *spec.API) {
	if l.root == nil {
		return
	}
	info := l.lookup("info")
	switch {
	case info == nil:
		l.add(spec.Error, "info", "", "the info object is missing",
			"Add an info object with at least title and version.")
	default:
		if l.lookup("info", "title") == nil || api.Title == "" {
			l.add(spec.Error, "info-title", "/info", "info.title is missing",
				"Add a title under info: it names the API in the portal.")
		}
		if l.lookup("info", "version") == nil || api.Version == "" {
			l.add(spec.Error, "info-version", "/info", "info.version is missing",
				`Add a version under info, e.g. version: "1.0.0".`)
		}
		if api.Description == "" {
			l.add(spec.Warning, "info-description", "/info", "info.description is missing",
				"Add a description under info: it becomes the API's overview page.")
		}
	}
	if strings.HasPrefix(api.SpecVersion, "3.") && !strings.HasPrefix(api.SpecVersion, "3.0") {
		if l.lookup("paths") == nil && l.lookup("webhooks") == nil && l.lookup("components") == nil {
			l.add(spec.Error, "paths", "", "the document has none of paths, webhooks or components",
				"Add a paths object describing the API's operations.")
		}
	} else if l.lookup("paths") == nil {
		l.add(spec.Error, "paths", "", "the paths object is missing",
			"Add a paths object describing the API's operations (it may be empty: paths: {}).")
	}
}

func (l *loader) lintOperation(op *spec.Operation, ids map[string]string, checkPath bool) {
	name := op.Method + " " + op.Path
	if len(op.Responses) == 0 && l.lacksResponses(op.Pointer) {
		l.add(spec.Error, "operation-responses", op.Pointer,
			fmt.Sprintf("operation %s has no responses", name),
			"Add a responses object with at least one response, e.g. '200': {description: OK}.")
	}
	if op.ID == "" {
		l.add(spec.Warning, "operation-operationId", op.Pointer,
			fmt.Sprintf("operation %s has no operationId", name),
			"Add a unique operationId: it gives the operation a stable URL in the portal.")
	} else if first, dup := ids[op.ID]; dup {
		l.add(spec.Error, "operation-operationId-unique", op.Pointer+"/operationId",
			fmt.Sprintf("operationId %q of %s is already used at %s", op.ID, name, first),
			"Give every operation its own operationId.")
	} else {
		ids[op.ID] = op.Pointer
	}
	if op.Summary == "" && op.Description == "" {
		l.add(spec.Warning, "operation-description", op.Pointer,
			fmt.Sprintf("operation %s has neither summary nor description", name),
			"Add a summary (one line) and a description saying what the operation does.")
	}
	if checkPath {
		l.lintPathParams(op)
	}
}

// lintPathParams compares the {names} in the path template with the path
// parameters the operation defines.
func (l *loader) lintPathParams(op *spec.Operation) {
	var inTemplate []string
	rest := op.Path
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		inTemplate = append(inTemplate, rest[i+1:i+j])
		rest = rest[i+j+1:]
	}
	defined := map[string]bool{}
	for _, p := range op.Parameters {
		if p.In == "path" {
			defined[p.Name] = true
			if !slices.Contains(inTemplate, p.Name) {
				l.add(spec.Error, "path-params", op.Pointer,
					fmt.Sprintf("path parameter %q of %s %s does not appear in the path template", p.Name, op.Method, op.Path),
					fmt.Sprintf("Add {%s} to the path or remove the parameter.", p.Name))
			}
		}
	}
	for _, name := range inTemplate {
		if !defined[name] {
			l.add(spec.Error, "path-params", op.Pointer,
				fmt.Sprintf("path parameter {%s} of %s %s is not defined", name, op.Method, op.Path),
				fmt.Sprintf("Add a parameter with name: %s, in: path, required: true to the operation or its path item.", name))
		}
	}
}

// unusedSchemas warns about component schemas no $ref or discriminator
// mapping ever names.
func (l *loader) unusedSchemas(api *spec.API, c *schemas, pointerPrefix string) {
	used := map[string]bool{}
	for name := range c.used {
		used[name] = true
	}
	if l.idx != nil {
		for _, r := range l.idx.GetRawReferencesSequenced() {
			markRef(used, c, r)
		}
	}
	for _, ns := range api.Schemas {
		if !used[ns.Name] {
			l.add(spec.Warning, "unused-component", pointerPrefix+yamlnode.EscapePointer(ns.Name),
				fmt.Sprintf("schema %q is never referenced", ns.Name),
				"Reference it with $ref where it is used, or delete it.")
		}
	}
}

func markRef(used map[string]bool, c *schemas, r *index.Reference) {
	if r == nil {
		return
	}
	for _, ref := range []string{r.RawRef, r.Definition} {
		if i := strings.IndexByte(ref, '#'); i > 0 {
			ref = ref[i:]
		}
		if name, ok := c.componentName(ref); ok {
			used[name] = true
		}
	}
}

// lacksResponses reports whether the operation node at pointer has no
// responses in the source; the model can lose them to a broken $ref, which
// is reported on its own.
func (l *loader) lacksResponses(pointer string) bool {
	n := yamlnode.Resolve(yamlnode.WalkPointer(l.root, pointer))
	if n == nil || n.Kind != yaml.MappingNode {
		return true
	}
	r := yamlnode.Resolve(yamlnode.MapValue(n, "responses"))
	return r == nil || len(r.Content) == 0
}

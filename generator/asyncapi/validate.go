package asyncapi

import (
	"bytes"
	"embed"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/portal-dev/portal/generator/spec"
	"github.com/portal-dev/portal/generator/yamljson"
	"github.com/portal-dev/portal/generator/yamlnode"
)

// The official AsyncAPI JSON Schemas from npm @asyncapi/specs (see
// schemas/VERSION and schemas/refresh.sh; `make asyncapi-schemas`).
//
//go:embed schemas/*.json
var schemaFiles embed.FS

// schemaVersion maps a document's asyncapi version to the vendored schema
// that validates it, or "" when none does.
func schemaVersion(v string) string {
	switch {
	case strings.HasPrefix(v, "3.1."):
		return "3.1.0"
	case strings.HasPrefix(v, "3.0."):
		return "3.0.0"
	case len(v) >= 4 && strings.HasPrefix(v, "2.") && v[2] >= '0' && v[2] <= '6' && v[3] == '.':
		return v[:3] + ".0"
	}
	return ""
}

type compiled struct {
	schema *jsonschema.Schema
	err    error
}

// compiledSchemas compiles each version's schema once per process: the 3.x
// schemas are 400 kB and take tens of milliseconds to compile. The map is
// filled at init and never written after.
var compiledSchemas = func() map[string]func() compiled {
	m := map[string]func() compiled{}
	for _, v := range []string{"2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.0", "2.6.0", "3.0.0", "3.1.0"} {
		m[v] = sync.OnceValue(func() compiled { return compileSchema(v) })
	}
	return m
}()

func compileSchema(version string) compiled {
	data, err := schemaFiles.ReadFile("schemas/" + version + ".json")
	if err != nil {
		return compiled{err: err}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return compiled{err: err}
	}
	id := "http://asyncapi.com/definitions/" + version + "/asyncapi.json"
	if m, ok := doc.(map[string]any); ok {
		if s, ok := m["$id"].(string); ok {
			id = s
		}
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(id, doc); err != nil {
		return compiled{err: err}
	}
	s, err := c.Compile(id)
	return compiled{schema: s, err: err}
}

var printer = message.NewPrinter(language.English)

// maxValidationProblems bounds the report of a badly broken document.
const maxValidationProblems = 25

// validate checks the document d against the AsyncAPI schema of version
// and records each failure at its JSON pointer and line.
func (l *loader) validate(d *document, version string) {
	c := compiledSchemas[version]()
	if c.err != nil {
		// A vendored schema that does not compile is our bug, not the author's.
		l.problem(spec.Warning, "schema", d.root, "", fmt.Sprintf("the AsyncAPI %s schema cannot be used: %v", version, c.err),
			"Report this to the portal's maintainers; the description was not validated.")
		return
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(yamljson.Append(nil, d.root)))
	if err != nil {
		return
	}
	err = c.schema.Validate(inst)
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return
	}
	var leaves []*jsonschema.ValidationError
	collectLeaves(ve, &leaves)
	// Keep the most specific errors: for each instance location, drop it
	// when a deeper location under it also failed.
	byLoc := map[string][]string{}
	var locs []string
	for _, e := range leaves {
		loc := pointer(e.InstanceLocation)
		msg := e.ErrorKind.LocalizedString(printer)
		if _, ok := byLoc[loc]; !ok {
			locs = append(locs, loc)
		}
		if !contains(byLoc[loc], msg) {
			byLoc[loc] = append(byLoc[loc], msg)
		}
	}
	sort.Strings(locs)
	var kept []string
	for i, loc := range locs {
		if i+1 < len(locs) && strings.HasPrefix(locs[i+1], loc+"/") {
			continue
		}
		kept = append(kept, loc)
	}
	for i, loc := range kept {
		if i == maxValidationProblems {
			l.problem(spec.Error, "schema", d.root, "", fmt.Sprintf("%d more schema errors not shown", len(kept)-i),
				"Fix the errors above and validate again.")
			break
		}
		msgs := byLoc[loc]
		if len(msgs) > 3 {
			msgs = append(msgs[:3], "…")
		}
		where := loc
		if where == "" {
			where = "the document"
		}
		l.problem(spec.Error, "schema", yamlnode.Locate(d.root, loc), loc,
			fmt.Sprintf("%s does not match the AsyncAPI %s schema: %s", where, l.version, strings.Join(msgs, "; ")),
			"Compare this object with the AsyncAPI specification of the document's version (https://www.asyncapi.com/docs/reference/specification).")
	}
}

// collectLeaves lists the errors without causes, leaving out the noise of
// oneOf alternatives that are Reference objects ("missing property $ref").
func collectLeaves(e *jsonschema.ValidationError, out *[]*jsonschema.ValidationError) {
	if len(e.Causes) == 0 {
		if r, ok := e.ErrorKind.(*kind.Required); ok && len(r.Missing) == 1 && r.Missing[0] == "$ref" {
			return
		}
		if _, ok := e.ErrorKind.(*kind.Group); ok {
			return
		}
		*out = append(*out, e)
		return
	}
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		// Report the alternative the value came closest to: the one that
		// failed deepest inside it, then with the fewest errors.
		var best []*jsonschema.ValidationError
		bestDepth := -1
		for _, c := range e.Causes {
			var leaves []*jsonschema.ValidationError
			collectLeaves(c, &leaves)
			if len(leaves) == 0 {
				continue
			}
			depth := 0
			for _, l := range leaves {
				depth = max(depth, len(l.InstanceLocation))
			}
			if depth > bestDepth || depth == bestDepth && len(leaves) < len(best) {
				best, bestDepth = leaves, depth
			}
		}
		if best == nil {
			*out = append(*out, e)
		}
		*out = append(*out, best...)
		return
	}
	for _, c := range e.Causes {
		collectLeaves(c, out)
	}
}

func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(yamlnode.EscapePointer(t))
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

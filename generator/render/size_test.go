package render

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
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

// TestGitHubPageSizes reports operation page sizes for the GitHub REST
// description when PORTAL_GITHUB_SPEC names its JSON file. The loader here
// is a rough stand-in for the OpenAPI adapter, enough to measure size.
func TestGitHubPageSizes(t *testing.T) {
	path := os.Getenv("PORTAL_GITHUB_SPEC")
	if path == "" {
		t.Skip("set PORTAL_GITHUB_SPEC to api.github.com.json")
	}
	api := loadRough(t, path)
	r := New(api, Options{Base: "/apis/github/"})
	var sizes []int
	maxSize, maxOp := 0, ""
	for _, op := range api.Operations {
		var page strings.Builder
		frags := r.Operation(op)
		for _, k := range slices.Sorted(mapsKeys(frags)) {
			page.WriteString(frags[k])
		}
		page.WriteString(r.Nav(r.OperationURL(op)))
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(page.String()))
		zw.Close()
		sizes = append(sizes, buf.Len())
		if buf.Len() > maxSize {
			maxSize, maxOp = buf.Len(), op.Path
		}
	}
	sort.Ints(sizes)
	t.Logf("%d operations; gzip page bytes: median %d, p90 %d, max %d (%s)", len(sizes), sizes[len(sizes)/2], sizes[len(sizes)*9/10], maxSize, maxOp)
	if m := sizes[len(sizes)/2]; m > 25<<10 {
		t.Errorf("median operation page is %d bytes gzip, want < 25 KiB", m)
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// loadRough converts an OpenAPI 3 JSON document into spec.API, resolving
// local refs; component schemas are shared pointers with Ref set.
func loadRough(t *testing.T, path string) *spec.API {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	comps, _ := doc["components"].(map[string]any)
	section := func(name string) map[string]any { m, _ := comps[name].(map[string]any); return m }
	rawSchemas := section("schemas")
	named := map[string]*spec.Schema{}
	var conv func(v any) *spec.Schema
	deref := func(v any, sec string) map[string]any {
		m, _ := v.(map[string]any)
		if ref, ok := m["$ref"].(string); ok {
			m, _ = section(sec)[ref[strings.LastIndex(ref, "/")+1:]].(map[string]any)
		}
		return m
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	conv = func(v any) *spec.Schema {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if ref, ok := m["$ref"].(string); ok {
			name := ref[strings.LastIndex(ref, "/")+1:]
			if s, ok := named[name]; ok {
				return s
			}
			s := &spec.Schema{Ref: name}
			named[name] = s
			fill(s, rawSchemas[name], conv)
			return s
		}
		s := &spec.Schema{}
		fill(s, m, conv)
		return s
	}
	api := &spec.API{Title: "GitHub"}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range rawSchemas {
			if !yield(k) {
				return
			}
		}
	})
	for _, name := range names {
		api.Schemas = append(api.Schemas, &spec.NamedSchema{Name: name, Slug: slugify(name), Schema: conv(map[string]any{"$ref": "#/components/schemas/" + name})})
	}
	media := func(content any) []spec.MediaType {
		var out []spec.MediaType
		cm, _ := content.(map[string]any)
		for _, name := range slices.Sorted(func(y func(string) bool) {
			for k := range cm {
				if !y(k) {
					return
				}
			}
		}) {
			mm, _ := cm[name].(map[string]any)
			mt := spec.MediaType{Name: name, Schema: conv(mm["schema"])}
			if ex, ok := mm["examples"].(map[string]any); ok {
				for exName, e := range ex {
					em := deref(e, "examples")
					if b, err := json.Marshal(em["value"]); err == nil && em["value"] != nil {
						mt.Examples = append(mt.Examples, spec.Example{Name: exName, Value: json.RawMessage(b)})
					}
					break
				}
			}
			out = append(out, mt)
		}
		return out
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range slices.Sorted(func(y func(string) bool) {
		for k := range paths {
			if !y(k) {
				return
			}
		}
	}) {
		item, _ := paths[p].(map[string]any)
		for _, method := range []string{"get", "put", "post", "delete", "patch"} {
			om, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			op := &spec.Operation{ID: str(om, "operationId"), Method: strings.ToUpper(method), Path: p, Summary: str(om, "summary"), Description: str(om, "description")}
			op.Slug = slugify(op.ID)
			if tags, ok := om["tags"].([]any); ok {
				for _, tg := range tags {
					op.Tags = append(op.Tags, tg.(string))
				}
			}
			params, _ := om["parameters"].([]any)
			for _, pv := range params {
				pm := deref(pv, "parameters")
				req, _ := pm["required"].(bool)
				op.Parameters = append(op.Parameters, spec.Parameter{Name: str(pm, "name"), In: str(pm, "in"), Description: str(pm, "description"), Required: req, Schema: conv(pm["schema"])})
			}
			if rb := deref(om["requestBody"], "requestBodies"); rb != nil {
				op.RequestBody = &spec.RequestBody{Description: str(rb, "description"), Content: media(rb["content"])}
			}
			resps, _ := om["responses"].(map[string]any)
			for _, code := range slices.Sorted(func(y func(string) bool) {
				for k := range resps {
					if !y(k) {
						return
					}
				}
			}) {
				rm := deref(resps[code], "responses")
				op.Responses = append(op.Responses, spec.Response{Code: code, Description: str(rm, "description"), Content: media(rm["content"])})
			}
			api.Operations = append(api.Operations, op)
		}
	}
	return api
}

func fill(s *spec.Schema, v any, conv func(any) *spec.Schema) {
	m, _ := v.(map[string]any)
	if m == nil {
		return
	}
	s.Description, _ = m["description"].(string)
	s.Format, _ = m["format"].(string)
	s.Title, _ = m["title"].(string)
	switch tv := m["type"].(type) {
	case string:
		s.Type = []string{tv}
	case []any:
		for _, x := range tv {
			s.Type = append(s.Type, x.(string))
		}
	}
	s.Nullable, _ = m["nullable"].(bool)
	if e, ok := m["enum"].([]any); ok {
		s.Enum = e
	}
	if ex, ok := m["example"]; ok {
		b, _ := json.Marshal(ex)
		s.Example = json.RawMessage(b)
	}
	req, _ := m["required"].([]any)
	for _, r := range req {
		s.Required = append(s.Required, r.(string))
	}
	if props, ok := m["properties"].(map[string]any); ok {
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s.Properties = append(s.Properties, spec.Property{Name: k, Schema: conv(props[k])})
		}
	}
	s.Items = conv(m["items"])
	if ap, ok := m["additionalProperties"].(map[string]any); ok {
		s.AdditionalProperties = conv(ap)
	}
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		list, _ := m[k].([]any)
		for _, x := range list {
			c := conv(x)
			switch k {
			case "allOf":
				s.AllOf = append(s.AllOf, c)
			case "oneOf":
				s.OneOf = append(s.OneOf, c)
			default:
				s.AnyOf = append(s.AnyOf, c)
			}
		}
	}
}

package openapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/generator/slug"
	"github.com/portal-dev/portal/generator/spec"
)

func loadSample(t *testing.T, name string) (*spec.API, []spec.Problem) {
	t.Helper()
	path := filepath.Join("..", "..", "sample-specs", name)
	api, problems, err := LoadFile(path)
	if err != nil {
		t.Fatalf("LoadFile(%s) error = %v, problems %v", name, err, problems)
	}
	return api, problems
}

func findOp(api *spec.API, id string) *spec.Operation {
	var walk func(ops []*spec.Operation) *spec.Operation
	walk = func(ops []*spec.Operation) *spec.Operation {
		for _, op := range ops {
			if op.ID == id {
				return op
			}
			for _, cb := range op.Callbacks {
				if o := walk(cb.Operations); o != nil {
					return o
				}
			}
		}
		return nil
	}
	if o := walk(api.Operations); o != nil {
		return o
	}
	return walk(api.Webhooks)
}

func findSchema(api *spec.API, name string) *spec.Schema {
	for _, ns := range api.Schemas {
		if ns.Name == name {
			return ns.Schema
		}
	}
	return nil
}

func TestLoadSamples(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		file        string
		version     string
		operations  int
		webhooks    int
		schemas     int
		maxWarnings int
		check       func(t *testing.T, api *spec.API)
	}{
		"httpbin": {
			file: "httpbin.openapi.yaml", version: "3.0.3", operations: 16, schemas: 4,
			check: func(t *testing.T, api *spec.API) {
				if got, want := api.Servers[0].URL, "https://httpbin.konghq.com"; got != want {
					t.Errorf("server = %q, want %q", got, want)
				}
				want := []string{"HTTP Methods", "Auth", "Status codes", "Request inspection", "Response formats", "Dynamic data", "Anything"}
				var got []string
				for _, tag := range api.Tags {
					got = append(got, tag.Name)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("tags (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff([]spec.SecurityRequirement{{Schemes: []spec.SchemeRef{{Key: "apiKeyAuth"}}}}, api.Security); diff != "" {
					t.Errorf("security (-want +got):\n%s", diff)
				}
				op := findOp(api, "getBasicAuth")
				if op == nil || op.Security == nil || op.Security[0].Schemes[0].Key != "basicAuth" {
					t.Errorf("getBasicAuth security = %+v, want basicAuth", op)
				}
				if findOp(api, "getGet").Security != nil {
					t.Errorf("getGet security is set, want nil (inherit)")
				}
				post := findOp(api, "postPost")
				if post.Slug != "post-post" || post.Method != "POST" || post.Pointer != "/paths/~1post/post" {
					t.Errorf("postPost slug, method, pointer = %q %q %q", post.Slug, post.Method, post.Pointer)
				}
				ex := post.RequestBody.Content[0].Examples[0]
				if got, want := string(ex.Value.(json.RawMessage)), `{"name":"Rex","kind":"dog","age":3}`; got != want {
					t.Errorf("example value = %s, want %s (key order kept)", got, want)
				}
				echo := findSchema(api, "Echo")
				if got := findOp(api, "getGet").Responses[0].Content[0].Schema; got != echo {
					t.Errorf("response schema is not the shared Echo component")
				}
				if !echo.Properties[0].Required || echo.Properties[1].Required {
					t.Errorf("Echo required flags wrong: %+v", echo.Properties[:2])
				}
			},
		},
		"petstore swagger 2.0": {
			file: "petstore.swagger.json", version: "2.0", operations: 10, schemas: 6,
			check: func(t *testing.T, api *spec.API) {
				var urls []string
				for _, s := range api.Servers {
					urls = append(urls, s.URL)
				}
				if diff := cmp.Diff([]string{"https://petstore.swagger.io/v2", "http://petstore.swagger.io/v2"}, urls); diff != "" {
					t.Errorf("servers (-want +got):\n%s", diff)
				}
				add := findOp(api, "addPet")
				var types []string
				for _, mt := range add.RequestBody.Content {
					types = append(types, mt.Name)
					if mt.Schema != findSchema(api, "Pet") {
						t.Errorf("addPet body %s is not the Pet definition", mt.Name)
					}
				}
				if diff := cmp.Diff([]string{"application/json", "application/xml"}, types); diff != "" {
					t.Errorf("addPet consumes (-want +got):\n%s", diff)
				}
				if got := string(add.Responses[0].Content[0].Example.(json.RawMessage)); got != `{"id":1,"name":"doggie","status":"available"}` {
					t.Errorf("addPet example = %s", got)
				}
				form := findOp(api, "updatePetWithForm").RequestBody
				if form.Content[0].Name != "application/x-www-form-urlencoded" || len(form.Content[0].Schema.Properties) != 2 {
					t.Errorf("form body = %+v", form.Content)
				}
				if got := findOp(api, "uploadFile").RequestBody.Content[0].Name; got != "multipart/form-data" {
					t.Errorf("upload media type = %q", got)
				}
				if p := findOp(api, "getPetById").Parameters; len(p) != 1 || p[0].Name != "petId" || p[0].Schema.Format != "int64" {
					t.Errorf("getPetById parameters = %+v", p)
				}
				status := findOp(api, "findPetsByStatus").Parameters[0]
				if status.Style != "form" || status.Explode == nil || !*status.Explode || status.Schema.Items == nil {
					t.Errorf("status parameter = %+v", status)
				}
				kinds := map[string]string{}
				for _, s := range api.SecuritySchemes {
					kinds[s.Key] = s.Type
				}
				if diff := cmp.Diff(map[string]string{"basicAuth": "basic", "api_key": "apiKey", "petstore_auth": "oauth2"}, kinds); diff != "" {
					t.Errorf("security schemes (-want +got):\n%s", diff)
				}
				cat := findSchema(api, "Category")
				if parent := cat.Properties[2].Schema; parent != cat || parent.Ref != "Category" {
					t.Errorf("Category.parent = %p (Ref %q), want the Category node %p", parent, parent.Ref, cat)
				}
			},
		},
		"museum 3.1": {
			file: "museum.openapi31.yaml", version: "3.1.0", operations: 6, webhooks: 1, schemas: 6,
			check: func(t *testing.T, api *spec.API) {
				wh := api.Webhooks[0]
				if !wh.Webhook || wh.Path != "newTicket" || wh.Method != "POST" || wh.Pointer != "/webhooks/newTicket/post" {
					t.Errorf("webhook = %+v", wh)
				}
				ev := findSchema(api, "Event")
				want := []spec.DiscriminatorMapping{{Value: "talk", Ref: "Talk"}, {Value: "tour", Ref: "Tour"}}
				if diff := cmp.Diff(want, ev.Discriminator.Mapping); diff != "" {
					t.Errorf("discriminator mapping (-want +got):\n%s", diff)
				}
				if ev.OneOf[0] != findSchema(api, "Talk") {
					t.Errorf("Event.oneOf[0] is not Talk")
				}
				cb := findSchema(api, "EventBase").Properties[3].Schema
				if diff := cmp.Diff([]string{"string", "null"}, cb.Type); diff != "" || !cb.Nullable {
					t.Errorf("callbackUrl type %v nullable %v", cb.Type, cb.Nullable)
				}
				kind := findSchema(api, "Talk").AllOf[1].Properties[0].Schema
				if !kind.HasConst || string(kind.Const.(json.RawMessage)) != `"talk"` {
					t.Errorf("Talk.kind const = %v", kind.Const)
				}
				price := findSchema(api, "Ticket").Properties[1].Schema
				if price.ExclusiveMinimum == nil || *price.ExclusiveMinimum != 0 {
					t.Errorf("price exclusiveMinimum = %v", price.ExclusiveMinimum)
				}
				list := findOp(api, "listEvents")
				if list.Security == nil || len(list.Security) != 0 {
					t.Errorf("listEvents security = %#v, want empty non-nil", list.Security)
				}
				var ins []string
				for _, p := range list.Parameters {
					ins = append(ins, p.In+":"+p.Style)
				}
				if diff := cmp.Diff([]string{"query:", "query:deepObject", "header:simple", "cookie:form"}, ins); diff != "" {
					t.Errorf("parameters (-want +got):\n%s", diff)
				}
				r := list.Responses[0]
				if r.Headers[0].Name != "X-Total-Count" || !r.Headers[0].Required || r.Links[0].OperationID != "getEvent" {
					t.Errorf("listEvents response = %+v", r)
				}
				create := findOp(api, "createEvent")
				if len(create.Callbacks) != 1 || create.Callbacks[0].Operations[0].ID != "eventApprovedCallback" {
					t.Errorf("callbacks = %+v", create.Callbacks)
				}
				if len(create.RequestBody.Content) != 2 {
					t.Errorf("createEvent content = %+v", create.RequestBody.Content)
				}
				buy := findOp(api, "buyTicket").RequestBody.Content[0]
				if buy.Name != "multipart/form-data" || len(buy.Encoding) != 2 || buy.Encoding[0].ContentType != "application/json" {
					t.Errorf("buyTicket body = %+v", buy)
				}
				if !findOp(api, "deleteEvent").Deprecated {
					t.Errorf("deleteEvent not deprecated")
				}
				if p := findOp(api, "getEvent").Parameters; len(p) != 1 || p[0].Name != "eventId" {
					t.Errorf("getEvent parameters = %+v", p)
				}
				tree := findSchema(api, "TreeNode")
				if !reachesRef(tree, "TreeNode", 5) {
					t.Errorf("TreeNode does not refer back to itself")
				}
			},
		},
		"hostile": {
			file: "hostile.openapi.yaml", version: "3.0.3", operations: 2, schemas: 1,
			check: func(t *testing.T, api *spec.API) {
				if got := api.Servers[0].URL; got != "javascript:alert(1)" {
					t.Errorf("server = %q", got)
				}
				if !strings.Contains(api.Description, "window.__pwned=1") {
					t.Errorf("description lost its markup")
				}
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api, problems := loadSample(t, tt.file)
			warnings := 0
			for _, p := range problems {
				if p.Severity == spec.Error {
					t.Errorf("error problem: %+v", p)
				} else {
					warnings++
				}
				if p.File == "" || p.Message == "" || p.Hint == "" || p.Rule == "" {
					t.Errorf("incomplete problem: %+v", p)
				}
			}
			if warnings > tt.maxWarnings {
				t.Errorf("%d warnings, want at most %d: %+v", warnings, tt.maxWarnings, problems)
			}
			if api.SpecVersion != tt.version {
				t.Errorf("SpecVersion = %q, want %q", api.SpecVersion, tt.version)
			}
			if len(api.Operations) != tt.operations || len(api.Webhooks) != tt.webhooks || len(api.Schemas) != tt.schemas {
				t.Errorf("operations, webhooks, schemas = %d, %d, %d, want %d, %d, %d",
					len(api.Operations), len(api.Webhooks), len(api.Schemas), tt.operations, tt.webhooks, tt.schemas)
			}
			slugs := map[string]bool{}
			for _, op := range append(append([]*spec.Operation{}, api.Operations...), api.Webhooks...) {
				if slugs[op.Slug] || op.Slug == "" || op.Slug != strings.ToLower(op.Slug) {
					t.Errorf("bad or duplicate slug %q", op.Slug)
				}
				slugs[op.Slug] = true
			}
			if _, err := json.Marshal(api); err != nil && tt.file != "museum.openapi31.yaml" && tt.file != "petstore.swagger.json" {
				t.Errorf("json.Marshal: %v", err)
			}
			tt.check(t, api)
		})
	}
}

// reachesRef walks s up to depth levels deep and reports whether a node
// with Ref == name is found below the top.
func reachesRef(s *spec.Schema, name string, depth int) bool {
	if s == nil || depth == 0 {
		return false
	}
	var kids []*spec.Schema
	for _, p := range s.Properties {
		kids = append(kids, p.Schema)
	}
	kids = append(kids, s.Items, s.AdditionalProperties, s.Not)
	kids = append(kids, s.AllOf...)
	kids = append(kids, s.OneOf...)
	kids = append(kids, s.AnyOf...)
	for _, k := range kids {
		if k != nil && k.Ref == name {
			return true
		}
		if reachesRef(k, name, depth-1) {
			return true
		}
	}
	return false
}

func TestLoadBroken(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		file    string
		fatal   bool
		line    int
		rule    string
		message string
	}{
		"yaml syntax":           {file: "syntax.yaml", fatal: true, line: 8, rule: "parse", message: "YAML syntax error"},
		"bad ref":               {file: "badref.yaml", line: 17, rule: "ref", message: `cannot resolve $ref "#/components/schemas/Missing"`},
		"missing info":          {file: "noinfo.yaml", line: 1, rule: "info", message: "info object is missing"},
		"no responses":          {file: "noresponses.yaml", line: 8, rule: "operation-responses", message: "GET /pets has no responses"},
		"undefined path param":  {file: "pathparam.yaml", line: 8, rule: "path-params", message: "path parameter {petId}"},
		"duplicate operationId": {file: "dupid.yaml", line: 15, rule: "operation-operationId-unique", message: `operationId "listPets"`},
		"asyncapi":              {file: "asyncapi.yaml", fatal: true, line: 1, rule: "unsupported", message: "AsyncAPI"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "broken", tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			api, problems, err := Load(path, data)
			if tt.fatal != (err != nil) || tt.fatal != (api == nil) {
				t.Errorf("Load(%s) = %v, %v, want fatal %v", tt.file, api != nil, err, tt.fatal)
			}
			for _, p := range problems {
				if p.Rule == tt.rule && p.Severity == spec.Error && strings.Contains(p.Message, tt.message) {
					if p.File != path || p.Line != tt.line || p.Hint == "" {
						t.Errorf("problem = %+v, want file %s line %d with a hint", p, path, tt.line)
					}
					return
				}
			}
			t.Errorf("Load(%s) problems = %+v, want an error %s containing %q", tt.file, problems, tt.rule, tt.message)
		})
	}
}

func TestLoadUnsupported(t *testing.T) {
	t.Parallel()
	_, problems, err := Load("x.yaml", []byte("title: nothing\n"))
	if err == nil || len(problems) != 1 || problems[0].Hint == "" {
		t.Errorf("Load(no version) = %v, %+v, want one error with a hint", err, problems)
	}
}

func TestWarnings(t *testing.T) {
	t.Parallel()
	doc := `openapi: 3.0.3
info:
  title: Lint
  version: "1"
paths:
  /a:
    get:
      responses:
        '200':
          description: OK
components:
  schemas:
    Unused:
      type: string
`
	problems := Validate("lint.yaml", []byte(doc))
	var got []string
	for _, p := range problems {
		got = append(got, p.Rule)
	}
	want := []string{"unused-component", "info-description", "operation-operationId", "operation-description"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Validate rules (-want +got):\n%s", diff)
	}
}

func TestSlugs(t *testing.T) {
	t.Parallel()
	g := slug.New()
	tests := []struct {
		in    string
		camel bool
		want  string
	}{
		{"repos/list-for-org", true, "repos-list-for-org"},
		{"listPets", true, "list-pets"},
		{"get-/pets/{petId}", false, "get-pets-petid"},
		{"get-/pets/{petId}", false, "get-pets-petid-2"},
		{"list_pets", true, "list-pets-2"},
		{"listPets", true, "list-pets-3"},
		{"<>", true, "operation"},
		{"HTTPServer", true, "http-server"},
	}
	for _, tt := range tests {
		if got := g.Next(tt.in, "operation", tt.camel); got != tt.want {
			t.Errorf("next(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNodeValueOrder(t *testing.T) {
	t.Parallel()
	doc := `openapi: 3.1.0
info: {title: t, version: "1", description: d}
paths:
  /a:
    get:
      operationId: a
      summary: a
      responses:
        '200':
          description: OK
          content:
            application/json:
              example: {z: 1, a: [true, null, 1.5, "x"], m: {b: 2, a: 1}, big: 12345678901234567890}
`
	api, problems, err := Load("order.yaml", []byte(doc))
	if err != nil || len(problems) != 0 {
		t.Fatalf("Load = %v, %+v", err, problems)
	}
	got := string(api.Operations[0].Responses[0].Content[0].Example.(json.RawMessage))
	want := `{"z":1,"a":[true,null,1.5,"x"],"m":{"b":2,"a":1},"big":12345678901234567890}`
	if got != want {
		t.Errorf("example = %s, want %s", got, want)
	}
}

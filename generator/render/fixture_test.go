package render

import (
	"encoding/json"

	"github.com/portal-dev/portal/generator/spec"
)

func ptr[T any](v T) *T { return &v }

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// petstore is a small API that exercises every fragment.
func petstore() *spec.API {
	str := func() *spec.Schema { return &spec.Schema{Type: []string{"string"}} }
	integer := func() *spec.Schema { return &spec.Schema{Type: []string{"integer"}, Format: "int64"} }

	// Node is cyclic: children is an array of Node.
	node := &spec.Schema{Ref: "Node", Type: []string{"object"}, Description: "A tree node.", Required: []string{"name"}}
	node.Properties = []spec.Property{
		{Name: "name", Schema: str(), Required: true},
		{Name: "children", Schema: &spec.Schema{Type: []string{"array"}, Items: node}},
		{Name: "parent", Schema: node},
	}

	category := &spec.Schema{Ref: "Category", Type: []string{"object"}, Properties: []spec.Property{
		{Name: "id", Schema: integer()},
		{Name: "name", Schema: &spec.Schema{Type: []string{"string"}, MinLength: ptr[int64](1), MaxLength: ptr[int64](64), Pattern: "^[a-z]+$"}},
	}}
	owner := &spec.Schema{Ref: "Owner", Type: []string{"object"}, Properties: []spec.Property{
		{Name: "email", Schema: &spec.Schema{Type: []string{"string"}, Format: "email"}},
		{Name: "category", Schema: category},
	}}
	newPet := &spec.Schema{Ref: "NewPet", Type: []string{"object"}, Required: []string{"name"}, Properties: []spec.Property{
		{Name: "name", Schema: &spec.Schema{Type: []string{"string"}, Example: raw(`"Rex"`)}},
		{Name: "tag", Schema: &spec.Schema{Type: []string{"string", "null"}, Nullable: true}},
		{Name: "status", Schema: &spec.Schema{Type: []string{"string"}, Enum: []any{raw(`"available"`), raw(`"sold"`)}, HasDefault: true, Default: raw(`"available"`)}},
		{Name: "weight", Schema: &spec.Schema{Type: []string{"number"}, Minimum: ptr(0.5), ExclusiveMaximum: ptr(200.0), MultipleOf: ptr(0.5)}},
		{Name: "owner", Schema: owner},
		{Name: "labels", Schema: &spec.Schema{Type: []string{"object"}, AdditionalProperties: str()}},
		{Name: "strict", Schema: &spec.Schema{Type: []string{"object"}, AdditionalPropertiesAllowed: ptr(false), Properties: []spec.Property{{Name: "x", Schema: integer()}}}},
		{Name: "photos", Schema: &spec.Schema{Type: []string{"array"}, MinItems: ptr[int64](1), MaxItems: ptr[int64](5), UniqueItems: true, Items: &spec.Schema{Type: []string{"string"}, Format: "uri"}}},
	}}
	pet := &spec.Schema{Ref: "Pet", Description: "A pet with an id.", AllOf: []*spec.Schema{
		newPet,
		{Type: []string{"object"}, Required: []string{"id"}, Properties: []spec.Property{
			{Name: "id", Schema: &spec.Schema{Type: []string{"integer"}, Format: "int64", ReadOnly: true}},
			{Name: "created", Schema: &spec.Schema{Type: []string{"string"}, Format: "date-time", ReadOnly: true}},
		}},
	}}
	cat := &spec.Schema{Ref: "Cat", Type: []string{"object"}, Properties: []spec.Property{
		{Name: "petType", Schema: &spec.Schema{Type: []string{"string"}, HasConst: true, Const: raw(`"cat"`)}, Required: true},
		{Name: "lives", Schema: &spec.Schema{Type: []string{"integer"}, Minimum: ptr(0.0), Maximum: ptr(9.0)}},
	}}
	dog := &spec.Schema{Ref: "Dog", Type: []string{"object"}, Properties: []spec.Property{
		{Name: "petType", Schema: &spec.Schema{Type: []string{"string"}, HasConst: true, Const: raw(`"dog"`)}, Required: true},
		{Name: "barks", Schema: &spec.Schema{Type: []string{"boolean"}, Deprecated: true}},
	}}
	animal := &spec.Schema{Ref: "Animal", OneOf: []*spec.Schema{cat, dog}, Discriminator: &spec.Discriminator{
		PropertyName: "petType",
		Mapping:      []spec.DiscriminatorMapping{{Value: "cat", Ref: "#/components/schemas/Cat"}, {Value: "dog", Ref: "Dog"}},
	}}
	errSchema := &spec.Schema{Ref: "Error", Type: []string{"object"}, Properties: []spec.Property{
		{Name: "code", Schema: &spec.Schema{Type: []string{"integer"}, Format: "int32"}, Required: true},
		{Name: "message", Schema: str(), Required: true},
	}}

	listPets := &spec.Operation{
		ID: "listPets", Slug: "listpets", Method: "GET", Path: "/pets", Summary: "List pets", Tags: []string{"pets"},
		Description: "Returns **all** pets.",
		Parameters: []spec.Parameter{
			{Name: "limit", In: "query", Description: "How many.", Schema: &spec.Schema{Type: []string{"integer"}, Format: "int32", Minimum: ptr(1.0), Maximum: ptr(100.0), HasDefault: true, Default: raw(`20`)}},
			{Name: "status", In: "query", Required: true, Style: "form", Explode: ptr(false), Schema: &spec.Schema{Type: []string{"array"}, Items: &spec.Schema{Type: []string{"string"}, Enum: []any{raw(`"available"`), raw(`"sold"`)}}}, Example: raw(`["available"]`)},
			{Name: "X-Request-ID", In: "header", Required: true, Schema: &spec.Schema{Type: []string{"string"}, Format: "uuid"}},
			{Name: "session", In: "cookie", Deprecated: true, Schema: str()},
		},
		Responses: []spec.Response{
			{Code: "200", Description: "A page of pets.",
				Headers: []spec.Header{{Name: "X-Next", Description: "Link to the next page.", Schema: &spec.Schema{Type: []string{"string"}, Format: "uri"}}},
				Content: []spec.MediaType{{Name: "application/json", Schema: &spec.Schema{Type: []string{"array"}, Items: pet}}},
				Links:   []spec.Link{{Name: "GetPet", OperationID: "getPet", Description: "The `id` of a pet."}}},
			{Code: "default", Description: "Unexpected error.", Content: []spec.MediaType{{Name: "application/json", Schema: errSchema}}},
		},
	}
	createPet := &spec.Operation{
		ID: "createPet", Slug: "createpet", Method: "POST", Path: "/pets", Summary: "Create a pet", Tags: []string{"pets"},
		RequestBody: &spec.RequestBody{Description: "The pet to add.", Required: true, Content: []spec.MediaType{
			{Name: "application/json", Schema: newPet},
			{Name: "application/x-www-form-urlencoded", Schema: &spec.Schema{Type: []string{"object"}, Properties: []spec.Property{{Name: "name", Schema: str()}}},
				Encoding: []spec.Encoding{{Property: "name", ContentType: "text/plain"}}},
		}},
		Responses: []spec.Response{
			{Code: "201", Description: "Created.", Headers: []spec.Header{{Name: "Location", Required: true, Schema: str(), Example: raw(`"/pets/1"`)}},
				Content: []spec.MediaType{{Name: "application/json", Schema: pet, Example: raw(`{"name":"Rex","id":1}`)}}},
			{Code: "400", Description: "Bad input.\n\nSee the *error* body.", Content: []spec.MediaType{{Name: "application/problem+json", Schema: errSchema}}},
			{Code: "503", Description: "Unavailable."},
		},
		Callbacks: []spec.Callback{{Name: "onAdopted", Operations: []*spec.Operation{{
			Method: "POST", Path: "{$request.body#/callbackUrl}", Summary: "Adoption notice",
			RequestBody: &spec.RequestBody{Content: []spec.MediaType{{Name: "application/json", Schema: pet}}},
			Responses:   []spec.Response{{Code: "204", Description: "Received."}},
		}}}},
	}
	getPet := &spec.Operation{
		ID: "getPet", Slug: "getpet", Method: "GET", Path: "/pets/{petId}", Summary: "Get a pet", Tags: []string{"pets"}, Deprecated: true,
		Security: []spec.SecurityRequirement{{Schemes: []spec.SchemeRef{{Key: "bearer"}}}, {Schemes: []spec.SchemeRef{{Key: "oauth", Scopes: []string{"read:pets"}}}}},
		Parameters: []spec.Parameter{
			{Name: "petId", In: "path", Required: true, Schema: &spec.Schema{Type: []string{"integer"}, Format: "int64", Example: raw(`42`)}},
		},
		Responses: []spec.Response{{Code: "200", Description: "The pet.", Content: []spec.MediaType{{Name: "application/json", Schema: animal}}}},
	}
	tree := &spec.Operation{
		ID: "getTree", Slug: "gettree", Method: "PUT", Path: "/trees/{id}", Summary: "Replace a tree",
		Security:    []spec.SecurityRequirement{},
		Parameters:  []spec.Parameter{{Name: "id", In: "path", Required: true, Schema: str()}},
		RequestBody: &spec.RequestBody{Content: []spec.MediaType{{Name: "application/json", Schema: node}}},
		Responses:   []spec.Response{{Code: "204", Description: "Replaced."}},
	}
	hook := &spec.Operation{
		Slug: "newpet", Method: "POST", Path: "newPet", Webhook: true, Summary: "A pet was added",
		RequestBody: &spec.RequestBody{Content: []spec.MediaType{{Name: "application/json", Schema: pet}}},
		Responses:   []spec.Response{{Code: "200", Description: "Acknowledged."}},
	}

	return &spec.API{
		Kind: spec.KindOpenAPI, SpecVersion: "3.1.0", Title: "Petstore", Version: "1.0.0",
		Description:    "A sample API. See [the guide](https://example.com/guide).",
		Contact:        &spec.Contact{Name: "API team", URL: "https://example.com/support", Email: "api@example.com"},
		License:        &spec.License{Name: "MIT", Identifier: "MIT"},
		TermsOfService: "javascript:alert(1)",
		ExternalDocs:   &spec.ExternalDocs{Description: "Full docs", URL: "https://docs.example.com"},
		Servers: []spec.Server{
			{URL: "https://{region}.example.com/v1", Description: "Production", Variables: []spec.ServerVariable{{Name: "region", Default: "eu", Enum: []string{"eu", "us"}, Description: "Data region."}}},
			{URL: "https://sandbox.example.com/v1", Description: "Sandbox"},
		},
		Tags:       []spec.Tag{{Name: "pets", Description: "Everything about *pets*."}},
		Operations: []*spec.Operation{listPets, createPet, getPet, tree},
		Webhooks:   []*spec.Operation{hook},
		SecuritySchemes: []spec.SecurityScheme{
			{Key: "api_key", Type: "apiKey", Name: "X-API-Key", In: "header", Description: "Your key."},
			{Key: "bearer", Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
			{Key: "oauth", Type: "oauth2", Flows: []spec.OAuthFlow{{Type: "authorizationCode", AuthorizationURL: "https://example.com/oauth/authorize", TokenURL: "https://example.com/oauth/token", Scopes: []spec.Scope{{Name: "read:pets", Description: "Read pets."}}}}},
		},
		Security: []spec.SecurityRequirement{{Schemes: []spec.SchemeRef{{Key: "api_key"}}}},
		Schemas: []*spec.NamedSchema{
			{Name: "Pet", Slug: "pet", Schema: pet},
			{Name: "NewPet", Slug: "newpet", Schema: newPet},
			{Name: "Owner", Slug: "owner", Schema: owner},
			{Name: "Category", Slug: "category", Schema: category},
			{Name: "Animal", Slug: "animal", Schema: animal},
			{Name: "Cat", Slug: "cat", Schema: cat},
			{Name: "Dog", Slug: "dog", Schema: dog},
			{Name: "Node", Slug: "node", Schema: node},
			{Name: "Error", Slug: "error", Schema: errSchema},
		},
	}
}

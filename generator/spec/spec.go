// Package spec is the portal's own model of an API description. Adapters
// (OpenAPI via libopenapi, AsyncAPI via our decoder) fill it; the renderer and
// the Hugo site writer read it. It imports no third-party parser, and every
// slice keeps the document's order so that output is deterministic.
package spec

// Kind names the family of an API description.
type Kind string

// Kinds of API description.
const (
	KindOpenAPI  Kind = "openapi"
	KindAsyncAPI Kind = "asyncapi"
)

// API is one parsed API description.
type API struct {
	Kind           Kind
	SpecVersion    string // "2.0", "3.0.3", "3.1.0", ...
	Title          string
	Version        string
	Summary        string
	Description    string // CommonMark, untrusted
	Contact        *Contact
	License        *License
	TermsOfService string
	ExternalDocs   *ExternalDocs

	Servers         []Server
	Tags            []Tag // declared tags, in document order, then tags first seen on operations
	Operations      []*Operation
	Webhooks        []*Operation // OpenAPI 3.1 webhooks; Webhook is set on each
	SecuritySchemes []SecurityScheme
	Security        []SecurityRequirement // document default
	Schemas         []*NamedSchema        // components/schemas (definitions in 2.0)

	// AsyncAPI only. Operations holds the send and receive operations
	// (Action set, Method "SEND" or "RECEIVE", Path the channel address).
	ID                 string     // the application's id (AsyncAPI id)
	DefaultContentType string     // defaultContentType
	Channels           []*Channel // in document order
	Messages           []*Message // every message with a page: components first, then inline ones
}

// Contact is info.contact.
type Contact struct{ Name, URL, Email string }

// License is info.license.
type License struct{ Name, URL, Identifier string }

// ExternalDocs is an externalDocs object.
type ExternalDocs struct{ Description, URL string }

// Server is one base URL with its variables.
type Server struct {
	URL         string // as written, with {variables}
	Description string
	Variables   []ServerVariable

	// AsyncAPI only.
	Name            string // the key under servers
	Title           string
	Summary         string
	Protocol        string // kafka, mqtt, amqp, ws, http, ...
	ProtocolVersion string
	Host            string // 3.x host; 2.x the url's host part
	Pathname        string
	Security        []SecurityRequirement
	Tags            []Tag
	Bindings        []Binding
}

// ServerVariable is a server URL template variable.
type ServerVariable struct {
	Name        string
	Default     string
	Enum        []string
	Description string
}

// Tag groups operations.
type Tag struct {
	Name         string
	Description  string
	ExternalDocs *ExternalDocs
}

// Operation is one method on one path (or one webhook).
type Operation struct {
	ID           string // operationId; may be empty
	Slug         string // URL-safe, unique within the API; set by the adapter
	Method       string // upper case: GET, POST, ...
	Path         string // /pets/{petId}; for a webhook, its name
	Webhook      bool
	Summary      string
	Description  string
	Tags         []string
	Deprecated   bool
	Parameters   []Parameter // path-level merged with operation-level, in order
	RequestBody  *RequestBody
	Responses    []Response            // in document order; "default" kept as its code
	Security     []SecurityRequirement // nil: inherits API.Security; empty non-nil: none
	Servers      []Server              // operation or path override; empty: API.Servers
	Callbacks    []Callback
	ExternalDocs *ExternalDocs
	Pointer      string // JSON pointer to the operation in the source document

	// AsyncAPI only: Action is "send" or "receive" from the application's
	// point of view (2.x subscribe is send, publish is receive).
	Action   string
	Title    string
	Channel  *Channel
	Messages []*Message // the messages it sends or receives
	Reply    *Reply
	Bindings []Binding
	Traits   []string // names of the operation traits applied at load
}

// Channel is an AsyncAPI channel: an address messages travel through.
type Channel struct {
	Key          string // the key under channels
	Slug         string // URL-safe, unique within the API
	Address      string // with {parameters}; "" when dynamic (3.x address: null)
	Title        string
	Summary      string
	Description  string
	Parameters   []Parameter // In "channel"
	Messages     []*Message
	Servers      []string // names of the servers it is on; empty: all
	Tags         []Tag
	ExternalDocs *ExternalDocs
	Bindings     []Binding
	Pointer      string
}

// Label is how a channel is named, and what an operation page shows as its
// path: the address, else the channel's key.
func (ch *Channel) Label() string {
	if ch.Address != "" {
		return ch.Address
	}
	return ch.Key
}

// Message is an AsyncAPI message, with its traits already applied.
type Message struct {
	Key           string // component name, or the key it was found under
	Slug          string // URL-safe, unique within the API
	Name          string // the name field
	Title         string
	Summary       string
	Description   string
	ContentType   string // the message's, else the document default
	SchemaFormat  string // of the payload; "" for the default AsyncAPI schema
	Payload       *Schema
	Headers       *Schema
	CorrelationID *CorrelationID
	Examples      []MessageExample
	Tags          []Tag
	ExternalDocs  *ExternalDocs
	Bindings      []Binding
	Deprecated    bool
	Traits        []string // names of the message traits applied at load
	Pointer       string
}

// CorrelationID says where a message carries its correlation id.
type CorrelationID struct{ Description, Location string }

// MessageExample is one example of a message.
type MessageExample struct {
	Name    string
	Summary string
	Headers any // nil when absent
	Payload any // nil when absent
}

// Reply is the reply an AsyncAPI request/reply operation expects.
type Reply struct {
	Channel            *Channel // nil when the address is only known at run time
	AddressLocation    string   // runtime expression, e.g. $message.header#/replyTo
	AddressDescription string
	Messages           []*Message
}

// Binding is one protocol's bindings of a server, channel, operation or
// message, as a readable list of fields.
type Binding struct {
	Protocol string // kafka, mqtt, amqp, ws, http, ...
	Version  string // bindingVersion
	Fields   []BindingField
}

// BindingField is one field of a binding: nested objects are flattened
// to dotted names; schema-valued fields (kafka key, http query, ...) keep
// their schema.
type BindingField struct {
	Name   string
	Value  string // JSON text of the value when Schema is nil
	Schema *Schema
}

// Parameter is a path, query, header or cookie parameter.
type Parameter struct {
	Name            string
	In              string // path, query, header, cookie; channel for AsyncAPI
	Location        string // AsyncAPI: runtime expression where the value comes from
	Description     string
	Required        bool
	Deprecated      bool
	Style           string
	Explode         *bool
	AllowEmptyValue bool
	AllowReserved   bool
	Schema          *Schema
	Example         any // nil when absent
	Examples        []Example
}

// RequestBody is an operation's request body.
type RequestBody struct {
	Description string
	Required    bool
	Content     []MediaType
}

// MediaType is one content type with its schema and examples.
type MediaType struct {
	Name     string // application/json
	Schema   *Schema
	Example  any
	Examples []Example
	Encoding []Encoding
}

// Encoding is a multipart/form encoding entry.
type Encoding struct {
	Property    string
	ContentType string
	Style       string
	Explode     *bool
}

// Example is a named example.
type Example struct {
	Name          string
	Summary       string
	Description   string
	Value         any
	ExternalValue string
}

// Response is one response of an operation.
type Response struct {
	Code        string // "200", "4XX", "default"
	Description string
	Headers     []Header
	Content     []MediaType
	Links       []Link
}

// Header is a response header.
type Header struct {
	Name        string
	Description string
	Required    bool
	Deprecated  bool
	Schema      *Schema
	Example     any
}

// Link is an OpenAPI link object, shown as text.
type Link struct {
	Name         string
	OperationID  string
	OperationRef string
	Description  string
}

// Callback is a named set of operations the API calls back.
type Callback struct {
	Name       string
	Operations []*Operation
}

// SecurityScheme is a components/securitySchemes entry.
type SecurityScheme struct {
	Key         string // the name under components
	Type        string // apiKey, http, oauth2, openIdConnect, mutualTLS, basic (2.0)
	Description string
	Name        string // apiKey: header/query/cookie name
	In          string // apiKey: header, query, cookie
	// AsyncAPI adds userPassword, X509, symmetricEncryption,
	// asymmetricEncryption, httpApiKey, plain, scramSha256, scramSha512
	// and gssapi; its apiKey is "in" user or password.
	Scheme           string // http: bearer, basic, ...
	BearerFormat     string
	OpenIDConnectURL string
	Flows            []OAuthFlow
}

// OAuthFlow is one OAuth 2 flow.
type OAuthFlow struct {
	Type             string // implicit, password, clientCredentials, authorizationCode
	AuthorizationURL string
	TokenURL         string
	RefreshURL       string
	Scopes           []Scope
}

// Scope is an OAuth scope with its description.
type Scope struct{ Name, Description string }

// SecurityRequirement is one alternative: all of its schemes apply together.
type SecurityRequirement struct {
	Schemes []SchemeRef
}

// SchemeRef names a security scheme and the scopes required of it.
type SchemeRef struct {
	Key    string
	Scopes []string
}

// NamedSchema is a component schema with its own page.
type NamedSchema struct {
	Name   string
	Slug   string // URL-safe, unique within the API
	Schema *Schema
}

// Schema is a JSON Schema (OpenAPI dialect) node. Graphs may be cyclic: a
// schema that refers to a component schema sets Ref to that component's name
// and shares its *Schema, so renderers must stop at a Ref they are already
// inside (or at any Ref, linking to its page).
type Schema struct {
	Ref         string // component name when this node is a $ref to components/schemas
	Title       string
	Description string
	Type        []string // "object", "string", ...; "null" included for 3.1 type arrays
	Format      string
	Nullable    bool // 3.0 nullable or 3.1 "null" in type
	ReadOnly    bool
	WriteOnly   bool
	Deprecated  bool
	Const       any
	HasConst    bool
	Enum        []any
	Default     any
	HasDefault  bool
	Example     any
	Examples    []any

	Properties                  []Property
	Required                    []string
	AdditionalProperties        *Schema // nil: unspecified
	AdditionalPropertiesAllowed *bool   // false when additionalProperties: false
	PatternProperties           []Property
	Items                       *Schema
	PrefixItems                 []*Schema

	AllOf         []*Schema
	OneOf         []*Schema
	AnyOf         []*Schema
	Not           *Schema
	Discriminator *Discriminator

	// Constraints.
	Minimum          *float64
	Maximum          *float64
	ExclusiveMinimum *float64
	ExclusiveMaximum *float64
	MultipleOf       *float64
	MinLength        *int64
	MaxLength        *int64
	Pattern          string
	MinItems         *int64
	MaxItems         *int64
	UniqueItems      bool
	MinProperties    *int64
	MaxProperties    *int64
	ContentMediaType string
	ContentEncoding  string

	// Raw is the schema as written, for schema formats we cannot model
	// (AsyncAPI Avro, Protobuf); shown as source with a note.
	Raw       string
	RawFormat string
}

// Property is a named member of an object schema.
type Property struct {
	Name     string
	Schema   *Schema
	Required bool
}

// Discriminator selects a oneOf/anyOf branch by a property value.
type Discriminator struct {
	PropertyName string
	Mapping      []DiscriminatorMapping
}

// DiscriminatorMapping maps one value to a schema (by component name).
type DiscriminatorMapping struct{ Value, Ref string }

// IsRequired reports whether the property name is in s.Required.
func (s *Schema) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// Problem is one finding about a description: an error or a lint warning.
type Problem struct {
	Severity Severity
	File     string
	Line     int    // 1-based; 0 when unknown
	Column   int    // 1-based; 0 when unknown
	Pointer  string // JSON pointer, "" when unknown
	Message  string // what is wrong
	Hint     string // what to do
	Rule     string // short id: "parse", "ref", "operation-id", ...
}

// Severity ranks a Problem.
type Severity int

// Severities.
const (
	Warning Severity = iota
	Error
)

func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

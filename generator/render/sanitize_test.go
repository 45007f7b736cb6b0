package render

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/portal-dev/portal/generator/spec"
	xhtml "golang.org/x/net/html"
)

// forbiddenTags could run script, load content or restyle the page.
var forbiddenTags = map[string]bool{
	"script": true, "iframe": true, "object": true, "embed": true, "form": true, "style": true,
	"svg": true, "math": true, "input": true, "textarea": true, "select": true, "base": true,
	"meta": true, "link": true, "frame": true, "frameset": true, "applet": true,
}

var badScheme = regexp.MustCompile(`(?i)^\s*(javascript|vbscript|data):`)

// checkHTML parses h as a browser would and reports the first element or
// attribute that could run script: a forbidden tag, an event handler, a
// style attribute, or a javascript:/vbscript:/data: URL.
func checkHTML(h string) error {
	z := xhtml.NewTokenizer(strings.NewReader(h))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			if z.Err() == io.EOF {
				return nil
			}
			return z.Err()
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			tok := z.Token()
			if forbiddenTags[tok.Data] {
				return fmt.Errorf("element <%s>", tok.Data)
			}
			for _, a := range tok.Attr {
				switch {
				case strings.HasPrefix(a.Key, "on"):
					return fmt.Errorf("event handler %s on <%s>", a.Key, tok.Data)
				case a.Key == "style":
					return fmt.Errorf("style attribute on <%s>", tok.Data)
				case a.Key == "id" && tok.Data != "h2" && tok.Data != "section" && tok.Data != "details" && tok.Data != "button" && tok.Data != "div" && tok.Data != "script":
					return fmt.Errorf("unexpected id on <%s>", tok.Data)
				case (a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "formaction") && badScheme.MatchString(a.Val):
					return fmt.Errorf("%s=%q on <%s>", a.Key, a.Val, tok.Data)
				}
			}
		}
	}
}

func TestMarkdownSanitizes(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   string
		want string // a substring that must remain, if any
	}{
		"script":            {in: "hi <script>alert(1)</script>", want: "hi"},
		"onerror":           {in: `<img src="x.png" onerror="alert(1)">`, want: `<img src="x.png"`},
		"javascript link":   {in: "[x](javascript:alert(1))", want: "x"},
		"javascript html":   {in: `<a href="javascript:alert(1)">x</a>`},
		"entity tab trick":  {in: `<a href="jav&#x09;ascript:alert(1)">x</a>`},
		"entity colon":      {in: `<a href="javascript&colon;alert(1)">x</a>`},
		"uppercase":         {in: `<a href="JaVaScRiPt:alert(1)">x</a>`},
		"iframe":            {in: `<iframe src="https://evil.example"></iframe>`},
		"style element":     {in: "<style>body{display:none}</style>text", want: "text"},
		"style attribute":   {in: `<p style="position:fixed">p</p>`, want: "<p>p</p>"},
		"svg onload":        {in: `<svg onload="alert(1)"><circle/></svg>`},
		"data url link":     {in: `[x](data:text/html;base64,PHNjcmlwdD4=)`},
		"data url img":      {in: `<img src="data:image/svg+xml,<svg onload=alert(1)>">`},
		"vbscript":          {in: `<a href="vbscript:msgbox(1)">x</a>`},
		"object embed":      {in: `<object data="x"></object><embed src="x">`},
		"form":              {in: `<form action="https://evil.example"><input name=a><button>go</button></form>`},
		"id clobbering":     {in: `<div id="tryit-data">x</div>`, want: "<div>x</div>"},
		"autolink":          {in: "see https://example.com", want: `<a href="https://example.com" rel="nofollow noopener">`},
		"relative link":     {in: "[docs](/docs/)", want: `<a href="/docs/">docs</a>`},
		"gfm table":         {in: "| a | b |\n|---|---|\n| 1 | 2 |", want: "<table>"},
		"strikethrough":     {in: "~~old~~", want: "<del>old</del>"},
		"meta refresh":      {in: `<meta http-equiv="refresh" content="0;url=https://evil.example">`},
		"base":              {in: `<base href="https://evil.example/">`},
		"markdown image js": {in: `![x](javascript:alert(1))`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := Markdown(tc.in)
			if err := checkHTML(got); err != nil {
				t.Errorf("Markdown(%q) = %q: %v", tc.in, got, err)
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("Markdown(%q) = %q, want it to contain %q", tc.in, got, tc.want)
			}
			if strings.Contains(got, `id="`) {
				t.Errorf("Markdown(%q) = %q, keeps an id", tc.in, got)
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   string
		max  int
		want string
	}{
		"markup":   {in: "Returns **all** the [pets](https://x.example) &amp; <b>more</b>.", want: "Returns all the pets & more."},
		"script":   {in: "a <script>alert(1)</script> b", want: "a b"},
		"truncate": {in: "The quick brown fox jumps over the lazy dog", max: 20, want: "The quick brown fox…"},
		"blocks":   {in: "# Title\n\nPara one.\n\n- item", want: "Title. Para one. item"},
		"empty":    {in: "  ", want: ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := PlainText(tc.in, tc.max); got != tc.want {
				t.Errorf("PlainText(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}

const evil = `"><script>alert(1)</script><img src=x onerror=alert(1)>`

// hostileAPI puts hostile text in every field that is not Markdown.
func hostileAPI() *spec.API {
	bad := &spec.Schema{Ref: evil, Title: evil, Type: []string{"object"}, Format: evil, Pattern: evil,
		Enum: []any{json.RawMessage(`"` + strings.ReplaceAll(evil, `"`, `\"`) + `"`)}, Example: evil,
		HasDefault: true, Default: evil,
		Properties:    []spec.Property{{Name: evil, Schema: &spec.Schema{Type: []string{evil}, Description: evil}}},
		Discriminator: &spec.Discriminator{PropertyName: evil, Mapping: []spec.DiscriminatorMapping{{Value: evil, Ref: evil}}},
	}
	bad.OneOf = []*spec.Schema{{Title: evil, Type: []string{"string"}}}
	op := &spec.Operation{
		ID: evil, Slug: "evil", Method: "POST", Path: "/x/{" + evil + "}", Summary: evil, Description: evil, Tags: []string{evil},
		ExternalDocs: &spec.ExternalDocs{URL: "javascript:alert(1)", Description: evil},
		Parameters: []spec.Parameter{
			{Name: evil, In: "path", Required: true, Description: evil, Schema: bad, Example: evil},
			{Name: evil, In: "query", Schema: &spec.Schema{Type: []string{"string"}, Enum: []any{evil}}},
			{Name: evil, In: "header", Required: true, Schema: &spec.Schema{Type: []string{"string"}}, Example: evil},
		},
		RequestBody: &spec.RequestBody{Description: evil, Content: []spec.MediaType{
			{Name: "application/json", Schema: bad, Example: json.RawMessage(`{"a":"` + strings.ReplaceAll(evil, `"`, `\"`) + `"}`)},
			{Name: evil, Schema: bad, Examples: []spec.Example{{Name: evil, Summary: evil, Description: evil, ExternalValue: "javascript:alert(1)"}}},
		}},
		Responses: []spec.Response{{Code: evil, Description: evil,
			Headers: []spec.Header{{Name: evil, Description: evil, Schema: bad, Example: evil}},
			Content: []spec.MediaType{{Name: evil, Schema: bad}},
			Links:   []spec.Link{{Name: evil, OperationID: evil, Description: evil}}}},
		Callbacks: []spec.Callback{{Name: evil, Operations: []*spec.Operation{{Method: evil, Path: evil, Summary: evil}}}},
		Security:  []spec.SecurityRequirement{{Schemes: []spec.SchemeRef{{Key: evil, Scopes: []string{evil}}, {Key: "k"}}}},
	}
	return &spec.API{
		Title: evil, Version: evil, Description: evil,
		Contact:        &spec.Contact{Name: evil, URL: "javascript:alert(1)", Email: evil},
		License:        &spec.License{Name: evil, URL: "data:text/html,x"},
		TermsOfService: "vbscript:x",
		ExternalDocs:   &spec.ExternalDocs{URL: "javascript:alert(1)"},
		Servers:        []spec.Server{{URL: "javascript:alert(1)//" + evil, Description: evil, Variables: []spec.ServerVariable{{Name: evil, Default: evil, Enum: []string{evil}, Description: evil}}}},
		Tags:           []spec.Tag{{Name: evil, Description: evil}},
		Operations:     []*spec.Operation{op},
		Webhooks:       []*spec.Operation{{Slug: "hook", Method: "POST", Path: evil, Webhook: true, Summary: evil}},
		SecuritySchemes: []spec.SecurityScheme{
			{Key: evil, Type: "oauth2", Description: evil, Flows: []spec.OAuthFlow{{Type: evil, AuthorizationURL: "javascript:alert(1)", TokenURL: evil, Scopes: []spec.Scope{{Name: evil, Description: evil}}}}},
			{Key: "k", Type: "apiKey", Name: evil, In: "header"},
		},
		Schemas: []*spec.NamedSchema{{Name: evil, Slug: "evil", Schema: bad}},
	}
}

func TestHostileStringsAreEscaped(t *testing.T) {
	t.Parallel()
	api := hostileAPI()
	r := New(api, Options{Base: "/apis/evil/"})
	pages := map[string]string{
		"reference": r.ReferenceIndex(),
		"schemas":   r.SchemasIndex(),
		"nav":       r.Nav("/apis/evil/reference/evil/"),
		"nav hook":  r.Nav("/apis/evil/webhooks/hook/"),
	}
	for k, v := range r.Overview() {
		pages["overview "+k] = v
	}
	for k, v := range r.Operation(api.Operations[0]) {
		pages["operation "+k] = v
	}
	for k, v := range r.Schema(api.Schemas[0]) {
		pages["schema "+k] = v
	}
	for name, html := range pages {
		if name == "operation tryit" {
			// JSON in a script element: must not be able to close it.
			body := strings.TrimSuffix(strings.TrimPrefix(html, `<script type="application/json" id="tryit-data">`), `</script>`)
			if strings.ContainsAny(body, "<>") {
				t.Errorf("tryit data contains < or >: %s", body)
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Errorf("tryit data is not JSON: %v", err)
			}
			continue
		}
		if err := checkHTML(html); err != nil {
			t.Errorf("%s: %v\n%s", name, err, html)
		}
	}
}

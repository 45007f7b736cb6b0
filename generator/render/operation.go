package render

import (
	"encoding/json"
	"strings"

	"github.com/portal-dev/portal/generator/spec"
)

// Operation renders the fragments of an operation (or webhook) page. Keys:
// description, security, parameters, request, responses, callbacks,
// samples, examples, tryit; a key is "" when the operation has nothing for
// it. Webhooks get no samples or try-it: the API calls you, not you it.
// The responses' examples are their own fragment ("examples", by status
// code) so that the theme can set them beside the response schemas.
func (r *Renderer) Operation(op *spec.Operation) map[string]string {
	if op.Action != "" {
		return r.asyncOperation(op)
	}
	out := map[string]string{
		"description": r.descriptionHTML(op.Description, op.ExternalDocs),
		"security":    r.securityHTML(r.effectiveSecurity(op), op.Security != nil),
		"parameters":  "",
		"request":     "",
		"responses":   "",
		"callbacks":   "",
		"samples":     "",
		"examples":    "",
		"tryit":       "",
	}
	if groups := r.paramGroups(op.Parameters); len(groups) > 0 {
		out["parameters"] = renderString(parametersView(groups))
	}
	if op.RequestBody != nil {
		out["request"] = renderString(requestView(r.bodyView(op.RequestBody)))
	}
	if len(op.Responses) > 0 {
		out["responses"] = renderString(responsesView(r.responseViews(op.Responses, false)))
		if ex := r.responseExamples(op.Responses); len(ex) > 0 {
			out["examples"] = renderString(responseExamplesView("Response examples by status code", ex))
		}
	}
	if len(op.Callbacks) > 0 {
		out["callbacks"] = renderString(callbacksView(r.callbackViews(op.Callbacks)))
	}
	if !op.Webhook {
		out["samples"] = renderString(samplesView(r.samples(op)))
		out["tryit"] = r.tryitHTML(op)
	}
	return out
}

func (r *Renderer) descriptionHTML(desc string, docs *spec.ExternalDocs) string {
	if desc == "" && docs == nil {
		return ""
	}
	return renderString(descriptionView(r.markdown(desc), r.docsLink(docs)))
}

// linkView is a link from the spec: URL is empty when it is not a safe
// http(s)/mailto URL, and the template then prints Text only.
type linkView struct {
	Text string
	URL  string
	Desc string // sanitised HTML
}

func (r *Renderer) docsLink(d *spec.ExternalDocs) *linkView {
	if d == nil || d.URL == "" {
		return nil
	}
	text := PlainText(d.Description, 120)
	if text == "" {
		text = d.URL
	}
	return &linkView{Text: text, URL: string(safeURL(d.URL))}
}

// effectiveSecurity is the operation's own requirements, else the API's.
func (r *Renderer) effectiveSecurity(op *spec.Operation) []spec.SecurityRequirement {
	if op.Security != nil {
		return op.Security
	}
	return r.api.Security
}

type secAlt struct{ Schemes []secRef }

type secRef struct {
	Key, URL, Kind string
	Scopes         []string
}

func (r *Renderer) securityHTML(reqs []spec.SecurityRequirement, explicit bool) string {
	if len(reqs) == 0 {
		if explicit {
			return renderString(securityView(nil))
		}
		return ""
	}
	var alts []secAlt
	for _, req := range reqs {
		var a secAlt
		for _, ref := range req.Schemes {
			a.Schemes = append(a.Schemes, secRef{
				Key:    ref.Key,
				URL:    r.opts.Base + "#security-" + slugify(ref.Key),
				Kind:   schemeKind(r.schemes[ref.Key]),
				Scopes: ref.Scopes,
			})
		}
		alts = append(alts, a)
	}
	return renderString(securityView(alts))
}

// schemeKind describes a security scheme in a few words.
func schemeKind(sc *spec.SecurityScheme) string {
	if sc == nil {
		return ""
	}
	switch sc.Type {
	case "apiKey":
		return strings.TrimSpace("API key in " + sc.In + " " + sc.Name)
	case "httpApiKey":
		return "API key in " + sc.In + " " + sc.Name
	case "userPassword":
		return "user and password"
	case "X509":
		return "X.509 client certificate"
	case "symmetricEncryption":
		return "symmetric encryption"
	case "asymmetricEncryption":
		return "asymmetric encryption"
	case "plain":
		return "SASL PLAIN"
	case "scramSha256":
		return "SASL SCRAM-SHA-256"
	case "scramSha512":
		return "SASL SCRAM-SHA-512"
	case "gssapi":
		return "SASL GSSAPI (Kerberos)"
	case "http":
		k := "HTTP " + sc.Scheme
		if sc.BearerFormat != "" {
			k += " (" + sc.BearerFormat + ")"
		}
		return k
	case "basic":
		return "HTTP basic"
	case "oauth2":
		return "OAuth 2.0"
	case "openIdConnect":
		return "OpenID Connect"
	case "mutualTLS":
		return "mutual TLS"
	}
	return sc.Type
}

type paramGroup struct {
	Title  string
	Params []*schemaNode
}

var paramLocations = []struct{ in, title string }{
	{"path", "Path parameters"},
	{"query", "Query parameters"},
	{"header", "Header parameters"},
	{"cookie", "Cookie parameters"},
	{"channel", "Channel parameters"},
}

func (r *Renderer) paramGroups(params []spec.Parameter) []paramGroup {
	var groups []paramGroup
	known := map[string]bool{}
	for _, loc := range paramLocations {
		known[loc.in] = true
		g := paramGroup{Title: loc.title}
		for _, p := range params {
			if p.In == loc.in {
				g.Params = append(g.Params, r.paramNode(p))
			}
		}
		if len(g.Params) > 0 {
			groups = append(groups, g)
		}
	}
	g := paramGroup{Title: "Other parameters"}
	for _, p := range params {
		if !known[p.In] {
			g.Params = append(g.Params, r.paramNode(p))
		}
	}
	if len(g.Params) > 0 {
		groups = append(groups, g)
	}
	return groups
}

func (r *Renderer) paramNode(p spec.Parameter) *schemaNode {
	n := r.newTree().root(p.Schema)
	n.Name = p.Name
	n.Required = p.Required
	if p.Deprecated {
		n.Flags = append(n.Flags, "deprecated")
	}
	if p.Description != "" {
		n.Desc = r.markdown(p.Description)
	}
	defStyle, defExplode := "simple", false
	if p.In == "query" || p.In == "cookie" {
		defStyle, defExplode = "form", true
	}
	if p.Style != "" && p.Style != defStyle {
		n.Facts = append(n.Facts, fact{Label: "style", Values: []string{p.Style}})
	}
	if p.Explode != nil && *p.Explode != defExplode {
		n.Facts = append(n.Facts, fact{Label: "explode", Values: []string{boolText(*p.Explode)}})
	}
	if p.Location != "" {
		n.Facts = append(n.Facts, fact{Label: "location", Values: []string{p.Location}})
	}
	if p.AllowEmptyValue {
		n.Facts = append(n.Facts, fact{Label: "allow empty value", Text: "yes"})
	}
	if p.AllowReserved {
		n.Facts = append(n.Facts, fact{Label: "allow reserved", Text: "yes"})
	}
	if ex, ok := paramExample(p); ok && (p.Schema == nil || p.Schema.Example == nil) {
		n.Facts = append(n.Facts, fact{Label: "example", Values: []string{truncate(jsonText(ex), maxExampleChars)}})
	}
	return n
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// paramExample is the parameter's given example, if any.
func paramExample(p spec.Parameter) (any, bool) {
	if p.Example != nil {
		return p.Example, true
	}
	for _, ex := range p.Examples {
		if ex.Value != nil {
			return ex.Value, true
		}
	}
	return nil, false
}

type bodyView struct {
	Desc     string
	Required bool
	Media    []mediaView
}

type mediaView struct {
	Name      string
	Tree      *schemaNode
	SameAs    string // media type whose schema this one shares
	Examples  []exampleView
	Encodings []string
}

type exampleView struct {
	Title string
	Desc  string // sanitised HTML
	Code  string
	Link  *linkView
}

const maxNamedExamples = 3

func (r *Renderer) bodyView(rb *spec.RequestBody) bodyView {
	return bodyView{
		Desc:     r.markdown(rb.Description),
		Required: rb.Required,
		Media:    r.mediaViews(rb.Content, modeRequest),
	}
}

func (r *Renderer) mediaViews(content []spec.MediaType, mode exampleMode) []mediaView {
	var out []mediaView
	seen := map[*spec.Schema]string{}
	for _, mt := range content {
		mv := mediaView{Name: mt.Name}
		if mt.Schema != nil {
			if prev, ok := seen[mt.Schema]; ok {
				mv.SameAs = prev
			} else {
				seen[mt.Schema] = mt.Name
				mv.Tree = r.newTree().root(mt.Schema)
			}
		}
		mv.Examples = r.mediaExamples(mt, mode)
		for _, e := range mt.Encoding {
			s := e.Property
			if e.ContentType != "" {
				s += ": " + e.ContentType
			}
			mv.Encodings = append(mv.Encodings, s)
		}
		out = append(out, mv)
	}
	return out
}

func (r *Renderer) mediaExamples(mt spec.MediaType, mode exampleMode) []exampleView {
	if mt.Example != nil {
		return []exampleView{{Title: "Example", Code: exampleCode(mt.Name, mt.Example)}}
	}
	var out []exampleView
	for _, ex := range mt.Examples {
		if len(out) == maxNamedExamples {
			break
		}
		title := ex.Summary
		if title == "" {
			title = ex.Name
		}
		ev := exampleView{Title: title, Desc: r.markdown(ex.Description)}
		switch {
		case ex.Value != nil:
			ev.Code = exampleCode(mt.Name, ex.Value)
		case ex.ExternalValue != "":
			ev.Link = &linkView{Text: ex.ExternalValue, URL: string(safeURL(ex.ExternalValue))}
		}
		out = append(out, ev)
	}
	if len(out) > 0 || mt.Schema == nil || mt.Schema.Raw != "" {
		return out
	}
	if v, ok := mediaExample(mt, mode); ok {
		out = append(out, exampleView{Title: "Example (generated)", Code: exampleCode(mt.Name, v)})
	}
	return out
}

// exampleCode prints an example: JSON pretty-printed, a string as itself.
func exampleCode(mediaType string, v any) string {
	if raw, ok := v.(json.RawMessage); ok && (isJSON(mediaType) || len(raw) == 0 || raw[0] != '"') {
		if s, ok := rawJSON(raw, "  "); ok {
			return s
		}
	}
	v = normalize(v)
	if s, ok := v.(string); ok && !isJSON(mediaType) {
		return s
	}
	return jsonPretty(v)
}

type responseView struct {
	Code, Class string
	Summary     string // plain text
	Desc        string
	Open        bool
	Headers     []*schemaNode
	Media       []mediaView
	Links       []responseLink
}

type responseLink struct {
	Name, Target string
	Desc         string
}

// responseViews lists responses; their media types carry their examples
// only when inline is set (callbacks): an operation's are in "examples".
func (r *Renderer) responseViews(resps []spec.Response, inline bool) []responseView {
	var out []responseView
	opened := false
	for _, resp := range resps {
		rv := responseView{Code: resp.Code, Class: statusClass(resp.Code), Desc: r.markdown(resp.Description)}
		rv.Summary = PlainText(resp.Description, 100)
		if rv.Summary == PlainText(resp.Description, 0) && strings.Count(rv.Desc, "<") == 2 {
			// A one-line plain description is fully shown by the summary.
			rv.Desc = ""
		}
		if !opened && strings.HasPrefix(resp.Code, "2") {
			rv.Open, opened = true, true
		}
		for _, h := range resp.Headers {
			n := r.newTree().root(h.Schema)
			n.Name, n.Required = h.Name, h.Required
			if h.Deprecated {
				n.Flags = append(n.Flags, "deprecated")
			}
			if h.Description != "" {
				n.Desc = r.markdown(h.Description)
			}
			if h.Example != nil {
				n.Facts = append(n.Facts, fact{Label: "example", Values: []string{truncate(jsonText(h.Example), maxExampleChars)}})
			}
			rv.Headers = append(rv.Headers, n)
		}
		rv.Media = r.mediaViews(resp.Content, modeResponse)
		if !inline {
			for i := range rv.Media {
				rv.Media[i].Examples = nil
			}
		}
		for _, l := range resp.Links {
			target := l.OperationID
			if target == "" {
				target = l.OperationRef
			}
			rv.Links = append(rv.Links, responseLink{Name: l.Name, Target: target, Desc: r.markdown(l.Description)})
		}
		out = append(out, rv)
	}
	if !opened && len(out) > 0 {
		out[0].Open = true
	}
	return out
}

// statusClass is "status-2xx" and so on, "status-default" otherwise.
func statusClass(code string) string {
	if code != "" && code[0] >= '1' && code[0] <= '5' {
		return "status-" + code[:1] + "xx"
	}
	return "status-default"
}

type callbackView struct {
	Name string
	Ops  []callbackOp
}

type callbackOp struct {
	Method, Path, Summary string
	Desc                  string
	Body                  *bodyView
	Responses             []responseView
}

func (r *Renderer) callbackViews(cbs []spec.Callback) []callbackView {
	var out []callbackView
	for _, cb := range cbs {
		cv := callbackView{Name: cb.Name}
		for _, op := range cb.Operations {
			co := callbackOp{Method: op.Method, Path: op.Path, Summary: op.Summary, Desc: r.markdown(op.Description)}
			if op.RequestBody != nil {
				b := r.bodyView(op.RequestBody)
				co.Body = &b
			}
			co.Responses = r.responseViews(op.Responses, true)
			cv.Ops = append(cv.Ops, co)
		}
		out = append(out, cv)
	}
	return out
}

// responseExample is one status code's examples, a tab of the "examples"
// fragment.
type responseExample struct {
	Label, Class, ID string // Label: the status code, or the message's title
	Selected         bool
	Link, LinkText   string      // where the schema is: #response-200, or a message's page
	Media            []mediaView // only Name and Examples are set
}

// hasMediaExample reports whether mediaExamples gives mt anything.
func hasMediaExample(mt spec.MediaType) bool {
	return mt.Example != nil || len(mt.Examples) > 0 || mt.Schema != nil && mt.Schema.Raw == ""
}

// responseExamples are the examples of each response that has one; the
// first 2xx (else the first) is selected, as responseViews opens it.
func (r *Renderer) responseExamples(resps []spec.Response) []responseExample {
	var out []responseExample
	selected := -1
	for _, resp := range resps {
		re := responseExample{Label: resp.Code, Class: statusClass(resp.Code), ID: "example-" + slugify(resp.Code),
			Link: "#response-" + slugify(resp.Code), LinkText: "Schema"}
		for _, mt := range resp.Content {
			if hasMediaExample(mt) {
				re.Media = append(re.Media, mediaView{Name: mt.Name, Examples: r.mediaExamples(mt, modeResponse)})
			}
		}
		if len(re.Media) == 0 {
			continue
		}
		if selected < 0 && strings.HasPrefix(resp.Code, "2") {
			selected = len(out)
		}
		out = append(out, re)
	}
	if len(out) > 0 {
		out[max(selected, 0)].Selected = true
	}
	return out
}

// hasResponseExamples is responseExamples' presence, without rendering.
func hasResponseExamples(resps []spec.Response) bool {
	for _, resp := range resps {
		for _, mt := range resp.Content {
			if hasMediaExample(mt) {
				return true
			}
		}
	}
	return false
}

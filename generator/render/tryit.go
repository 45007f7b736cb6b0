package render

import (
	"encoding/json"
	"strings"

	"github.com/portal-dev/portal/generator/spec"
)

// tryitData is the JSON that tryit.js reads from #tryit-data.
type tryitData struct {
	Method   string        `json:"method"`
	Path     string        `json:"path"`
	Servers  []tryitServer `json:"servers"`
	Params   []tryitParam  `json:"params"`
	Body     *tryitBody    `json:"body,omitempty"`
	Security tryitSecurity `json:"security"`
}

type tryitServer struct {
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
	Local       bool   `json:"local,omitempty"`
}

type tryitParam struct {
	Name        string   `json:"name"`
	In          string   `json:"in"`
	Required    bool     `json:"required,omitempty"`
	Description string   `json:"description,omitempty"` // plain text
	Example     string   `json:"example,omitempty"`
	Enum        []string `json:"enum,omitempty"`
}

type tryitBody struct {
	MediaType string `json:"media_type"`
	Example   string `json:"example"` // pretty JSON
	Required  bool   `json:"required,omitempty"`
}

type tryitSecurity struct {
	APIKeys []tryitKey `json:"api_keys,omitempty"`
	Bearer  bool       `json:"bearer,omitempty"` // http bearer, OAuth 2 or OpenID Connect
	Basic   bool       `json:"basic,omitempty"`
}

type tryitKey struct {
	Name string `json:"name"` // header, query or cookie name
	In   string `json:"in"`
	Key  string `json:"key"` // scheme key, for sessionStorage
}

func (r *Renderer) tryit(op *spec.Operation) tryitData {
	d := tryitData{Method: op.Method, Path: op.Path, Servers: []tryitServer{}, Params: []tryitParam{}}
	for _, s := range r.opts.ExtraServers {
		d.Servers = append(d.Servers, tryitServer{URL: expandServer(s), Description: PlainText(s.Description, 80), Local: true})
	}
	for _, s := range r.servers(op) {
		d.Servers = append(d.Servers, tryitServer{URL: s.URL, Description: PlainText(s.Description, 80)})
	}
	for _, p := range op.Parameters {
		if p.In != "path" && p.In != "query" && p.In != "header" && p.In != "cookie" {
			continue
		}
		tp := tryitParam{Name: p.Name, In: p.In, Required: p.Required || p.In == "path", Description: PlainText(p.Description, 160)}
		if v, ok := paramExample(p); ok {
			tp.Example = scalarText(v)
		} else if p.Schema != nil && (p.Schema.Example != nil || p.Schema.HasDefault || len(p.Schema.Examples) > 0) {
			tp.Example = scalarText(example(p.Schema, modeRequest))
		}
		if p.Schema != nil {
			for _, e := range p.Schema.Enum {
				tp.Enum = append(tp.Enum, scalarText(e))
			}
			if p.Schema.Items != nil && len(tp.Enum) == 0 {
				for _, e := range p.Schema.Items.Enum {
					tp.Enum = append(tp.Enum, scalarText(e))
				}
			}
		}
		d.Params = append(d.Params, tp)
	}
	if rb := op.RequestBody; rb != nil {
		for _, mt := range rb.Content {
			if !isJSON(mt.Name) {
				continue
			}
			ex := "{}"
			if v, ok := mediaExample(mt, modeRequest); ok {
				ex = jsonPretty(v)
			}
			d.Body = &tryitBody{MediaType: mt.Name, Example: ex, Required: rb.Required}
			break
		}
	}
	seen := map[string]bool{}
	for _, req := range r.effectiveSecurity(op) {
		for _, ref := range req.Schemes {
			sc := r.schemes[ref.Key]
			if sc == nil || seen[ref.Key] {
				continue
			}
			seen[ref.Key] = true
			switch {
			case sc.Type == "apiKey":
				d.Security.APIKeys = append(d.Security.APIKeys, tryitKey{Name: sc.Name, In: sc.In, Key: sc.Key})
			case sc.Type == "basic", sc.Type == "http" && strings.EqualFold(sc.Scheme, "basic"):
				d.Security.Basic = true
			case sc.Type == "http" && strings.EqualFold(sc.Scheme, "bearer"), sc.Type == "oauth2", sc.Type == "openIdConnect":
				d.Security.Bearer = true
			}
		}
	}
	return d
}

// tryitHTML is the data island. json.Marshal escapes <, > and &, so the
// content cannot close the script element.
func (r *Renderer) tryitHTML(op *spec.Operation) string {
	b, err := json.Marshal(r.tryit(op))
	if err != nil {
		panic("render: tryit data: " + err.Error())
	}
	return `<script type="application/json" id="tryit-data">` + string(b) + `</script>`
}

package render

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/portal-dev/portal/generator/spec"
)

// sample is one code sample tab.
type sample struct {
	ID, Label, Lang, Code string
}

// request is what every sample sends, built once from the operation.
type request struct {
	Method  string
	URL     string
	Headers [][2]string
	Body    any // ordered JSON value, nil when none
	HasBody bool
}

const placeholderServer = "https://api.example.com"

func (r *Renderer) samples(op *spec.Operation) []sample {
	req := r.sampleRequest(op)
	return []sample{
		{ID: "sample-curl", Label: "curl", Lang: "bash", Code: curlSample(req)},
		{ID: "sample-js", Label: "JavaScript", Lang: "javascript", Code: fetchSample(req)},
		{ID: "sample-python", Label: "Python", Lang: "python", Code: pythonSample(req)},
		{ID: "sample-go", Label: "Go", Lang: "go", Code: goSample(req)},
	}
}

// servers lists the operation's servers (else the API's) with variables
// replaced by their defaults.
func (r *Renderer) servers(op *spec.Operation) []spec.Server {
	list := op.Servers
	if len(list) == 0 {
		list = r.api.Servers
	}
	out := make([]spec.Server, len(list))
	for i, s := range list {
		s.URL = expandServer(s)
		out[i] = s
	}
	return out
}

func expandServer(s spec.Server) string {
	u := s.URL
	for _, v := range s.Variables {
		u = strings.ReplaceAll(u, "{"+v.Name+"}", v.Default)
	}
	return u
}

func (r *Renderer) sampleRequest(op *spec.Operation) request {
	base := placeholderServer
	if list := r.servers(op); len(list) > 0 && list[0].URL != "" {
		base = list[0].URL
		if strings.HasPrefix(base, "/") {
			base = placeholderServer + base
		}
	}
	req := request{Method: op.Method}
	path := op.Path
	var query []string
	for _, p := range op.Parameters {
		val := paramValue(p)
		switch p.In {
		case "path":
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(val))
		case "query":
			if p.Required {
				query = append(query, url.QueryEscape(p.Name)+"="+url.QueryEscape(val))
			}
		case "header":
			if p.Required || hasExample(p) {
				req.Headers = append(req.Headers, [2]string{p.Name, val})
			}
		}
	}
	for _, a := range r.authFor(op) {
		switch a.In {
		case "header":
			req.Headers = append(req.Headers, [2]string{a.Name, a.Value})
		case "query":
			query = append(query, url.QueryEscape(a.Name)+"="+url.QueryEscape(a.Value))
		case "cookie":
			req.Headers = append(req.Headers, [2]string{"Cookie", a.Name + "=" + a.Value})
		}
	}
	if op.RequestBody != nil {
		for _, mt := range op.RequestBody.Content {
			if !isJSON(mt.Name) {
				continue
			}
			if v, ok := mediaExample(mt, modeRequest); ok {
				req.Body, req.HasBody = v, true
				req.Headers = append(req.Headers, [2]string{"Content-Type", mt.Name})
			}
			break
		}
	}
	req.URL = strings.TrimRight(base, "/") + path
	if len(query) > 0 {
		req.URL += "?" + strings.Join(query, "&")
	}
	return req
}

func hasExample(p spec.Parameter) bool {
	_, ok := paramExample(p)
	return ok
}

// paramValue is a sample value for a parameter, as typed into a URL.
func paramValue(p spec.Parameter) string {
	if v, ok := paramExample(p); ok {
		return scalarText(v)
	}
	if p.Schema != nil {
		return scalarText(example(p.Schema, modeRequest))
	}
	return p.Name
}

// authHeader is a placeholder credential a sample sends.
type authHeader struct{ In, Name, Value string }

// authFor uses the first security alternative of the operation.
func (r *Renderer) authFor(op *spec.Operation) []authHeader {
	reqs := r.effectiveSecurity(op)
	if len(reqs) == 0 {
		return nil
	}
	var out []authHeader
	for _, ref := range reqs[0].Schemes {
		sc := r.schemes[ref.Key]
		if sc == nil {
			continue
		}
		switch {
		case sc.Type == "apiKey":
			out = append(out, authHeader{In: sc.In, Name: sc.Name, Value: "YOUR_API_KEY"})
		case sc.Type == "http" && strings.EqualFold(sc.Scheme, "basic"), sc.Type == "basic":
			out = append(out, authHeader{In: "header", Name: "Authorization", Value: "Basic BASE64_USER_PASSWORD"})
		case sc.Type == "http" && strings.EqualFold(sc.Scheme, "bearer"):
			out = append(out, authHeader{In: "header", Name: "Authorization", Value: "Bearer YOUR_TOKEN"})
		case sc.Type == "oauth2", sc.Type == "openIdConnect":
			out = append(out, authHeader{In: "header", Name: "Authorization", Value: "Bearer YOUR_ACCESS_TOKEN"})
		}
	}
	return out
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func curlSample(req request) string {
	var b strings.Builder
	b.WriteString("curl")
	if req.Method != "GET" {
		b.WriteString(" -X " + req.Method)
	}
	b.WriteString(" " + shellQuote(req.URL))
	for _, h := range req.Headers {
		b.WriteString(" \\\n  -H " + shellQuote(h[0]+": "+h[1]))
	}
	if req.HasBody {
		b.WriteString(" \\\n  --data " + shellQuote(jsonPretty(req.Body)))
	}
	return b.String()
}

// jsString is a JavaScript (and Python, and JSON) string literal.
func jsString(s string) string {
	b, _ := marshal(s, "")
	return string(b)
}

func indentLines(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// headersLiteral writes the headers argument of a JavaScript or Python
// call: open starts it ("headers: {", "headers={"), each header is a
// "name": "value" entry (both languages read JSON strings) unless skip
// says otherwise, and indent is the call's argument indent.
func headersLiteral(b *strings.Builder, headers [][2]string, indent, open string, skip func(name string) bool) {
	if len(headers) == 0 {
		return
	}
	b.WriteString(indent + open + "\n")
	for _, h := range headers {
		if !skip(h[0]) {
			b.WriteString(indent + indent + jsString(h[0]) + ": " + jsString(h[1]) + ",\n")
		}
	}
	b.WriteString(indent + "},\n")
}

func fetchSample(req request) string {
	var b strings.Builder
	b.WriteString("const response = await fetch(" + jsString(req.URL) + ", {\n")
	b.WriteString("  method: " + jsString(req.Method) + ",\n")
	headersLiteral(&b, req.Headers, "  ", "headers: {", func(string) bool { return false })
	if req.HasBody {
		b.WriteString("  body: JSON.stringify(" + indentLines(jsonPretty(req.Body), "  ") + "),\n")
	}
	b.WriteString("});\n")
	b.WriteString("console.log(response.status, await response.text());")
	return b.String()
}

func pythonSample(req request) string {
	var b strings.Builder
	b.WriteString("import requests\n\n")
	b.WriteString("response = requests.request(\n")
	b.WriteString("    " + jsString(req.Method) + ",\n")
	b.WriteString("    " + jsString(req.URL) + ",\n")
	headersLiteral(&b, req.Headers, "    ", "headers={", func(name string) bool {
		return name == "Content-Type" && req.HasBody // requests sets it for json=
	})
	if req.HasBody {
		b.WriteString("    json=" + pyLiteral(normalize(req.Body), "    ") + ",\n")
	}
	b.WriteString(")\n")
	b.WriteString("print(response.status_code, response.text)")
	return b.String()
}

// pyLiteral prints an ordered JSON value as a Python literal.
func pyLiteral(v any, indent string) string {
	inner := indent + "    "
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return jsString(v)
	case object:
		if len(v) == 0 {
			return "{}"
		}
		var b strings.Builder
		b.WriteString("{\n")
		for _, m := range v {
			b.WriteString(inner + jsString(m.Key) + ": " + pyLiteral(m.Value, inner) + ",\n")
		}
		b.WriteString(indent + "}")
		return b.String()
	case []any:
		if len(v) == 0 {
			return "[]"
		}
		var b strings.Builder
		b.WriteString("[\n")
		for _, e := range v {
			b.WriteString(inner + pyLiteral(e, inner) + ",\n")
		}
		b.WriteString(indent + "]")
		return b.String()
	}
	return jsonText(v)
}

func goString(s string) string {
	if !strings.Contains(s, "`") && !strings.ContainsAny(s, "\r\x00") {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

func goSample(req request) string {
	var b strings.Builder
	imports := []string{"fmt", "io", "net/http"}
	body := "nil"
	if req.HasBody {
		imports = append(imports, "strings")
		body = "strings.NewReader(" + goString(jsonPretty(req.Body)) + ")"
	}
	sort.Strings(imports)
	b.WriteString("package main\n\nimport (\n")
	for _, im := range imports {
		b.WriteString("\t" + strconv.Quote(im) + "\n")
	}
	b.WriteString(")\n\nfunc main() {\n")
	b.WriteString("\treq, err := http.NewRequest(" + strconv.Quote(req.Method) + ", " + strconv.Quote(req.URL) + ", " + body + ")\n")
	b.WriteString("\tif err != nil {\n\t\tpanic(err)\n\t}\n")
	for _, h := range req.Headers {
		b.WriteString("\treq.Header.Set(" + strconv.Quote(h[0]) + ", " + strconv.Quote(h[1]) + ")\n")
	}
	b.WriteString("\tresp, err := http.DefaultClient.Do(req)\n")
	b.WriteString("\tif err != nil {\n\t\tpanic(err)\n\t}\n")
	b.WriteString("\tdefer resp.Body.Close()\n")
	b.WriteString("\tout, _ := io.ReadAll(resp.Body)\n")
	b.WriteString("\tfmt.Println(resp.Status, string(out))\n}")
	return b.String()
}

func tabIndex(i int) string {
	if i == 0 {
		return "0"
	}
	return "-1"
}

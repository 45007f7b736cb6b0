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
	Headers []header
	Query   []header // credentials in the query, from the environment (Env set)
	Basic   bool     // HTTP basic auth from $API_USERNAME and $API_PASSWORD
	Body    any      // ordered JSON value, nil when none
	HasBody bool
}

// header is a header a sample sends: Value, or Value followed by the
// environment variable Env when Env is set (a credential: samples never
// carry a literal placeholder for a secret).
type header struct{ Name, Value, Env string }

// The environment variables samples read credentials from.
const (
	envPortalKey = "PORTAL_API_KEY" // a key from this portal
	envAPIKey    = "API_KEY"        // the upstream's own key (auth: none)
	envToken     = "API_TOKEN"      // HTTP bearer
	envAccess    = "ACCESS_TOKEN"   // OAuth 2 or OpenID Connect
	envUser      = "API_USERNAME"   // HTTP basic
	envPassword  = "API_PASSWORD"
)

const placeholderServer = "https://api.example.com"

// Samples say how code samples call an API.
type Samples struct {
	// BaseURL, when set, is where samples send requests instead of the
	// description's first server: the API's route on a gateway, such as
	// http://127.0.0.1:8080/gateway/httpbin under portal serve.
	BaseURL string
	// KeyHeader, when set, is the header the gateway at BaseURL takes a
	// portal API key from ($PORTAL_API_KEY); the description's apiKey
	// schemes, which the gateway stands in for, are then left out.
	KeyHeader string
	// PortalKeys: this portal issues the API's keys (auth: key_auth), so an
	// apiKey scheme is sent $PORTAL_API_KEY rather than $API_KEY.
	PortalKeys bool
}

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
	if r.opts.Samples.BaseURL != "" {
		base = r.opts.Samples.BaseURL
	} else if list := r.servers(op); len(list) > 0 && list[0].URL != "" {
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
				req.Headers = append(req.Headers, header{Name: p.Name, Value: val})
			}
		}
	}
	r.sampleAuth(op, &req)
	if op.RequestBody != nil {
		for _, mt := range op.RequestBody.Content {
			if !isJSON(mt.Name) {
				continue
			}
			if v, ok := mediaExample(mt, modeRequest); ok {
				req.Body, req.HasBody = v, true
				req.Headers = append(req.Headers, header{Name: "Content-Type", Value: mt.Name})
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

// sampleAuth adds the credentials of the operation's first security
// alternative, each read from an environment variable, and the gateway's
// portal key where samples go through one.
func (r *Renderer) sampleAuth(op *spec.Operation, req *request) {
	viaGateway := r.opts.Samples.KeyHeader != ""
	if viaGateway {
		req.Headers = append(req.Headers, header{Name: r.opts.Samples.KeyHeader, Env: envPortalKey})
	}
	reqs := r.effectiveSecurity(op)
	if len(reqs) == 0 {
		return
	}
	for _, ref := range reqs[0].Schemes {
		sc := r.schemes[ref.Key]
		if sc == nil {
			continue
		}
		switch {
		case sc.Type == "apiKey":
			if viaGateway {
				continue // the gateway takes the portal key and strips this one
			}
			env := envAPIKey
			if r.opts.Samples.PortalKeys {
				env = envPortalKey
			}
			switch sc.In {
			case "header":
				req.Headers = append(req.Headers, header{Name: sc.Name, Env: env})
			case "query":
				req.Query = append(req.Query, header{Name: sc.Name, Env: env})
			case "cookie":
				req.Headers = append(req.Headers, header{Name: "Cookie", Value: sc.Name + "=", Env: env})
			}
		case sc.Type == "http" && strings.EqualFold(sc.Scheme, "basic"), sc.Type == "basic":
			req.Basic = true
		case sc.Type == "http" && strings.EqualFold(sc.Scheme, "bearer"):
			req.Headers = append(req.Headers, header{Name: "Authorization", Value: "Bearer ", Env: envToken})
		case sc.Type == "oauth2", sc.Type == "openIdConnect":
			req.Headers = append(req.Headers, header{Name: "Authorization", Value: "Bearer ", Env: envAccess})
		}
	}
}

// querySep is what joins the first credential to the URL.
func (req request) querySep() string {
	if strings.Contains(req.URL, "?") {
		return "&"
	}
	return "?"
}

// usesEnv reports whether the sample reads the environment.
func (req request) usesEnv() bool {
	if req.Basic || len(req.Query) > 0 {
		return true
	}
	for _, h := range req.Headers {
		if h.Env != "" {
			return true
		}
	}
	return false
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellDouble quotes s for a POSIX shell in double quotes, so that a
// variable can follow it inside the same quotes.
func shellDouble(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	return `"` + r.Replace(s)
}

func curlSample(req request) string {
	var b strings.Builder
	b.WriteString("curl")
	if req.Method != "GET" {
		b.WriteString(" -X " + req.Method)
	}
	if len(req.Query) == 0 {
		b.WriteString(" " + shellQuote(req.URL))
	} else {
		// One double-quoted word: "https://…?key=${PORTAL_API_KEY}".
		u, sep := shellDouble(req.URL), req.querySep()
		for _, q := range req.Query {
			u += strings.TrimPrefix(shellDouble(sep+url.QueryEscape(q.Name)+"="), `"`) + "${" + q.Env + "}"
			sep = "&"
		}
		b.WriteString(" " + u + `"`)
	}
	if req.Basic {
		b.WriteString(" \\\n  -u \"$" + envUser + ":$" + envPassword + "\"")
	}
	for _, h := range req.Headers {
		if h.Env != "" {
			b.WriteString(" \\\n  -H " + shellDouble(h.Name+": "+h.Value) + "$" + h.Env + `"`)
		} else {
			b.WriteString(" \\\n  -H " + shellQuote(h.Name+": "+h.Value))
		}
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

// jsURL is the request's URL as a JavaScript expression: a string
// literal, with credentials from the environment appended.
func (req request) jsURL() string {
	if len(req.Query) == 0 {
		return jsString(req.URL)
	}
	out, sep := jsString(req.URL), req.querySep()
	for _, q := range req.Query {
		out += " + " + jsString(sep+url.QueryEscape(q.Name)+"=") + " + encodeURIComponent(process.env." + q.Env + ")"
		sep = "&"
	}
	return out
}

func fetchSample(req request) string {
	var b strings.Builder
	b.WriteString("const response = await fetch(" + req.jsURL() + ", {\n")
	b.WriteString("  method: " + jsString(req.Method) + ",\n")
	if len(req.Headers) > 0 || req.Basic {
		b.WriteString("  headers: {\n")
		if req.Basic {
			b.WriteString(`    "Authorization": "Basic " + btoa(process.env.` + envUser + ` + ":" + process.env.` + envPassword + "),\n")
		}
		for _, h := range req.Headers {
			v := jsString(h.Value)
			switch {
			case h.Env != "" && h.Value == "":
				v = "process.env." + h.Env
			case h.Env != "":
				v += " + process.env." + h.Env
			}
			b.WriteString("    " + jsString(h.Name) + ": " + v + ",\n")
		}
		b.WriteString("  },\n")
	}
	if req.HasBody {
		b.WriteString("  body: JSON.stringify(" + indentLines(jsonPretty(req.Body), "  ") + "),\n")
	}
	b.WriteString("});\n")
	b.WriteString("console.log(response.status, await response.text());")
	return b.String()
}

// pyEnv reads an environment variable in Python.
func pyEnv(name string) string { return `os.environ["` + name + `"]` }

func pythonSample(req request) string {
	var b strings.Builder
	if req.usesEnv() {
		b.WriteString("import os\n\n")
	}
	b.WriteString("import requests\n\n")
	b.WriteString("response = requests.request(\n")
	b.WriteString("    " + jsString(req.Method) + ",\n")
	b.WriteString("    " + jsString(req.URL) + ",\n")
	if len(req.Query) > 0 {
		b.WriteString("    params={\n")
		for _, q := range req.Query {
			b.WriteString("        " + jsString(q.Name) + ": " + pyEnv(q.Env) + ",\n")
		}
		b.WriteString("    },\n")
	}
	var headers []header
	for _, h := range req.Headers {
		if h.Name == "Content-Type" && req.HasBody {
			continue // requests sets it for json=
		}
		headers = append(headers, h)
	}
	if len(headers) > 0 {
		b.WriteString("    headers={\n")
		for _, h := range headers {
			v := jsString(h.Value)
			switch {
			case h.Env != "" && h.Value == "":
				v = pyEnv(h.Env)
			case h.Env != "":
				v += " + " + pyEnv(h.Env)
			}
			b.WriteString("        " + jsString(h.Name) + ": " + v + ",\n")
		}
		b.WriteString("    },\n")
	}
	if req.Basic {
		b.WriteString("    auth=(" + pyEnv(envUser) + ", " + pyEnv(envPassword) + "),\n")
	}
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

// goEnv reads an environment variable in Go.
func goEnv(name string) string { return `os.Getenv("` + name + `")` }

func goSample(req request) string {
	var b strings.Builder
	imports := []string{"fmt", "io", "net/http"}
	body := "nil"
	if req.HasBody {
		imports = append(imports, "strings")
		body = "strings.NewReader(" + goString(jsonPretty(req.Body)) + ")"
	}
	if req.usesEnv() {
		imports = append(imports, "os")
	}
	u := strconv.Quote(req.URL)
	if len(req.Query) > 0 {
		imports = append(imports, "net/url")
		sep := req.querySep()
		for _, q := range req.Query {
			u += " + " + strconv.Quote(sep+url.QueryEscape(q.Name)+"=") + " + url.QueryEscape(" + goEnv(q.Env) + ")"
			sep = "&"
		}
	}
	sort.Strings(imports)
	b.WriteString("package main\n\nimport (\n")
	for _, im := range imports {
		b.WriteString("\t" + strconv.Quote(im) + "\n")
	}
	b.WriteString(")\n\nfunc main() {\n")
	b.WriteString("\treq, err := http.NewRequest(" + strconv.Quote(req.Method) + ", " + u + ", " + body + ")\n")
	b.WriteString("\tif err != nil {\n\t\tpanic(err)\n\t}\n")
	if req.Basic {
		b.WriteString("\treq.SetBasicAuth(" + goEnv(envUser) + ", " + goEnv(envPassword) + ")\n")
	}
	for _, h := range req.Headers {
		v := strconv.Quote(h.Value)
		switch {
		case h.Env != "" && h.Value == "":
			v = goEnv(h.Env)
		case h.Env != "":
			v += "+" + goEnv(h.Env)
		}
		b.WriteString("\treq.Header.Set(" + strconv.Quote(h.Name) + ", " + v + ")\n")
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

// boolIndex is 0 for true, so that tabIndex makes the selected tab the
// focusable one.
func boolIndex(b bool) int {
	if b {
		return 0
	}
	return 1
}

// Package config loads and validates portal.yaml, the file that describes a
// portal and the APIs it publishes. It is parsed once into a typed Config;
// every mistake is reported with the file, line and key, and what to do.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Accounts reports whether developers can sign up and log in
// (authentication_enabled, true unless set false).
func (c *Config) Accounts() bool { return c.AuthenticationEnabled == nil || *c.AuthenticationEnabled }

// Config is a validated portal.yaml. Paths are absolute once loaded.
type Config struct {
	Name        string   `yaml:"name"`
	DisplayName string   `yaml:"display_name"`
	Description string   `yaml:"description"`
	URL         string   `yaml:"url"` // public URL of the portal, e.g. https://developer.acme.com
	Branding    Branding `yaml:"branding"`
	// AuthenticationEnabled: developers can sign up and log in (default
	// true); without it the portal is public only.
	AuthenticationEnabled *bool     `yaml:"authentication_enabled"`
	DefaultAPIVisibility  string    `yaml:"default_api_visibility"`
	DefaultPageVisibility string    `yaml:"default_page_visibility"`
	Content               string    `yaml:"content"` // folder of Markdown pages; default "content"
	Layouts               string    `yaml:"layouts"` // folder of layout overrides; default "layouts"
	Static                string    `yaml:"static"`  // folder copied as is; default "static"
	Nav                   []NavLink `yaml:"nav"`
	APIs                  []API     `yaml:"apis"`

	// File is the absolute path of the loaded portal.yaml.
	File string `yaml:"-"`
	// Dir is the folder holding portal.yaml; relative paths start there.
	Dir string `yaml:"-"`
}

// Branding is the portal's look.
type Branding struct {
	Logo         string `yaml:"logo"`
	Favicon      string `yaml:"favicon"`
	PrimaryColor string `yaml:"primary_color"`
	HeaderImage  string `yaml:"header_image"`
}

// NavLink is an extra link in the header.
type NavLink struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// API is one published API.
type API struct {
	Slug        string            `yaml:"slug"`
	Spec        string            `yaml:"spec"`
	Title       string            `yaml:"title"`
	Version     string            `yaml:"version"`
	Description string            `yaml:"description"`
	Visibility  string            `yaml:"visibility"`
	Labels      map[string]string `yaml:"labels"`
	Docs        string            `yaml:"docs"`
	// UpstreamURL is where the gateway sends this API's traffic. "httpbin"
	// means the httpbin embedded in `portal serve`.
	UpstreamURL string `yaml:"upstream_url"`
	// AutoApproveRegistrations approves applications' registrations to
	// this API at once, whatever the portal's auto_approve_applications.
	AutoApproveRegistrations bool `yaml:"auto_approve_registrations"`
	// Auth is how the gateway checks this API's callers: key_auth (the
	// default: the key names of the description's apiKey schemes, else
	// Konnect's apikey header) or none (open at every gateway; for an API
	// whose upstream checks its own credentials).
	Auth string `yaml:"auth"`
	// Gateway is where your gateway serves the API (host and path prefix);
	// `portal gateway config` routes it there and /validate matches
	// forwarded requests to it.
	Gateway Gateway `yaml:"gateway"`
	// Line is where the entry starts in portal.yaml, for later messages.
	Line int `yaml:"-"`
}

// Gateway is an API's route on the gateway.
type Gateway struct {
	// Host is the host name the gateway serves the API on
	// (api.acme.com); empty: any host. Lower-case, without a port.
	Host string `yaml:"host"`
	// Path is the path prefix, with slashes at both ends (/petstore/);
	// default /gateway/{slug}/.
	Path string `yaml:"path"`
}

// GatewayPath is an API's default path prefix on the gateway.
func GatewayPath(slug string) string { return "/gateway/" + slug + "/" }

// Auth strategies of an API.
const (
	AuthKey  = "key_auth"
	AuthNone = "none"
)

// Visibilities.
const (
	Public  = "public"
	Private = "private"
)

// Error is one problem in portal.yaml.
type Error struct {
	File string
	Line int
	Key  string // dotted path: apis[0].slug
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// Errors is every problem found in one file; it unwraps to each *Error.
type Errors []*Error

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find each *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Load reads and validates the portal.yaml at path.
func Load(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("load config %s: %w", path, err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("load config: %s does not exist; create it (see README) or pass --config", path)
		}
		return nil, fmt.Errorf("load config %s: %w", path, err)
	}
	return Parse(abs, data)
}

// Parse validates portal.yaml content; file names it in errors and anchors
// relative paths.
func Parse(file string, data []byte) (*Config, error) {
	display := file
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, file); err == nil && !strings.HasPrefix(rel, "..") {
			display = rel
		}
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, Errors{{File: display, Line: yamlErrLine(err), Msg: "not valid YAML: " + trimYAMLErr(err)}}
	}
	if len(root.Content) == 0 {
		return nil, Errors{{File: display, Line: 1, Msg: "the file is empty; it needs at least name and apis"}}
	}
	doc := root.Content[0]
	var errs Errors
	checkKeys(display, doc, reflect.TypeOf(Config{}), "", &errs)
	if len(errs) > 0 {
		return nil, errs
	}
	var c Config
	if err := doc.Decode(&c); err != nil {
		return nil, Errors{{File: display, Line: yamlErrLine(err), Msg: trimYAMLErr(err)}}
	}
	c.File = file
	c.Dir = filepath.Dir(file)
	if apis := mapValue(doc, "apis"); apis != nil && apis.Kind == yaml.SequenceNode {
		for i, n := range apis.Content {
			if i < len(c.APIs) {
				c.APIs[i].Line = n.Line
			}
		}
	}
	errs = c.validate(display, doc)
	if len(errs) > 0 {
		return nil, errs
	}
	return &c, nil
}

var (
	slugRe  = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	colorRe = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
)

func (c *Config) validate(file string, doc *yaml.Node) Errors {
	var errs Errors
	add := func(line int, key, format string, args ...any) {
		errs = append(errs, &Error{File: file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	line := func(path ...string) int { return lineOf(doc, path...) }

	if c.Name == "" {
		add(1, "name", "missing; set a short id-like name such as \"acme\"")
	} else if !slugRe.MatchString(c.Name) {
		add(line("name"), "name", "%q must be lower-case letters, digits and dashes, such as \"acme\"", c.Name)
	}
	if c.DisplayName == "" {
		c.DisplayName = c.Name
	}
	if c.URL != "" && !strings.HasPrefix(c.URL, "https://") && !strings.HasPrefix(c.URL, "http://") {
		add(line("url"), "url", "%q must be an absolute http(s) URL such as https://developer.acme.com", c.URL)
	}
	if c.Branding.PrimaryColor != "" && !colorRe.MatchString(c.Branding.PrimaryColor) {
		add(line("branding", "primary_color"), "branding.primary_color", "%q must be a hex colour such as \"#1456f0\" (quote it: # starts a YAML comment)", c.Branding.PrimaryColor)
	}
	for _, f := range []struct {
		key string
		val *string
	}{{"logo", &c.Branding.Logo}, {"favicon", &c.Branding.Favicon}, {"header_image", &c.Branding.HeaderImage}} {
		if *f.val == "" || strings.HasPrefix(*f.val, "https://") {
			continue
		}
		p := c.abs(*f.val)
		if _, err := os.Stat(p); err != nil {
			add(line("branding", f.key), "branding."+f.key, "%s does not exist; give a path relative to portal.yaml or an https:// URL", *f.val)
			continue
		}
		*f.val = p
	}
	switch c.DefaultAPIVisibility {
	case "":
		c.DefaultAPIVisibility = Public
	case Public, Private:
	default:
		add(line("default_api_visibility"), "default_api_visibility", "%q must be public or private", c.DefaultAPIVisibility)
	}
	switch c.DefaultPageVisibility {
	case "":
		c.DefaultPageVisibility = Public
	case Public, Private:
	default:
		add(line("default_page_visibility"), "default_page_visibility", "%q must be public or private", c.DefaultPageVisibility)
	}
	if c.AuthenticationEnabled == nil {
		on := true
		c.AuthenticationEnabled = &on
	}
	for _, d := range []struct {
		key, def string
		val      *string
	}{{"content", "content", &c.Content}, {"layouts", "layouts", &c.Layouts}, {"static", "static", &c.Static}} {
		explicit := *d.val != ""
		if !explicit {
			*d.val = d.def
		}
		*d.val = c.abs(*d.val)
		if st, err := os.Stat(*d.val); err != nil || !st.IsDir() {
			if explicit {
				add(line(d.key), d.key, "folder %s does not exist", *d.val)
			}
			*d.val = ""
		}
	}
	for i, n := range c.Nav {
		if n.Name == "" || n.URL == "" {
			add(lineOf(doc, "nav", fmt.Sprint(i)), fmt.Sprintf("nav[%d]", i), "needs both name and url")
		}
	}
	// `apis: []` is a portal with nothing published yet (Kong's tutorial
	// starts there); no apis key at all is more likely a mistake.
	if len(c.APIs) == 0 && lineOf(doc, "apis") == 0 {
		add(line("apis"), "apis", "no APIs listed; add at least one entry with slug and spec (or apis: [] to publish none yet)")
	}
	if !c.Accounts() {
		private := ""
		switch {
		case c.DefaultAPIVisibility == Private:
			private = "default_api_visibility is private"
		case c.DefaultPageVisibility == Private:
			private = "default_page_visibility is private"
		}
		for _, a := range c.APIs {
			if private == "" && a.Visibility == Private {
				private = "API " + a.Slug + " is private"
			}
		}
		if private != "" {
			add(line("authentication_enabled"), "authentication_enabled", "false, but %s: nobody could log in to read it; set authentication_enabled: true, or make the content public", private)
		}
	}
	seen := map[string]int{}
	for i := range c.APIs {
		a := &c.APIs[i]
		key := fmt.Sprintf("apis[%d]", i)
		l := func(k string) int {
			if n := lineOf(doc, "apis", fmt.Sprint(i), k); n > 0 {
				return n
			}
			return a.Line
		}
		switch {
		case a.Slug == "":
			add(a.Line, key+".slug", "missing; set a URL name such as \"payments\" (used in /apis/<slug>/)")
		case !slugRe.MatchString(a.Slug):
			add(l("slug"), key+".slug", "%q must be lower-case letters, digits and dashes", a.Slug)
		default:
			if j, dup := seen[a.Slug]; dup {
				add(l("slug"), key+".slug", "%q is already used by apis[%d]; slugs must be unique", a.Slug, j)
			}
			seen[a.Slug] = i
		}
		if a.Spec == "" {
			add(a.Line, key+".spec", "missing; give the path of the OpenAPI file, relative to portal.yaml")
		} else {
			a.Spec = c.abs(a.Spec)
			if st, err := os.Stat(a.Spec); err != nil || st.IsDir() {
				add(l("spec"), key+".spec", "file %s does not exist", a.Spec)
			}
		}
		switch a.Visibility {
		case "":
			a.Visibility = c.DefaultAPIVisibility
		case Public, Private:
		default:
			add(l("visibility"), key+".visibility", "%q must be public or private", a.Visibility)
		}
		if a.Docs != "" {
			a.Docs = c.abs(a.Docs)
			if st, err := os.Stat(a.Docs); err != nil || !st.IsDir() {
				add(l("docs"), key+".docs", "folder %s does not exist", a.Docs)
			}
		}
		switch a.Auth {
		case "":
			a.Auth = AuthKey
		case AuthKey, AuthNone:
		default:
			add(l("auth"), key+".auth", "%q must be key_auth (keys checked by the portal) or none (open: the upstream checks its own credentials)", a.Auth)
		}
		checkGateway(a, key, func(k string) int {
			if n := lineOf(doc, "apis", fmt.Sprint(i), "gateway", k); n > 0 {
				return n
			}
			return l("gateway")
		}, add)
		if a.UpstreamURL != "" && a.UpstreamURL != "httpbin" && !strings.HasPrefix(a.UpstreamURL, "http://") && !strings.HasPrefix(a.UpstreamURL, "https://") {
			add(l("upstream_url"), key+".upstream_url", "%q must be an http(s) URL, or httpbin for the embedded httpbin", a.UpstreamURL)
		}
	}
	routes := map[string]int{}
	for i, a := range c.APIs {
		r := a.Gateway.Host + a.Gateway.Path
		if j, dup := routes[r]; dup && a.Slug != "" && a.Slug != c.APIs[j].Slug {
			l := lineOf(doc, "apis", fmt.Sprint(i), "gateway")
			if l == 0 {
				l = a.Line
			}
			add(l, fmt.Sprintf("apis[%d].gateway", i), "%s%s is already the route of apis[%d] (%s); give each API its own host or path", a.Gateway.Host, a.Gateway.Path, j, c.APIs[j].Slug)
		}
		routes[r] = i
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	return errs
}

var hostRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// checkGateway validates an API's gateway route and fills in its
// defaults: the path /gateway/{slug}/, with a trailing slash added. A path
// must be what gateways route on already normalised (no dot segments,
// escapes or double slashes), or the gateway and /validate could disagree
// on which API a request is for.
func checkGateway(a *API, key string, line func(string) int, add func(int, string, string, ...any)) {
	g := &a.Gateway
	if g.Host != "" {
		h := strings.ToLower(g.Host)
		switch {
		case strings.Contains(h, "://"):
			add(line("host"), key+".gateway.host", "%q is a URL; give the host name only, such as api.acme.com", g.Host)
		case strings.Contains(h, ":") || strings.Contains(h, "/"):
			add(line("host"), key+".gateway.host", "%q must be a host name without port or path, such as api.acme.com (the gateway's listen port is a flag of portal gateway config)", g.Host)
		case !hostRe.MatchString(h):
			add(line("host"), key+".gateway.host", "%q is not a host name; use letters, digits, dashes and dots, such as api.acme.com", g.Host)
		}
		g.Host = h
	}
	if g.Path == "" {
		if a.Slug != "" {
			g.Path = GatewayPath(a.Slug)
		}
		return
	}
	p := g.Path
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	bad := !strings.HasPrefix(p, "/") || strings.Contains(p, "//") || strings.ContainsAny(p, "%\\?#* \t") ||
		strings.Contains(p+"/", "/./") || strings.Contains(p+"/", "/../")
	if bad {
		add(line("path"), key+".gateway.path", "%q must be a plain path prefix such as /petstore/ (starting with /, without dot segments, escapes, //, ?, # or *)", g.Path)
	}
	g.Path = p
}

func (c *Config) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(c.Dir, p)
}

// checkKeys reports keys that the target struct type does not declare.
func checkKeys(file string, n *yaml.Node, t reflect.Type, path string, errs *Errors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
				return
			}
			*errs = append(*errs, &Error{File: file, Line: n.Line, Key: strings.TrimPrefix(path, "."), Msg: "must be a mapping of keys to values"})
			return
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			fields[tag] = t.Field(i).Type
			names = append(names, tag)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				msg := fmt.Sprintf("unknown key %q", k.Value)
				if s := Closest(k.Value, names); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				} else {
					msg += "; known keys: " + strings.Join(names, ", ")
				}
				*errs = append(*errs, &Error{File: file, Line: k.Line, Key: strings.TrimPrefix(path+"."+k.Value, "."), Msg: msg})
				continue
			}
			checkKeys(file, v, ft, path+"."+k.Value, errs)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
				return
			}
			*errs = append(*errs, &Error{File: file, Line: n.Line, Key: strings.TrimPrefix(path, "."), Msg: "must be a list"})
			return
		}
		for i, c := range n.Content {
			checkKeys(file, c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode && !(n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
			*errs = append(*errs, &Error{File: file, Line: n.Line, Key: strings.TrimPrefix(path, "."), Msg: "must be a mapping of keys to values"})
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			*errs = append(*errs, &Error{File: file, Line: n.Line, Key: strings.TrimPrefix(path, "."), Msg: "must be a single value (text)"})
		}
	}
}

// lineOf finds the line of the value at path (mapping keys or list indexes).
func lineOf(n *yaml.Node, path ...string) int {
	for _, p := range path {
		switch n.Kind {
		case yaml.MappingNode:
			v := mapValue(n, p)
			if v == nil {
				return 0
			}
			n = v
		case yaml.SequenceNode:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(n.Content) {
				return 0
			}
			n = n.Content[i]
		default:
			return 0
		}
	}
	return n.Line
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

var (
	lineRe         = regexp.MustCompile(`line (\d+)`)
	lineAndColonRe = regexp.MustCompile(`line \d+: ?`)
)

func yamlErrLine(err error) int {
	m := lineRe.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

func trimYAMLErr(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.ReplaceAll(s, "unmarshal errors:\n  ", "")
	return strings.TrimSpace(lineAndColonRe.ReplaceAllString(s, ""))
}

// Closest returns the candidate within edit distance 2 of s, if any: the
// "did you mean" of a mistyped key.
func Closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Package gateway writes ready configurations for real gateways (nginx,
// Caddy, Traefik, Envoy) that enforce the portal's keys through /validate:
// one route per API of the catalog (host and path prefix from portal.yaml),
// the API named by the gateway itself, the forwarded URI set by the
// gateway, the key header stripped before the upstream, every identity
// header overwritten or cleared, CORS preflight for the portal's origin
// answered before the key check, Kong's JSON bodies on 401/403, and a
// fail-closed answer when the validator is down.
package gateway

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/portal-dev/portal/generator"
)

// Kinds are the gateways a configuration can be written for.
var Kinds = []string{"nginx", "caddy", "traefik", "envoy"}

// IdentityHeaders are set by the gateway from the validator's answer (the
// first three, and X-Anonymous-Consumer for an open API) or cleared (Kong's
// other two): a client's own never reach an upstream.
var IdentityHeaders = []string{"X-Consumer-ID", "X-Consumer-Username", "X-Consumer-Custom-ID", "X-Application-ID", "X-Credential-Identifier", "X-Anonymous-Consumer"}

// FromValidator are the identity headers the validator answers.
var FromValidator = []string{"X-Consumer-ID", "X-Application-ID", "X-Credential-Identifier", "X-Anonymous-Consumer"}

// Options say where things are.
type Options struct {
	// ValidateURL is the portal's forward-auth endpoint, e.g.
	// http://127.0.0.1:8080/validate.
	ValidateURL *url.URL
	// Origin is the portal's origin (scheme://host[:port]): the one
	// browsers may call the APIs from (try-it).
	Origin string
	// Listen is where the gateway listens: a port ("8081"), ":8081" or
	// "127.0.0.1:8081".
	Listen string
	// Source names portal.yaml in the header comment.
	Source string
	// Portal is the portal's name, for the header comment.
	Portal string
}

// Route is one API as the gateway serves it.
type Route struct {
	Slug       string
	Host       string   // "" for any host
	Prefix     string   // /gateway/httpbin/
	KeyNames   []string // headers (and query parameters) holding the key
	KeyInQuery bool
	Open       bool     // auth: none
	Upstream   *url.URL // where the gateway sends the call, path included
}

// Base is the prefix without its trailing slash (/gateway/httpbin).
func (r Route) Base() string { return strings.TrimSuffix(r.Prefix, "/") }

// ID is the slug as an identifier in configurations (dashes to
// underscores).
func (r Route) ID() string { return strings.ReplaceAll(r.Slug, "-", "_") }

// UpstreamPath is the upstream's path with a trailing slash.
func (r Route) UpstreamPath() string {
	p := r.Upstream.Path
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// Auth describes the route's auth for comments.
func (r Route) Auth() string {
	if r.Open {
		return "auth: none, open; X-Anonymous-Consumer: true"
	}
	s := "key_auth, key in " + strings.Join(r.KeyNames, ", ")
	if r.KeyInQuery {
		s += " (header or query)"
	}
	return s
}

// Skipped is an API of the catalog that gets no route, and why.
type Skipped struct{ Slug, Why string }

// Routes turns the catalog's APIs into routes; only, when set, keeps one
// API. An API with no upstream_url, or an AsyncAPI one, is skipped with
// the reason. An upstream named "httpbin" is the httpbin that `portal
// serve` embeds at /upstream/httpbin on the validator's origin.
func Routes(cat generator.Catalog, validateURL *url.URL, only string) ([]Route, []Skipped, error) {
	var routes []Route
	var skipped []Skipped
	found := false
	for _, a := range cat.APIs {
		if only != "" && a.Slug != only {
			continue
		}
		found = true
		switch {
		case a.SpecType == "asyncapi":
			skipped = append(skipped, Skipped{a.Slug, "AsyncAPI: its messages go through a broker, not an HTTP gateway"})
			continue
		case a.UpstreamURL == "":
			skipped = append(skipped, Skipped{a.Slug, "no upstream_url in portal.yaml; set one to route it through the gateway"})
			continue
		}
		r := Route{Slug: a.Slug, Host: a.RouteHost, Prefix: a.RoutePrefix}
		if r.Prefix == "" {
			r.Prefix = "/gateway/" + a.Slug + "/"
		}
		switch {
		case a.AuthStrategy != nil && a.AuthStrategy.Type == "none":
			r.Open = true
		case a.AuthStrategy != nil && len(a.AuthStrategy.KeyNames) > 0:
			r.KeyNames, r.KeyInQuery = a.AuthStrategy.KeyNames, a.AuthStrategy.KeyInQuery
		default:
			r.KeyNames = []string{"apikey"}
		}
		if a.UpstreamURL == "httpbin" {
			r.Upstream = &url.URL{Scheme: validateURL.Scheme, Host: validateURL.Host, Path: "/upstream/httpbin/"}
		} else {
			u, err := url.Parse(a.UpstreamURL)
			if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				return nil, nil, fmt.Errorf("API %s: upstream_url %q is not an http(s) URL; fix it in portal.yaml", a.Slug, a.UpstreamURL)
			}
			if u.RawQuery != "" || u.Fragment != "" {
				return nil, nil, fmt.Errorf("API %s: upstream_url %q has a query or fragment; give scheme, host and path only", a.Slug, a.UpstreamURL)
			}
			r.Upstream = u
		}
		routes = append(routes, r)
	}
	if only != "" && !found {
		var slugs []string
		for _, a := range cat.APIs {
			slugs = append(slugs, a.Slug)
		}
		return nil, nil, fmt.Errorf("no API %q in portal.yaml; --api takes one of: %s", only, strings.Join(slugs, ", "))
	}
	return routes, skipped, nil
}

// Write writes the configuration for kind: the gateway's writer prints
// it a line at a time (p works as Printf, adding the newline).
func Write(w io.Writer, kind string, o Options, routes []Route, skipped []Skipped) error {
	host, port, err := SplitListen(o.Listen)
	if err != nil {
		return err
	}
	c := &conf{Options: o, Routes: routes, Skipped: skipped, ListenHost: host, ListenPort: port}
	var write func(p func(string, ...any))
	switch kind {
	case "nginx":
		write = c.nginx
	case "caddy":
		write = c.caddy
	case "traefik":
		write = c.traefik
	case "envoy":
		write = c.envoy
	default:
		return fmt.Errorf("unknown gateway %q; choose one of %s", kind, strings.Join(Kinds, ", "))
	}
	b := &strings.Builder{}
	write(func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) })
	_, err = io.WriteString(w, b.String())
	return err
}

// SplitListen reads "8081", ":8081" or "127.0.0.1:8081".
func SplitListen(s string) (host string, port int, err error) {
	if !strings.Contains(s, ":") {
		s = ":" + s
	}
	h, p, err := net.SplitHostPort(s)
	if err == nil {
		port, err = strconv.Atoi(p)
	}
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("--listen %q: give a port (8081), :port or address:port (127.0.0.1:8081)", s)
	}
	return h, port, nil
}

type conf struct {
	Options
	Routes     []Route
	Skipped    []Skipped
	ListenHost string
	ListenPort int
}

// hostGroups groups routes by host, the any-host group ("") first (in
// nginx, the first server of a port is its default), hosts in the order of
// the catalog.
func (c *conf) hostGroups() [][]Route {
	var hosts []string
	by := map[string][]Route{}
	for _, r := range c.Routes {
		if _, ok := by[r.Host]; !ok && r.Host != "" {
			hosts = append(hosts, r.Host)
		}
		by[r.Host] = append(by[r.Host], r)
	}
	var out [][]Route
	if rs, ok := by[""]; ok {
		out = append(out, longestFirst(rs))
	}
	for _, h := range hosts {
		out = append(out, longestFirst(by[h]))
	}
	return out
}

// longestFirst orders routes longest prefix first, as matchers that take
// the first match must see them.
func longestFirst(rs []Route) []Route {
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, func(a, b Route) int { return len(b.Prefix) - len(a.Prefix) })
	return rs
}

func (c *conf) validatorHostPort() string {
	u := c.ValidateURL
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return u.Host + ":443"
	}
	return u.Host + ":80"
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return u.Hostname() + ":443"
	}
	return u.Hostname() + ":80"
}

// header prints the comment at the top, with the skipped APIs, through
// the writer's line printer.
func (c *conf) header(line func(string, ...any), comment, kind, how string) {
	p := func(format string, args ...any) { line(comment+" "+format, args...) }
	p("Portal: %s configuration for %s, generated by `portal gateway config %s`", kind, c.Portal, kind)
	p("from %s. Regenerate it when portal.yaml changes rather than editing it.", c.Source)
	p("%s", how)
	p("Keys are checked by %s; the portal's origin %s may call the APIs.", c.ValidateURL, c.Origin)
	for _, s := range c.Skipped {
		p("Not routed: %s (%s).", s.Slug, s.Why)
	}
}

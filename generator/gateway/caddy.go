package gateway

import (
	"fmt"
	"strings"
)

// caddy writes site blocks for a Caddyfile. Each API is a route, so that
// its steps run in the order written (Caddy sorts the directives of a
// handle block by its own order, which puts request_header after
// forward_auth). forward_auth hands a denial to the client as the
// validator wrote it (Kong's JSON); a validator that is down is a 502.
func (c *conf) caddy(p func(string, ...any)) {
	q := func(format string, args ...any) { p("\t"+format, args...) } // inside a route
	c.header(p, "#", "caddy", "Put it in your Caddyfile (or import it from there) after the global options.")
	for _, group := range c.hostGroups() {
		p("")
		site := fmt.Sprintf("http://:%d", c.ListenPort)
		if h := group[0].Host; h != "" {
			site = fmt.Sprintf("http://%s:%d", h, c.ListenPort)
		}
		p("%s {", site)
		if c.ListenHost != "" {
			p("\tbind %s", c.ListenHost)
		}
		p("\t# Caddy routes on a cleaned path but proxies the path as it was sent: a path")
		p("\t# that is not already clean (//, dot segments, an escaped unreserved")
		p("\t# character, / or \\) could be checked for one API and sent on as another")
		p("\t# one's. Refused, as /validate refuses what it cannot check.")
		p("\t@portal_unclean expression `{http.request.uri}.matches(\"^[^?]*(//|/\\\\.\\\\.?(/|[?]|$)|%%(2[d-fD-F]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[cCfF]|7[eE]))\")`")
		p("\t@portal_origin header Origin %s", c.Origin)
		p("\t@portal_preflight {")
		p("\t\tmethod OPTIONS")
		p("\t\theader Origin %s", c.Origin)
		p("\t\theader Access-Control-Request-Method *")
		p("\t}")
		for _, r := range group {
			p("")
			p("\t# %s: %s", r.Slug, r.Auth())
			p("\t@portal_api_%s path %s %s*", r.ID(), r.Base(), r.Prefix)
			p("\thandle @portal_api_%s {", r.ID())
			p("\t\troute {")
			q("\t\trespond @portal_unclean `{\"message\":\"The request path cannot be checked safely; send it without dot segments, double slashes or needless escapes\"}` 400")
			q("\t\t# A preflight carries no key: answered before the key check.")
			q("\t\theader @portal_preflight {")
			q("\t\t\tAccess-Control-Allow-Origin %s", c.Origin)
			q("\t\t\tAccess-Control-Allow-Methods %q", corsMethods)
			q("\t\t\tAccess-Control-Allow-Headers %q", corsHeaders(r.KeyNames))
			q("\t\t\tAccess-Control-Max-Age %d", corsMaxAge)
			q("\t\t\tVary Origin")
			q("\t\t}")
			q("\t\trespond @portal_preflight 204")
			q("\t\theader @portal_origin {")
			q("\t\t\tAccess-Control-Allow-Origin %s", c.Origin)
			q("\t\t\tAccess-Control-Expose-Headers *")
			q("\t\t}")
			q("\t\theader Vary Origin")
			q("\t\t# Identity comes from the validator alone: a client's is dropped first")
			q("\t\t# (forward_auth copies only the headers the validator sends).")
			for _, h := range IdentityHeaders {
				q("\t\trequest_header -%s", h)
			}
			q("\t\tforward_auth %s {", c.validatorHostPort())
			q("\t\t\turi %s", c.ValidateURL.EscapedPath())
			q("\t\t\t# The gateway names the API; Caddy sets X-Forwarded-Uri and -Host itself")
			q("\t\t\t# (a client's are replaced: clients are not trusted proxies).")
			q("\t\t\theader_up X-Portal-API %s", r.Slug)
			q("\t\t\theader_up -X-Original-URI")
			// Caddy 2.6 copies a header the validator did not send as its
			// placeholder's text: copy exactly those it sends for this API.
			copied := FromValidator[:3]
			if r.Open {
				copied = FromValidator[3:]
			}
			q("\t\t\tcopy_headers %s", strings.Join(copied, " "))
			q("\t\t}")
			q("\t\t# The key stays here.")
			for _, k := range r.KeyNames {
				q("\t\trequest_header -%s", k)
			}
			if r.KeyInQuery {
				q("\t\turi query -%s", r.KeyNames[0])
			}
			q("\t\turi path_regexp ^%s(/|$) %s", regexpQuote(r.Base()), r.UpstreamPath())
			q("\t\treverse_proxy %s {", r.Upstream.Scheme+"://"+hostPort(r.Upstream))
			q("\t\t\theader_up Host {upstream_hostport}")
			q("\t\t\t# The gateway owns CORS: the upstream's own headers are dropped.")
			for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age"} {
				q("\t\t\theader_down -%s", h)
			}
			q("\t\t}")
			p("\t\t}")
			p("\t}")
		}
		p("")
		p("\t# Caddy answers an empty 200 where nothing matches: say 404 instead.")
		p("\thandle {")
		p("\t\theader Content-Type application/json")
		p("\t\trespond `{\"message\":\"no Route matched with those values\"}` 404")
		p("\t}")
		p("}")
	}
}

func regexpQuote(s string) string {
	r := strings.NewReplacer(".", `\.`, "+", `\+`, "(", `\(`, ")", `\)`, "[", `\[`, "$", `\$`, "^", `\^`, "|", `\|`, "{", `\{`)
	return r.Replace(s)
}

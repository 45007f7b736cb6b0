package gateway

import (
	"fmt"
	"slices"
	"strings"
)

// The CORS policy every gateway applies to the portal's origin: the
// methods, and how long a browser may keep a preflight's answer.
const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
	corsMaxAge  = 600
)

// corsHeaders is the request headers the portal's pages may send to an
// API: the content type, Authorization and its key headers.
func corsHeaders(keyNames []string) string {
	return strings.Join(append([]string{"Content-Type", "Authorization"}, keyNames...), ", ")
}

// keyNames is every route's key headers, once each.
func (c *conf) keyNames() []string {
	var out []string
	for _, r := range c.Routes {
		for _, k := range r.KeyNames {
			if !contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// copied are the identity headers the validator answers for a route.
func copied(r Route) []string {
	if r.Open {
		return FromValidator[3:]
	}
	return FromValidator[:3]
}

// traefik writes a dynamic configuration for Traefik's file provider.
// Per API, a chain: CORS (Traefik's headers middleware answers a
// preflight itself, before the key check), the gateway's own request
// headers (the API's name; identity and forwarded URIs cleared),
// forwardAuth (Traefik sets X-Forwarded-Uri and -Host itself and passes
// only the listed request headers), the key removed, the path rewritten
// for the upstream.
func (c *conf) traefik(p func(string, ...any)) {
	c.header(p, "#", "traefik", fmt.Sprintf("A dynamic configuration for Traefik's file provider (v2.10+ and v3). Its routers use the\n# entry point \"portal\": define it in the static configuration (address \"%s:%d\").", c.ListenHost, c.ListenPort))
	p("http:")
	p("  routers:")
	for _, r := range c.Routes {
		rule := fmt.Sprintf("(PathPrefix(`%s`) || Path(`%s`))", r.Prefix, r.Base())
		if r.Host != "" {
			rule = fmt.Sprintf("Host(`%s`) && %s", r.Host, rule)
		}
		p("    # %s: %s", r.Slug, r.Auth())
		p("    portal-%s:", r.Slug)
		p("      entryPoints: [portal]")
		p("      rule: %q", rule)
		if r.Open {
			p("      middlewares: [portal-cors, portal-%[1]s-request, portal-%[1]s-auth, portal-%[1]s-path]", r.Slug)
		} else {
			p("      middlewares: [portal-cors, portal-%[1]s-request, portal-%[1]s-auth, portal-%[1]s-key, portal-%[1]s-path]", r.Slug)
		}
		p("      service: portal-%s", r.Slug)
	}
	p("  middlewares:")
	p("    portal-cors:")
	p("      headers:")
	p("        accessControlAllowOriginList: [%q]", c.Origin)
	p("        accessControlAllowMethods: [%s]", corsMethods)
	p("        accessControlAllowHeaders: [%s]", corsHeaders(c.keyNames()))
	p("        accessControlExposeHeaders: [\"*\"]")
	p("        accessControlMaxAge: %d", corsMaxAge)
	p("        addVaryHeader: true")
	for _, r := range c.Routes {
		p("    portal-%s-request:", r.Slug)
		p("      headers:")
		p("        customRequestHeaders: # the gateway names the API; \"\" removes a client's header")
		p("          X-Portal-API: %s", r.Slug)
		p("          X-Original-URI: \"\"")
		for _, h := range IdentityHeaders {
			p("          %s: \"\"", h)
		}
		p("    portal-%s-auth:", r.Slug)
		p("      forwardAuth:")
		p("        address: %q", c.ValidateURL.String())
		p("        trustForwardHeader: false")
		p("        authRequestHeaders: [%s]", strings.Join(append(slices.Clone(r.KeyNames), "X-Portal-API"), ", "))
		p("        authResponseHeaders: [%s]", strings.Join(copied(r), ", "))
		if !r.Open {
			p("    portal-%s-key:", r.Slug)
			p("      headers:")
			p("        customRequestHeaders: # the key stays here")
			for _, k := range r.KeyNames {
				p("          %s: \"\"", k)
			}
		}
		p("    portal-%s-path:", r.Slug)
		p("      replacePathRegex:")
		p("        regex: %q", "^"+regexpQuote(r.Base())+"(/|$)(.*)")
		p("        replacement: %q", r.UpstreamPath()+"$2")
	}
	p("  services:")
	for _, r := range c.Routes {
		p("    portal-%s:", r.Slug)
		p("      loadBalancer:")
		p("        passHostHeader: false")
		p("        servers:")
		p("          - url: %q", r.Upstream.Scheme+"://"+r.Upstream.Host)
	}
}

// envoy writes a static bootstrap for Envoy (v1.27+): the HTTP connection
// manager normalises the path (and refuses escaped slashes) before any
// route is chosen; the CORS filter answers a preflight before ext_authz;
// a header_mutation filter clears a client's identity and routing
// headers; ext_authz asks /validate with the request's path appended (the
// validator reads the API from that path and the request's host) and
// denies when it cannot (failure_mode_allow: false); the route strips the
// key.
func (c *conf) envoy(p func(string, ...any)) {
	c.header(p, "#", "envoy", "A static bootstrap for Envoy v1.27+: envoy -c envoy.yaml. ext_authz names the API by the path it\n# appends to /validate and the request's Host: the portal matches both to the API's route.")
	listen := c.ListenHost
	if listen == "" {
		listen = "0.0.0.0"
	}
	p("static_resources:")
	p("  listeners:")
	p("    - name: portal")
	p("      address: {socket_address: {address: %s, port_value: %d}}", listen, c.ListenPort)
	p("      filter_chains:")
	p("        - filters:")
	p("            - name: envoy.filters.network.http_connection_manager")
	p("              typed_config:")
	p("                \"@type\": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager")
	p("                stat_prefix: portal")
	p("                normalize_path: true")
	p("                merge_slashes: true")
	p("                path_with_escaped_slashes_action: REJECT_REQUEST")
	p("                route_config:")
	p("                  name: portal")
	p("                  virtual_hosts:")
	for i, group := range c.hostGroups() {
		domains := `["*"]`
		name := "any"
		if h := group[0].Host; h != "" {
			domains = fmt.Sprintf("[%q, %q]", h, fmt.Sprintf("%s:%d", h, c.ListenPort))
			name = fmt.Sprintf("host%d", i)
		}
		p("                    - name: %s", name)
		p("                      domains: %s", domains)
		p("                      typed_per_filter_config:")
		p("                        envoy.filters.http.cors:")
		p("                          \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy")
		p("                          allow_origin_string_match: [{exact: %q}]", c.Origin)
		p("                          allow_methods: %q", corsMethods)
		p("                          allow_headers: %q", corsHeaders(c.keyNames()))
		p("                          expose_headers: \"*\"")
		p("                          max_age: \"%d\"", corsMaxAge)
		p("                      routes:")
		for _, r := range group {
			p("                        # %s: %s", r.Slug, r.Auth())
			for _, m := range []string{fmt.Sprintf("prefix: %q", r.Prefix), fmt.Sprintf("path: %q", r.Base())} {
				p("                        - match: {%s}", m)
				p("                          route:")
				p("                            cluster: portal_api_%s", r.ID())
				p("                            prefix_rewrite: %q", r.UpstreamPath())
				p("                            host_rewrite_literal: %q", r.Upstream.Host)
				if !r.Open {
					p("                          request_headers_to_remove: [%s] # the key stays here", strings.Join(r.KeyNames, ", "))
				}
				p("                          response_headers_to_remove: [access-control-allow-credentials] # the gateway owns CORS")
			}
		}
	}
	p("                http_filters:")
	p("                  - name: envoy.filters.http.cors")
	p("                    typed_config: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}")
	p("                  - name: envoy.filters.http.header_mutation # a client's identity and routing headers never pass")
	p("                    typed_config:")
	p("                      \"@type\": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation")
	p("                      mutations:")
	p("                        request_mutations:")
	for _, h := range append(append([]string{}, IdentityHeaders...), "X-Portal-API", "X-Forwarded-Uri", "X-Original-URI") {
		p("                          - remove: %s", strings.ToLower(h))
	}
	p("                  - name: envoy.filters.http.ext_authz")
	p("                    typed_config:")
	p("                      \"@type\": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz")
	p("                      transport_api_version: V3")
	p("                      failure_mode_allow: false # the validator down: never through (503 below)")
	p("                      status_on_error: {code: ServiceUnavailable}")
	p("                      http_service:")
	p("                        server_uri: {uri: %q, cluster: portal_validate, timeout: 2s}", c.ValidateURL.Scheme+"://"+c.ValidateURL.Host)
	p("                        path_prefix: %s", c.ValidateURL.EscapedPath())
	p("                        authorization_request:")
	p("                          allowed_headers:")
	p("                            patterns:")
	for _, k := range c.keyNames() {
		p("                              - {exact: %s, ignore_case: true}", k)
	}
	p("                        authorization_response:")
	p("                          allowed_upstream_headers:")
	p("                            patterns:")
	for _, h := range FromValidator {
		p("                              - {exact: %s, ignore_case: true}", strings.ToLower(h))
	}
	p("                          allowed_client_headers: # Kong's JSON body comes with these")
	p("                            patterns:")
	for _, h := range []string{"content-type", "www-authenticate", "retry-after", "x-portal-reason"} {
		p("                              - {exact: %s}", h)
	}
	p("                  - name: envoy.filters.http.router")
	p("                    typed_config: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}")
	p("  clusters:")
	envoyCluster(p, "portal_validate", c.ValidateURL.Scheme, hostPort(c.ValidateURL))
	for _, r := range c.Routes {
		envoyCluster(p, "portal_api_"+r.ID(), r.Upstream.Scheme, hostPort(r.Upstream))
	}
}

func envoyCluster(p func(string, ...any), name, scheme, hostport string) {
	host, port, _ := strings.Cut(hostport, ":")
	p("    - name: %s", name)
	p("      type: STRICT_DNS")
	p("      connect_timeout: 2s")
	p("      load_assignment:")
	p("        cluster_name: %s", name)
	p("        endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %s, port_value: %s}}}}]}]", host, port)
	if scheme == "https" {
		p("      transport_socket:")
		p("        name: envoy.transport_sockets.tls")
		p("        typed_config:")
		p("          \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext")
		p("          sni: %s", host)
	}
}

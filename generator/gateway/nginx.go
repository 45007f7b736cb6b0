package gateway

import (
	"fmt"
	"strings"
)

// nginx writes a file for nginx's http {} block (conf.d). auth_request
// passes nginx only the validator's status and headers: the message comes
// back in X-Portal-Message and the error pages render Kong's JSON from it;
// any other status (the validator's 503, or no answer at all) is nginx's
// 500, which is answered 503 with Retry-After, fail closed.
func (c *conf) nginx(p func(string, ...any)) {
	c.header(p, "#", "nginx", "Include it in nginx's http {} block, e.g. as /etc/nginx/conf.d/portal.conf.")
	p("")
	p("# The portal's /validate, on kept-alive connections.")
	p("upstream portal_validate {")
	p("    server %s;", c.validatorHostPort())
	p("    keepalive 32;")
	p("}")
	for _, r := range c.Routes {
		p("")
		p("upstream portal_api_%s {", r.ID())
		p("    server %s;", hostPort(r.Upstream))
		p("    keepalive 32;")
		p("}")
	}
	p("")
	p("# Browsers may call the APIs from the portal's origin (try-it), from no other.")
	p("map $http_origin $portal_cors_origin {")
	p("    default \"\";")
	p("    %q $http_origin;", c.Origin)
	p("}")
	p("map $portal_cors_origin $portal_cors_expose {")
	p("    default \"*\";")
	p("    \"\" \"\";")
	p("}")
	p("# A CORS preflight carries no key: answered before the key check, for the portal's origin only.")
	p("map \"$request_method $portal_cors_origin $http_access_control_request_method\" $portal_preflight {")
	p("    default 0;")
	p("    \"~^OPTIONS \\S+ \\S+$\" 1;")
	p("}")
	listen := fmt.Sprint(c.ListenPort)
	if c.ListenHost != "" {
		listen = c.ListenHost + ":" + listen
	}
	for _, group := range c.hostGroups() {
		p("")
		p("server {")
		p("    listen %s;", listen)
		if h := group[0].Host; h != "" {
			p("    server_name %s;", h)
		} else {
			p("    # APIs served on any host. If another server is the default for this port,")
			p("    # name this one (server_name) or move these locations there.")
			p("    server_name _;")
		}
		p("    # Header names with underscores (petstore's api_key) are dropped otherwise.")
		p("    # nginx reads this from the port's default server: set it there too.")
		p("    underscores_in_headers on;")
		for _, r := range group {
			c.nginxRoute(p, r)
		}
		p("")
		p("    # Kong's bodies: the validator's message comes back in X-Portal-Message.")
		p("    location @portal_401 {")
		p("        default_type application/json;")
		p("        # (auth_request passes the validator's WWW-Authenticate on.)")
		nginxCORS(p, "        ")
		p("        return 401 '{\"message\":\"$portal_message\"}\\n';")
		p("    }")
		p("    location @portal_403 {")
		p("        default_type application/json;")
		nginxCORS(p, "        ")
		p("        return 403 '{\"message\":\"$portal_message\"}\\n';")
		p("    }")
		p("    # auth_request turns every other answer (the validator's 503, or none: it is")
		p("    # down) into 500. Fail closed, and say so as the validator would.")
		p("    location @portal_503 {")
		p("        default_type application/json;")
		p("        add_header Retry-After 1 always;")
		nginxCORS(p, "        ")
		p("        return 503 '{\"message\":\"The key cannot be checked right now; try again\"}\\n';")
		p("    }")
		p("}")
	}
}

func nginxCORS(p func(string, ...any), indent string) {
	p(indent + "add_header Access-Control-Allow-Origin $portal_cors_origin always;")
	p(indent + "add_header Vary Origin always;")
}

func (c *conf) nginxRoute(p func(string, ...any), r Route) {
	p("")
	p("    # %s: %s", r.Slug, r.Auth())
	p("    location %s {", r.Prefix)
	p("        if ($portal_preflight) {")
	p("            add_header Access-Control-Allow-Origin $portal_cors_origin always;")
	p("            add_header Access-Control-Allow-Methods %q always;", corsMethods)
	p("            add_header Access-Control-Allow-Headers %q always;", corsHeaders(r.KeyNames))
	p("            add_header Access-Control-Max-Age %d always;", corsMaxAge)
	p("            add_header Vary Origin always;")
	p("            return 204;")
	p("        }")
	p("        auth_request /.portal/validate/%s;", r.Slug)
	p("        auth_request_set $portal_message $upstream_http_x_portal_message;")
	for _, h := range FromValidator {
		p("        auth_request_set $portal_%s $upstream_http_%s;", nginxVar(h), nginxVar(h))
	}
	p("        error_page 401 = @portal_401;")
	p("        error_page 403 = @portal_403;")
	p("        error_page 500 = @portal_503;")
	p("")
	p("        proxy_pass %s://portal_api_%s%s;", r.Upstream.Scheme, r.ID(), r.UpstreamPath())
	p("        proxy_http_version 1.1;")
	p("        proxy_set_header Connection \"\";")
	p("        proxy_set_header Host %s;", r.Upstream.Host)
	if r.Upstream.Scheme == "https" {
		p("        proxy_ssl_server_name on;")
		p("        proxy_ssl_name %s;", r.Upstream.Hostname())
	}
	p("        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;")
	p("        proxy_set_header X-Forwarded-Proto $scheme;")
	p("        proxy_set_header X-Forwarded-Host $host;")
	p("        # Identity comes from the validator alone; a client's is dropped.")
	for _, h := range IdentityHeaders {
		v := "\"\""
		if contains(FromValidator, h) {
			v = "$portal_" + nginxVar(h)
		}
		p("        proxy_set_header %s %s;", h, v)
	}
	p("        # The key stays here.")
	for _, k := range r.KeyNames {
		p("        proxy_set_header %s \"\";", k)
	}
	if r.KeyInQuery {
		p("        # The key may also come in the query (?%s=…); nginx passes the query on as it is.", r.KeyNames[0])
	}
	p("        # The gateway owns CORS: the upstream's own headers are dropped.")
	for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age"} {
		p("        proxy_hide_header %s;", h)
	}
	nginxCORS(p, "        ")
	p("        add_header Access-Control-Expose-Headers $portal_cors_expose always;")
	p("    }")
	p("    location = /.portal/validate/%s {", r.Slug)
	p("        internal;")
	p("        proxy_pass http://portal_validate%s;", c.ValidateURL.EscapedPath())
	p("        proxy_http_version 1.1;")
	p("        proxy_set_header Connection \"\";")
	p("        proxy_pass_request_body off;")
	p("        proxy_set_header Content-Length \"\";")
	p("        # The gateway names the API and the URI; a client's headers of the same names are replaced.")
	p("        proxy_set_header X-Portal-API %s;", r.Slug)
	p("        proxy_set_header X-Original-URI $request_uri;")
	p("        proxy_set_header X-Forwarded-Uri \"\";")
	p("        proxy_set_header X-Forwarded-Host $host;")
	p("        proxy_set_header X-Forwarded-Method $request_method;")
	p("        proxy_connect_timeout 2s;")
	p("        proxy_read_timeout 5s;")
	p("    }")
}

// nginxVar is a header name as nginx's $upstream_http_ variables spell it.
func nginxVar(h string) string { return strings.ReplaceAll(strings.ToLower(h), "-", "_") }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

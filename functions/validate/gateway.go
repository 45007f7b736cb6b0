package validate

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// Gateway is the local gateway of `portal serve`: /gateway/{slug}/… goes
// to the API's upstream after the same decision as /validate. The key is
// removed before forwarding, the consumer headers are set (whatever the
// client sent in their place), and CORS is answered for the portal's
// origin so that try-it works from the portal's pages.
type Gateway struct {
	Gate   *Gate
	Prefix string // "/gateway/"
	Origin string // the portal's origin, e.g. http://127.0.0.1:8080
	// Local serves upstreams named instead of a URL ("httpbin"), given the
	// path after the API's prefix.
	Local map[string]http.Handler
}

// consumerHeaders are set by the gateway only.
var consumerHeaders = []string{"X-Consumer-ID", "X-Consumer-Username", "X-Consumer-Custom-ID", "X-Application-ID", "X-Credential-Identifier", "X-Anonymous-Consumer"}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, g.Prefix)
	slug, sub, _ := strings.Cut(rest, "/")
	api, s, err := g.Gate.API(r.Context(), slug, "")
	g.cors(w, r, s.KeyNames)
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch {
	case err == ErrNoAPI:
		WriteDecision(w, Decision{Status: http.StatusNotFound, Message: "No API is published at " + g.Prefix + slug + "/"})
		return
	case err != nil:
		WriteDecision(w, Decision{Status: http.StatusServiceUnavailable, Message: MsgDown})
		return
	}
	q := r.URL.Query()
	for _, h := range consumerHeaders {
		r.Header.Del(h)
	}
	if api.AuthStrategyID != "" {
		d := g.Gate.Check(r.Context(), api, s, r.Header, q)
		if !d.Allowed() {
			WriteDecision(w, d)
			return
		}
		for _, n := range s.KeyNames {
			r.Header.Del(n)
			if s.KeyInQuery {
				q.Del(n)
			}
		}
		r.Header.Set("X-Consumer-ID", d.ConsumerID)
		r.Header.Set("X-Application-ID", d.ApplicationID)
		r.Header.Set("X-Credential-Identifier", d.CredentialID)
	}
	r.URL.RawQuery = q.Encode()
	if h, ok := g.Local[api.UpstreamURL]; ok {
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = "/"+sub, ""
		r2.RequestURI = r2.URL.RequestURI()
		h.ServeHTTP(w, r2)
		return
	}
	target, err := url.Parse(api.UpstreamURL)
	if err != nil || target.Scheme == "" {
		WriteDecision(w, Decision{Status: http.StatusBadGateway, Message: "The API has no upstream; set upstream_url in portal.yaml"})
		return
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.URL.Path = strings.TrimSuffix(target.Path, "/") + "/" + sub
		pr.Out.URL.RawPath = ""
		pr.SetXForwarded()
	}}
	proxy.ServeHTTP(w, r)
}

// cors answers the portal's own origin, with the strategy's key headers
// allowed in preflight.
func (g *Gateway) cors(w http.ResponseWriter, r *http.Request, keyNames []string) {
	origin := r.Header.Get("Origin")
	if origin == "" || origin != g.Origin {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Expose-Headers", "*")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS")
		allow := append([]string{"Content-Type", "Authorization"}, keyNames...)
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			allow = append(allow, req)
		}
		h.Set("Access-Control-Allow-Headers", strings.Join(allow, ", "))
		h.Set("Access-Control-Max-Age", "600")
	}
}

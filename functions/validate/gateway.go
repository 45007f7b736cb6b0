package validate

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
)

// Gateway is the local gateway of `portal serve`: /gateway/{slug}/… goes
// to the API's upstream after the same decision as /validate. The path is
// normalised as /validate normalises a forwarded one (and refused where it
// cannot be); the key and the portal's own cookies are removed before
// forwarding; the consumer headers are set (whatever the client sent in
// their place); and the gateway owns CORS: the upstream's CORS headers are
// dropped and the portal's origin alone is answered, never with
// credentials.
type Gateway struct {
	Gate   *Gate
	Prefix string // "/gateway/"
	Origin string // the portal's origin, e.g. http://127.0.0.1:8080
	// Cookies are the portal's own cookies (the session's): a browser
	// sends them to the gateway on the portal's origin, and no upstream
	// may receive them.
	Cookies []string
	// Local serves upstreams named instead of a URL ("httpbin"), given the
	// path after the API's prefix.
	Local map[string]http.Handler
}

// consumerHeaders are set by the gateway only.
var consumerHeaders = []string{"X-Consumer-ID", "X-Consumer-Username", "X-Consumer-Custom-ID", "X-Application-ID", "X-Credential-Identifier", "X-Anonymous-Consumer"}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, err := NormalizePath(r.URL.EscapedPath())
	if err != nil {
		WriteDecision(w, Decision{Status: http.StatusBadRequest, Message: "The request path cannot be checked safely; it has an encoded slash, a backslash, a control character, a bad escape or dot segments above the root"})
		return
	}
	rest := strings.TrimPrefix(path, g.Prefix)
	slug, sub, _ := strings.Cut(rest, "/")
	api, s, err := g.Gate.API(r.Context(), slug, "", "")
	oc := &ownCORS{ResponseWriter: w}
	w = oc
	g.cors(w.Header(), r, s.KeyNames)
	oc.snapshot()
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
	if d.Anonymous {
		r.Header.Set("X-Anonymous-Consumer", "true")
	} else {
		r.Header.Set("X-Consumer-ID", d.ConsumerID)
		r.Header.Set("X-Application-ID", d.ApplicationID)
		r.Header.Set("X-Credential-Identifier", d.CredentialID)
	}
	DropCookies(r.Header, g.Cookies)
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
// allowed in preflight. Credentials are never allowed: keys travel in
// headers, and the portal's cookies are not for upstreams.
func (g *Gateway) cors(h http.Header, r *http.Request, keyNames []string) {
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || origin != g.Origin {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
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

// DropCookies removes the named cookies from a request's Cookie headers,
// keeping the others in order.
func DropCookies(h http.Header, names []string) {
	if len(names) == 0 || len(h["Cookie"]) == 0 {
		return
	}
	var kept []string
	for _, line := range h["Cookie"] {
		for _, c := range strings.Split(line, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(c), "=")
			if name == "" || slices.Contains(names, name) {
				continue
			}
			kept = append(kept, strings.TrimSpace(c))
		}
	}
	if len(kept) == 0 {
		h.Del("Cookie")
		return
	}
	h["Cookie"] = []string{strings.Join(kept, "; ")}
}

// ownCORS keeps an upstream's CORS headers out of the answer: the gateway
// set its own before the upstream ran, and those stand.
type ownCORS struct {
	http.ResponseWriter
	mine  http.Header
	wrote bool
}

func (o *ownCORS) WriteHeader(code int) {
	if !o.wrote {
		o.wrote = true
		o.filter()
	}
	o.ResponseWriter.WriteHeader(code)
}

func (o *ownCORS) Write(b []byte) (int, error) {
	if !o.wrote {
		o.WriteHeader(http.StatusOK)
	}
	return o.ResponseWriter.Write(b)
}

// Flush lets streamed answers (httpbin's /stream, /drip) through.
func (o *ownCORS) Flush() {
	if !o.wrote {
		o.WriteHeader(http.StatusOK)
	}
	if f, ok := o.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the writer underneath.
func (o *ownCORS) Unwrap() http.ResponseWriter { return o.ResponseWriter }

// snapshot records the gateway's own CORS headers, before the upstream
// adds to the shared header map.
func (o *ownCORS) snapshot() {
	o.mine = http.Header{}
	for k, v := range o.ResponseWriter.Header() {
		if strings.HasPrefix(k, "Access-Control-") {
			o.mine[k] = slices.Clone(v)
		}
	}
}

// filter puts back exactly the gateway's CORS headers.
func (o *ownCORS) filter() {
	h := o.ResponseWriter.Header()
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	for k, v := range o.mine {
		h[k] = v
	}
}

// Upstream serves h, an upstream reached without a key (the httpbin under
// `portal serve`'s /upstream/), under the gateway's rules: CORS for the
// portal's origin only and without credentials, the upstream's own CORS
// headers dropped, and the portal's cookies kept from it.
func Upstream(h http.Handler, origin string, cookies []string) http.Handler {
	g := &Gateway{Origin: origin, Cookies: cookies}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		oc := &ownCORS{ResponseWriter: w}
		g.cors(oc.Header(), r, nil)
		oc.snapshot()
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			oc.WriteHeader(http.StatusNoContent)
			return
		}
		DropCookies(r.Header, cookies)
		h.ServeHTTP(oc, r)
	})
}

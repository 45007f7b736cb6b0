package validate_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkForwardAuthHit is one /validate request answered from the
// cache, without the network: the validator's own cost per request.
func BenchmarkForwardAuthHit(b *testing.B) {
	benchForwardAuth(b, "X-Portal-API", "httpbin")
}

// BenchmarkForwardAuthHitByRoute is the same with the API found from the
// forwarded URI (Traefik's and Caddy's way): the path is normalised and
// matched on every request.
func BenchmarkForwardAuthHitByRoute(b *testing.B) {
	benchForwardAuth(b, "X-Forwarded-Uri", "/gateway/httpbin/anything/deeper/path?x=1&y=2")
}

// benchForwardAuth measures cached /validate requests that name their API
// with the header name: value.
func benchForwardAuth(b *testing.B, name, value string) {
	f := setupB(b, b)
	h := f.gate.ForwardAuth()
	req := httptest.NewRequest("GET", "/validate", nil)
	req.Header.Set("apikey", f.key)
	req.Header.Set(name, value)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("warm-up = %d", w.Code)
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
	}
}

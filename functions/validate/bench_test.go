package validate_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkForwardAuthHit is one /validate request answered from the
// cache, without the network: the validator's own cost per request.
func BenchmarkForwardAuthHit(b *testing.B) {
	f := setupB(b, b)
	h := f.gate.ForwardAuth()
	req := httptest.NewRequest("GET", "/validate", nil)
	req.Header.Set("apikey", f.key)
	req.Header.Set("X-Portal-API", "httpbin")
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

package access

import (
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/catalog"
)

// BenchmarkVerify is the Go verifier's time per cookie (make bench sets it
// beside the edge verifiers' under Node and Deno).
func BenchmarkVerify(b *testing.B) {
	token, err := Issue(testKey, Grant{Developer: "dev-1", APIs: []string{"payments", "ledger"}, Pages: true}, testNow, 10*time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(testKey, token, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecide is a whole gate decision on a private path.
func BenchmarkDecide(b *testing.B) {
	token, err := Issue(testKey, Grant{Developer: "dev-1", APIs: []string{"payments"}, Pages: true}, testNow, 10*time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	gate := NewGate([]catalog.GateRule{{Prefix: "/", Need: "pages"}, {Prefix: "/login/"}, {Prefix: "/apis/payments/", Need: "api:payments"}}, testKey)
	b.ReportAllocs()
	for b.Loop() {
		if d := gate.Decide("/apis/payments/reference/create-payment/", token, testNow); d != Allow {
			b.Fatal(d)
		}
	}
}

package httpapi_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/httpapi/apitest"
)

func BenchmarkBolt(b *testing.B) {
	apitest.BenchStore(b, openBolt(b, b.TempDir()))
}

// BenchmarkForgotPassword reports the median time to the answer of
// forgot-password for a known and an unknown address, interleaved so that
// both see the same machine load: the two must not differ, or the timing
// tells which addresses have accounts.
func BenchmarkForgotPassword(b *testing.B) {
	e := setup(b)
	e.signUp("known@example.com")
	var known, unknown []time.Duration
	for i := 0; b.Loop(); i++ {
		email, lat := "known@example.com", &known
		if i%2 == 1 {
			email, lat = fmt.Sprintf("nobody%d@example.com", i), &unknown
		}
		t := time.Now()
		want(b, e.do(nil, "POST", "/api/v3/developer/forgot-password", map[string]string{"email": email}), 204)
		*lat = append(*lat, time.Since(t))
		// Untimed: let the work after the answer finish, and move on so
		// far that the mail limit never spares a known address the work.
		e.srv.WaitAnswered()
		e.clock.Add(21 * time.Minute)
	}
	for name, lat := range map[string][]time.Duration{"known": known, "unknown": unknown} {
		if len(lat) == 0 {
			continue
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), name+"-p50-µs")
	}
}

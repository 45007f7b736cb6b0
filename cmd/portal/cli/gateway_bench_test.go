package cli

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/portal"
)

// withoutAuth is a generated configuration with its key check taken out
// and nothing else changed: the same gateway, proxying without auth.
func withoutAuth(kind, conf string) string {
	var out []string
	skip := 0
	for _, line := range strings.Split(conf, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case skip > 0:
			skip += strings.Count(t, "{") - strings.Count(t, "}")
			continue
		case kind == "caddy" && strings.HasPrefix(t, "forward_auth "):
			skip = 1
			continue
		case kind == "nginx" && (strings.HasPrefix(t, "auth_request ") || strings.HasPrefix(t, "error_page ")):
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// BenchmarkGateways measures what the key check adds to a call through
// real nginx and Caddy: the same request, on one kept-alive connection,
// through the generated configuration and through the same configuration
// without its auth step, alternating, on loopback, to portal serve's
// httpbin. It reports p50 and p99 of both and the difference (the goal:
// at most 300 µs added at p50).
func BenchmarkGateways(b *testing.B) {
	s, base := portalForGateways(b)
	for _, kind := range []string{"nginx", "caddy"} {
		b.Run(kind, func(b *testing.B) {
			c := newConsumer(b, s.Store(), fmt.Sprintf("bench-%s-%d", kind, time.Now().UnixNano()), map[string]portal.RegistrationStatus{"httpbin": portal.RegistrationApproved})
			authPort, barePort := freePort(b), freePort(b)
			auth := startGateway(b, kind, gatewayConfig(b, kind, base+"/validate", authPort), authPort)
			bare := startGateway(b, kind, withoutAuth(kind, gatewayConfig(b, kind, base+"/validate", barePort)), barePort)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}}
			call := func(gw string) time.Duration {
				req, _ := http.NewRequest("GET", gw+"/gateway/httpbin/get", nil)
				req.Header.Set("apikey", c.key)
				start := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				d := time.Since(start)
				if res.StatusCode != 200 {
					b.Fatalf("%s: %d", gw, res.StatusCode)
				}
				return d
			}
			for range 200 { // warm: connections, caches, the validator's decision
				call(auth)
				call(bare)
			}
			with, without := make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				with = append(with, call(auth))
				without = append(without, call(bare))
			}
			b.StopTimer()
			slices.Sort(with)
			slices.Sort(without)
			q := func(d []time.Duration, p float64) float64 {
				return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds())
			}
			b.ReportMetric(q(with, .5), "auth-p50-µs")
			b.ReportMetric(q(with, .99), "auth-p99-µs")
			b.ReportMetric(q(without, .5), "bare-p50-µs")
			b.ReportMetric(q(without, .99), "bare-p99-µs")
			b.ReportMetric(q(with, .5)-q(without, .5), "added-p50-µs")
			b.ReportMetric(q(with, .99)-q(without, .99), "added-p99-µs")
			b.ReportMetric(0, "ns/op")
			if testing.Verbose() {
				fmt.Printf("%s: added p50 %.0f µs, p99 %.0f µs\n", kind, q(with, .5)-q(without, .5), q(with, .99)-q(without, .99))
			}
		})
	}
}

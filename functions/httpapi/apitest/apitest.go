// Package apitest holds benchmarks of the HTTP API that every store runs,
// and the mailer the API's tests share.
package apitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
)

const goodPassword = "vX9#qLm2-river"

// Mailer is a mailer for tests: links point at baseURL, and the mail
// goes to an outbox in dir/outbox, one .eml file a message.
func Mailer(t testing.TB, dir, baseURL string) *mail.Mailer {
	t.Helper()
	ob, err := mail.NewOutbox(filepath.Join(dir, "outbox"), io.Discard, "Portal <portal@localhost>")
	if err != nil {
		t.Fatal(err)
	}
	mailer, err := mail.New(mail.Config{BaseURL: baseURL, PortalName: "Acme"}, nil, ob)
	if err != nil {
		t.Fatal(err)
	}
	return mailer
}

// BenchStore runs the login and me benchmarks (p50 and p99 latency through
// HTTP on loopback) on a store.
func BenchStore(b *testing.B, st portal.FullStore) {
	srv, err := httpapi.New(st, Mailer(b, b.TempDir(), "http://127.0.0.1:8080"), nil, httpapi.Config{
		BaseURL: "http://127.0.0.1:8080", Defaults: portal.Settings{Name: "acme", AutoApproveDevelopers: true},
		Password: password.Default, // the real cost: login latency is mostly argon2id
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	ctx := context.Background()
	hash, _ := password.Hash(goodPassword, password.Default)
	now := time.Now().UTC()
	d := portal.Developer{ID: "bench-dev", Email: "bench@example.com", FullName: "Bench", PasswordHash: hash, Status: portal.StatusApproved, EmailVerified: true, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateDeveloper(ctx, d, portal.AuditEvent{ID: "bench-ev", At: now, Action: "developer.created", Subject: d.ID}); err != nil {
		b.Fatal(err)
	}
	login := func() (*http.Response, error) {
		return http.Post(hs.URL+"/api/v3/developer/authenticate", "application/json",
			bytes.NewReader([]byte(`{"username":"bench@example.com","password":"`+goodPassword+`"}`)))
	}
	b.Run("login", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			t := time.Now()
			res, err := login()
			if err != nil || res.StatusCode != 204 {
				b.Fatalf("login: %v %v", err, res)
			}
			res.Body.Close()
			lat = append(lat, time.Since(t))
		}
		report(b, lat)
	})
	b.Run("me", func(b *testing.B) {
		res, err := login()
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		cookie := res.Cookies()[0]
		req, _ := http.NewRequest("GET", hs.URL+"/api/v3/developer/me", nil)
		req.AddCookie(cookie)
		var lat []time.Duration
		for b.Loop() {
			t := time.Now()
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("me: %v %v", err, res)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			lat = append(lat, time.Since(t))
		}
		report(b, lat)
	})
}

// report adds p50 and p99 latencies to the benchmark's output.
func report(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

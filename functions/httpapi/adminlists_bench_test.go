package httpapi_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/portal"
)

// BenchmarkAdminLists measures the console's list pages through the HTTP
// API on the embedded store with 5,000 developers and 20,000
// registrations (5,000 applications, each registered to 4 APIs): a
// developers page (first and late, and a search), registrations filtered
// by status (first and late pages, names embedded) and the audit log.
// Each reports its p50 and p99 (goal: p50 under 50 ms).
func BenchmarkAdminLists(b *testing.B) {
	dir := b.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		// Seeding is 30,000 write transactions: on tmpfs their fsyncs are
		// free. The reads measured below are the same on any disk once
		// the file is in the page cache.
		d, err := os.MkdirTemp("/dev/shm", "portal-bench-")
		if err == nil {
			dir = d
			b.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	st := openBolt(b, dir)
	e := setupWith(b, st, filepath.Join(dir, "mail"), testClock())
	ctx := context.Background()
	start := time.Now()
	at := testClock().Add(-24 * time.Hour)
	ev := func(action, subject string) portal.AuditEvent {
		at = at.Add(time.Millisecond)
		return portal.AuditEvent{ID: fmt.Sprint(action, subject), At: at, Actor: "admin:bench", Action: action, Subject: subject}
	}
	var apis []portal.API
	for i := range 4 {
		apis = append(apis, portal.API{ID: fmt.Sprintf("api-%d", i), Slug: fmt.Sprintf("api%d", i), Name: fmt.Sprintf("API %d", i), Version: "1", Visibility: "public", RoutePrefix: fmt.Sprintf("/gateway/api%d/", i)})
	}
	if _, err := st.PublishAPIs(ctx, apis, ev("catalog.published", "")); err != nil {
		b.Fatal(err)
	}
	statuses := []portal.RegistrationStatus{portal.RegistrationPending, portal.RegistrationApproved, portal.RegistrationApproved, portal.RegistrationRejected}
	for i := range 5000 {
		d := portal.Developer{ID: fmt.Sprintf("dev-%05d", i), Email: fmt.Sprintf("dev%05d@example.com", i), FullName: fmt.Sprintf("Developer %05d", i),
			Status: portal.StatusApproved, EmailVerified: true, CreatedAt: at, PasswordHash: "x"}
		if i%10 == 0 {
			d.Status = portal.StatusPending
		}
		if err := st.CreateDeveloper(ctx, d, ev("developer.created", d.ID)); err != nil {
			b.Fatal(err)
		}
		a := portal.Application{ID: fmt.Sprintf("app-%05d", i), Name: fmt.Sprintf("App %05d", i), DeveloperID: d.ID, AuthStrategyID: portal.DefaultAuthStrategyID, CreatedAt: at}
		if err := st.CreateApplication(ctx, a, ev("application.created", a.ID)); err != nil {
			b.Fatal(err)
		}
		for j, api := range apis {
			r := portal.Registration{ID: fmt.Sprintf("reg-%05d-%d", i, j), ApplicationID: a.ID, APIID: api.ID, Status: statuses[(i+j)%4], CreatedAt: at}
			if err := st.CreateRegistration(ctx, r, ev("registration.created", r.ID)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Logf("seeded 5,000 developers, 5,000 applications, 20,000 registrations and 30,001 audit events in %v", time.Since(start).Round(time.Second))
	p := "/v3/portals/" + e.portalID()
	for _, c := range []struct{ name, path string }{
		{"developers/page-1", p + "/developers"},
		{"developers/page-250-of-250", p + "/developers?page[number]=250"},
		{"developers/pending/page-25-of-25", p + "/developers?filter[status][eq]=pending&page[number]=25"},
		{"developers/search", p + "/developers?filter[q]=dev04999"},
		{"registrations/pending/page-1", p + "/application-registrations?filter[status][eq]=pending"},
		{"registrations/pending/page-250-of-250", p + "/application-registrations?filter[status][eq]=pending&page[number]=250"},
		{"registrations/page-1000-of-1000", p + "/application-registrations?page[number]=1000"},
		{"audit-events/page-1", "/v3/audit-events"},
		{"audit-events/by-action/page-1", "/v3/audit-events?filter[action][eq]=developer.created"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				t := time.Now()
				want(b, e.adminDo("GET", c.path, nil), 200)
				lat = append(lat, time.Since(t))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

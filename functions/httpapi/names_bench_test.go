package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/publish"
)

// BenchmarkRegistrationsPage reports the median time of the admin's
// registrations page with names on the embedded store, in its worst case:
// 100 registrations of 100 applications of 100 developers, so that every
// name is a read of its own.
func BenchmarkRegistrationsPage(b *testing.B) {
	e := setup(b)
	ctx := context.Background()
	st := e.store.(portal.FullStore)
	if _, err := publish.Publish(ctx, st, []byte(testCatalog), e.clock.Now()); err != nil {
		b.Fatal(err)
	}
	at := e.clock.Now()
	ev := portal.AuditEvent{At: at, Actor: "system", Action: "seeded"}
	for i := range 100 {
		d := portal.Developer{ID: fmt.Sprintf("dev-%03d", i), Email: fmt.Sprintf("dev%03d@example.com", i), FullName: "Dev", Status: portal.StatusApproved, CreatedAt: at, UpdatedAt: at}
		a := portal.Application{ID: fmt.Sprintf("app-%03d", i), Name: "App", DeveloperID: d.ID, AuthStrategyID: portal.DefaultAuthStrategyID, CreatedAt: at, UpdatedAt: at}
		r := portal.Registration{ID: fmt.Sprintf("reg-%03d", i), ApplicationID: a.ID, APIID: "api-pub", Status: portal.RegistrationPending, CreatedAt: at, UpdatedAt: at}
		if err := st.CreateDeveloper(ctx, d, ev); err != nil {
			b.Fatal(err)
		}
		if err := st.CreateApplication(ctx, a, ev); err != nil {
			b.Fatal(err)
		}
		if err := st.CreateRegistration(ctx, r, ev); err != nil {
			b.Fatal(err)
		}
	}
	pid := e.portalID()
	// The developers page, 100 rows read in one list and no names, is
	// the baseline the names' cost shows against.
	for name, path := range map[string]string{
		"registrations with names": "/v3/portals/" + pid + "/application-registrations?page[size]=100&filter[status][eq]=pending",
		"developers":               "/v3/portals/" + pid + "/developers?page[size]=100",
	} {
		b.Run(name, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				t := time.Now()
				a := e.adminDo("GET", path, nil)
				lat = append(lat, time.Since(t))
				if a.status != 200 || len(a.body) < 100*100 {
					b.Fatalf("GET %s = %d, %d bytes", path, a.status, len(a.body))
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		})
	}
}

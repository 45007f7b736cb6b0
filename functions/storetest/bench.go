package storetest

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/portal"
)

// validatorFixture stores what one key's validation reads: an approved
// developer in a team holding API Consumer on an API, an application with
// an approved registration to it, and a key.
type validatorFixture struct {
	dev  portal.Developer
	app  portal.Application
	api  portal.API
	cred portal.Credential
}

func (su suite) newValidatorFixture(b *testing.B, s portal.FullStore) validatorFixture {
	b.Helper()
	var f validatorFixture
	f.api = api("bench")
	if _, err := s.PublishAPIs(ctx, []portal.API{f.api}, su.event("catalog.published", "")); err != nil {
		b.Fatal(err)
	}
	f.dev = developer("bench@example.com", su.now())
	f.dev.Status = portal.StatusApproved
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(s.CreateDeveloper(ctx, f.dev, su.event("developer.created", f.dev.ID)))
	tm := portal.Team{ID: newID(), Name: "bench", CreatedAt: su.now()}
	must(s.CreateTeam(ctx, tm, su.event("team.created", tm.ID)))
	must(s.AddTeamMember(ctx, tm.ID, f.dev.ID, su.event("team.member_added", tm.ID)))
	must(s.AssignRole(ctx, su.role(tm.ID, portal.RoleAPIConsumer, f.api.ID), su.event("team.role_assigned", tm.ID)))
	f.app = application(f.dev.ID, "bench", su.now())
	must(s.CreateApplication(ctx, f.app, su.event("application.created", f.app.ID)))
	r := su.registration(f.app.ID, f.api.ID, portal.RegistrationApproved)
	must(s.CreateRegistration(ctx, r, su.event("registration.created", r.ID)))
	f.cred = su.credential(f.app.ID)
	must(s.CreateCredential(ctx, f.cred, su.event("credential.created", f.cred.ID)))
	return f
}

// BenchGetSession measures GetSession of a live session: the read behind
// every signed-in request.
func BenchGetSession(b *testing.B, s portal.FullStore) {
	now := time.Now().UTC()
	d := portal.Developer{ID: "d1", Email: "a@example.com", Status: portal.StatusApproved, CreatedAt: now}
	if err := s.CreateDeveloper(ctx, d, portal.AuditEvent{At: now}); err != nil {
		b.Fatal(err)
	}
	sess := portal.Session{Hash: strings.Repeat("ab", 32), DeveloperID: "d1", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateSession(ctx, sess); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.GetSession(ctx, sess.Hash, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchGetDeveloper measures GetDeveloper of a stored developer.
func BenchGetDeveloper(b *testing.B, s portal.FullStore) {
	d := portal.Developer{ID: "d1", Email: "a@example.com", FullName: "Ada", PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", Status: portal.StatusApproved, CreatedAt: time.Now().UTC()}
	if err := s.CreateDeveloper(ctx, d, portal.AuditEvent{At: d.CreatedAt}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.GetDeveloper(ctx, d.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchCredentialByHash measures GetCredentialByHash of a stored key.
func BenchCredentialByHash(b *testing.B, s portal.FullStore) {
	su := suite{clock: time.Now}
	f := su.newValidatorFixture(b, s)
	for b.Loop() {
		if _, err := s.GetCredentialByHash(ctx, f.cred.Hash); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchValidatorMiss measures the reads of one validation on a cache
// miss: the key, then its application, the developer, the registration
// and the developer's roles, one after the other (parallel false) or, as
// Credential.DeveloperID allows, all four at once. It reports p50 and p99
// of the whole.
func BenchValidatorMiss(b *testing.B, s portal.FullStore, parallel bool) {
	su := suite{clock: time.Now}
	f := su.newValidatorFixture(b, s)
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		c, err := s.GetCredentialByHash(ctx, f.cred.Hash)
		if err != nil {
			b.Fatal(err)
		}
		var errs [4]error
		var roles []portal.RoleAssignment
		reads := []func(){
			func() { _, errs[0] = s.GetApplication(ctx, c.ApplicationID) },
			func() { _, errs[1] = s.GetDeveloper(ctx, c.DeveloperID) },
			func() { _, errs[2] = s.FindRegistration(ctx, c.ApplicationID, f.api.ID) },
			func() { roles, errs[3] = s.ListDeveloperRoles(ctx, c.DeveloperID) },
		}
		if parallel {
			var wg sync.WaitGroup
			for _, r := range reads {
				wg.Go(r)
			}
			wg.Wait()
		} else {
			for _, r := range reads {
				r()
			}
		}
		if err := errors.Join(errs[:]...); err != nil || len(roles) != 1 {
			b.Fatalf("validator reads: %d roles, %v; want 1, nil", len(roles), err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}

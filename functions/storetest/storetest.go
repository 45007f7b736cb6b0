// Package storetest is the conformance suite for portal.Store
// implementations, in the manner of testing/fstest: an implementation's
// tests call Run with a constructor, and every method and invariant of the
// interface is checked, including under concurrency.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/portal-dev/portal/functions/portal"
)

// Run checks that the stores made by newStore implement portal.Store and
// portal.AppStore, with every time the suite hands a store taken from
// clock (time.Now, or a shifted clock to show that a store keeps no clock
// of its own). Each subtest gets its own empty store from newStore and
// runs in parallel with the others; newStore should close the store with
// t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) portal.FullStore, clock func() time.Time) {
	su := suite{clock: clock}
	tests := []struct {
		name string
		fn   func(su suite, t *testing.T, s portal.FullStore)
	}{
		{"CreateDeveloper", suite.testCreateDeveloper},
		{"CreateDeveloperDuplicate", suite.testCreateDeveloperDuplicate},
		{"CreateDeveloperConcurrentEmail", suite.testCreateDeveloperConcurrentEmail},
		{"UpdateDeveloper", suite.testUpdateDeveloper},
		{"SetDeveloperStatus", suite.testSetDeveloperStatus},
		{"SetDeveloperStatusConcurrent", suite.testSetDeveloperStatusConcurrent},
		{"DeleteDeveloper", suite.testDeleteDeveloper},
		{"ListDevelopers", suite.testListDevelopers},
		{"Tokens", suite.testTokens},
		{"TokensConcurrentConsume", suite.testTokensConcurrentConsume},
		{"TokensSuperseded", suite.testTokensSuperseded},
		{"TokensSupersededConcurrent", suite.testTokensSupersededConcurrent},
		{"Sessions", suite.testSessions},
		{"DeleteDeveloperSessions", suite.testDeleteDeveloperSessions},
		{"LoginFailures", suite.testLoginFailures},
		{"MailSlots", suite.testMailSlots},
		{"MailSlotsConcurrent", suite.testMailSlotsConcurrent},
		{"Settings", suite.testSettings},
		{"AccessKey", suite.testAccessKey},
		{"AccessKeyConcurrent", suite.testAccessKeyConcurrent},
		{"Teams", suite.testTeams},
		{"ListTeams", suite.testListTeams},
		{"TeamMembers", suite.testTeamMembers},
		{"TeamMembersConcurrent", suite.testTeamMembersConcurrent},
		{"ListTeamMembers", suite.testListTeamMembers},
		{"Roles", suite.testRoles},
		{"DeleteTeam", suite.testDeleteTeam},
		{"AdminTokens", suite.testAdminTokens},
		{"AuditEvents", suite.testAuditEvents},
		{"PublishAPIs", suite.testPublishAPIs},
		{"TeamApplications", suite.testTeamApplications},
		{"PublishAPIsRemovesRegistrations", suite.testPublishAPIsRemovesRegistrations},
		{"PublishAPIsConcurrent", suite.testPublishAPIsConcurrent},
		{"AuthStrategies", suite.testAuthStrategies},
		{"Applications", suite.testApplications},
		{"ListApplications", suite.testListApplications},
		{"ApplicationLimitConcurrent", suite.testApplicationLimitConcurrent},
		{"Registrations", suite.testRegistrations},
		{"RegistrationsConcurrent", suite.testRegistrationsConcurrent},
		{"ListAllRegistrations", suite.testListAllRegistrations},
		{"RegistrationStatus", suite.testRegistrationStatus},
		{"RegistrationStatusConcurrent", suite.testRegistrationStatusConcurrent},
		{"Credentials", suite.testCredentials},
		{"CredentialLimitConcurrent", suite.testCredentialLimitConcurrent},
		{"CredentialHashConcurrent", suite.testCredentialHashConcurrent},
		{"DeleteApplication", suite.testDeleteApplication},
		{"DeleteDeveloperApplications", suite.testDeleteDeveloperApplications},
		{"DeveloperRoles", suite.testDeveloperRoles},
		{"AdminUsers", suite.testAdminUsers},
		{"AdminUsersConcurrentEmail", suite.testAdminUsersConcurrentEmail},
		{"AdminUserDisable", suite.testAdminUserDisable},
		{"AdminUsersDisableEachOther", suite.testAdminUsersDisableEachOther},
		{"AdminUserPassword", suite.testAdminUserPassword},
		{"ListAllAuditEvents", suite.testListAllAuditEvents},
		{"SearchDevelopers", suite.testSearchDevelopers},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(su, t, newStore(t))
		})
	}
}

// farPage is a page number from the security audit (issue 9): times 100
// it overflows int64.
const farPage = 92233720368547760

// concurrency is how many goroutines race in the concurrency tests.
const concurrency = 20

var ctx = context.Background()

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// suite is one run of the conformance suite on one clock. Stores have no
// clock of their own, so every time they see comes from here.
type suite struct{ clock func() time.Time }

// now is the suite clock's time without a monotonic reading, as stores
// return it.
func (su suite) now() time.Time { return su.clock().UTC() }

func (su suite) event(action, subject string) portal.AuditEvent {
	return portal.AuditEvent{
		ID:      newID(),
		At:      su.now(),
		Actor:   "admin:test",
		Action:  action,
		Subject: subject,
		Detail:  map[string]string{"case": action},
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if !portal.IsCode(err, code) {
		t.Errorf("%s = %v, want error with code %s", what, err, code)
	}
}

// paged is one page asked of a paged listing: what the page should hold
// and the total the listing should report.
type paged[T any] struct {
	p     portal.Page
	want  []T
	total int
}

// checkPages asks list for each page; name names the listing in errors.
func checkPages[T any](t *testing.T, name string, list func(portal.Page) ([]T, int, error), pages []paged[T]) {
	t.Helper()
	for _, pg := range pages {
		got, total, err := list(pg.p)
		what := fmt.Sprintf("%s(%+v)", name, pg.p)
		wantNil(t, what, err)
		if total != pg.total {
			t.Errorf("%s total = %d, want %d", what, total, pg.total)
		}
		if diff := cmp.Diff(pg.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}
}

// wantWritten checks what a write (what) returned, and what read returns
// after it, against want.
func wantWritten[T any](t *testing.T, what string, want, got T, read func() (T, error)) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
	stored, err := read()
	wantGot(t, what+", read back", want, stored, err)
}

// wantGot checks a call (what) that returned got and err: no error, and
// got equal to want under opts.
func wantGot[T any](t *testing.T, what string, want, got T, err error, opts ...cmp.Option) {
	t.Helper()
	wantNil(t, what, err)
	if diff := cmp.Diff(want, got, opts...); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

func wantNil(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s = %v, want nil", what, err)
	}
}

// auditActions lists the actions of the audit events about subject.
func auditActions(t *testing.T, s portal.Store, subject string) []string {
	t.Helper()
	evs, err := s.ListAuditEvents(ctx, subject)
	wantNil(t, "ListAuditEvents("+subject+")", err)
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	return actions
}

func wantAudit(t *testing.T, s portal.Store, subject string, want ...string) {
	t.Helper()
	got := auditActions(t, s, subject)
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ListAuditEvents(%s) actions (-want +got):\n%s", subject, diff)
	}
}

func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func devID(d portal.Developer) string { return d.ID }
func teamID(t portal.Team) string     { return t.ID }

// race runs fn concurrently n times, released together, and returns the
// errors by goroutine index.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			errs[i] = fn(i)
		})
	}
	start.Done()
	done.Wait()
	return errs
}

// oneWinner checks that exactly one error is nil and the others carry
// code, and returns the winner's index.
func oneWinner(t *testing.T, what string, errs []error, code string) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("%s: calls %d and %d both succeeded, want exactly one", what, winner, i)
		case err == nil:
			winner = i
		case !portal.IsCode(err, code):
			t.Errorf("%s: call %d = %v, want nil or code %s", what, i, err, code)
		}
	}
	if winner < 0 {
		t.Fatalf("%s: no call succeeded, want exactly one", what)
	}
	return winner
}

// Shifted returns a clock d ahead of the wall clock (behind when d < 0).
// Running the suite on it shows that a store takes every time from its
// caller: a store that looked at the wall clock would see the suite's
// sessions and tokens expire too early or live too long.
func Shifted(d time.Duration) func() time.Time {
	return func() time.Time { return time.Now().Add(d) }
}

// Shifts are the clocks a store's conformance test runs the suite on:
// today, a year ahead and a year behind.
var Shifts = []struct {
	Name  string
	Shift time.Duration
}{
	{"today", 0},
	{"a year ahead", 365 * 24 * time.Hour},
	{"a year behind", -365 * 24 * time.Hour},
}

// fill runs n calls of fn on a few goroutines and fails the test on an
// error: setup for the limit tests, not a check.
func fill(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	const workers = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				errs[i] = fn(i)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("setup call %d = %v, want nil", i, err)
		}
	}
}

// countWinners checks that exactly want of errs are nil and the others
// carry code, and returns the winners' indexes.
func countWinners(t *testing.T, what string, errs []error, want int, code string) []int {
	t.Helper()
	var won []int
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, i)
		case !portal.IsCode(err, code):
			t.Errorf("%s: call %d = %v, want nil or code %s", what, i, err, code)
		}
	}
	if len(won) != want {
		t.Errorf("%s: %d calls succeeded, want exactly %d", what, len(won), want)
	}
	return won
}

package storetest_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/boltstore/bolttest"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/storetest"
)

// mutantEnv names the mutant a child test process runs the suite against.
const mutantEnv = "STORETEST_MUTANT"

// mutants break one promise of portal.Store each, on top of a correct
// store; the suite must fail the named subtests for every one of them.
var mutants = map[string]struct {
	wrap func(portal.FullStore) portal.FullStore
	fail []string
}{
	"stale version accepted": {
		wrap[staleOK],
		[]string{"UpdateDeveloper"},
	},
	"status from anywhere": {
		wrap[anyStatus],
		[]string{"SetDeveloperStatus", "SetDeveloperStatusConcurrent"},
	},
	"audit event lost": {
		wrap[auditLost],
		[]string{"CreateDeveloper", "CreateDeveloperConcurrentEmail"},
	},
	// Only the sequential test: under concurrency the re-put races the
	// other consumers, so whether they see the token is up to timing.
	"token reusable": {
		wrap[tokenReuse],
		[]string{"Tokens"},
	},
	// A store that never voids a developer's older links: each token is
	// stored under a developer id of its own.
	"superseded token alive": {
		func(s portal.FullStore) portal.FullStore {
			return &tokensPile{FullStore: s, owner: map[string]string{}}
		},
		[]string{"TokensSuperseded", "TokensSupersededConcurrent"},
	},
	"expired session alive": {
		wrap[sessionAlive],
		[]string{"Sessions"},
	},
	// A store that judges sessions by its own (wall) clock instead of the
	// caller's: caught by the explicit expiry checks, whatever the date.
	"session liveness by the wall clock": {
		wrap[wallClockSessions],
		[]string{"Sessions"},
	},
	"no paging": {
		wrap[noPaging],
		[]string{"ListDevelopers"},
	},
	"login window too wide": {
		wrap[wideWindow],
		[]string{"LoginFailures"},
	},
	// A store that allows one mail too many (an off-by-one in the count).
	"mail limit off by one": {
		wrap[mailOffByOne],
		[]string{"MailSlots", "MailSlotsConcurrent"},
	},
	"duplicate membership accepted": {
		wrap[dupMember],
		[]string{"TeamMembers", "TeamMembersConcurrent"},
	},
	"application limit not enforced": {
		wrap[appLimitOff],
		[]string{"ApplicationLimitConcurrent"},
	},
	"credential limit not enforced": {
		wrap[credLimitOff],
		[]string{"CredentialLimitConcurrent"},
	},
	"credential outlives its application": {
		func(s portal.FullStore) portal.FullStore { return &keyOutlives{FullStore: s} },
		[]string{"DeleteApplication", "DeleteDeveloperApplications", "Credentials"},
	},
	"registrations outlive their application": {
		func(s portal.FullStore) portal.FullStore { return &regsOutlive{FullStore: s} },
		[]string{"DeleteApplication"},
	},
	"duplicate registration accepted": {
		wrap[dupRegistration],
		[]string{"Registrations", "RegistrationsConcurrent"},
	},
	"registration status from anywhere": {
		wrap[anyRegStatus],
		[]string{"RegistrationStatus", "RegistrationStatusConcurrent"},
	},
	"publish not idempotent": {
		wrap[publishCountsAll],
		[]string{"PublishAPIs", "PublishAPIsConcurrent"},
	},
	"removed API kept": {
		wrap[publishKeeps],
		[]string{"PublishAPIs", "PublishAPIsRemovesRegistrations"},
	},
	"roles of one team only": {
		wrap[oneTeamRoles],
		[]string{"DeveloperRoles"},
	},
}

// wrap puts a store in the mutant M, a struct of nothing but the store.
func wrap[M ~struct{ portal.FullStore }, P interface {
	*M
	portal.FullStore
}](s portal.FullStore) portal.FullStore {
	return P(&M{s})
}

func newBolt(t *testing.T) portal.FullStore {
	return bolttest.Open(t)
}

// TestMutants runs the suite against each mutant in a child process (the
// suite fails its *testing.T, so it cannot run in this one) and checks that
// it fails where it should. In the child, it is the suite run.
func TestMutants(t *testing.T) {
	if name := os.Getenv(mutantEnv); name != "" {
		storetest.Run(t, func(t *testing.T) portal.FullStore { return mutants[name].wrap(newBolt(t)) }, time.Now)
		return
	}
	for name, m := range mutants {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestMutants$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), mutantEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a store whose %s", name)
			}
			for _, sub := range m.fail {
				if !strings.Contains(string(out), "--- FAIL: TestMutants/"+sub+" ") {
					t.Errorf("the suite did not fail %s for a store whose %s; output:\n%s", sub, name, out)
				}
			}
		})
	}
}

type staleOK struct{ portal.FullStore }

func (s *staleOK) UpdateDeveloper(ctx context.Context, d portal.Developer, ev portal.AuditEvent) (portal.Developer, error) {
	if cur, err := s.GetDeveloper(ctx, d.ID); err == nil {
		d.Version = cur.Version
	}
	return s.FullStore.UpdateDeveloper(ctx, d, ev)
}

type anyStatus struct{ portal.FullStore }

func (s *anyStatus) SetDeveloperStatus(ctx context.Context, id string, _ []portal.DeveloperStatus, to portal.DeveloperStatus, ev portal.AuditEvent) (portal.Developer, error) {
	all := []portal.DeveloperStatus{portal.StatusPending, portal.StatusApproved, portal.StatusRejected, portal.StatusRevoked}
	return s.FullStore.SetDeveloperStatus(ctx, id, all, to, ev)
}

type auditLost struct{ portal.FullStore }

func (s *auditLost) CreateDeveloper(ctx context.Context, d portal.Developer, ev portal.AuditEvent) error {
	ev.Subject = "elsewhere"
	return s.FullStore.CreateDeveloper(ctx, d, ev)
}

type tokenReuse struct{ portal.FullStore }

func (s *tokenReuse) ConsumeToken(ctx context.Context, hash string, kind portal.TokenKind, now time.Time) (portal.Token, error) {
	t, err := s.FullStore.ConsumeToken(ctx, hash, kind, now)
	if err == nil {
		_ = s.PutToken(ctx, t)
	}
	return t, err
}

type tokensPile struct {
	portal.FullStore
	mu    sync.Mutex
	owner map[string]string // hash → the real developer id
}

func (s *tokensPile) PutToken(ctx context.Context, t portal.Token) error {
	s.mu.Lock()
	s.owner[t.Hash] = t.DeveloperID
	s.mu.Unlock()
	t.DeveloperID = "pile-" + t.Hash
	return s.FullStore.PutToken(ctx, t)
}

func (s *tokensPile) ConsumeToken(ctx context.Context, hash string, kind portal.TokenKind, now time.Time) (portal.Token, error) {
	t, err := s.FullStore.ConsumeToken(ctx, hash, kind, now)
	if err == nil {
		s.mu.Lock()
		t.DeveloperID = s.owner[hash]
		s.mu.Unlock()
	}
	return t, err
}

type sessionAlive struct{ portal.FullStore }

func (s *sessionAlive) CreateSession(ctx context.Context, sess portal.Session) error {
	if sess.ExpiresAt.Before(time.Now()) {
		sess.ExpiresAt = time.Now().Add(time.Hour)
	}
	return s.FullStore.CreateSession(ctx, sess)
}

type wallClockSessions struct{ portal.FullStore }

func (s *wallClockSessions) GetSession(ctx context.Context, hash string, _ time.Time) (portal.Session, error) {
	return s.FullStore.GetSession(ctx, hash, time.Now())
}

type noPaging struct{ portal.FullStore }

func (s *noPaging) ListDevelopers(ctx context.Context, f portal.DeveloperFilter, p portal.Page) ([]portal.Developer, int, error) {
	p.Number = 1
	return s.FullStore.ListDevelopers(ctx, f, p)
}

type wideWindow struct{ portal.FullStore }

func (s *wideWindow) CountLoginFailures(ctx context.Context, email string, now time.Time, window time.Duration) (int, error) {
	return s.FullStore.CountLoginFailures(ctx, email, now, 2*window)
}

type mailOffByOne struct{ portal.FullStore }

func (s *mailOffByOne) TakeMailSlot(ctx context.Context, email, kind string, now time.Time, window time.Duration, limit int) (bool, error) {
	if limit >= 1 && limit < portal.MaxMailSlots {
		limit++
	}
	return s.FullStore.TakeMailSlot(ctx, email, kind, now, window, limit)
}

type dupMember struct{ portal.FullStore }

func (s *dupMember) AddTeamMember(ctx context.Context, teamID, developerID string, ev portal.AuditEvent) error {
	return ignoring(portal.EConflict, s.FullStore.AddTeamMember(ctx, teamID, developerID, ev))
}

type appLimitOff struct{ portal.FullStore }

func (s *appLimitOff) CreateApplication(ctx context.Context, a portal.Application, ev portal.AuditEvent) error {
	return ignoring(portal.EPrecondition, s.FullStore.CreateApplication(ctx, a, ev))
}

type credLimitOff struct{ portal.FullStore }

func (s *credLimitOff) CreateCredential(ctx context.Context, c portal.Credential, ev portal.AuditEvent) error {
	return ignoring(portal.EPrecondition, s.FullStore.CreateCredential(ctx, c, ev))
}

// keyOutlives answers GetCredentialByHash for every key it ever saw
// created, as a store that forgets to delete keys would.
type keyOutlives struct {
	portal.FullStore
	keys ghosts[portal.Credential]
}

func (s *keyOutlives) CreateCredential(ctx context.Context, c portal.Credential, ev portal.AuditEvent) error {
	err := s.FullStore.CreateCredential(ctx, c, ev)
	if err == nil {
		s.keys.keep(c.Hash, c)
	}
	return err
}

func (s *keyOutlives) GetCredentialByHash(ctx context.Context, hash string) (portal.Credential, error) {
	c, err := s.FullStore.GetCredentialByHash(ctx, hash)
	return s.keys.answer(hash, c, err)
}

// regsOutlive keeps answering for the registrations of deleted
// applications, as a store without the cascade would.
type regsOutlive struct {
	portal.FullStore
	regs ghosts[portal.Registration]
}

func (s *regsOutlive) DeleteApplication(ctx context.Context, id string, ev portal.AuditEvent) error {
	regs, _ := s.ListRegistrations(ctx, id)
	err := s.FullStore.DeleteApplication(ctx, id, ev)
	if err == nil {
		for _, r := range regs {
			s.regs.keep(r.ID, r)
		}
	}
	return err
}

func (s *regsOutlive) GetRegistration(ctx context.Context, id string) (portal.Registration, error) {
	r, err := s.FullStore.GetRegistration(ctx, id)
	return s.regs.answer(id, r, err)
}

// ghosts are the objects a mutant keeps answering for after its store
// deleted them, by key.
type ghosts[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

func (g *ghosts[T]) keep(k string, x T) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = map[string]T{}
	}
	g.m[k] = x
}

// answer is the store's answer got, err to a read of k, unless the store
// found nothing and a ghost is kept under k.
func (g *ghosts[T]) answer(k string, got T, err error) (T, error) {
	if portal.IsCode(err, portal.ENotFound) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if old, ok := g.m[k]; ok {
			return old, nil
		}
	}
	return got, err
}

// ignoring is err, or nil where err carries code: the mutant lets through
// what its store refuses.
func ignoring(code string, err error) error {
	if portal.IsCode(err, code) {
		return nil
	}
	return err
}

type dupRegistration struct{ portal.FullStore }

func (s *dupRegistration) CreateRegistration(ctx context.Context, r portal.Registration, ev portal.AuditEvent) error {
	return ignoring(portal.EConflict, s.FullStore.CreateRegistration(ctx, r, ev))
}

type anyRegStatus struct{ portal.FullStore }

func (s *anyRegStatus) SetRegistrationStatus(ctx context.Context, id string, _ []portal.RegistrationStatus, to portal.RegistrationStatus, ev portal.AuditEvent) (portal.Registration, error) {
	all := []portal.RegistrationStatus{portal.RegistrationPending, portal.RegistrationApproved, portal.RegistrationRejected, portal.RegistrationRevoked}
	return s.FullStore.SetRegistrationStatus(ctx, id, all, to, ev)
}

type publishCountsAll struct{ portal.FullStore }

func (s *publishCountsAll) PublishAPIs(ctx context.Context, apis []portal.API, ev portal.AuditEvent) (int, error) {
	n, err := s.FullStore.PublishAPIs(ctx, apis, ev)
	if err == nil {
		n = max(n, len(apis))
	}
	return n, err
}

// publishKeeps never removes an API: it publishes the stored ones too.
type publishKeeps struct{ portal.FullStore }

func (s *publishKeeps) PublishAPIs(ctx context.Context, apis []portal.API, ev portal.AuditEvent) (int, error) {
	stored, _ := s.ListAPIs(ctx)
	all := slices.Clone(apis)
	for _, a := range stored {
		if !slices.ContainsFunc(all, func(b portal.API) bool { return b.ID == a.ID || b.Slug == a.Slug }) {
			all = append(all, a)
		}
	}
	return s.FullStore.PublishAPIs(ctx, all, ev)
}

type oneTeamRoles struct{ portal.FullStore }

func (s *oneTeamRoles) ListDeveloperRoles(ctx context.Context, developerID string) ([]portal.RoleAssignment, error) {
	teams, err := s.ListDeveloperTeams(ctx, developerID)
	if err != nil || len(teams) == 0 {
		return nil, err
	}
	return s.ListTeamRoles(ctx, teams[0].ID)
}

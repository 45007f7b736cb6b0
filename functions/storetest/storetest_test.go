package storetest_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/boltstore"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/storetest"
)

// mutantEnv names the mutant a child test process runs the suite against.
const mutantEnv = "STORETEST_MUTANT"

// mutants break one promise of portal.Store each, on top of a correct
// store; the suite must fail the named subtests for every one of them.
var mutants = map[string]struct {
	wrap func(portal.Store) portal.Store
	fail []string
}{
	"stale version accepted": {
		func(s portal.Store) portal.Store { return &staleOK{s} },
		[]string{"UpdateDeveloper"},
	},
	"status from anywhere": {
		func(s portal.Store) portal.Store { return &anyStatus{s} },
		[]string{"SetDeveloperStatus", "SetDeveloperStatusConcurrent"},
	},
	"audit event lost": {
		func(s portal.Store) portal.Store { return &auditLost{s} },
		[]string{"CreateDeveloper", "CreateDeveloperConcurrentEmail"},
	},
	"token reusable": {
		func(s portal.Store) portal.Store { return &tokenReuse{s} },
		[]string{"Tokens", "TokensConcurrentConsume"},
	},
	"expired session alive": {
		func(s portal.Store) portal.Store { return &sessionAlive{s} },
		[]string{"Sessions"},
	},
	"no paging": {
		func(s portal.Store) portal.Store { return &noPaging{s} },
		[]string{"ListDevelopers"},
	},
	"login window too wide": {
		func(s portal.Store) portal.Store { return &wideWindow{s} },
		[]string{"LoginFailures"},
	},
	"duplicate membership accepted": {
		func(s portal.Store) portal.Store { return &dupMember{s} },
		[]string{"TeamMembers", "TeamMembersConcurrent"},
	},
}

func newBolt(t *testing.T) portal.Store {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestMutants runs the suite against each mutant in a child process (the
// suite fails its *testing.T, so it cannot run in this one) and checks that
// it fails where it should. In the child, it is the suite run.
func TestMutants(t *testing.T) {
	if name := os.Getenv(mutantEnv); name != "" {
		storetest.Run(t, func(t *testing.T) portal.Store { return mutants[name].wrap(newBolt(t)) })
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

type staleOK struct{ portal.Store }

func (s *staleOK) UpdateDeveloper(ctx context.Context, d portal.Developer, ev portal.AuditEvent) (portal.Developer, error) {
	if cur, err := s.GetDeveloper(ctx, d.ID); err == nil {
		d.Version = cur.Version
	}
	return s.Store.UpdateDeveloper(ctx, d, ev)
}

type anyStatus struct{ portal.Store }

func (s *anyStatus) SetDeveloperStatus(ctx context.Context, id string, _ []portal.DeveloperStatus, to portal.DeveloperStatus, ev portal.AuditEvent) (portal.Developer, error) {
	all := []portal.DeveloperStatus{portal.StatusPending, portal.StatusApproved, portal.StatusRejected, portal.StatusRevoked}
	return s.Store.SetDeveloperStatus(ctx, id, all, to, ev)
}

type auditLost struct{ portal.Store }

func (s *auditLost) CreateDeveloper(ctx context.Context, d portal.Developer, ev portal.AuditEvent) error {
	ev.Subject = "elsewhere"
	return s.Store.CreateDeveloper(ctx, d, ev)
}

type tokenReuse struct{ portal.Store }

func (s *tokenReuse) ConsumeToken(ctx context.Context, hash string, kind portal.TokenKind, now time.Time) (portal.Token, error) {
	t, err := s.Store.ConsumeToken(ctx, hash, kind, now)
	if err == nil {
		_ = s.PutToken(ctx, t)
	}
	return t, err
}

type sessionAlive struct{ portal.Store }

func (s *sessionAlive) CreateSession(ctx context.Context, sess portal.Session) error {
	if sess.ExpiresAt.Before(time.Now()) {
		sess.ExpiresAt = time.Now().Add(time.Hour)
	}
	return s.Store.CreateSession(ctx, sess)
}

type noPaging struct{ portal.Store }

func (s *noPaging) ListDevelopers(ctx context.Context, f portal.DeveloperFilter, p portal.Page) ([]portal.Developer, int, error) {
	p.Number = 1
	return s.Store.ListDevelopers(ctx, f, p)
}

type wideWindow struct{ portal.Store }

func (s *wideWindow) CountLoginFailures(ctx context.Context, email string, now time.Time, window time.Duration) (int, error) {
	return s.Store.CountLoginFailures(ctx, email, now, 2*window)
}

type dupMember struct{ portal.Store }

func (s *dupMember) AddTeamMember(ctx context.Context, teamID, developerID string, ev portal.AuditEvent) error {
	err := s.Store.AddTeamMember(ctx, teamID, developerID, ev)
	if portal.IsCode(err, portal.EConflict) {
		return nil
	}
	return err
}

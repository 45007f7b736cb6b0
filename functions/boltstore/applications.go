package boltstore

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

func readApp(tx *bolt.Tx, id string) (portal.Application, error) {
	return getOne(tx, bApps, "application", id, appRec.app)
}

func putApp(tx *bolt.Tx, a portal.Application) error {
	return put(tx.Bucket(bApps), []byte(a.ID), appRec{Application: a, DeveloperID: a.DeveloperID, Version: a.Version})
}

// CreateApplication implements portal.AppStore.
func (s *Store) CreateApplication(_ context.Context, a portal.Application, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(a.ID, &a.CreatedAt, &a.UpdatedAt)
	a.CreatedAt, a.UpdatedAt, a.Version = a.CreatedAt.UTC(), a.UpdatedAt.UTC(), 1
	return s.update(func(tx *bolt.Tx) error {
		if _, err := readDev(tx, a.DeveloperID); err != nil {
			return err
		}
		if a.TeamID != "" {
			if _, err := readTeam(tx, a.TeamID); err != nil {
				return err
			}
		}
		if tx.Bucket(bApps).Get([]byte(a.ID)) != nil {
			return portal.Errorf(portal.EConflict, "application %s exists", a.ID)
		}
		if err := withinLimit(tx.Bucket(bDevApps), key(a.DeveloperID, ""), portal.MaxApplicationsPerDeveloper, "developer "+a.DeveloperID, "applications"); err != nil {
			return err
		}
		if err := putApp(tx, a); err != nil {
			return err
		}
		if err := tx.Bucket(bAppOrder).Put(key(stamp(a.CreatedAt), a.ID), nil); err != nil {
			return err
		}
		if err := tx.Bucket(bDevApps).Put(key(a.DeveloperID, stamp(a.CreatedAt), a.ID), nil); err != nil {
			return err
		}
		return s.audit(tx, ev, a.ID)
	})
}

// GetApplication implements portal.AppStore.
func (s *Store) GetApplication(_ context.Context, id string) (portal.Application, error) {
	return viewOne(s, readApp, id)
}

// listApps pages the applications named by the last part of the keys
// under prefix in an order bucket.
func (s *Store) listApps(bucket, prefix []byte, p portal.Page) ([]portal.Application, int, error) {
	var out []portal.Application
	var total int
	err := s.view(func(tx *bolt.Tx) error {
		all, err := suffixes(tx.Bucket(bucket), prefix)
		if err != nil {
			return err
		}
		out, total, err = pageOf(tx, all, p, readApp)
		return err
	})
	return out, total, err
}

// ListApplications implements portal.AppStore.
func (s *Store) ListApplications(_ context.Context, developerID string, p portal.Page) ([]portal.Application, int, error) {
	return s.listApps(bDevApps, key(developerID, ""), p)
}

// ListTeamApplications implements portal.AppStore: the embedded store
// holds one portal's applications, so it reads them in creation order.
func (s *Store) ListTeamApplications(_ context.Context, teamID string) ([]portal.Application, error) {
	out := []portal.Application{}
	err := s.view(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(bAppOrder), nil, func(k, _ []byte) error {
			a, err := readApp(tx, suffix(k))
			if err != nil {
				return err
			}
			if a.TeamID == teamID {
				out = append(out, a)
			}
			return nil
		})
	})
	return out, err
}

// ListAllApplications implements portal.AppStore.
func (s *Store) ListAllApplications(_ context.Context, p portal.Page) ([]portal.Application, int, error) {
	return s.listApps(bAppOrder, nil, p)
}

// UpdateApplication implements portal.AppStore.
func (s *Store) UpdateApplication(_ context.Context, a portal.Application, ev portal.AuditEvent) (portal.Application, error) {
	return updateVersion(s, "application", a.ID, a.Version, ev.Complete(a.ID), readApp,
		func(a *portal.Application) (*time.Time, *int64) { return &a.UpdatedAt, &a.Version },
		func(tx *bolt.Tx, _ portal.Application, next *portal.Application) error {
			next.Name, next.Description, next.AuthStrategyID = a.Name, a.Description, a.AuthStrategyID
			return putApp(tx, *next)
		})
}

// DeleteApplication implements portal.AppStore.
func (s *Store) DeleteApplication(_ context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.update(func(tx *bolt.Tx) error {
		if err := deleteApp(tx, id); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
}

// deleteApp removes an application with its registrations and
// credentials.
func deleteApp(tx *bolt.Tx, id string) error {
	r, err := readApp(tx, id)
	if err != nil {
		return err
	}
	created := stamp(r.CreatedAt)
	if err := deleteAll(tx, keyIn{bApps, []byte(id)}, keyIn{bAppOrder, key(created, id)}, keyIn{bDevApps, key(r.DeveloperID, created, id)}); err != nil {
		return err
	}
	if err := eachSuffix(tx.Bucket(bAppRegs), key(id, ""), func(api string) error { return deleteReg(tx, id, api) }); err != nil {
		return err
	}
	return eachSuffix(tx.Bucket(bAppCreds), key(id, ""), func(c string) error { return deleteCred(tx, id, c) })
}

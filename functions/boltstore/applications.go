package boltstore

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

func getApp(tx *bolt.Tx, id string) (appRec, error) {
	return getOne[appRec](tx, bApps, "application", id)
}

func putApp(tx *bolt.Tx, a portal.Application) error {
	return put(tx.Bucket(bApps), []byte(a.ID), appRec{Application: a, DeveloperID: a.DeveloperID, Version: a.Version})
}

// CreateApplication implements portal.AppStore.
func (s *Store) CreateApplication(_ context.Context, a portal.Application, ev portal.AuditEvent) error {
	ev = ev.Complete(a.ID)
	ev.StampNew(&a.CreatedAt, &a.UpdatedAt)
	a.CreatedAt, a.UpdatedAt, a.Version = a.CreatedAt.UTC(), a.UpdatedAt.UTC(), 1
	return s.update(func(tx *bolt.Tx) error {
		if _, err := getDev(tx, a.DeveloperID); err != nil {
			return err
		}
		if a.TeamID != "" {
			if _, err := getTeam(tx, a.TeamID); err != nil {
				return err
			}
		}
		if tx.Bucket(bApps).Get([]byte(a.ID)) != nil {
			return portal.Errorf(portal.EConflict, "application %s exists", a.ID)
		}
		n, err := count(tx.Bucket(bDevApps), key(a.DeveloperID, ""))
		if err != nil {
			return err
		}
		if n >= portal.MaxApplicationsPerDeveloper {
			return portal.Errorf(portal.EPrecondition, "developer %s already has %d applications, the most allowed", a.DeveloperID, n)
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
	var r appRec
	err := s.view(func(tx *bolt.Tx) (err error) { r, err = getApp(tx, id); return err })
	if err != nil {
		return portal.Application{}, err
	}
	return r.app(), nil
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
		out, total, err = pageOf(tx, all, p, func(tx *bolt.Tx, id string) (portal.Application, error) {
			r, err := getApp(tx, id)
			return r.app(), err
		})
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
			r, err := getApp(tx, suffix(k))
			if err != nil {
				return err
			}
			if a := r.app(); a.TeamID == teamID {
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
	ev = ev.Complete(a.ID)
	var out portal.Application
	err := s.update(func(tx *bolt.Tx) error {
		r, err := getApp(tx, a.ID)
		if err != nil {
			return err
		}
		if r.Version != a.Version {
			return portal.Errorf(portal.EConflict, "application %s changed since it was read (version %d, not %d)", a.ID, r.Version, a.Version)
		}
		out = r.app()
		out.Name, out.Description, out.AuthStrategyID = a.Name, a.Description, a.AuthStrategyID
		out.UpdatedAt, out.Version = ev.At, r.Version+1
		if err := putApp(tx, out); err != nil {
			return err
		}
		return s.audit(tx, ev, a.ID)
	})
	return out, err
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
	r, err := getApp(tx, id)
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

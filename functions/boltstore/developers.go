package boltstore

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

func readDev(tx *bolt.Tx, id string) (portal.Developer, error) {
	return getOne(tx, bDevs, "developer", id, devRec.developer)
}

func putDev(tx *bolt.Tx, d portal.Developer) error {
	return put(tx.Bucket(bDevs), []byte(d.ID), devRec{Developer: d, PasswordHash: d.PasswordHash, Version: d.Version})
}

// CreateDeveloper implements portal.Store.
func (s *Store) CreateDeveloper(_ context.Context, d portal.Developer, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(d.ID, &d.CreatedAt, &d.UpdatedAt)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	d.Version = 1
	return s.update(func(tx *bolt.Tx) error {
		err := claimUnique(tx, bDevs, "developer", d.ID, bDevEmail, []byte(portal.EmailKey(d.Email)),
			portal.Errorf(portal.EConflict, "a developer with email %s exists", d.Email))
		if err != nil {
			return err
		}
		if err := putDev(tx, d); err != nil {
			return err
		}
		if err := tx.Bucket(bDevOrder).Put(key(stamp(d.CreatedAt), d.ID), []byte(d.Status)); err != nil {
			return err
		}
		return s.audit(tx, ev, d.ID)
	})
}

// GetDeveloper implements portal.Store.
func (s *Store) GetDeveloper(_ context.Context, id string) (portal.Developer, error) {
	return viewOne(s, readDev, id)
}

// GetDeveloperByEmail implements portal.Store.
func (s *Store) GetDeveloperByEmail(_ context.Context, email string) (portal.Developer, error) {
	return viewByIndex(s, bDevEmail, []byte(portal.EmailKey(email)), readDev, "developer with email %s not found", email)
}

// ListDevelopers implements portal.Store.
func (s *Store) ListDevelopers(_ context.Context, f portal.DeveloperFilter, p portal.Page) ([]portal.Developer, int, error) {
	var out []portal.Developer
	var total int
	if f.HasText() {
		return s.searchDevelopers(f, p)
	}
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, total, err = listByStatus(tx, bDevOrder, string(f.Status), p, readDev)
		return err
	})
	return out, total, err
}

// UpdateDeveloper implements portal.Store.
func (s *Store) UpdateDeveloper(_ context.Context, d portal.Developer, ev portal.AuditEvent) (portal.Developer, error) {
	return updateVersion(s, "developer", d.ID, d.Version, ev.Complete(d.ID), readDev,
		func(d *portal.Developer) (*time.Time, *int64) { return &d.UpdatedAt, &d.Version },
		func(tx *bolt.Tx, _ portal.Developer, next *portal.Developer) error {
			next.FullName, next.PasswordHash, next.EmailVerified = d.FullName, d.PasswordHash, d.EmailVerified
			return putDev(tx, *next)
		})
}

// SetDeveloperStatus implements portal.Store.
func (s *Store) SetDeveloperStatus(_ context.Context, id string, from []portal.DeveloperStatus, to portal.DeveloperStatus, ev portal.AuditEvent) (portal.Developer, error) {
	return setStatus(s, "developer", id, from, to, ev, readDev,
		func(d *portal.Developer) (*portal.DeveloperStatus, *time.Time, *int64) {
			return &d.Status, &d.UpdatedAt, &d.Version
		},
		func(tx *bolt.Tx, d portal.Developer) error {
			if err := putDev(tx, d); err != nil {
				return err
			}
			return tx.Bucket(bDevOrder).Put(key(stamp(d.CreatedAt), id), []byte(d.Status))
		})
}

// DeleteDeveloper implements portal.Store.
func (s *Store) DeleteDeveloper(_ context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.update(func(tx *bolt.Tx) error {
		r, err := readDev(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bDevs).Delete([]byte(id)); err != nil {
			return err
		}
		if err := tx.Bucket(bDevEmail).Delete([]byte(portal.EmailKey(r.Email))); err != nil {
			return err
		}
		if err := tx.Bucket(bDevOrder).Delete(key(stamp(r.CreatedAt), id)); err != nil {
			return err
		}
		if err := deleteDevSessions(tx, id, ""); err != nil {
			return err
		}
		if err := eachSuffix(tx.Bucket(bDevTeams), key(id, ""), func(t string) error { return deleteMembership(tx, t, id) }); err != nil {
			return err
		}
		if err := eachSuffix(tx.Bucket(bDevApps), key(id, ""), func(a string) error { return deleteApp(tx, a) }); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
}

// searchDevelopers reads every developer of the status, oldest first, and
// keeps those that match the filter's text.
func (s *Store) searchDevelopers(f portal.DeveloperFilter, p portal.Page) ([]portal.Developer, int, error) {
	from, to := window(p)
	var out []portal.Developer
	total := 0
	err := s.view(func(tx *bolt.Tx) error {
		devs := tx.Bucket(bDevs)
		return forEach(tx.Bucket(bDevOrder), nil, func(k, v []byte) error {
			if f.Status != "" && string(v) != string(f.Status) {
				return nil
			}
			var r devRec
			ok, err := get(devs, []byte(suffix(k)), &r)
			if err != nil || !ok || !f.MatchText(r.Developer) {
				return err
			}
			if total >= from && total < to {
				out = append(out, r.developer())
			}
			total++
			return nil
		})
	})
	return out, total, err
}

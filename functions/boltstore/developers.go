package boltstore

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

func getDev(tx *bolt.Tx, id string) (devRec, error) {
	return getOne[devRec](tx, bDevs, "developer", id)
}

func putDev(tx *bolt.Tx, d portal.Developer) error {
	return put(tx.Bucket(bDevs), []byte(d.ID), devRec{Developer: d, PasswordHash: d.PasswordHash, Version: d.Version})
}

// CreateDeveloper implements portal.Store.
func (s *Store) CreateDeveloper(_ context.Context, d portal.Developer, ev portal.AuditEvent) error {
	ev = ev.Complete(d.ID)
	ev.StampNew(&d.CreatedAt, &d.UpdatedAt)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	d.Version = 1
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bDevs).Get([]byte(d.ID)) != nil {
			return portal.Errorf(portal.EConflict, "developer %s exists", d.ID)
		}
		email := []byte(portal.EmailKey(d.Email))
		if tx.Bucket(bDevEmail).Get(email) != nil {
			return portal.Errorf(portal.EConflict, "a developer with email %s exists", d.Email)
		}
		if err := putDev(tx, d); err != nil {
			return err
		}
		if err := tx.Bucket(bDevEmail).Put(email, []byte(d.ID)); err != nil {
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
	var r devRec
	err := s.view(func(tx *bolt.Tx) (err error) { r, err = getDev(tx, id); return err })
	return r.developer(), err
}

// GetDeveloperByEmail implements portal.Store.
func (s *Store) GetDeveloperByEmail(_ context.Context, email string) (portal.Developer, error) {
	var r devRec
	err := s.view(func(tx *bolt.Tx) (err error) {
		id := tx.Bucket(bDevEmail).Get([]byte(portal.EmailKey(email)))
		if id == nil {
			return notFound("developer with email", email)
		}
		r, err = getDev(tx, string(id))
		return err
	})
	return r.developer(), err
}

// ListDevelopers implements portal.Store.
func (s *Store) ListDevelopers(_ context.Context, f portal.DeveloperFilter, p portal.Page) ([]portal.Developer, int, error) {
	var out []portal.Developer
	var total int
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, total, err = listByStatus(tx, bDevOrder, string(f.Status), p, func(tx *bolt.Tx, id string) (portal.Developer, error) {
			r, err := getDev(tx, id)
			return r.developer(), err
		})
		return err
	})
	return out, total, err
}

// UpdateDeveloper implements portal.Store.
func (s *Store) UpdateDeveloper(_ context.Context, d portal.Developer, ev portal.AuditEvent) (portal.Developer, error) {
	ev = ev.Complete(d.ID)
	var out portal.Developer
	err := s.update(func(tx *bolt.Tx) error {
		r, err := getDev(tx, d.ID)
		if err != nil {
			return err
		}
		if r.Version != d.Version {
			return portal.Errorf(portal.EConflict, "developer %s changed since it was read (version %d, not %d)", d.ID, r.Version, d.Version)
		}
		out = r.developer()
		out.FullName, out.PasswordHash, out.EmailVerified = d.FullName, d.PasswordHash, d.EmailVerified
		out.UpdatedAt, out.Version = ev.At, r.Version+1
		if err := putDev(tx, out); err != nil {
			return err
		}
		return s.audit(tx, ev, d.ID)
	})
	return out, err
}

// SetDeveloperStatus implements portal.Store.
func (s *Store) SetDeveloperStatus(_ context.Context, id string, from []portal.DeveloperStatus, to portal.DeveloperStatus, ev portal.AuditEvent) (portal.Developer, error) {
	ev = ev.Complete(id)
	var out portal.Developer
	err := s.update(func(tx *bolt.Tx) error {
		r, err := getDev(tx, id)
		if err != nil {
			return err
		}
		out = r.developer()
		if err := portal.CheckTransition("developer", id, out.Status, from, to); err != nil {
			return err
		}
		prev := out.Status
		out.Status, out.UpdatedAt, out.Version = to, ev.At, out.Version+1
		if err := putDev(tx, out); err != nil {
			return err
		}
		if err := tx.Bucket(bDevOrder).Put(key(stamp(out.CreatedAt), id), []byte(to)); err != nil {
			return err
		}
		return s.audit(tx, ev.StatusChange(string(prev), string(to)), id)
	})
	return out, err
}

// DeleteDeveloper implements portal.Store.
func (s *Store) DeleteDeveloper(_ context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.update(func(tx *bolt.Tx) error {
		r, err := getDev(tx, id)
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

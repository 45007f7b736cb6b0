package boltstore

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

func readReg(tx *bolt.Tx, id string) (portal.Registration, error) {
	return getOne(tx, bRegs, "registration", id, regRec.reg)
}

func putReg(tx *bolt.Tx, r portal.Registration) error {
	if err := put(tx.Bucket(bRegs), []byte(r.ID), regRec{Registration: r, Version: r.Version}); err != nil {
		return err
	}
	return tx.Bucket(bRegOrder).Put(key(stamp(r.CreatedAt), r.ID), []byte(r.Status))
}

// deleteReg removes the application's registration for an API, if any.
func deleteReg(tx *bolt.Tx, appID, apiID string) error {
	id := tx.Bucket(bAppRegs).Get(key(appID, apiID))
	if id == nil {
		return nil
	}
	r, err := readReg(tx, string(id))
	if err != nil {
		return err
	}
	return deleteAll(tx, keyIn{bRegs, []byte(r.ID)}, keyIn{bRegOrder, key(stamp(r.CreatedAt), r.ID)}, keyIn{bAppRegs, key(appID, apiID)}, keyIn{bAPIRegs, key(apiID, appID)})
}

// CreateRegistration implements portal.AppStore.
func (s *Store) CreateRegistration(_ context.Context, r portal.Registration, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(r.ID, &r.CreatedAt, &r.UpdatedAt)
	r.CreatedAt, r.UpdatedAt, r.Version = r.CreatedAt.UTC(), r.UpdatedAt.UTC(), 1
	return s.update(func(tx *bolt.Tx) error {
		if _, err := readApp(tx, r.ApplicationID); err != nil {
			return err
		}
		if tx.Bucket(bAPIs).Get([]byte(r.APIID)) == nil {
			return notFound("API", r.APIID)
		}
		k := key(r.ApplicationID, r.APIID)
		if tx.Bucket(bAppRegs).Get(k) != nil {
			return portal.Errorf(portal.EConflict, "application %s is already registered to API %s", r.ApplicationID, r.APIID)
		}
		if tx.Bucket(bRegs).Get([]byte(r.ID)) != nil {
			return portal.Errorf(portal.EConflict, "registration %s exists", r.ID)
		}
		if err := putReg(tx, r); err != nil {
			return err
		}
		if err := tx.Bucket(bAppRegs).Put(k, []byte(r.ID)); err != nil {
			return err
		}
		if err := tx.Bucket(bAPIRegs).Put(key(r.APIID, r.ApplicationID), []byte(r.ID)); err != nil {
			return err
		}
		return s.audit(tx, ev, r.ID)
	})
}

// GetRegistration implements portal.AppStore.
func (s *Store) GetRegistration(_ context.Context, id string) (portal.Registration, error) {
	return viewOne(s, readReg, id)
}

// FindRegistration implements portal.AppStore.
func (s *Store) FindRegistration(_ context.Context, applicationID, apiID string) (portal.Registration, error) {
	return viewByIndex(s, bAppRegs, key(applicationID, apiID), readReg, "application %s has no registration for API %s", applicationID, apiID)
}

// ListRegistrations implements portal.AppStore.
func (s *Store) ListRegistrations(_ context.Context, applicationID string) ([]portal.Registration, error) {
	out, err := listIndexed(s, bAppRegs, key(applicationID, ""), value, readReg)
	portal.SortByCreated(out, func(r portal.Registration) (time.Time, string) { return r.CreatedAt, r.ID })
	return out, err
}

// ListAllRegistrations implements portal.AppStore.
func (s *Store) ListAllRegistrations(_ context.Context, status portal.RegistrationStatus, p portal.Page) ([]portal.Registration, int, error) {
	var out []portal.Registration
	var total int
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, total, err = listByStatus(tx, bRegOrder, string(status), p, readReg)
		return err
	})
	return out, total, err
}

// SetRegistrationStatus implements portal.AppStore.
func (s *Store) SetRegistrationStatus(_ context.Context, id string, from []portal.RegistrationStatus, to portal.RegistrationStatus, ev portal.AuditEvent) (portal.Registration, error) {
	return setStatus(s, "registration", id, from, to, ev, readReg,
		func(r *portal.Registration) (*portal.RegistrationStatus, *time.Time, *int64) {
			return &r.Status, &r.UpdatedAt, &r.Version
		},
		putReg)
}

// DeleteRegistration implements portal.AppStore.
func (s *Store) DeleteRegistration(_ context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.update(func(tx *bolt.Tx) error {
		r, err := readReg(tx, id)
		if err != nil {
			return err
		}
		if err := deleteReg(tx, r.ApplicationID, r.APIID); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
}

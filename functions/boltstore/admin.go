package boltstore

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

// GetSettings implements portal.Store.
func (s *Store) GetSettings(_ context.Context) (portal.Settings, error) {
	var r settingsRec
	err := s.view(func(tx *bolt.Tx) error {
		return lookup(tx.Bucket(bMeta), settingsKey, &r, "portal settings not found")
	})
	return r.settings(), err
}

// PutSettings implements portal.Store.
func (s *Store) PutSettings(_ context.Context, set portal.Settings, ev portal.AuditEvent) (portal.Settings, error) {
	ev = ev.Complete(set.ID)
	err := s.update(func(tx *bolt.Tx) error {
		var r settingsRec
		ok, err := get(tx.Bucket(bMeta), settingsKey, &r)
		if err != nil {
			return err
		}
		if !ok {
			r.Version = 0
		}
		if r.Version != set.Version {
			return portal.Errorf(portal.EConflict, "portal settings changed since they were read (version %d, not %d)", r.Version, set.Version)
		}
		ev.StampNew(&set.CreatedAt, nil)
		set.CreatedAt, set.UpdatedAt, set.Version = set.CreatedAt.UTC(), ev.At, set.Version+1
		if err := put(tx.Bucket(bMeta), settingsKey, settingsRec{Settings: set, Version: set.Version}); err != nil {
			return err
		}
		return s.audit(tx, ev, set.ID)
	})
	if err != nil {
		return portal.Settings{}, err
	}
	return set, nil
}

// Admin tokens.

// CreateAdminToken implements portal.Store.
func (s *Store) CreateAdminToken(_ context.Context, t portal.AdminToken, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(t.ID, &t.CreatedAt, nil)
	t.CreatedAt = t.CreatedAt.UTC()
	return s.update(func(tx *bolt.Tx) error {
		if err := claimUnique(tx, bAdmin, "admin token", t.ID, bAdminHash, []byte(t.Hash), portal.Errorf(portal.EConflict, "admin token exists")); err != nil {
			return err
		}
		if err := put(tx.Bucket(bAdmin), []byte(t.ID), adminRec{AdminToken: t, Hash: t.Hash}); err != nil {
			return err
		}
		return s.audit(tx, ev, t.ID)
	})
}

// GetAdminTokenByHash implements portal.Store. It returns revoked tokens
// too; the caller checks RevokedAt.
func (s *Store) GetAdminTokenByHash(_ context.Context, hash string) (portal.AdminToken, error) {
	var r adminRec
	err := s.view(func(tx *bolt.Tx) error {
		id := tx.Bucket(bAdminHash).Get([]byte(hash))
		if id == nil {
			return portal.Errorf(portal.ENotFound, "admin token not found")
		}
		return lookup(tx.Bucket(bAdmin), id, &r, "admin token not found")
	})
	if err != nil {
		return portal.AdminToken{}, err
	}
	return r.token(), nil
}

// ListAdminTokens implements portal.Store.
func (s *Store) ListAdminTokens(_ context.Context) ([]portal.AdminToken, error) {
	return listAll(s, bAdmin, adminRec.token, func(t portal.AdminToken) (time.Time, string) { return t.CreatedAt, t.ID })
}

// RevokeAdminToken implements portal.Store.
func (s *Store) RevokeAdminToken(_ context.Context, id string, at time.Time, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.update(func(tx *bolt.Tx) error {
		var r adminRec
		if err := lookup(tx.Bucket(bAdmin), []byte(id), &r, "admin token %s not found", id); err != nil {
			return err
		}
		if r.RevokedAt != nil {
			return portal.Errorf(portal.EPrecondition, "admin token %s was already revoked", id)
		}
		at = at.UTC()
		r.RevokedAt = &at
		if err := put(tx.Bucket(bAdmin), []byte(id), r); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
}

// ListAuditEvents implements portal.Store.
func (s *Store) ListAuditEvents(_ context.Context, subject string) ([]portal.AuditEvent, error) {
	var out []portal.AuditEvent
	err := s.view(func(tx *bolt.Tx) error {
		return eachValue(tx.Bucket(bAudit), key(subject, ""), func(ev portal.AuditEvent) { out = append(out, ev) })
	})
	return out, err
}

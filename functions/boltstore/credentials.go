package boltstore

import (
	"bytes"
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

func getCred(tx *bolt.Tx, hash []byte) (credRec, bool, error) {
	var r credRec
	ok, err := get(tx.Bucket(bCreds), hash, &r)
	return r, ok, err
}

// appCred reads the application's credential id.
func appCred(tx *bolt.Tx, appID, id string) (credRec, error) {
	hash := tx.Bucket(bAppCreds).Get(key(appID, id))
	if hash == nil {
		return credRec{}, portal.Errorf(portal.ENotFound, "application %s has no credential %s", appID, id)
	}
	var r credRec
	err := lookup(tx.Bucket(bCreds), hash, &r, "application %s has no credential %s", appID, id)
	return r, err
}

func deleteCred(tx *bolt.Tx, appID, id string) error {
	hash := tx.Bucket(bAppCreds).Get(key(appID, id))
	if hash == nil {
		return nil
	}
	hash = bytes.Clone(hash)
	if err := tx.Bucket(bCreds).Delete(hash); err != nil {
		return err
	}
	if err := tx.Bucket(bCredIDs).Delete([]byte(id)); err != nil {
		return err
	}
	return tx.Bucket(bAppCreds).Delete(key(appID, id))
}

// CreateCredential implements portal.AppStore.
func (s *Store) CreateCredential(_ context.Context, c portal.Credential, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(c.ID, &c.CreatedAt, nil)
	c.CreatedAt, c.ExpiresAt, c.LastUsedAt = c.CreatedAt.UTC(), utcPtr(c.ExpiresAt), utcPtr(c.LastUsedAt)
	return s.update(func(tx *bolt.Tx) error {
		app, err := readApp(tx, c.ApplicationID)
		if err != nil {
			return err
		}
		c.DeveloperID = app.DeveloperID
		if tx.Bucket(bCreds).Get([]byte(c.Hash)) != nil {
			return portal.Errorf(portal.EConflict, "credential exists")
		}
		if tx.Bucket(bCredIDs).Get([]byte(c.ID)) != nil {
			return portal.Errorf(portal.EConflict, "credential %s exists", c.ID)
		}
		if err := withinLimit(tx.Bucket(bAppCreds), key(c.ApplicationID, ""), portal.MaxCredentialsPerApplication, "application "+c.ApplicationID, "credentials"); err != nil {
			return err
		}
		if err := put(tx.Bucket(bCreds), []byte(c.Hash), credRec{Credential: c, ApplicationID: c.ApplicationID, DeveloperID: c.DeveloperID, Hash: c.Hash}); err != nil {
			return err
		}
		if err := tx.Bucket(bCredIDs).Put([]byte(c.ID), []byte(c.Hash)); err != nil {
			return err
		}
		if err := tx.Bucket(bAppCreds).Put(key(c.ApplicationID, c.ID), []byte(c.Hash)); err != nil {
			return err
		}
		return s.audit(tx, ev, c.ID)
	})
}

// ListCredentials implements portal.AppStore.
func (s *Store) ListCredentials(_ context.Context, applicationID string) ([]portal.Credential, error) {
	var out []portal.Credential
	err := s.view(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(bAppCreds), key(applicationID, ""), func(_, hash []byte) error {
			r, ok, err := getCred(tx, hash)
			if ok {
				out = append(out, r.cred())
			}
			return err
		})
	})
	portal.SortByCreated(out, func(c portal.Credential) (time.Time, string) { return c.CreatedAt, c.ID })
	return out, err
}

// GetCredentialByHash implements portal.AppStore.
func (s *Store) GetCredentialByHash(_ context.Context, hash string) (portal.Credential, error) {
	var r credRec
	err := s.view(func(tx *bolt.Tx) error {
		return lookup(tx.Bucket(bCreds), []byte(hash), &r, "credential not found")
	})
	if err != nil {
		return portal.Credential{}, err
	}
	return r.cred(), nil
}

// ExpireCredential implements portal.AppStore.
func (s *Store) ExpireCredential(_ context.Context, applicationID, id string, at time.Time, ev portal.AuditEvent) (portal.Credential, error) {
	ev = ev.Complete(id)
	at = at.UTC()
	var out portal.Credential
	err := s.update(func(tx *bolt.Tx) error {
		r, err := appCred(tx, applicationID, id)
		if err != nil {
			return err
		}
		if r.ExpiresAt != nil && !r.ExpiresAt.After(at) {
			out = r.cred()
			return nil
		}
		r.ExpiresAt = &at
		out = r.cred()
		if err := put(tx.Bucket(bCreds), []byte(r.Hash), r); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
	if err != nil {
		return portal.Credential{}, err
	}
	return out, nil
}

// DeleteCredential implements portal.AppStore.
func (s *Store) DeleteCredential(_ context.Context, applicationID, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.update(func(tx *bolt.Tx) error {
		if _, err := appCred(tx, applicationID, id); err != nil {
			return err
		}
		if err := deleteCred(tx, applicationID, id); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
}

// TouchCredential implements portal.AppStore.
func (s *Store) TouchCredential(_ context.Context, id string, at time.Time) error {
	at = at.UTC()
	return s.update(func(tx *bolt.Tx) error {
		hash := tx.Bucket(bCredIDs).Get([]byte(id))
		if hash == nil {
			return notFound("credential", id)
		}
		hash = bytes.Clone(hash)
		r, ok, err := getCred(tx, hash)
		if err != nil || !ok {
			return err
		}
		if r.LastUsedAt != nil && !r.LastUsedAt.Before(at) {
			return nil
		}
		r.LastUsedAt = &at
		return put(tx.Bucket(bCreds), hash, r)
	})
}

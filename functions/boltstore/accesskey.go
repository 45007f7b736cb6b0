package boltstore

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

var accessKeyKey = []byte("access-key")

type accessKeyRec struct {
	Key []byte `json:"key"`
}

// AccessKey implements portal.Store.
func (s *Store) AccessKey(_ context.Context, candidate []byte) ([]byte, error) {
	var r accessKeyRec
	err := s.view(func(tx *bolt.Tx) error {
		_, err := get(tx.Bucket(bMeta), accessKeyKey, &r)
		return err
	})
	if err != nil || len(r.Key) > 0 {
		return r.Key, err
	}
	if err := portal.CheckAccessKey(candidate); err != nil {
		return nil, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		ok, err := get(tx.Bucket(bMeta), accessKeyKey, &r)
		if err != nil || ok {
			return err
		}
		r.Key = candidate
		return put(tx.Bucket(bMeta), accessKeyKey, r)
	})
	return r.Key, err
}

// SetAccessKey implements portal.Store.
func (s *Store) SetAccessKey(_ context.Context, key []byte, ev portal.AuditEvent) error {
	if err := portal.CheckAccessKey(key); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		if err := put(tx.Bucket(bMeta), accessKeyKey, accessKeyRec{Key: key}); err != nil {
			return err
		}
		return s.audit(tx, ev, "access-key")
	})
}

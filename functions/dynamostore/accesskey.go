package dynamostore

import (
	"context"

	"github.com/portal-dev/portal/functions/portal"
)

const pkAccessKey = "ACCESSKEY"

type accessKeyItem struct {
	PK, SK string
	Key    []byte
}

// AccessKey implements portal.Store: the first writer's candidate wins
// (a conditional put), and every caller returns the stored key.
func (s *Store) AccessKey(ctx context.Context, candidate []byte) ([]byte, error) {
	var it accessKeyItem
	if ok, err := s.getItem(ctx, pkAccessKey, pkAccessKey, &it); err != nil || ok {
		return it.Key, err
	}
	if err := portal.CheckAccessKey(candidate); err != nil {
		return nil, err
	}
	err := s.transact(ctx, s.put(accessKeyItem{PK: pkAccessKey, SK: pkAccessKey, Key: candidate}, notExists))
	if bad, _ := failed(err, 0); !bad && err != nil {
		return nil, err
	}
	if _, err := s.getItem(ctx, pkAccessKey, pkAccessKey, &it); err != nil {
		return nil, err
	}
	return it.Key, nil
}

// SetAccessKey implements portal.Store.
func (s *Store) SetAccessKey(ctx context.Context, key []byte, ev portal.AuditEvent) error {
	if err := portal.CheckAccessKey(key); err != nil {
		return err
	}
	ev = ev.Complete("access-key")
	return s.transact(ctx, s.put(accessKeyItem{PK: pkAccessKey, SK: pkAccessKey, Key: key}, cond{}), s.audit(ev))
}

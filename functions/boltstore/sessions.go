package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

// PutToken implements portal.Store: the developer's previous token of
// the kind is deleted in the same transaction.
func (s *Store) PutToken(_ context.Context, t portal.Token) error {
	t.ExpiresAt = t.ExpiresAt.UTC()
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bTokens)
		if b.Get([]byte(t.Hash)) != nil {
			return portal.Errorf(portal.EConflict, "token exists")
		}
		live := tx.Bucket(bDevTokens)
		k := key(t.DeveloperID, string(t.Kind))
		if old := live.Get(k); old != nil {
			if err := b.Delete(old); err != nil {
				return err
			}
		}
		if err := live.Put(k, []byte(t.Hash)); err != nil {
			return err
		}
		return put(b, []byte(t.Hash), t)
	})
}

// ConsumeToken implements portal.Store.
func (s *Store) ConsumeToken(_ context.Context, hash string, kind portal.TokenKind, now time.Time) (portal.Token, error) {
	var t portal.Token
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bTokens)
		ok, err := get(b, []byte(hash), &t)
		if err != nil {
			return err
		}
		if !ok || t.Kind != kind || !t.ExpiresAt.After(now) {
			return portal.Errorf(portal.ENotFound, "token not found, used or expired")
		}
		return b.Delete([]byte(hash))
	})
	if err != nil {
		return portal.Token{}, err
	}
	return t, nil
}

// Sessions.

// CreateSession implements portal.Store.
func (s *Store) CreateSession(_ context.Context, sess portal.Session) error {
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = sess.CreatedAt.UTC(), sess.LastSeenAt.UTC(), sess.ExpiresAt.UTC()
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSessions)
		if b.Get([]byte(sess.Hash)) != nil {
			return portal.Errorf(portal.EConflict, "session exists")
		}
		if sess.DeveloperID != "" {
			if tx.Bucket(bDevs).Get([]byte(sess.DeveloperID)) == nil {
				return notFound("developer", sess.DeveloperID)
			}
			if err := tx.Bucket(bDevSessions).Put(key(sess.DeveloperID, sess.Hash), nil); err != nil {
				return err
			}
		}
		if sess.AdminUserID != "" {
			u, err := readAdminUser(tx, sess.AdminUserID)
			if err != nil {
				return err
			}
			if u.Status != portal.AdminActive {
				return portal.Errorf(portal.EPrecondition, "admin user %s is %s", u.ID, u.Status)
			}
			if err := tx.Bucket(bAdminSess).Put(key(sess.AdminUserID, sess.Hash), nil); err != nil {
				return err
			}
		}
		return put(b, []byte(sess.Hash), sess)
	})
}

func liveSession(tx *bolt.Tx, hash string, now time.Time) (portal.Session, error) {
	var sess portal.Session
	ok, err := get(tx.Bucket(bSessions), []byte(hash), &sess)
	if err == nil && (!ok || sess.Expired(now)) {
		err = portal.Errorf(portal.ENotFound, "session not found or expired")
	}
	return sess, err
}

// GetSession implements portal.Store.
func (s *Store) GetSession(_ context.Context, hash string, now time.Time) (portal.Session, error) {
	var sess portal.Session
	err := s.view(func(tx *bolt.Tx) (err error) { sess, err = liveSession(tx, hash, now); return err })
	if err != nil {
		return portal.Session{}, err
	}
	return sess, nil
}

// TouchSession implements portal.Store.
func (s *Store) TouchSession(_ context.Context, hash string, at time.Time) error {
	return s.update(func(tx *bolt.Tx) error {
		sess, err := liveSession(tx, hash, at)
		if err != nil {
			return err
		}
		sess.LastSeenAt = at.UTC()
		return put(tx.Bucket(bSessions), []byte(hash), sess)
	})
}

// DeleteSession implements portal.Store.
func (s *Store) DeleteSession(_ context.Context, hash string) error {
	return s.update(func(tx *bolt.Tx) error {
		var sess portal.Session
		ok, err := get(tx.Bucket(bSessions), []byte(hash), &sess)
		if err != nil || !ok {
			return err
		}
		return deleteSession(tx, sess)
	})
}

func deleteSession(tx *bolt.Tx, sess portal.Session) error {
	if sess.DeveloperID != "" {
		if err := tx.Bucket(bDevSessions).Delete(key(sess.DeveloperID, sess.Hash)); err != nil {
			return err
		}
	}
	if sess.AdminUserID != "" {
		if err := tx.Bucket(bAdminSess).Delete(key(sess.AdminUserID, sess.Hash)); err != nil {
			return err
		}
	}
	return tx.Bucket(bSessions).Delete([]byte(sess.Hash))
}

// DeleteDeveloperSessions implements portal.Store.
func (s *Store) DeleteDeveloperSessions(_ context.Context, developerID, keep string) error {
	return s.update(func(tx *bolt.Tx) error { return deleteDevSessions(tx, developerID, keep) })
}

func deleteDevSessions(tx *bolt.Tx, developerID, keep string) error {
	var hashes []string
	if err := forEach(tx.Bucket(bDevSessions), key(developerID, ""), func(k, _ []byte) error {
		if h := suffix(k); h != keep {
			hashes = append(hashes, h)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, h := range hashes {
		if err := deleteSession(tx, portal.Session{Hash: h, DeveloperID: developerID}); err != nil {
			return err
		}
	}
	return nil
}

// Login failures.

// RecordLoginFailure implements portal.Store.
func (s *Store) RecordLoginFailure(_ context.Context, email string, now time.Time, window time.Duration) (int, error) {
	var n int
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bLoginFail)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := b.Put(key(portal.EmailKey(email), stamp(now), fmt.Sprintf("%020d", seq)), nil); err != nil {
			return err
		}
		n, err = countFailures(tx, email, now, window)
		return err
	})
	return n, err
}

// CountLoginFailures implements portal.Store.
func (s *Store) CountLoginFailures(_ context.Context, email string, now time.Time, window time.Duration) (int, error) {
	var n int
	err := s.view(func(tx *bolt.Tx) (err error) { n, err = countFailures(tx, email, now, window); return err })
	return n, err
}

// countFailures counts failures at times in (now-window, now].
func countFailures(tx *bolt.Tx, email string, now time.Time, window time.Duration) (int, error) {
	after, upto := stamp(now.Add(-window)), stamp(now)
	n := 0
	err := forEach(tx.Bucket(bLoginFail), key(portal.EmailKey(email), ""), func(k, _ []byte) error {
		if at := string(bytes.Split(k, sep)[1]); at > after && at <= upto {
			n++
		}
		return nil
	})
	return n, err
}

// ClearLoginFailures implements portal.Store.
func (s *Store) ClearLoginFailures(_ context.Context, email string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bLoginFail)
		var keys [][]byte
		if err := forEach(b, key(portal.EmailKey(email), ""), func(k, _ []byte) error {
			keys = append(keys, bytes.Clone(k))
			return nil
		}); err != nil {
			return err
		}
		return deleteKeys(b, keys)
	})
}

// Mail slots: limit records per address and kind, each holding when it
// frees (the mail's time plus the window), so that a slot is free again
// once its mail has left the window.

// TakeMailSlot implements portal.Store, in one transaction.
func (s *Store) TakeMailSlot(_ context.Context, email, kind string, now time.Time, window time.Duration, limit int) (bool, error) {
	if limit < 1 || limit > portal.MaxMailSlots {
		return false, portal.Errorf(portal.EInvalid, "mail limit %d is out of range 1 to %d", limit, portal.MaxMailSlots)
	}
	taken := false
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bMailSlots)
		for i := range limit {
			k := key(kind, portal.EmailKey(email), strconv.Itoa(i))
			if v := b.Get(k); v == nil || string(v) <= stamp(now) {
				taken = true
				return b.Put(k, []byte(stamp(now.Add(window))))
			}
		}
		return nil
	})
	return taken, err
}

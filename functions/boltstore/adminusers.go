package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/portal-dev/portal/functions/portal"
)

// adminUserRec stores what the domain type hides from JSON.
type adminUserRec struct {
	portal.AdminUser
	PasswordHash string `json:"password_hash"`
	Version      int64  `json:"version"`
}

func (r adminUserRec) user() portal.AdminUser {
	u := r.AdminUser
	u.PasswordHash, u.Version = r.PasswordHash, r.Version
	return u
}

func readAdminUser(tx *bolt.Tx, id string) (portal.AdminUser, error) {
	return getOne(tx, bAdminUsers, "admin user", id, adminUserRec.user)
}

func putAdminUser(tx *bolt.Tx, u portal.AdminUser) error {
	return put(tx.Bucket(bAdminUsers), []byte(u.ID), adminUserRec{AdminUser: u, PasswordHash: u.PasswordHash, Version: u.Version})
}

// CreateAdminUser implements portal.AdminStore.
func (s *Store) CreateAdminUser(_ context.Context, u portal.AdminUser, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(u.ID, &u.CreatedAt, &u.UpdatedAt)
	u.CreatedAt, u.UpdatedAt, u.Version = u.CreatedAt.UTC(), u.UpdatedAt.UTC(), 1
	return s.update(func(tx *bolt.Tx) error {
		err := claimUnique(tx, bAdminUsers, "admin user", u.ID, bAdminEmails, []byte(portal.EmailKey(u.Email)),
			portal.Errorf(portal.EConflict, "an admin user with email %s exists", u.Email))
		if err != nil {
			return err
		}
		if err := putAdminUser(tx, u); err != nil {
			return err
		}
		return s.audit(tx, ev, u.ID)
	})
}

// GetAdminUser implements portal.AdminStore.
func (s *Store) GetAdminUser(_ context.Context, id string) (portal.AdminUser, error) {
	return viewOne(s, readAdminUser, id)
}

// GetAdminUserByEmail implements portal.AdminStore.
func (s *Store) GetAdminUserByEmail(_ context.Context, email string) (portal.AdminUser, error) {
	return viewByIndex(s, bAdminEmails, []byte(portal.EmailKey(email)), readAdminUser, "admin user with email %s not found", email)
}

// ListAdminUsers implements portal.AdminStore.
func (s *Store) ListAdminUsers(_ context.Context) ([]portal.AdminUser, error) {
	return listAll(s, bAdminUsers, adminUserRec.user, func(u portal.AdminUser) (time.Time, string) { return u.CreatedAt, u.ID })
}

// SetAdminUserStatus implements portal.AdminStore: disabling deletes the
// user's sessions in the same transaction.
func (s *Store) SetAdminUserStatus(_ context.Context, id string, version int64, to portal.AdminUserStatus, ev portal.AuditEvent) (portal.AdminUser, error) {
	ev = ev.Complete(id)
	var out portal.AdminUser
	err := s.update(func(tx *bolt.Tx) error {
		cur, err := readAdminUser(tx, id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return portal.Errorf(portal.EConflict, "admin user %s changed since it was read (version %d, not %d)", id, cur.Version, version)
		}
		if actor, ok := ev.AdminUserActor(); ok && actor != id {
			if a, err := readAdminUser(tx, actor); err != nil || a.Status != portal.AdminActive {
				return portal.ErrActorInactive(actor)
			}
		}
		out = cur
		prev := out.Status
		out.Status, out.UpdatedAt, out.Version = to, ev.At, out.Version+1
		if err := putAdminUser(tx, out); err != nil {
			return err
		}
		if to == portal.AdminDisabled {
			if err := deleteAdminSessions(tx, id, ""); err != nil {
				return err
			}
		}
		return s.audit(tx, ev.StatusChange(string(prev), string(to)), id)
	})
	return out, err
}

// deleteAdminSessions ends the admin user's sessions but keep's.
func deleteAdminSessions(tx *bolt.Tx, id, keep string) error {
	hashes, err := suffixes(tx.Bucket(bAdminSess), key(id, ""))
	if err != nil {
		return err
	}
	for _, h := range hashes {
		if h == keep {
			continue
		}
		if err := deleteSession(tx, portal.Session{Hash: h, AdminUserID: id}); err != nil {
			return err
		}
	}
	return nil
}

// ListAllAuditEvents implements portal.AdminStore: it walks the time
// index from the newest event (or from the filter's end) back to the
// filter's start, matching actor, action and subject on the index alone,
// and reads only the page's events.
func (s *Store) ListAllAuditEvents(_ context.Context, f portal.AuditFilter, p portal.Page) ([]portal.AuditEvent, int, error) {
	from, to := window(p)
	var out []portal.AuditEvent
	total := 0
	err := s.view(func(tx *bolt.Tx) error {
		events := tx.Bucket(bAudit)
		c := tx.Bucket(bAuditOrder).Cursor()
		var k, v []byte
		if f.To.IsZero() {
			k, v = c.Last()
		} else if k, v = c.Seek([]byte(stamp(f.To))); k == nil {
			k, v = c.Last()
		} else {
			// The first key at or after To, then one back: the newest
			// event before To.
			k, v = c.Prev()
		}
		start := ""
		if !f.From.IsZero() {
			start = stamp(f.From)
		}
		for ; k != nil; k, v = c.Prev() {
			if string(k) < start {
				break
			}
			parts := bytes.SplitN(v, sep, 3)
			if len(parts) != 3 {
				return fmt.Errorf("audit index %q: bad value", k)
			}
			if (f.Actor != "" && string(parts[0]) != f.Actor) || (f.Action != "" && string(parts[1]) != f.Action) ||
				(f.Subject != "" && !bytes.HasPrefix(parts[2], key(f.Subject, ""))) {
				continue
			}
			if total >= from && total < to {
				var ev portal.AuditEvent
				if ok, err := get(events, parts[2], &ev); err != nil || !ok {
					return fmt.Errorf("audit event %q: %v (found %t)", parts[2], err, ok)
				}
				out = append(out, ev)
			}
			total++
		}
		return nil
	})
	return out, total, err
}

// auditRef is the time index's value for event ev stored at key k: what
// the filters match, and where the event is.
func auditRef(ev portal.AuditEvent, k []byte) []byte {
	return append(key(ev.Actor, ev.Action, ""), k...)
}

// indexAudit fills the audit log's time index of a store file written
// before it existed.
func indexAudit(tx *bolt.Tx) error {
	order := tx.Bucket(bAuditOrder)
	if k, _ := order.Cursor().First(); k != nil {
		return nil
	}
	return forEach(tx.Bucket(bAudit), nil, func(k, v []byte) error {
		var ev portal.AuditEvent
		if err := json.Unmarshal(v, &ev); err != nil {
			return err
		}
		return order.Put(key(stamp(ev.At), ev.ID), auditRef(ev, k))
	})
}

// window is the range [from, to) of the items of page p among all that
// match, saturating far past the end.
func window(p portal.Page) (from, to int) {
	p = p.Normalize()
	from = p.Offset()
	if from > math.MaxInt-p.Size {
		return from, math.MaxInt
	}
	return from, from + p.Size
}

// SetAdminUserPassword implements portal.AdminStore.
func (s *Store) SetAdminUserPassword(_ context.Context, id string, version int64, hash, keep string, ev portal.AuditEvent) (portal.AdminUser, error) {
	return updateVersion(s, "admin user", id, version, ev.Complete(id), readAdminUser,
		func(u *portal.AdminUser) (*time.Time, *int64) { return &u.UpdatedAt, &u.Version },
		func(tx *bolt.Tx, _ portal.AdminUser, next *portal.AdminUser) error {
			next.PasswordHash = hash
			if next.Status == portal.AdminInvited {
				next.Status = portal.AdminActive
			}
			if err := deleteAdminSessions(tx, id, keep); err != nil {
				return err
			}
			return putAdminUser(tx, *next)
		})
}

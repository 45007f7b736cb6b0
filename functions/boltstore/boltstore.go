// Package boltstore is the embedded portal.Store: one bbolt file under the
// data folder, pure Go, no server. bbolt runs one read-write transaction at
// a time, so every invariant is checked and written inside one transaction;
// versions are still checked exactly as the DynamoDB store checks them.
package boltstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/portal-dev/portal/functions/portal"
)

// Buckets. Index buckets hold keys only (or a small value) and point at the
// primary buckets; "\x00" separates the parts of composite keys.
var (
	bDevs        = []byte("developers")         // id → devRec
	bDevEmail    = []byte("developer_emails")   // EmailKey → id
	bDevOrder    = []byte("developer_order")    // created \0 id → status
	bTokens      = []byte("tokens")             // hash → Token
	bDevTokens   = []byte("developer_tokens")   // developer id \0 kind → hash of the one live token
	bSessions    = []byte("sessions")           // hash → Session
	bDevSessions = []byte("developer_sessions") // developer id \0 hash
	bLoginFail   = []byte("login_failures")     // EmailKey \0 at \0 seq
	bMailSlots   = []byte("mail_slots")         // kind \0 EmailKey \0 slot → when it frees
	bMeta        = []byte("meta")               // "settings" → settingsRec
	bTeams       = []byte("teams")              // id → teamRec
	bTeamNames   = []byte("team_names")         // TeamNameKey → id
	bTeamOrder   = []byte("team_order")         // created \0 id
	bMembers     = []byte("team_members")       // team id \0 developer id → developer's created
	bDevTeams    = []byte("developer_teams")    // developer id \0 team id
	bRoles       = []byte("team_roles")         // team id \0 assignment id → roleRec
	bRoleKeys    = []byte("team_role_keys")     // team id \0 role \0 entity id → assignment id
	bAdmin       = []byte("admin_tokens")       // id → adminRec
	bAdminHash   = []byte("admin_token_hashes") // hash → id
	bAudit       = []byte("audit_events")       // subject \0 at \0 id → AuditEvent
	bAPIs        = []byte("apis")               // id → API
	bAPISlugs    = []byte("api_slugs")          // slug → id
	bStrategies  = []byte("auth_strategies")    // id → AuthStrategy
	bApps        = []byte("applications")       // id → appRec
	bAppOrder    = []byte("application_order")  // created \0 id
	bDevApps     = []byte("developer_apps")     // developer id \0 created \0 app id
	bRegs        = []byte("registrations")      // id → regRec
	bAppRegs     = []byte("app_registrations")  // app id \0 api id → registration id
	bAPIRegs     = []byte("api_registrations")  // api id \0 app id → registration id
	bRegOrder    = []byte("registration_order") // created \0 id → status
	bCreds       = []byte("credentials")        // hash → credRec
	bAppCreds    = []byte("app_credentials")    // app id \0 credential id → hash
	bCredIDs     = []byte("credential_ids")     // credential id → hash
	allBuckets   = [][]byte{bDevs, bDevEmail, bDevOrder, bTokens, bDevTokens, bSessions, bDevSessions, bLoginFail, bMailSlots, bMeta, bTeams, bTeamNames, bTeamOrder, bMembers, bDevTeams, bRoles, bRoleKeys, bAdmin, bAdminHash, bAudit,
		bAPIs, bAPISlugs, bStrategies, bApps, bAppOrder, bDevApps, bRegs, bAppRegs, bAPIRegs, bRegOrder, bCreds, bAppCreds, bCredIDs}
	settingsKey = []byte("settings")
)

// The domain types hide secrets and versions from JSON; these records
// store them.
type (
	devRec struct {
		portal.Developer
		PasswordHash string `json:"password_hash"`
		Version      int64  `json:"version"`
	}
	teamRec struct {
		portal.Team
		Version int64 `json:"version"`
	}
	settingsRec struct {
		portal.Settings
		Version int64 `json:"version"`
	}
	roleRec struct {
		portal.RoleAssignment
		TeamID string `json:"team_id"`
	}
	adminRec struct {
		portal.AdminToken
		Hash string `json:"hash"`
	}
)

func (r devRec) developer() portal.Developer {
	d := r.Developer
	d.PasswordHash, d.Version = r.PasswordHash, r.Version
	return d
}

func (r teamRec) team() portal.Team { t := r.Team; t.Version = r.Version; return t }

func (r settingsRec) settings() portal.Settings { s := r.Settings; s.Version = r.Version; return s }

func (r roleRec) role() portal.RoleAssignment { a := r.RoleAssignment; a.TeamID = r.TeamID; return a }

func (r adminRec) token() portal.AdminToken { t := r.AdminToken; t.Hash = r.Hash; return t }

// Store is a portal.Store in one bbolt file.
type Store struct {
	db *bolt.DB
	// writer is the file's one writer, held across a bbolt write
	// transaction: taking it waits at most writeWait, where bbolt's own
	// lock would wait for ever, and then the write fails (Unavailable)
	// without having happened.
	writer    chan struct{}
	writeWait time.Duration
}

var _ portal.FullStore = (*Store)(nil)

// Open opens (creating if needed) the store file at path. Only one process
// can hold the file; another gets an error after a second. Expired items
// stay until the caller, who owns the clock, calls Purge.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: another process (a running portal serve?) holds it; stop it and try again", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, writer: make(chan struct{}, 1), writeWait: 2 * time.Second}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Purge removes the tokens and sessions that expired by now, login
// failures older than a day and mail slots free by now. Reads ignore expired items anyway; this only
// keeps the file small.
func (s *Store) Purge(_ context.Context, now time.Time) error {
	return s.update(func(tx *bolt.Tx) error {
		var drop []portal.Session
		if err := forEach(tx.Bucket(bSessions), nil, func(_, v []byte) error {
			var sess portal.Session
			if err := json.Unmarshal(v, &sess); err != nil {
				return err
			}
			if sess.Expired(now) {
				drop = append(drop, sess)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, sess := range drop {
			if err := deleteSession(tx, sess); err != nil {
				return err
			}
		}
		var dropTokens [][]byte
		if err := forEach(tx.Bucket(bTokens), nil, func(k, v []byte) error {
			var t portal.Token
			if err := json.Unmarshal(v, &t); err != nil {
				return err
			}
			if !t.ExpiresAt.After(now) {
				dropTokens = append(dropTokens, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		if err := deleteKeys(tx.Bucket(bTokens), dropTokens); err != nil {
			return err
		}
		// Pointers at tokens used, expired or gone with their developer.
		var dropLive [][]byte
		if err := forEach(tx.Bucket(bDevTokens), nil, func(k, v []byte) error {
			if tx.Bucket(bTokens).Get(v) == nil {
				dropLive = append(dropLive, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		if err := deleteKeys(tx.Bucket(bDevTokens), dropLive); err != nil {
			return err
		}
		cutoff := stamp(now.Add(-24 * time.Hour))
		var dropFails [][]byte
		if err := forEach(tx.Bucket(bLoginFail), nil, func(k, _ []byte) error {
			if parts := bytes.Split(k, sep); len(parts) == 3 && string(parts[1]) < cutoff {
				dropFails = append(dropFails, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		if err := deleteKeys(tx.Bucket(bLoginFail), dropFails); err != nil {
			return err
		}
		var dropSlots [][]byte
		if err := forEach(tx.Bucket(bMailSlots), nil, func(k, v []byte) error {
			if string(v) <= stamp(now) {
				dropSlots = append(dropSlots, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		return deleteKeys(tx.Bucket(bMailSlots), dropSlots)
	})
}

var sep = []byte{0}

func key(parts ...string) []byte {
	var b []byte
	for i, p := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return b
}

// stamp formats t so that byte order is time order.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func get(b *bolt.Bucket, k []byte, v any) (bool, error) {
	data := b.Get(k)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("decode %q: %w", k, err)
	}
	return true, nil
}

func put(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

// forEach calls fn for every key with prefix, in key order.
func forEach(b *bolt.Bucket, prefix []byte, fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

func deleteKeys(b *bolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// suffix returns the last part of a composite key.
func suffix(k []byte) string { return string(k[bytes.LastIndexByte(k, 0)+1:]) }

// audit completes ev as the Store interface promises and writes it.
func (s *Store) audit(tx *bolt.Tx, ev portal.AuditEvent, subject string) error {
	ev = ev.Complete(subject)
	return put(tx.Bucket(bAudit), key(ev.Subject, stamp(ev.At), ev.ID), ev)
}

func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	t := time.NewTimer(s.writeWait)
	defer t.Stop()
	select {
	case s.writer <- struct{}{}:
	case <-t.C:
		return portal.Errorf(portal.EUnavailable, "the store is busy; try again")
	}
	defer func() { <-s.writer }()
	return s.db.Update(fn)
}
func (s *Store) view(fn func(tx *bolt.Tx) error) error { return s.db.View(fn) }

func notFound(what, id string) error {
	return portal.Errorf(portal.ENotFound, "%s %s not found", what, id)
}

// page cuts one page out of n items.
func page(n int, p portal.Page) (from, to int) {
	p = p.Normalize()
	from = min(p.Offset(), n)
	return from, min(from+p.Size, n)
}

// Developers.

func getDev(tx *bolt.Tx, id string) (devRec, error) {
	var r devRec
	ok, err := get(tx.Bucket(bDevs), []byte(id), &r)
	if err == nil && !ok {
		err = notFound("developer", id)
	}
	return r, err
}

func putDev(tx *bolt.Tx, d portal.Developer) error {
	return put(tx.Bucket(bDevs), []byte(d.ID), devRec{Developer: d, PasswordHash: d.PasswordHash, Version: d.Version})
}

// CreateDeveloper implements portal.Store.
func (s *Store) CreateDeveloper(_ context.Context, d portal.Developer, ev portal.AuditEvent) error {
	ev = ev.Complete(d.ID)
	d = normDev(d, ev.At)
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

func normDev(d portal.Developer, at time.Time) portal.Developer {
	if d.CreatedAt.IsZero() {
		d.CreatedAt = at
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d
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
	err := s.view(func(tx *bolt.Tx) error {
		var match []string
		if err := forEach(tx.Bucket(bDevOrder), nil, func(k, v []byte) error {
			if f.Status == "" || string(v) == string(f.Status) {
				match = append(match, suffix(k))
			}
			return nil
		}); err != nil {
			return err
		}
		total = len(match)
		from, to := page(total, p)
		for _, id := range match[from:to] {
			r, err := getDev(tx, id)
			if err != nil {
				return err
			}
			out = append(out, r.developer())
		}
		return nil
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
		if !slices.Contains(from, out.Status) {
			return portal.Errorf(portal.EPrecondition, "developer %s is %s; it cannot become %s", id, out.Status, to)
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
		var teams []string
		if err := forEach(tx.Bucket(bDevTeams), key(id, ""), func(k, _ []byte) error {
			teams = append(teams, suffix(k))
			return nil
		}); err != nil {
			return err
		}
		for _, t := range teams {
			if err := deleteMembership(tx, t, id); err != nil {
				return err
			}
		}
		var apps []string
		if err := forEach(tx.Bucket(bDevApps), key(id, ""), func(k, _ []byte) error {
			apps = append(apps, suffix(k))
			return nil
		}); err != nil {
			return err
		}
		for _, a := range apps {
			if err := deleteApp(tx, a); err != nil {
				return err
			}
		}
		return s.audit(tx, ev, id)
	})
}

// Tokens.

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

// Settings.

// GetSettings implements portal.Store.
func (s *Store) GetSettings(_ context.Context) (portal.Settings, error) {
	var r settingsRec
	err := s.view(func(tx *bolt.Tx) error {
		ok, err := get(tx.Bucket(bMeta), settingsKey, &r)
		if err == nil && !ok {
			err = portal.Errorf(portal.ENotFound, "portal settings not found")
		}
		return err
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
		if set.CreatedAt.IsZero() {
			set.CreatedAt = ev.At
		}
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

// Teams.

func getTeam(tx *bolt.Tx, id string) (teamRec, error) {
	var r teamRec
	ok, err := get(tx.Bucket(bTeams), []byte(id), &r)
	if err == nil && !ok {
		err = notFound("team", id)
	}
	return r, err
}

func putTeam(tx *bolt.Tx, t portal.Team) error {
	return put(tx.Bucket(bTeams), []byte(t.ID), teamRec{Team: t, Version: t.Version})
}

// CreateTeam implements portal.Store.
func (s *Store) CreateTeam(_ context.Context, t portal.Team, ev portal.AuditEvent) error {
	ev = ev.Complete(t.ID)
	if t.CreatedAt.IsZero() {
		t.CreatedAt = ev.At
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	t.CreatedAt, t.UpdatedAt, t.Version = t.CreatedAt.UTC(), t.UpdatedAt.UTC(), 1
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bTeams).Get([]byte(t.ID)) != nil {
			return portal.Errorf(portal.EConflict, "team %s exists", t.ID)
		}
		name := []byte(portal.TeamNameKey(t.Name))
		if tx.Bucket(bTeamNames).Get(name) != nil {
			return portal.Errorf(portal.EConflict, "a team named %q exists", t.Name)
		}
		if err := tx.Bucket(bTeamNames).Put(name, []byte(t.ID)); err != nil {
			return err
		}
		if err := tx.Bucket(bTeamOrder).Put(key(stamp(t.CreatedAt), t.ID), nil); err != nil {
			return err
		}
		if err := putTeam(tx, t); err != nil {
			return err
		}
		return s.audit(tx, ev, t.ID)
	})
}

// GetTeam implements portal.Store.
func (s *Store) GetTeam(_ context.Context, id string) (portal.Team, error) {
	var r teamRec
	err := s.view(func(tx *bolt.Tx) (err error) { r, err = getTeam(tx, id); return err })
	return r.team(), err
}

// ListTeams implements portal.Store.
func (s *Store) ListTeams(_ context.Context, p portal.Page) ([]portal.Team, int, error) {
	var out []portal.Team
	var total int
	err := s.view(func(tx *bolt.Tx) error {
		var all []string
		if err := forEach(tx.Bucket(bTeamOrder), nil, func(k, _ []byte) error {
			all = append(all, suffix(k))
			return nil
		}); err != nil {
			return err
		}
		total = len(all)
		from, to := page(total, p)
		for _, id := range all[from:to] {
			r, err := getTeam(tx, id)
			if err != nil {
				return err
			}
			out = append(out, r.team())
		}
		return nil
	})
	return out, total, err
}

// UpdateTeam implements portal.Store.
func (s *Store) UpdateTeam(_ context.Context, t portal.Team, ev portal.AuditEvent) (portal.Team, error) {
	ev = ev.Complete(t.ID)
	var out portal.Team
	err := s.update(func(tx *bolt.Tx) error {
		r, err := getTeam(tx, t.ID)
		if err != nil {
			return err
		}
		if r.Version != t.Version {
			return portal.Errorf(portal.EConflict, "team %s changed since it was read (version %d, not %d)", t.ID, r.Version, t.Version)
		}
		if oldKey, newKey := portal.TeamNameKey(r.Name), portal.TeamNameKey(t.Name); oldKey != newKey {
			names := tx.Bucket(bTeamNames)
			if names.Get([]byte(newKey)) != nil {
				return portal.Errorf(portal.EConflict, "a team named %q exists", t.Name)
			}
			if err := names.Delete([]byte(oldKey)); err != nil {
				return err
			}
			if err := names.Put([]byte(newKey), []byte(t.ID)); err != nil {
				return err
			}
		}
		out = r.team()
		out.Name, out.Description, out.CanOwnApplications, out.UpdatedAt, out.Version = t.Name, t.Description, t.CanOwnApplications, ev.At, r.Version+1
		if err := putTeam(tx, out); err != nil {
			return err
		}
		return s.audit(tx, ev, t.ID)
	})
	return out, err
}

// DeleteTeam implements portal.Store.
func (s *Store) DeleteTeam(_ context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.update(func(tx *bolt.Tx) error {
		r, err := getTeam(tx, id)
		if err != nil {
			return err
		}
		for _, del := range []struct {
			b []byte
			k []byte
		}{
			{bTeams, []byte(id)},
			{bTeamNames, []byte(portal.TeamNameKey(r.Name))},
			{bTeamOrder, key(stamp(r.CreatedAt), id)},
		} {
			if err := tx.Bucket(del.b).Delete(del.k); err != nil {
				return err
			}
		}
		var devs []string
		if err := forEach(tx.Bucket(bMembers), key(id, ""), func(k, _ []byte) error {
			devs = append(devs, suffix(k))
			return nil
		}); err != nil {
			return err
		}
		for _, d := range devs {
			if err := deleteMembership(tx, id, d); err != nil {
				return err
			}
		}
		var roles [][]byte
		if err := forEach(tx.Bucket(bRoleKeys), key(id, ""), func(k, _ []byte) error {
			roles = append(roles, bytes.Clone(k))
			return nil
		}); err != nil {
			return err
		}
		if err := deleteKeys(tx.Bucket(bRoleKeys), roles); err != nil {
			return err
		}
		roles = roles[:0]
		if err := forEach(tx.Bucket(bRoles), key(id, ""), func(k, _ []byte) error {
			roles = append(roles, bytes.Clone(k))
			return nil
		}); err != nil {
			return err
		}
		if err := deleteKeys(tx.Bucket(bRoles), roles); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
}

// Members.

// AddTeamMember implements portal.Store.
func (s *Store) AddTeamMember(_ context.Context, teamID, developerID string, ev portal.AuditEvent) error {
	ev = ev.Complete(teamID)
	return s.update(func(tx *bolt.Tx) error {
		if _, err := getTeam(tx, teamID); err != nil {
			return err
		}
		d, err := getDev(tx, developerID)
		if err != nil {
			return err
		}
		k := key(teamID, developerID)
		if tx.Bucket(bMembers).Get(k) != nil {
			return portal.Errorf(portal.EConflict, "developer %s is already a member of team %s", developerID, teamID)
		}
		if err := tx.Bucket(bMembers).Put(k, []byte(stamp(d.CreatedAt))); err != nil {
			return err
		}
		if err := tx.Bucket(bDevTeams).Put(key(developerID, teamID), nil); err != nil {
			return err
		}
		return s.audit(tx, ev, teamID)
	})
}

// RemoveTeamMember implements portal.Store.
func (s *Store) RemoveTeamMember(_ context.Context, teamID, developerID string, ev portal.AuditEvent) error {
	ev = ev.Complete(teamID)
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bMembers).Get(key(teamID, developerID)) == nil {
			return portal.Errorf(portal.ENotFound, "developer %s is not a member of team %s", developerID, teamID)
		}
		if err := deleteMembership(tx, teamID, developerID); err != nil {
			return err
		}
		return s.audit(tx, ev, teamID)
	})
}

func deleteMembership(tx *bolt.Tx, teamID, developerID string) error {
	if err := tx.Bucket(bMembers).Delete(key(teamID, developerID)); err != nil {
		return err
	}
	return tx.Bucket(bDevTeams).Delete(key(developerID, teamID))
}

// ListTeamMembers implements portal.Store: members in the order the
// developers were created.
func (s *Store) ListTeamMembers(_ context.Context, teamID string, p portal.Page) ([]portal.Developer, int, error) {
	var out []portal.Developer
	var total int
	err := s.view(func(tx *bolt.Tx) error {
		if _, err := getTeam(tx, teamID); err != nil {
			return err
		}
		type member struct{ created, id string }
		var ms []member
		if err := forEach(tx.Bucket(bMembers), key(teamID, ""), func(k, v []byte) error {
			ms = append(ms, member{string(v), suffix(k)})
			return nil
		}); err != nil {
			return err
		}
		slices.SortFunc(ms, func(a, b member) int {
			if c := cmpString(a.created, b.created); c != 0 {
				return c
			}
			return cmpString(a.id, b.id)
		})
		total = len(ms)
		from, to := page(total, p)
		for _, m := range ms[from:to] {
			r, err := getDev(tx, m.id)
			if err != nil {
				return err
			}
			out = append(out, r.developer())
		}
		return nil
	})
	return out, total, err
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ListDeveloperTeams implements portal.Store.
func (s *Store) ListDeveloperTeams(_ context.Context, developerID string) ([]portal.Team, error) {
	var out []portal.Team
	err := s.view(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(bDevTeams), key(developerID, ""), func(k, _ []byte) error {
			r, err := getTeam(tx, suffix(k))
			if err != nil {
				return err
			}
			out = append(out, r.team())
			return nil
		})
	})
	sortTeams(out)
	return out, err
}

func sortTeams(ts []portal.Team) {
	slices.SortFunc(ts, func(a, b portal.Team) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmpString(a.ID, b.ID)
	})
}

// Roles.

// AssignRole implements portal.Store.
func (s *Store) AssignRole(_ context.Context, r portal.RoleAssignment, ev portal.AuditEvent) error {
	ev = ev.Complete(r.TeamID)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = ev.At
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return s.update(func(tx *bolt.Tx) error {
		if _, err := getTeam(tx, r.TeamID); err != nil {
			return err
		}
		rk := key(r.TeamID, r.RoleName, r.EntityID)
		if tx.Bucket(bRoleKeys).Get(rk) != nil {
			return portal.Errorf(portal.EConflict, "team %s already has the role %s on %s", r.TeamID, r.RoleName, r.EntityID)
		}
		k := key(r.TeamID, r.ID)
		if tx.Bucket(bRoles).Get(k) != nil {
			return portal.Errorf(portal.EConflict, "role assignment %s exists", r.ID)
		}
		if err := tx.Bucket(bRoleKeys).Put(rk, []byte(r.ID)); err != nil {
			return err
		}
		if err := put(tx.Bucket(bRoles), k, roleRec{RoleAssignment: r, TeamID: r.TeamID}); err != nil {
			return err
		}
		return s.audit(tx, ev, r.TeamID)
	})
}

// RemoveRole implements portal.Store.
func (s *Store) RemoveRole(_ context.Context, teamID, assignmentID string, ev portal.AuditEvent) error {
	ev = ev.Complete(teamID)
	return s.update(func(tx *bolt.Tx) error {
		var r roleRec
		k := key(teamID, assignmentID)
		ok, err := get(tx.Bucket(bRoles), k, &r)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("role assignment", assignmentID)
		}
		if err := tx.Bucket(bRoles).Delete(k); err != nil {
			return err
		}
		if err := tx.Bucket(bRoleKeys).Delete(key(teamID, r.RoleName, r.EntityID)); err != nil {
			return err
		}
		return s.audit(tx, ev, teamID)
	})
}

// ListTeamRoles implements portal.Store.
func (s *Store) ListTeamRoles(_ context.Context, teamID string) ([]portal.RoleAssignment, error) {
	var out []portal.RoleAssignment
	err := s.view(func(tx *bolt.Tx) error {
		if _, err := getTeam(tx, teamID); err != nil {
			return err
		}
		return forEach(tx.Bucket(bRoles), key(teamID, ""), func(_, v []byte) error {
			var r roleRec
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r.role())
			return nil
		})
	})
	slices.SortFunc(out, func(a, b portal.RoleAssignment) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmpString(a.ID, b.ID)
	})
	return out, err
}

// Admin tokens.

// CreateAdminToken implements portal.Store.
func (s *Store) CreateAdminToken(_ context.Context, t portal.AdminToken, ev portal.AuditEvent) error {
	ev = ev.Complete(t.ID)
	if t.CreatedAt.IsZero() {
		t.CreatedAt = ev.At
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bAdmin).Get([]byte(t.ID)) != nil {
			return portal.Errorf(portal.EConflict, "admin token %s exists", t.ID)
		}
		if tx.Bucket(bAdminHash).Get([]byte(t.Hash)) != nil {
			return portal.Errorf(portal.EConflict, "admin token exists")
		}
		if err := tx.Bucket(bAdminHash).Put([]byte(t.Hash), []byte(t.ID)); err != nil {
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
		ok, err := get(tx.Bucket(bAdmin), id, &r)
		if err == nil && !ok {
			err = portal.Errorf(portal.ENotFound, "admin token not found")
		}
		return err
	})
	if err != nil {
		return portal.AdminToken{}, err
	}
	return r.token(), nil
}

// ListAdminTokens implements portal.Store.
func (s *Store) ListAdminTokens(_ context.Context) ([]portal.AdminToken, error) {
	var out []portal.AdminToken
	err := s.view(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(bAdmin), nil, func(_, v []byte) error {
			var r adminRec
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r.token())
			return nil
		})
	})
	slices.SortFunc(out, func(a, b portal.AdminToken) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmpString(a.ID, b.ID)
	})
	return out, err
}

// RevokeAdminToken implements portal.Store.
func (s *Store) RevokeAdminToken(_ context.Context, id string, at time.Time, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	return s.update(func(tx *bolt.Tx) error {
		var r adminRec
		ok, err := get(tx.Bucket(bAdmin), []byte(id), &r)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("admin token", id)
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
		return forEach(tx.Bucket(bAudit), key(subject, ""), func(_, v []byte) error {
			var ev portal.AuditEvent
			if err := json.Unmarshal(v, &ev); err != nil {
				return err
			}
			out = append(out, ev)
			return nil
		})
	})
	return out, err
}

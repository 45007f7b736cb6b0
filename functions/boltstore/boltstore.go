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
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/portal-dev/portal/functions/portal"
)

// Buckets. Index buckets hold keys only (or a small value) and point at the
// primary buckets; "\x00" separates the parts of composite keys.
var (
	bDevs        = []byte("developers")          // id → devRec
	bDevEmail    = []byte("developer_emails")    // EmailKey → id
	bDevOrder    = []byte("developer_order")     // created \0 id → status
	bTokens      = []byte("tokens")              // hash → Token
	bDevTokens   = []byte("developer_tokens")    // developer id \0 kind → hash of the one live token
	bSessions    = []byte("sessions")            // hash → Session
	bDevSessions = []byte("developer_sessions")  // developer id \0 hash
	bLoginFail   = []byte("login_failures")      // EmailKey \0 at \0 seq
	bMailSlots   = []byte("mail_slots")          // kind \0 EmailKey \0 slot → when it frees
	bMeta        = []byte("meta")                // "settings" → settingsRec
	bTeams       = []byte("teams")               // id → teamRec
	bTeamNames   = []byte("team_names")          // TeamNameKey → id
	bTeamOrder   = []byte("team_order")          // created \0 id
	bMembers     = []byte("team_members")        // team id \0 developer id → developer's created
	bDevTeams    = []byte("developer_teams")     // developer id \0 team id
	bRoles       = []byte("team_roles")          // team id \0 assignment id → roleRec
	bRoleKeys    = []byte("team_role_keys")      // team id \0 role \0 entity id → assignment id
	bAdmin       = []byte("admin_tokens")        // id → adminRec
	bAdminHash   = []byte("admin_token_hashes")  // hash → id
	bAudit       = []byte("audit_events")        // subject \0 at \0 id → AuditEvent
	bAPIs        = []byte("apis")                // id → API
	bAPISlugs    = []byte("api_slugs")           // slug → id
	bStrategies  = []byte("auth_strategies")     // id → AuthStrategy
	bApps        = []byte("applications")        // id → appRec
	bAppOrder    = []byte("application_order")   // created \0 id
	bDevApps     = []byte("developer_apps")      // developer id \0 created \0 app id
	bRegs        = []byte("registrations")       // id → regRec
	bAppRegs     = []byte("app_registrations")   // app id \0 api id → registration id
	bAPIRegs     = []byte("api_registrations")   // api id \0 app id → registration id
	bRegOrder    = []byte("registration_order")  // created \0 id → status
	bCreds       = []byte("credentials")         // hash → credRec
	bAppCreds    = []byte("app_credentials")     // app id \0 credential id → hash
	bCredIDs     = []byte("credential_ids")      // credential id → hash
	bAdminUsers  = []byte("admin_users")         // id → adminUserRec
	bAdminEmails = []byte("admin_user_emails")   // EmailKey → id
	bAdminSess   = []byte("admin_user_sessions") // admin user id \0 hash
	bAuditOrder  = []byte("audit_order")         // at \0 id → the event's key in audit_events
	allBuckets   = [][]byte{bAdminUsers, bAdminEmails, bAdminSess, bAuditOrder, bDevs, bDevEmail, bDevOrder, bTokens, bDevTokens, bSessions, bDevSessions, bLoginFail, bMailSlots, bMeta, bTeams, bTeamNames, bTeamOrder, bMembers, bDevTeams, bRoles, bRoleKeys, bAdmin, bAdminHash, bAudit,
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
		return indexAudit(tx)
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
		if err := eachValue(tx.Bucket(bSessions), nil, func(sess portal.Session) {
			if sess.Expired(now) {
				drop = append(drop, sess)
			}
		}); err != nil {
			return err
		}
		for _, sess := range drop {
			if err := deleteSession(tx, sess); err != nil {
				return err
			}
		}
		if err := deleteWhere(tx.Bucket(bTokens), nil, func(_, v []byte) (bool, error) {
			var t portal.Token
			err := json.Unmarshal(v, &t)
			return err == nil && !t.ExpiresAt.After(now), err
		}); err != nil {
			return err
		}
		// Pointers at tokens used, expired or gone with their developer.
		if err := deleteWhere(tx.Bucket(bDevTokens), nil, func(_, v []byte) (bool, error) {
			return tx.Bucket(bTokens).Get(v) == nil, nil
		}); err != nil {
			return err
		}
		cutoff := stamp(now.Add(-24 * time.Hour))
		if err := deleteWhere(tx.Bucket(bLoginFail), nil, func(k, _ []byte) (bool, error) {
			parts := bytes.Split(k, sep)
			return len(parts) == 3 && string(parts[1]) < cutoff, nil
		}); err != nil {
			return err
		}
		return deleteWhere(tx.Bucket(bMailSlots), nil, func(_, v []byte) (bool, error) {
			return string(v) <= stamp(now), nil
		})
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

// lookup is get for a record that must be there: a missing one is the
// not-found error of format and args.
func lookup(b *bolt.Bucket, k []byte, v any, format string, args ...any) error {
	ok, err := get(b, k, v)
	if err == nil && !ok {
		return portal.Errorf(portal.ENotFound, format, args...)
	}
	return err
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

// updateVersion is the versioned update: in one write transaction it
// reads the object, refuses it when it changed since the caller read
// version want, lets change set the new fields of next (a copy of the
// stored object) and write it, and writes the event. fields points at the
// object's update time and version, which it sets.
func updateVersion[T any](s *Store, what, id string, want int64, ev portal.AuditEvent,
	read func(*bolt.Tx, string) (T, error), fields func(*T) (*time.Time, *int64), change func(tx *bolt.Tx, cur T, next *T) error) (T, error) {
	var next T
	err := s.update(func(tx *bolt.Tx) error {
		cur, err := read(tx, id)
		if err != nil {
			return err
		}
		if _, v := fields(&cur); *v != want {
			return portal.Errorf(portal.EConflict, "%s %s changed since it was read (version %d, not %d)", what, id, *v, want)
		}
		next = cur
		at, v := fields(&next)
		*at, *v = ev.At, want+1
		if err := change(tx, cur, &next); err != nil {
			return err
		}
		return s.audit(tx, ev, id)
	})
	return next, err
}

// setStatus is the status compare-and-swap: in one write transaction it
// reads the object, checks the transition (portal.CheckTransition),
// writes the object with status to and a new version, and the event
// (Detail gains "from" and "to"). fields points at the object's status,
// update time and version.
func setStatus[T any, S ~string](s *Store, what, id string, from []S, to S, ev portal.AuditEvent,
	read func(*bolt.Tx, string) (T, error), fields func(*T) (*S, *time.Time, *int64), write func(*bolt.Tx, T) error) (T, error) {
	ev = ev.Complete(id)
	var next T
	err := s.update(func(tx *bolt.Tx) error {
		cur, err := read(tx, id)
		if err != nil {
			return err
		}
		st, _, _ := fields(&cur)
		was := *st
		if err := portal.CheckTransition(what, id, was, from, to); err != nil {
			return err
		}
		next = cur
		st, at, v := fields(&next)
		*st, *at, *v = to, ev.At, *v+1
		if err := write(tx, next); err != nil {
			return err
		}
		return s.audit(tx, ev.StatusChange(string(was), string(to)), id)
	})
	return next, err
}

// viewOne reads one object in a read transaction; on an error it returns
// the zero object.
func viewOne[T any](s *Store, read func(*bolt.Tx, string) (T, error), id string) (T, error) {
	var out T
	err := s.view(func(tx *bolt.Tx) (err error) { out, err = read(tx, id); return err })
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// getOne reads the record under id in bucket as a domain object (conv);
// a missing one is a not-found error naming kind.
func getOne[R, T any](tx *bolt.Tx, bucket []byte, kind, id string, conv func(R) T) (T, error) {
	var r R
	if err := lookup(tx.Bucket(bucket), []byte(id), &r, "%s %s not found", kind, id); err != nil {
		var zero T
		return zero, err
	}
	return conv(r), nil
}

// eachValue decodes every value under prefix in b, in key order, and
// hands it to fn.
func eachValue[R any](b *bolt.Bucket, prefix []byte, fn func(R)) error {
	return forEach(b, prefix, func(_, v []byte) error {
		var r R
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		fn(r)
		return nil
	})
}

// listAll reads every record R in bucket as a domain object (conv),
// oldest first (created gives an object's creation time and id).
func listAll[R, T any](s *Store, bucket []byte, conv func(R) T, created func(T) (time.Time, string)) ([]T, error) {
	var out []T
	err := s.view(func(tx *bolt.Tx) error {
		return eachValue(tx.Bucket(bucket), nil, func(r R) { out = append(out, conv(r)) })
	})
	portal.SortByCreated(out, created)
	return out, err
}

// count returns how many keys start with prefix.
func count(b *bolt.Bucket, prefix []byte) (int, error) {
	n := 0
	err := forEach(b, prefix, func(_, _ []byte) error { n++; return nil })
	return n, err
}

// deleteWhere deletes the keys of b (under prefix) that drop picks. The
// keys are collected first: a bucket must not change under its cursor.
func deleteWhere(b *bolt.Bucket, prefix []byte, drop func(k, v []byte) (bool, error)) error {
	var keys [][]byte
	if err := forEach(b, prefix, func(k, v []byte) error {
		ok, err := drop(k, v)
		if ok {
			keys = append(keys, bytes.Clone(k))
		}
		return err
	}); err != nil {
		return err
	}
	return deleteKeys(b, keys)
}

// keyIn is one key in one bucket, for deleteAll.
type keyIn struct{ b, k []byte }

// deleteAll deletes each key from its bucket.
func deleteAll(tx *bolt.Tx, keys ...keyIn) error {
	for _, k := range keys {
		if err := tx.Bucket(k.b).Delete(k.k); err != nil {
			return err
		}
	}
	return nil
}

// eachSuffix calls fn with the last part of every key under prefix. The
// keys are read first, so fn may delete them.
func eachSuffix(b *bolt.Bucket, prefix []byte, fn func(string) error) error {
	ids, err := suffixes(b, prefix)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// claimUnique points k in index at id, a new object of kind in bucket:
// Conflict when id is in bucket already, taken when k is in index.
func claimUnique(tx *bolt.Tx, bucket []byte, kind, id string, index, k []byte, taken error) error {
	if tx.Bucket(bucket).Get([]byte(id)) != nil {
		return portal.Errorf(portal.EConflict, "%s %s exists", kind, id)
	}
	if tx.Bucket(index).Get(k) != nil {
		return taken
	}
	return tx.Bucket(index).Put(k, []byte(id))
}

// withinLimit is Precondition when the keys under prefix in b, what
// (applications, credentials) of owner, number max already.
func withinLimit(b *bolt.Bucket, prefix []byte, max int, owner, what string) error {
	n, err := count(b, prefix)
	if err != nil {
		return err
	}
	if n >= max {
		return portal.Errorf(portal.EPrecondition, "%s already has %d %s, the most allowed", owner, n, what)
	}
	return nil
}

// listIndexed reads with read the objects that the entries under prefix
// in index name (id takes the name from an entry's key and value), in
// index order.
func listIndexed[T any](s *Store, index, prefix []byte, id func(k, v []byte) string, read func(*bolt.Tx, string) (T, error)) ([]T, error) {
	var out []T
	err := s.view(func(tx *bolt.Tx) error {
		return forEach(tx.Bucket(index), prefix, func(k, v []byte) error {
			x, err := read(tx, id(k, v))
			if err == nil {
				out = append(out, x)
			}
			return err
		})
	})
	return out, err
}

// viewByIndex reads with read the object that k in index names; no entry
// is the not-found error of format and args.
func viewByIndex[T any](s *Store, index, k []byte, read func(*bolt.Tx, string) (T, error), format string, args ...any) (T, error) {
	var out T
	err := s.view(func(tx *bolt.Tx) (err error) {
		id := tx.Bucket(index).Get(k)
		if id == nil {
			return portal.Errorf(portal.ENotFound, format, args...)
		}
		out, err = read(tx, string(id))
		return err
	})
	return out, err
}

// keySuffix and value name an index entry's object by the last part of
// its key, or by its value.
func keySuffix(k, _ []byte) string { return suffix(k) }
func value(_, v []byte) string     { return string(v) }

// pageOf reads one page of ids with get and returns it with the total.
func pageOf[T any](tx *bolt.Tx, ids []string, p portal.Page, get func(tx *bolt.Tx, id string) (T, error)) ([]T, int, error) {
	var out []T
	for _, id := range portal.PageOf(ids, p) {
		x, err := get(tx, id)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, x)
	}
	return out, len(ids), nil
}

// suffixes returns the last parts of the keys under prefix, in key order.
func suffixes(b *bolt.Bucket, prefix []byte) ([]string, error) {
	var out []string
	err := forEach(b, prefix, func(k, _ []byte) error {
		out = append(out, suffix(k))
		return nil
	})
	return out, err
}

// listByStatus pages through an order bucket (created \0 id → status),
// keeping the ids of the status ("" for all), and reads the page's
// objects with get. It returns the page and the total.
func listByStatus[T any](tx *bolt.Tx, order []byte, status string, p portal.Page, get func(tx *bolt.Tx, id string) (T, error)) ([]T, int, error) {
	var match []string
	if err := forEach(tx.Bucket(order), nil, func(k, v []byte) error {
		if status == "" || string(v) == status {
			match = append(match, suffix(k))
		}
		return nil
	}); err != nil {
		return nil, 0, err
	}
	return pageOf(tx, match, p, get)
}

// suffix returns the last part of a composite key.
func suffix(k []byte) string { return string(k[bytes.LastIndexByte(k, 0)+1:]) }

// audit completes ev as the Store interface promises and writes it.
func (s *Store) audit(tx *bolt.Tx, ev portal.AuditEvent, subject string) error {
	ev = ev.Complete(subject)
	k := key(ev.Subject, stamp(ev.At), ev.ID)
	if err := tx.Bucket(bAuditOrder).Put(key(stamp(ev.At), ev.ID), auditRef(ev, k)); err != nil {
		return err
	}
	return put(tx.Bucket(bAudit), k, ev)
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

// Records of the application side: the domain types hide owners, hashes
// and versions from JSON.
type (
	appRec struct {
		portal.Application
		DeveloperID string `json:"developer_id"`
		Version     int64  `json:"version"`
	}
	regRec struct {
		portal.Registration
		Version int64 `json:"version"`
	}
	credRec struct {
		portal.Credential
		ApplicationID string `json:"application_id"`
		DeveloperID   string `json:"developer_id"`
		Hash          string `json:"hash"`
	}
)

func (r appRec) app() portal.Application {
	a := r.Application
	a.DeveloperID, a.Version = r.DeveloperID, r.Version
	return a
}

func (r regRec) reg() portal.Registration { g := r.Registration; g.Version = r.Version; return g }

func (r credRec) cred() portal.Credential {
	c := r.Credential
	c.ApplicationID, c.DeveloperID, c.Hash = r.ApplicationID, r.DeveloperID, r.Hash
	return c
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

package portal

import (
	"context"
	"strings"
	"time"
)

// AdminUserStatus is whether an admin user may log in to the console.
type AdminUserStatus string

// Admin user statuses.
const (
	AdminActive   AdminUserStatus = "active"
	AdminDisabled AdminUserStatus = "disabled"
	// AdminInvited is an admin user invited by mail who has not chosen a
	// password yet: they cannot log in; accepting makes them active.
	AdminInvited AdminUserStatus = "invited"
)

// AdminInviteTTL is how long an invitation's link works.
const AdminInviteTTL = 7 * 24 * time.Hour

// AdminUser is a person who logs in to the admin console with an email
// address and a password. Scripts use admin tokens instead.
type AdminUser struct {
	ID           string          `json:"id"`
	Email        string          `json:"email"` // as typed; EmailKey is the unique key
	FullName     string          `json:"full_name"`
	PasswordHash string          `json:"-"` // argon2id, PHC string format
	Status       AdminUserStatus `json:"status"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
	Version      int64           `json:"-"`
}

// Actors of audit events: who made a change.
const (
	ActorAdminUser  = "admin-user:" // an admin user's id follows
	ActorAdminToken = "admin:"      // an admin token's id follows
)

// AdminUserActor returns the admin user who made the change of ev, if an
// admin user (not a token, a developer or the CLI) made it.
func (ev AuditEvent) AdminUserActor() (id string, ok bool) {
	id, ok = strings.CutPrefix(ev.Actor, ActorAdminUser)
	return id, ok && id != ""
}

// ErrActorInactive is the Precondition of a change to an admin user made
// by an admin user who is no longer active (see SetAdminUserStatus).
func ErrActorInactive(actor string) error {
	return Errorf(EPrecondition, "admin user %s, who made this change, is no longer active; the change was not made", actor)
}

// AuditFilter narrows the audit log: each field set must match (At in
// [From, To) when set).
type AuditFilter struct {
	Actor, Subject, Action string
	From, To               time.Time
}

// Match reports whether ev passes the filter.
func (f AuditFilter) Match(ev AuditEvent) bool {
	return (f.Actor == "" || ev.Actor == f.Actor) &&
		(f.Subject == "" || ev.Subject == f.Subject) &&
		(f.Action == "" || ev.Action == f.Action) &&
		(f.From.IsZero() || !ev.At.Before(f.From)) &&
		(f.To.IsZero() || ev.At.Before(f.To))
}

// MatchText reports whether a developer matches a search: every word of
// q is in the email address or the full name, ignoring case; the
// EmailContains and NameContains parts must hold too.
func (f DeveloperFilter) MatchText(d Developer) bool {
	email, name := strings.ToLower(d.Email), strings.ToLower(d.FullName)
	for w := range strings.FieldsSeq(strings.ToLower(f.Query)) {
		if !strings.Contains(email, w) && !strings.Contains(name, w) {
			return false
		}
	}
	return strings.Contains(email, strings.ToLower(f.EmailContains)) &&
		strings.Contains(name, strings.ToLower(f.NameContains))
}

// HasText reports whether the filter searches text (not only a status).
func (f DeveloperFilter) HasText() bool {
	return strings.TrimSpace(f.Query) != "" || f.EmailContains != "" || f.NameContains != ""
}

// AdminStore keeps the admin console's users and reads the whole audit
// log, with the rules of Store: conditional writes, the audit event in
// the same transaction, *Error codes.
type AdminStore interface {
	// CreateAdminUser fails with Conflict when another admin user has the
	// same EmailKey (or the id is taken).
	CreateAdminUser(ctx context.Context, u AdminUser, ev AuditEvent) error
	GetAdminUser(ctx context.Context, id string) (AdminUser, error)
	GetAdminUserByEmail(ctx context.Context, email string) (AdminUser, error)
	// ListAdminUsers lists every admin user, oldest first.
	ListAdminUsers(ctx context.Context) ([]AdminUser, error)
	// SetAdminUserStatus moves an admin user to status `to` if its stored
	// version is version (Conflict otherwise); disabling ends every
	// session of the user (sessions whose AdminUserID is the user's), and
	// a session cannot be created for a disabled user (Precondition).
	// When ev's actor is another admin user (ev.AdminUserActor), the
	// change applies only while that admin user is active, in the same
	// step (Precondition otherwise): of two admins disabling each other
	// at once, one wins and one admin stays.
	SetAdminUserStatus(ctx context.Context, id string, version int64, to AdminUserStatus, ev AuditEvent) (AdminUser, error)
	// SetAdminUserPassword stores hash as the admin user's password if
	// its stored version is version (Conflict otherwise); an invited user
	// becomes active (the invitation accepted), any other keeps its
	// status. Every session of the user ends but keep's (the hash of the
	// session that changed it, or "" for none).
	SetAdminUserPassword(ctx context.Context, id string, version int64, hash, keep string, ev AuditEvent) (AdminUser, error)
	// ListAllAuditEvents lists the audit log, newest first, filtered,
	// with the total of matching events.
	ListAllAuditEvents(ctx context.Context, f AuditFilter, p Page) ([]AuditEvent, int, error)
}

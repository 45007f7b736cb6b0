// Package portal holds the run-time domain of the developer portal:
// developers, sessions, teams and roles, portal settings and audit events,
// the rules that govern them, and the Store they live in. It imports no
// AWS, Hugo or HTTP package; dynamostore, boltstore and httpapi are
// adapters around it.
package portal

import (
	"context"
	"math"
	"strings"
	"time"
)

// DeveloperStatus is where a developer stands with the portal (Konnect's
// names).
type DeveloperStatus string

// Developer statuses.
const (
	StatusPending  DeveloperStatus = "pending"
	StatusApproved DeveloperStatus = "approved"
	StatusRejected DeveloperStatus = "rejected"
	StatusRevoked  DeveloperStatus = "revoked"
)

// Valid reports whether s is a known status.
func (s DeveloperStatus) Valid() bool {
	switch s {
	case StatusPending, StatusApproved, StatusRejected, StatusRevoked:
		return true
	}
	return false
}

// Transitions lists, for each target status, the statuses a developer may
// move from. Moving to the status a developer already has is not a change.
var Transitions = map[DeveloperStatus][]DeveloperStatus{
	StatusApproved: {StatusPending, StatusRejected, StatusRevoked},
	StatusRejected: {StatusPending},
	StatusRevoked:  {StatusApproved},
	StatusPending:  {},
}

// Developer is a person who signed up to the portal.
type Developer struct {
	ID            string          `json:"id"`
	Email         string          `json:"email"` // as typed; EmailKey is the unique key
	FullName      string          `json:"full_name"`
	PasswordHash  string          `json:"-"` // argon2id, PHC string format
	Status        DeveloperStatus `json:"status"`
	EmailVerified bool            `json:"email_verified"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	// Version increases with every write; updates are conditional on it.
	Version int64 `json:"-"`
}

// EmailKey is the case-insensitive form of an email address under which
// developers are unique.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// TeamNameKey is the case-insensitive form of a team name under which teams
// are unique.
func TeamNameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// TokenKind is what a single-use token is for.
type TokenKind string

// Token kinds.
const (
	TokenVerifyEmail   TokenKind = "verify-email"
	TokenResetPassword TokenKind = "reset-password"
	TokenAdminInvite   TokenKind = "admin-invite" // its DeveloperID is the invited admin user's id
	TokenAdminReset    TokenKind = "admin-reset"  // its DeveloperID is the admin user's id
)

// Token is a single-use secret sent by mail. Only its SHA-256 is stored.
type Token struct {
	Hash        string    // hex SHA-256 of the secret
	Kind        TokenKind //
	DeveloperID string    // the developer (the admin user for TokenAdminInvite and TokenAdminReset)
	ExpiresAt   time.Time // stores also expire it with a TTL attribute
}

// Session is a logged-in browser. Only the SHA-256 of its cookie is stored.
type Session struct {
	Hash        string    // hex SHA-256 of the 256-bit cookie value
	DeveloperID string    // the developer, or "" for an admin session
	AdminUserID string    // the admin user, or "" for a developer's session
	CreatedAt   time.Time //
	LastSeenAt  time.Time // idle timeout counts from here
	ExpiresAt   time.Time // absolute timeout
}

// Expired reports whether the session's absolute lifetime is over at now:
// it lives while now is before ExpiresAt.
func (s Session) Expired(now time.Time) bool { return !now.Before(s.ExpiresAt) }

// Settings are the portal's settings (Konnect's Portal fields).
type Settings struct {
	ID                               string    `json:"id"`
	Name                             string    `json:"name"`
	DisplayName                      string    `json:"display_name"`
	AuthenticationEnabled            bool      `json:"authentication_enabled"`
	RBACEnabled                      bool      `json:"rbac_enabled"`
	AutoApproveDevelopers            bool      `json:"auto_approve_developers"`
	AutoApproveApplications          bool      `json:"auto_approve_applications"`
	DefaultAPIVisibility             string    `json:"default_api_visibility"`
	DefaultPageVisibility            string    `json:"default_page_visibility"`
	DefaultApplicationAuthStrategyID string    `json:"default_application_auth_strategy_id"`
	CreatedAt                        time.Time `json:"created_at"`
	UpdatedAt                        time.Time `json:"updated_at"`
	Version                          int64     `json:"-"`
}

// Team groups developers to whom roles are assigned.
type Team struct {
	ID          string `json:"id"`
	Name        string `json:"name"` // unique, case-insensitive
	Description string `json:"description"`
	// CanOwnApplications lets members create applications that the whole
	// team shares.
	CanOwnApplications bool      `json:"can_own_applications"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Version            int64     `json:"-"`
}

// Role names (Konnect's).
const (
	RoleAPIViewer   = "API Viewer"
	RoleAPIConsumer = "API Consumer"
)

// RoleAssignment gives a team a role on one API.
type RoleAssignment struct {
	ID             string    `json:"id"`
	TeamID         string    `json:"-"`
	RoleName       string    `json:"role_name"`
	EntityID       string    `json:"entity_id"`        // the API's id
	EntityTypeName string    `json:"entity_type_name"` // "APIs" or "Services"
	EntityRegion   string    `json:"entity_region"`    // "*" here
	CreatedAt      time.Time `json:"created_at"`
}

// AdminToken authorises the management API. Only its SHA-256 is stored.
type AdminToken struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Hash      string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// AuditEvent records one state change; stores write it in the same
// transaction as the change.
type AuditEvent struct {
	ID      string            `json:"id"`
	At      time.Time         `json:"at"`
	Actor   string            `json:"actor"`   // "developer:<id>", "admin:<token id>", "system"
	Action  string            `json:"action"`  // "developer.created", "developer.status_changed", ...
	Subject string            `json:"subject"` // the changed object's id
	Detail  map[string]string `json:"detail,omitempty"`
}

// Page asks for one page of a list (page[size], page[number], from 1).
type Page struct {
	Size   int
	Number int
}

// Normalize applies the defaults (20) and limits (100) of API.md.
func (p Page) Normalize() Page {
	if p.Size <= 0 {
		p.Size = 20
	}
	if p.Size > 100 {
		p.Size = 100
	}
	if p.Number <= 0 {
		p.Number = 1
	}
	return p
}

// Offset is how many items come before the normalized page. page[number]
// may be any number up to math.MaxInt64: (Number-1)*Size would overflow
// and turn negative, so the offset saturates at math.MaxInt instead, and a
// page that far is past the end and empty, like any page past the end
// (Konnect answers those with empty data and the real total, and clients
// that page until data is empty rely on it).
func (p Page) Offset() int {
	p = p.Normalize()
	if p.Number-1 > math.MaxInt/p.Size {
		return math.MaxInt
	}
	return (p.Number - 1) * p.Size
}

// PageOf is the normalized page p of all: empty past the end.
func PageOf[T any](all []T, p Page) []T {
	p = p.Normalize()
	from := min(p.Offset(), len(all))
	return all[from:min(from+p.Size, len(all))]
}

// MaxMailSlots bounds TakeMailSlot's limit: stores keep one record per
// slot and may try each in turn.
const MaxMailSlots = 10

// DeveloperFilter narrows a developer list.
type DeveloperFilter struct {
	Status DeveloperStatus // "" for all
	// Query keeps developers with every word of it in their email
	// address or full name (filter[q]); EmailContains and NameContains
	// are Konnect's filter[email][contains] and filter[full_name][contains].
	// All ignore case.
	Query, EmailContains, NameContains string
}

// Store keeps the portal's run-time state. Every method that changes state
// is a conditional write or a transaction: invariants hold under any
// concurrency, and the audit event is written with the change or not at
// all. Methods return *Error with code NotFound, Conflict (a uniqueness or
// version check failed) or Precondition (the object is not in a state that
// allows the change); other errors are internal.
//
// Lists are ordered by creation time, oldest first, and return the total.
//
// Stores store new objects with Version 1 and stamp UpdatedAt on every
// change with the audit event's time. They complete the event: a random
// ID and Subject = the changed object's id when empty. A store has no
// clock of its own: every time it needs (the event's At, "now" for
// expiry) comes from the caller, so one injected clock rules all parties;
// an event without At is refused as EInvalid.
type Store interface {
	// Developers. CreateDeveloper fails with Conflict when another
	// developer has the same EmailKey.
	CreateDeveloper(ctx context.Context, d Developer, ev AuditEvent) error
	GetDeveloper(ctx context.Context, id string) (Developer, error)
	GetDeveloperByEmail(ctx context.Context, email string) (Developer, error)
	ListDevelopers(ctx context.Context, f DeveloperFilter, p Page) ([]Developer, int, error)
	// UpdateDeveloper writes d if the stored version is d.Version, and
	// returns it with the new version; Conflict otherwise. It cannot
	// change Status or Email.
	UpdateDeveloper(ctx context.Context, d Developer, ev AuditEvent) (Developer, error)
	// SetDeveloperStatus moves a developer to status `to` if its current
	// status is one of `from`; Precondition otherwise (with the current
	// status in the message). Exactly one of many concurrent calls that
	// race on one developer wins. The audit event's Detail gains "from"
	// and "to".
	SetDeveloperStatus(ctx context.Context, id string, from []DeveloperStatus, to DeveloperStatus, ev AuditEvent) (Developer, error)
	// DeleteDeveloper removes the developer, their team memberships,
	// sessions and applications (with the applications' registrations and
	// credentials, as DeleteApplication). The one audit event is about the
	// developer.
	DeleteDeveloper(ctx context.Context, id string, ev AuditEvent) error

	// Single-use tokens. PutToken stores t and, in the same atomic step,
	// voids the developer's other tokens of t.Kind: only the newest link
	// mailed for a purpose works (Conflict for a known hash; of concurrent
	// calls for one developer and kind, one token survives).
	// ConsumeToken deletes and returns the token if it
	// exists, has the kind and has not expired at now; NotFound otherwise.
	// Of concurrent calls with one token, exactly one succeeds.
	PutToken(ctx context.Context, t Token) error
	ConsumeToken(ctx context.Context, hash string, kind TokenKind, now time.Time) (Token, error)

	// Sessions. CreateSession fails with Conflict for a known hash,
	// NotFound for an unknown developer or admin user, and Precondition
	// for a disabled admin user; sessions expired at now are
	// NotFound; TouchSession records activity at `at` and is NotFound for
	// a session expired by then; DeleteSession of an unknown session is
	// not an error (logout).
	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, hash string, now time.Time) (Session, error)
	TouchSession(ctx context.Context, hash string, at time.Time) error
	DeleteSession(ctx context.Context, hash string) error
	// DeleteDeveloperSessions ends every session of a developer but the
	// one whose hash is keep ("" for none).
	DeleteDeveloperSessions(ctx context.Context, developerID, keep string) error

	// Login throttling: RecordLoginFailure counts a failed login for the
	// account and returns the failures within window before now.
	RecordLoginFailure(ctx context.Context, email string, now time.Time, window time.Duration) (int, error)
	CountLoginFailures(ctx context.Context, email string, now time.Time, window time.Duration) (int, error)
	ClearLoginFailures(ctx context.Context, email string) error

	// Mail throttling: TakeMailSlot records a mail of kind (a template
	// name) to the address (by EmailKey) at now if fewer than limit were
	// recorded in the window before it, (now-window, now], and reports
	// whether it did. It is atomic: of concurrent calls for one address
	// and kind, at most limit succeed. limit is 1 to MaxMailSlots
	// (Invalid otherwise).
	TakeMailSlot(ctx context.Context, email, kind string, now time.Time, window time.Duration, limit int) (bool, error)

	// Settings: GetSettings returns NotFound until PutSettings first runs;
	// PutSettings writes s if the stored version is s.Version (0: none
	// stored yet) and returns it with the new version.
	GetSettings(ctx context.Context) (Settings, error)
	PutSettings(ctx context.Context, s Settings, ev AuditEvent) (Settings, error)

	// AccessKey returns the key that signs access cookies, storing
	// candidate first when there is none: the first caller's candidate
	// wins and every caller gets the stored key. SetAccessKey replaces it
	// (rotation: every access cookie signed with the old key stops
	// working, and the functions issue new ones from live sessions).
	AccessKey(ctx context.Context, candidate []byte) ([]byte, error)
	SetAccessKey(ctx context.Context, key []byte, ev AuditEvent) error

	// Teams. Names are unique, case-insensitive (Conflict).
	CreateTeam(ctx context.Context, t Team, ev AuditEvent) error
	GetTeam(ctx context.Context, id string) (Team, error)
	ListTeams(ctx context.Context, p Page) ([]Team, int, error)
	UpdateTeam(ctx context.Context, t Team, ev AuditEvent) (Team, error)
	// DeleteTeam removes the team, its memberships and role assignments.
	DeleteTeam(ctx context.Context, id string, ev AuditEvent) error

	// Members: one membership per team and developer (Conflict); both
	// must exist (NotFound). ListTeamMembers orders by the developers'
	// creation and is NotFound for an unknown team.
	AddTeamMember(ctx context.Context, teamID, developerID string, ev AuditEvent) error
	RemoveTeamMember(ctx context.Context, teamID, developerID string, ev AuditEvent) error
	ListTeamMembers(ctx context.Context, teamID string, p Page) ([]Developer, int, error)
	ListDeveloperTeams(ctx context.Context, developerID string) ([]Team, error)

	// Roles: one assignment per team, role and entity id (Conflict).
	// ListTeamRoles is NotFound for an unknown team.
	AssignRole(ctx context.Context, r RoleAssignment, ev AuditEvent) error
	RemoveRole(ctx context.Context, teamID, assignmentID string, ev AuditEvent) error
	ListTeamRoles(ctx context.Context, teamID string) ([]RoleAssignment, error)

	// Admin tokens. GetAdminTokenByHash returns revoked tokens too (the
	// caller checks RevokedAt); revoking twice is Precondition.
	CreateAdminToken(ctx context.Context, t AdminToken, ev AuditEvent) error
	GetAdminTokenByHash(ctx context.Context, hash string) (AdminToken, error)
	ListAdminTokens(ctx context.Context) ([]AdminToken, error)
	RevokeAdminToken(ctx context.Context, id string, at time.Time, ev AuditEvent) error

	// Audit events about one subject, oldest first.
	ListAuditEvents(ctx context.Context, subject string) ([]AuditEvent, error)

	Close() error
}

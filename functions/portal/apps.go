package portal

import (
	"context"
	"maps"
	"time"
)

// API is a published API as the store knows it: catalog.json, mirrored by
// `portal publish` (Konnect's names).
type API struct {
	ID                       string            `json:"id"`
	Slug                     string            `json:"slug"`
	Name                     string            `json:"name"`
	Version                  string            `json:"version"`
	Description              string            `json:"description,omitempty"`
	Visibility               string            `json:"visibility"` // VisibilityPublic, VisibilityPrivate
	Labels                   map[string]string `json:"labels,omitempty"`
	SpecType                 string            `json:"spec_type,omitempty"`
	SpecVersion              string            `json:"spec_version,omitempty"`
	AuthStrategyID           string            `json:"auth_strategy_id,omitempty"` // "" when the API takes no keys
	RouteHost                string            `json:"route_host,omitempty"`       // the gateway's host for it; "": any host
	RoutePrefix              string            `json:"route_prefix"`               // its path prefix there: /gateway/{slug}/ by default
	UpstreamURL              string            `json:"upstream_url,omitempty"`
	AutoApproveRegistrations bool              `json:"auto_approve_registrations"`
	PublishedAt              time.Time         `json:"published_at"`
}

// SameAPI reports whether a and b differ at most in PublishedAt (nil and
// empty Labels are the same): publishing b over a changes nothing.
func SameAPI(a, b API) bool {
	return a.ID == b.ID && a.Slug == b.Slug && a.Name == b.Name && a.Version == b.Version &&
		a.Description == b.Description && a.Visibility == b.Visibility && maps.Equal(a.Labels, b.Labels) &&
		a.SpecType == b.SpecType && a.SpecVersion == b.SpecVersion && a.AuthStrategyID == b.AuthStrategyID &&
		a.RouteHost == b.RouteHost && a.RoutePrefix == b.RoutePrefix && a.UpstreamURL == b.UpstreamURL &&
		a.AutoApproveRegistrations == b.AutoApproveRegistrations
}

// AuthStrategy is an application auth strategy. Only key_auth exists.
type AuthStrategy struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Type        string    `json:"strategy_type"` // "key_auth"
	KeyNames    []string  `json:"key_names"`     // headers (and query parameters) holding the key; default ["apikey"]
	TTL         int       `json:"ttl,omitempty"` // seconds a new key lives; 0: no expiry
	KeyInQuery  bool      `json:"key_in_query"`  // accept the key in the query string (off by default)
	CreatedAt   time.Time `json:"created_at"`
}

// DefaultAuthStrategyID is the key_auth strategy that exists by default.
const DefaultAuthStrategyID = "key-auth"

// AuthNone is the strategy type of an API published with `auth: none`: no
// key is asked for, in every front end alike. It is never stored: such an
// API has no AuthStrategyID.
const AuthNone = "none"

// Application belongs to a developer; its credentials are API keys.
type Application struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	DeveloperID string `json:"-"`
	// TeamID, when set, shares the application with the members of a team
	// that may own applications; DeveloperID stays its creator.
	TeamID         string    `json:"team_id,omitempty"`
	AuthStrategyID string    `json:"auth_strategy_id"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Version        int64     `json:"-"`
}

// RegistrationStatus is where an application stands with one API.
type RegistrationStatus string

// Registration statuses.
const (
	RegistrationPending  RegistrationStatus = "pending"
	RegistrationApproved RegistrationStatus = "approved"
	RegistrationRejected RegistrationStatus = "rejected"
	RegistrationRevoked  RegistrationStatus = "revoked"
)

// RegistrationTransitions lists, per target status, the statuses a
// registration may move from.
var RegistrationTransitions = map[RegistrationStatus][]RegistrationStatus{
	RegistrationApproved: {RegistrationPending, RegistrationRejected, RegistrationRevoked},
	RegistrationRejected: {RegistrationPending},
	RegistrationRevoked:  {RegistrationApproved},
}

// Registration is an application's request to use one API.
type Registration struct {
	ID            string             `json:"id"`
	ApplicationID string             `json:"application_id"`
	APIID         string             `json:"api_id"`
	Status        RegistrationStatus `json:"status"`
	CreatedAt     time.Time          `json:"created_at"`
	UpdatedAt     time.Time          `json:"updated_at"`
	Version       int64              `json:"-"`
}

// Credential is an API key of an application. Only the key's SHA-256 is
// stored; the key is shown once, at creation.
type Credential struct {
	ID            string     `json:"id"`
	ApplicationID string     `json:"-"`
	DeveloperID   string     `json:"-"` // the application's owner, so that validation reads both at once
	DisplayName   string     `json:"display_name"`
	Hash          string     `json:"-"`            // hex SHA-256 of the key
	Hint          string     `json:"key_hint"`     // the key's prefix and last 4 characters, to recognise it
	CreatedAt     time.Time  `json:"created_at"`   //
	ExpiresAt     *time.Time `json:"expires_at"`   // strategy TTL or rotation grace; nil: none
	LastUsedAt    *time.Time `json:"last_used_at"` // written off the hot path, at most once a minute
}

// Limits on what one owner may create.
const (
	MaxApplicationsPerDeveloper  = 500
	MaxCredentialsPerApplication = 20
)

// DefaultAuthStrategy is the key_auth strategy every store has without
// its being created (as in Konnect): header apikey, no expiry, not in the
// query string.
func DefaultAuthStrategy() AuthStrategy {
	return AuthStrategy{
		ID:          DefaultAuthStrategyID,
		Name:        "key-auth",
		DisplayName: "Key authentication",
		Type:        "key_auth",
		KeyNames:    []string{"apikey"},
	}
}

// FullStore is everything the functions keep: accounts (Store) and
// applications (AppStore). Both stores implement it.
type FullStore interface {
	Store
	AppStore
	AdminStore
}

// AppStore keeps the catalog, applications, registrations and credentials,
// with the same rules as Store: conditional writes or transactions for
// every invariant, the audit event in the same transaction (and none for a
// refused change), *Error codes NotFound, Conflict and Precondition; new
// objects get Version 1, changes stamp UpdatedAt with the event's time;
// the event's Subject defaults to the id of the object created, changed or
// deleted (the registration's or credential's own id, not the
// application's). Lists are ordered by creation, oldest first, then id.
//
// The validator's cache-miss path is GetCredentialByHash, GetApplication,
// GetDeveloper, FindRegistration and ListDeveloperRoles: each is one read
// (ListDeveloperRoles: one, then one per team in parallel).
type AppStore interface {
	// PublishAPIs mirrors the catalog: it writes every API in apis (by ID)
	// and deletes stored APIs whose ID is not in apis, together with their
	// registrations (role assignments on them stay). An API is unchanged
	// when every field but PublishedAt equals the stored one (nil and
	// empty Labels are equal); PublishedAt is the time of the event of the
	// publish that last wrote the API (the caller's value is ignored).
	// changed counts APIs written or deleted: publishing the same catalog
	// twice changes nothing and returns changed == 0, and of concurrent
	// identical publishes each API is counted once. IDs and slugs must be
	// unique within apis (Invalid otherwise).
	//
	// Each changed API gets its own audit event: ev with Subject the API's
	// id (ev.Subject is ignored; the events of one publish share ev.ID) and
	// Detail "change" = created, updated or deleted. No change, no event.
	// Each API's change is atomic with its event; a publish that fails
	// part-way may have written some APIs and can simply be repeated.
	PublishAPIs(ctx context.Context, apis []API, ev AuditEvent) (changed int, err error)
	GetAPI(ctx context.Context, id string) (API, error)
	GetAPIBySlug(ctx context.Context, slug string) (API, error)
	// ListAPIs lists the catalog by slug.
	ListAPIs(ctx context.Context) ([]API, error)

	// Auth strategies. The default one (DefaultAuthStrategy) exists
	// without being created; creating a strategy with its id replaces it,
	// once. CreateAuthStrategy fails with Conflict for a stored id.
	// ListAuthStrategies lists the default first if it is not stored.
	CreateAuthStrategy(ctx context.Context, s AuthStrategy, ev AuditEvent) error
	GetAuthStrategy(ctx context.Context, id string) (AuthStrategy, error)
	ListAuthStrategies(ctx context.Context) ([]AuthStrategy, error)

	// Applications. CreateApplication fails with Precondition when the
	// developer already has MaxApplicationsPerDeveloper applications (exact
	// under concurrency), NotFound for an unknown developer and Conflict
	// for a known id.
	CreateApplication(ctx context.Context, a Application, ev AuditEvent) error
	GetApplication(ctx context.Context, id string) (Application, error)
	// ListTeamApplications lists the applications a team owns (TeamID),
	// oldest first; CreateApplication with a TeamID fails with NotFound for
	// an unknown team.
	ListTeamApplications(ctx context.Context, teamID string) ([]Application, error)
	// ListApplications lists a developer's applications (none for an
	// unknown developer), with their total.
	ListApplications(ctx context.Context, developerID string, p Page) ([]Application, int, error)
	ListAllApplications(ctx context.Context, p Page) ([]Application, int, error)
	// UpdateApplication writes a's Name, Description and AuthStrategyID if
	// the stored version is a.Version, and returns it with the new
	// version; Conflict otherwise, NotFound for an unknown application.
	UpdateApplication(ctx context.Context, a Application, ev AuditEvent) (Application, error)
	// DeleteApplication removes the application, its registrations and
	// credentials: once it returns, GetCredentialByHash is NotFound for
	// every key of it (the credentials go in the same transaction as the
	// application).
	DeleteApplication(ctx context.Context, id string, ev AuditEvent) error

	// Registrations: one per application and API (Conflict; also for a
	// known id); the API and application must exist (NotFound). The
	// caller sets the initial Status (pending, or approved by
	// auto-approve).
	CreateRegistration(ctx context.Context, r Registration, ev AuditEvent) error
	GetRegistration(ctx context.Context, id string) (Registration, error)
	// FindRegistration returns the application's registration for an API
	// (one read).
	FindRegistration(ctx context.Context, applicationID, apiID string) (Registration, error)
	// ListRegistrations lists an application's registrations (none for an
	// unknown application).
	ListRegistrations(ctx context.Context, applicationID string) ([]Registration, error)
	// ListAllRegistrations lists every registration, optionally ("" for
	// all) of one status, with the total.
	ListAllRegistrations(ctx context.Context, status RegistrationStatus, p Page) ([]Registration, int, error)
	// SetRegistrationStatus moves a registration to `to` if its status is
	// one of `from`; Precondition otherwise (naming the current status).
	// Exactly one of concurrent calls wins. The audit event's Detail
	// gains "from" and "to".
	SetRegistrationStatus(ctx context.Context, id string, from []RegistrationStatus, to RegistrationStatus, ev AuditEvent) (Registration, error)
	DeleteRegistration(ctx context.Context, id string, ev AuditEvent) error

	// Credentials. CreateCredential fails with Precondition when the
	// application already has MaxCredentialsPerApplication (exact under
	// concurrency; expired credentials count until deleted), NotFound for
	// an unknown application, and Conflict for a known hash or id. The
	// store sets DeveloperID to the application's developer.
	CreateCredential(ctx context.Context, c Credential, ev AuditEvent) error
	// ListCredentials lists an application's credentials (none for an
	// unknown application).
	ListCredentials(ctx context.Context, applicationID string) ([]Credential, error)
	// GetCredentialByHash is the validator's lookup (one read). It returns
	// expired credentials too: the caller checks ExpiresAt.
	GetCredentialByHash(ctx context.Context, hash string) (Credential, error)
	// ExpireCredential brings a credential's expiry forward to at
	// (rotation's grace period) and returns it; NotFound unless the
	// application has the credential. It never extends an expiry: a
	// credential that already expires by at is returned unchanged, with
	// no event.
	ExpireCredential(ctx context.Context, applicationID, id string, at time.Time, ev AuditEvent) (Credential, error)
	// DeleteCredential removes a credential of the application (NotFound
	// unless the application has it).
	DeleteCredential(ctx context.Context, applicationID, id string, ev AuditEvent) error
	// TouchCredential records last use; it may be skipped under load and is
	// not audited. It never moves LastUsedAt back; NotFound for an unknown
	// credential.
	TouchCredential(ctx context.Context, id string, at time.Time) error

	// ListDeveloperRoles returns the role assignments (with TeamID) of
	// every team the developer is in, ordered by creation; none for an
	// unknown developer.
	ListDeveloperRoles(ctx context.Context, developerID string) ([]RoleAssignment, error)
}

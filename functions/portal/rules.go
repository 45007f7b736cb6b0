package portal

import (
	"maps"
	"slices"
	"strconv"
	"time"
)

// An API's or a page's visibility.
const (
	VisibilityPublic  = "public"
	VisibilityPrivate = "private"
)

// The access rules, each written once: the HTTP API, the validator and
// both stores call them.

// HoldsRole reports whether roles grant role on the API apiID.
func HoldsRole(roles []RoleAssignment, role, apiID string) bool {
	for _, r := range roles {
		if r.RoleName == role && r.EntityID == apiID {
			return true
		}
	}
	return false
}

// MayView reports whether an approved developer holding roles (through
// their teams) may read the API: a public one always (anonymous visitors
// read it too); a private one with RBAC off, or with RBAC on through a
// role on it (API Viewer or API Consumer).
func MayView(s Settings, roles []RoleAssignment, api API) bool {
	if api.Visibility != VisibilityPrivate || !s.RBACEnabled {
		return true
	}
	for _, r := range roles {
		if r.EntityID == api.ID {
			return true
		}
	}
	return false
}

// Readable is what developer d may read of the private content: the slugs
// of the private APIs they may view, and whether the private pages (every
// approved developer may). A developer who is not approved reads what
// anonymous visitors read: public content only.
func Readable(s Settings, d Developer, roles []RoleAssignment, apis []API) (slugs []string, pages bool) {
	slugs = []string{}
	if d.Status != StatusApproved {
		return slugs, false
	}
	for _, a := range apis {
		if a.Visibility == VisibilityPrivate && MayView(s, roles, a) {
			slugs = append(slugs, a.Slug)
		}
	}
	return slugs, true
}

// CheckAccessKey checks a key that signs access cookies: HS256 wants at
// least 32 bytes.
func CheckAccessKey(key []byte) error {
	if len(key) < 32 {
		return Errorf(EInvalid, "an access key has at least 32 bytes (this one has %d)", len(key))
	}
	return nil
}

// MayConsume reports whether an approved developer holding roles may
// register applications to the API and call it: always with RBAC off,
// else only with API Consumer on it (API Viewer only reads).
func MayConsume(s Settings, roles []RoleAssignment, apiID string) bool {
	return !s.RBACEnabled || HoldsRole(roles, RoleAPIConsumer, apiID)
}

// InitialRegistrationStatus is where a new registration to api starts:
// approved when the portal or the API auto-approves, else pending.
func InitialRegistrationStatus(s Settings, api API) RegistrationStatus {
	if s.AutoApproveApplications || api.AutoApproveRegistrations {
		return RegistrationApproved
	}
	return RegistrationPending
}

// CheckCatalog checks a catalog before it is published: ids and slugs
// present and unique.
func CheckCatalog(apis []API) error {
	ids, slugs := map[string]bool{}, map[string]bool{}
	for i, a := range apis {
		if a.ID == "" || ids[a.ID] {
			return &Error{Code: EInvalid, Message: "catalog: API ids must be unique and not empty", Fields: []FieldError{{Field: "apis[" + strconv.Itoa(i) + "].id", Reason: "empty or repeated: " + a.ID}}}
		}
		if a.Slug == "" || slugs[a.Slug] {
			return &Error{Code: EInvalid, Message: "catalog: API slugs must be unique and not empty", Fields: []FieldError{{Field: "apis[" + strconv.Itoa(i) + "].slug", Reason: "empty or repeated: " + a.Slug}}}
		}
		ids[a.ID], slugs[a.Slug] = true, true
	}
	return nil
}

// ForAPI is the publishing event ev as it is recorded about one API:
// subject the API, with the change (created, updated, removed) in Detail.
func (ev AuditEvent) ForAPI(id, change string) AuditEvent {
	ev.Subject = id
	ev.Detail = maps.Clone(ev.Detail)
	if ev.Detail == nil {
		ev.Detail = map[string]string{}
	}
	ev.Detail["change"] = change
	return ev
}

// StatusChange is a status-change event as it is recorded: Detail gains
// "from" and "to".
func (ev AuditEvent) StatusChange(from, to string) AuditEvent {
	ev.Detail = maps.Clone(ev.Detail)
	if ev.Detail == nil {
		ev.Detail = map[string]string{}
	}
	ev.Detail["from"], ev.Detail["to"] = from, to
	return ev
}

// CheckTransition is the rule of every status change: the object `what`
// (developer, registration) with id may move to `to` only from a status
// in `from`; Precondition otherwise, naming the current status.
func CheckTransition[S ~string](what, id string, cur S, from []S, to S) error {
	if slices.Contains(from, cur) {
		return nil
	}
	return Errorf(EPrecondition, "%s %s is %s; it cannot become %s", what, id, cur, to)
}

// CompleteNew is Complete for the event of creating an object, which it
// stamps with StampNew.
func (ev AuditEvent) CompleteNew(subject string, created, updated *time.Time) AuditEvent {
	ev = ev.Complete(subject)
	ev.StampNew(created, updated)
	return ev
}

// StampNew is the rule for a new object's times: created is the event's
// time unless the caller set it, and updated (nil for objects without
// one) is created unless set.
func (ev AuditEvent) StampNew(created, updated *time.Time) {
	if created.IsZero() {
		*created = ev.At
	}
	if updated != nil && updated.IsZero() {
		*updated = *created
	}
}

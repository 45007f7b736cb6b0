package dynamostore

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/portal-dev/portal/functions/portal"
)

// Admin users (see the package comment for the items):
//
//	ADMINUSER#<id>          | ADMINUSER       admin user; GSI1 ADMINUSERS
//	ADMINUSER#<id>          | SESSION#<hash>  pointer to the admin user's session (ttl)
//	ADMINEMAIL#<EmailKey>   | ADMINEMAIL      one admin user per email
//
// Audit events are also on GSI1 (AUDIT, <at>#<id>) for the whole log,
// newest first.
const (
	gsiAdminUsers = "ADMINUSERS"
	gsiAudit      = "AUDIT"
	skAdminUser   = "ADMINUSER"
	skAdminEmail  = "ADMINEMAIL"
)

func adminUserPK(id string) string     { return "ADMINUSER#" + id }
func adminEmailPK(email string) string { return "ADMINEMAIL#" + portal.EmailKey(email) }

type (
	adminUserItem struct {
		PK, SK         string
		GSI1PK, GSI1SK string
		portal.AdminUser
	}
	adminEmailItem struct {
		PK, SK      string
		AdminUserID string
	}
)

func newAdminUserItem(u portal.AdminUser) adminUserItem {
	return adminUserItem{PK: adminUserPK(u.ID), SK: skAdminUser, GSI1PK: gsiAdminUsers, GSI1SK: stamp(u.CreatedAt) + "#" + u.ID, AdminUser: u}
}

// CreateAdminUser implements portal.AdminStore.
func (s *Store) CreateAdminUser(ctx context.Context, u portal.AdminUser, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(u.ID, &u.CreatedAt, &u.UpdatedAt)
	u.Version = 1
	return s.createUnique(ctx, newAdminUserItem(u), adminEmailItem{PK: adminEmailPK(u.Email), SK: skAdminEmail, AdminUserID: u.ID}, ev,
		portal.Errorf(portal.EConflict, "admin user %s exists", u.ID),
		portal.Errorf(portal.EConflict, "an admin user with email %s exists", u.Email))
}

// GetAdminUser implements portal.AdminStore.
func (s *Store) GetAdminUser(ctx context.Context, id string) (portal.AdminUser, error) {
	var it adminUserItem
	err := s.getOne(ctx, adminUserPK(id), skAdminUser, &it, "admin user", id)
	return it.AdminUser, err
}

// GetAdminUserByEmail implements portal.AdminStore.
func (s *Store) GetAdminUserByEmail(ctx context.Context, email string) (portal.AdminUser, error) {
	var it adminEmailItem
	ok, err := s.getItem(ctx, adminEmailPK(email), skAdminEmail, &it)
	if err != nil {
		return portal.AdminUser{}, err
	}
	if !ok {
		return portal.AdminUser{}, notFound("admin user with email", email)
	}
	return s.GetAdminUser(ctx, it.AdminUserID)
}

// ListAdminUsers implements portal.AdminStore.
func (s *Store) ListAdminUsers(ctx context.Context) ([]portal.AdminUser, error) {
	items, err := s.indexAll(ctx, rangeQuery{index: GSI1, pkAttr: AttrGSI1PK, pk: gsiAdminUsers, forward: true})
	if err != nil {
		return nil, err
	}
	return decodeAll(items, func(it *adminUserItem) portal.AdminUser { return it.AdminUser })
}

// SetAdminUserStatus implements portal.AdminStore. The status changes on
// the condition of the version, in one transaction with the event; then
// the disabled user's sessions are deleted. A session created meanwhile
// either committed first (its pointer is found and deleted) or fails its
// condition that the user is active.
func (s *Store) SetAdminUserStatus(ctx context.Context, id string, version int64, to portal.AdminUserStatus, ev portal.AuditEvent) (portal.AdminUser, error) {
	ev = ev.Complete(id)
	cur, err := s.GetAdminUser(ctx, id)
	if err != nil {
		return portal.AdminUser{}, err
	}
	stale := portal.Errorf(portal.EConflict, "admin user %s changed since it was read", id)
	if cur.Version != version {
		return portal.AdminUser{}, stale
	}
	next := cur
	next.Status, next.UpdatedAt, next.Version = to, ev.At, cur.Version+1
	items := []types.TransactWriteItem{s.put(newAdminUserItem(next), versionIs(version)), s.audit(ev.StatusChange(string(cur.Status), string(to)))}
	actor, byAdmin := ev.AdminUserActor()
	if byAdmin && actor != id {
		items = append(items, s.check(key(adminUserPK(actor), skAdminUser), attrIs("Status", string(portal.AdminActive))))
	}
	err = s.transact(ctx, items...)
	if bad, _ := failed(err, 2); bad {
		return portal.AdminUser{}, portal.ErrActorInactive(actor)
	}
	if bad, old := failed(err, 0); bad {
		if len(old) == 0 {
			return portal.AdminUser{}, notFound("admin user", id)
		}
		return portal.AdminUser{}, stale
	}
	if err != nil {
		return portal.AdminUser{}, err
	}
	if to == portal.AdminDisabled {
		if err := s.deleteAdminSessions(ctx, id, ""); err != nil {
			return portal.AdminUser{}, err
		}
	}
	return next, nil
}

// deleteAdminSessions ends the admin user's sessions but keep's. It runs
// after the write that decided it: a session created meanwhile is ended
// by the same rule when it is next read (a disabled user's session ends).
func (s *Store) deleteAdminSessions(ctx context.Context, id, keep string) error {
	return s.deleteSessionsOf(ctx, adminUserPK(id), keep)
}

// ListAllAuditEvents implements portal.AdminStore: a subject's events are
// its partition; the whole log is GSI1's AUDIT partition. Both are read
// newest first within the filter's times; actor and action are a filter
// expression.
func (s *Store) ListAllAuditEvents(ctx context.Context, f portal.AuditFilter, p portal.Page) ([]portal.AuditEvent, int, error) {
	q := rangeQuery{index: GSI1, pkAttr: AttrGSI1PK, pk: gsiAudit, skAttr: AttrGSI1SK}
	if f.Subject != "" {
		q = rangeQuery{pkAttr: AttrPK, pk: auditPK(f.Subject), skAttr: AttrSK}
	}
	if !f.From.IsZero() {
		q.from = stamp(f.From)
	}
	if !f.To.IsZero() {
		q.to = stamp(f.To)
	}
	var parts []string
	q.filter = cond{names: map[string]string{}, values: map[string]types.AttributeValue{}}
	if f.Actor != "" {
		parts = append(parts, "#actor = :actor")
		q.filter.names["#actor"], q.filter.values[":actor"] = "Actor", str(f.Actor)
	}
	if f.Action != "" {
		parts = append(parts, "#action = :action")
		q.filter.names["#action"], q.filter.values[":action"] = "Action", str(f.Action)
	}
	q.filter.expr = strings.Join(parts, " AND ")
	items, total, err := s.rangePage(ctx, q, p)
	if err != nil {
		return nil, 0, err
	}
	out, err := decodeAll(items, func(it *auditItem) portal.AuditEvent { return it.AuditEvent })
	return out, total, err
}

// indexAll reads every item of a range query.
func (s *Store) indexAll(ctx context.Context, q rangeQuery) ([]map[string]types.AttributeValue, error) {
	in := q.input(s.table)
	var items []map[string]types.AttributeValue
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, err
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// SetAdminUserPassword implements portal.AdminStore.
func (s *Store) SetAdminUserPassword(ctx context.Context, id string, version int64, hash, keep string, ev portal.AuditEvent) (portal.AdminUser, error) {
	ev = ev.Complete(id)
	cur, err := s.GetAdminUser(ctx, id)
	if err != nil {
		return portal.AdminUser{}, err
	}
	next := cur
	next.PasswordHash, next.UpdatedAt, next.Version = hash, ev.At, cur.Version+1
	if next.Status == portal.AdminInvited {
		next.Status = portal.AdminActive
	}
	if err := s.writeVersion(ctx, "admin user", id, version, cur.Version, newAdminUserItem(next), ev); err != nil {
		return portal.AdminUser{}, err
	}
	return next, s.deleteAdminSessions(ctx, id, keep)
}

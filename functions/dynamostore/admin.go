package dynamostore

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/portal-dev/portal/functions/portal"
)

// GetSettings implements portal.Store.
func (s *Store) GetSettings(ctx context.Context) (portal.Settings, error) {
	var it settingsItem
	ok, err := s.getItem(ctx, pkSettings, pkSettings, &it)
	if err == nil && !ok {
		err = portal.Errorf(portal.ENotFound, "portal settings not found")
	}
	return it.Settings, err
}

// PutSettings implements portal.Store.
func (s *Store) PutSettings(ctx context.Context, set portal.Settings, ev portal.AuditEvent) (portal.Settings, error) {
	ev = ev.Complete(set.ID)
	c := versionIs(set.Version)
	if set.Version == 0 {
		c = notExists
	}
	ev.StampNew(&set.CreatedAt, nil)
	set.UpdatedAt, set.Version = ev.At, set.Version+1
	err := s.transact(ctx, s.put(settingsItem{PK: pkSettings, SK: pkSettings, Settings: set}, c), s.audit(ev))
	if bad, _ := failed(err, 0); bad {
		return portal.Settings{}, portal.Errorf(portal.EConflict, "portal settings changed since they were read")
	}
	if err != nil {
		return portal.Settings{}, err
	}
	return set, nil
}

// Admin tokens.

// CreateAdminToken implements portal.Store.
func (s *Store) CreateAdminToken(ctx context.Context, t portal.AdminToken, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(t.ID, &t.CreatedAt, nil)
	err := s.transact(ctx,
		s.put(adminItem{PK: pkAdminTokens, SK: "ADMINTOKEN#" + t.ID, AdminToken: t}, notExists),
		s.put(adminHashItem{PK: adminHashPK(t.Hash), SK: "ADMINHASH", TokenID: t.ID}, notExists),
		s.audit(ev),
	)
	return explain(err,
		portal.Errorf(portal.EConflict, "admin token %s exists", t.ID),
		portal.Errorf(portal.EConflict, "admin token exists"),
	)
}

// GetAdminTokenByHash implements portal.Store. It returns revoked tokens
// too; the caller checks RevokedAt.
func (s *Store) GetAdminTokenByHash(ctx context.Context, hash string) (portal.AdminToken, error) {
	var h adminHashItem
	ok, err := s.getItem(ctx, adminHashPK(hash), "ADMINHASH", &h)
	if err != nil {
		return portal.AdminToken{}, err
	}
	var it adminItem
	if ok {
		ok, err = s.getItem(ctx, pkAdminTokens, "ADMINTOKEN#"+h.TokenID, &it)
	}
	if err != nil {
		return portal.AdminToken{}, err
	}
	if !ok {
		return portal.AdminToken{}, portal.Errorf(portal.ENotFound, "admin token not found")
	}
	return it.AdminToken, nil
}

// ListAdminTokens implements portal.Store.
func (s *Store) ListAdminTokens(ctx context.Context) ([]portal.AdminToken, error) {
	out, err := listPartition(ctx, s, pkAdminTokens, "ADMINTOKEN#", func(it *adminItem) portal.AdminToken { return it.AdminToken })
	if err != nil {
		return nil, err
	}
	portal.SortByCreated(out, func(t portal.AdminToken) (time.Time, string) { return t.CreatedAt, t.ID })
	return out, nil
}

// RevokeAdminToken implements portal.Store.
func (s *Store) RevokeAdminToken(ctx context.Context, id string, at time.Time, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	err := s.transact(ctx,
		types.TransactWriteItem{Update: &types.Update{
			TableName:                           s.table,
			Key:                                 key(pkAdminTokens, "ADMINTOKEN#"+id),
			UpdateExpression:                    aws.String("SET RevokedAt = :at"),
			ConditionExpression:                 aws.String("attribute_exists(PK) AND attribute_not_exists(RevokedAt)"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":at": str(stamp(at))},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		s.audit(ev),
	)
	if bad, old := failed(err, 0); bad {
		if len(old) == 0 {
			return notFound("admin token", id)
		}
		return portal.Errorf(portal.EPrecondition, "admin token %s was already revoked", id)
	}
	return err
}

// ListAuditEvents implements portal.Store.
func (s *Store) ListAuditEvents(ctx context.Context, subject string) ([]portal.AuditEvent, error) {
	return listPartition(ctx, s, auditPK(subject), "", func(it *auditItem) portal.AuditEvent { return it.AuditEvent })
}

package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/portal-dev/portal/functions/portal"
)

// CreateCredential implements portal.AppStore. The credential is keyed by
// its hash (unique, and the validator's one read); the application's
// credential counter goes up in the same transaction, within the limit.
func (s *Store) CreateCredential(ctx context.Context, c portal.Credential, ev portal.AuditEvent) error {
	ev = ev.CompleteNew(c.ID, &c.CreatedAt, nil)
	app, err := s.getApp(ctx, c.ApplicationID)
	if err != nil {
		return err
	}
	c.DeveloperID = app.DeveloperID // applications never change hands
	err = s.transact(ctx,
		s.check(key(appPK(c.ApplicationID), skApp), exists),
		s.put(credItem{PK: keyPK(c.Hash), SK: skKey, Credential: c}, notExists),
		s.put(hashItem{PK: credPK(c.ID), SK: skCred, Hash: c.Hash}, notExists),
		s.incr(key(appPK(c.ApplicationID), skCredCount), portal.MaxCredentialsPerApplication),
		s.put(hashItem{PK: appPK(c.ApplicationID), SK: "CRED#" + c.ID, Hash: c.Hash}, notExists),
		s.audit(ev),
	)
	return explain(err,
		notFound("application", c.ApplicationID),
		portal.Errorf(portal.EConflict, "credential exists"),
		portal.Errorf(portal.EConflict, "credential %s exists", c.ID),
		portal.Errorf(portal.EPrecondition, "application %s already has %d credentials, the most allowed", c.ApplicationID, portal.MaxCredentialsPerApplication),
		portal.Errorf(portal.EConflict, "credential %s exists", c.ID),
	)
}

// ListCredentials implements portal.AppStore.
func (s *Store) ListCredentials(ctx context.Context, applicationID string) ([]portal.Credential, error) {
	items, err := s.partition(ctx, appPK(applicationID), "CRED#")
	if err != nil || len(items) == 0 {
		return nil, err
	}
	out, err := follow(ctx, s, items, func(h *hashItem) map[string]types.AttributeValue { return key(keyPK(h.Hash), skKey) },
		func(it *credItem) portal.Credential { return it.Credential })
	if err != nil {
		return nil, err
	}
	portal.SortByCreated(out, func(c portal.Credential) (time.Time, string) { return c.CreatedAt, c.ID })
	return out, nil
}

// GetCredentialByHash implements portal.AppStore: one read.
func (s *Store) GetCredentialByHash(ctx context.Context, hash string) (portal.Credential, error) {
	var it credItem
	ok, err := s.getItem(ctx, keyPK(hash), skKey, &it)
	if err == nil && !ok {
		err = portal.Errorf(portal.ENotFound, "credential not found")
	}
	return it.Credential, err
}

// appCred reads the application's credential id.
func (s *Store) appCred(ctx context.Context, applicationID, id string) (portal.Credential, error) {
	gone := portal.Errorf(portal.ENotFound, "application %s has no credential %s", applicationID, id)
	var h hashItem
	ok, err := s.getItem(ctx, appPK(applicationID), "CRED#"+id, &h)
	if err != nil {
		return portal.Credential{}, err
	}
	var it credItem
	if ok {
		ok, err = s.getItem(ctx, keyPK(h.Hash), skKey, &it)
	}
	if err != nil {
		return portal.Credential{}, err
	}
	if !ok || it.ApplicationID != applicationID || it.ID != id {
		return portal.Credential{}, gone
	}
	return it.Credential, nil
}

// ExpireCredential implements portal.AppStore: a conditional update that
// only brings the expiry forward, read again after a lost race (versioned).
func (s *Store) ExpireCredential(ctx context.Context, applicationID, id string, at time.Time, ev portal.AuditEvent) (portal.Credential, error) {
	ev = ev.Complete(id)
	at = at.UTC()
	var out portal.Credential
	err := versioned("credential", id, func() error {
		cur, err := s.appCred(ctx, applicationID, id)
		if err != nil {
			return err
		}
		out = cur
		if cur.ExpiresAt != nil && !cur.ExpiresAt.After(at) {
			return nil
		}
		err = s.transact(ctx,
			s.update(key(keyPK(cur.Hash), skKey),
				cond{expr: "SET ExpiresAt = :at", values: map[string]types.AttributeValue{":at": str(stamp(at))}},
				cond{expr: "attribute_exists(PK) AND ApplicationID = :app AND (attribute_not_exists(ExpiresAt) OR ExpiresAt > :at)",
					values: map[string]types.AttributeValue{":app": str(applicationID)}}),
			s.audit(ev),
		)
		if err == nil {
			out.ExpiresAt = &at
		}
		return err
	})
	if err != nil {
		return portal.Credential{}, err
	}
	return out, nil
}

// DeleteCredential implements portal.AppStore.
func (s *Store) DeleteCredential(ctx context.Context, applicationID, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	cur, err := s.appCred(ctx, applicationID, id)
	if err != nil {
		return err
	}
	err = s.transact(ctx,
		s.del(key(appPK(applicationID), "CRED#"+id), exists),
		s.del(key(keyPK(cur.Hash), skKey), always),
		s.del(key(credPK(id), skCred), always),
		s.decr(key(appPK(applicationID), skCredCount)),
		s.audit(ev),
	)
	if anyFailed(err) {
		return portal.Errorf(portal.ENotFound, "application %s has no credential %s", applicationID, id)
	}
	return err
}

// TouchCredential implements portal.AppStore: an update that only moves
// LastUsedAt forward, and never brings back a deleted credential.
func (s *Store) TouchCredential(ctx context.Context, id string, at time.Time) error {
	var h hashItem
	ok, err := s.getItem(ctx, credPK(id), skCred, &h)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("credential", id)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           s.table,
		Key:                                 key(keyPK(h.Hash), skKey),
		UpdateExpression:                    aws.String("SET LastUsedAt = :at"),
		ConditionExpression:                 aws.String("attribute_exists(PK) AND (attribute_not_exists(LastUsedAt) OR LastUsedAt < :at)"),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":at": str(stamp(at))},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(ccf.Item) == 0 {
			return notFound("credential", id)
		}
		return nil // used later already
	}
	if err != nil {
		return fmt.Errorf("dynamostore: touch credential: %w", err)
	}
	return nil
}

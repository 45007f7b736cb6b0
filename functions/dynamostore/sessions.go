package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/portal-dev/portal/functions/portal"
)

// PutToken implements portal.Store: one transaction puts the token, moves
// the developer's live-token pointer from the hash it was read with to
// the new one, and deletes the token it pointed at. A concurrent PutToken
// that moved the pointer first fails the condition; read again and retry.
func (s *Store) PutToken(ctx context.Context, t portal.Token) error {
	ptrSK := "TOKEN#" + string(t.Kind)
	for attempt := 0; ; attempt++ {
		var cur liveTokenItem
		had, err := s.getItem(ctx, devPK(t.DeveloperID), ptrSK, &cur)
		if err != nil {
			return err
		}
		moved := notExists
		if had {
			moved = attrIs("Hash", cur.Hash)
		}
		items := []types.TransactWriteItem{
			s.put(tokenItem{PK: tokenPK(t.Hash), SK: "TOKEN", TTL: t.ExpiresAt.Unix(), Token: t}, notExists),
			s.put(liveTokenItem{PK: devPK(t.DeveloperID), SK: ptrSK, TTL: t.ExpiresAt.Unix(), Hash: t.Hash}, moved),
		}
		if had && cur.Hash != t.Hash {
			items = append(items, s.del(key(tokenPK(cur.Hash), "TOKEN"), always))
		}
		err = s.transact(ctx, items...)
		if bad, _ := failed(err, 0); bad {
			return portal.Errorf(portal.EConflict, "token exists")
		}
		// Lost the pointer to a concurrent call (or a transaction
		// conflict): each round one call wins, so a few rounds settle it.
		if c := (*canceled)(nil); errors.As(err, &c) && attempt < 30 {
			if err := backoff(ctx, min(attempt, 4)); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("dynamostore: put token: %w", err)
		}
		return nil
	}
}

// ConsumeToken implements portal.Store: one conditional delete, so of
// concurrent calls exactly one gets the token.
func (s *Store) ConsumeToken(ctx context.Context, hash string, kind portal.TokenKind, now time.Time) (portal.Token, error) {
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 s.table,
		Key:                       key(tokenPK(hash), "TOKEN"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND #k = :k AND #x > :now"),
		ExpressionAttributeNames:  map[string]string{"#k": "Kind", "#x": "ExpiresAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": str(string(kind)), ":now": str(stamp(now))},
		ReturnValues:              types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return portal.Token{}, portal.Errorf(portal.ENotFound, "token not found, used or expired")
	}
	if err != nil {
		return portal.Token{}, fmt.Errorf("dynamostore: consume token: %w", err)
	}
	var it tokenItem
	if err := unmarshal(out.Attributes, &it); err != nil {
		return portal.Token{}, err
	}
	return it.Token, nil
}

// Sessions.

// CreateSession implements portal.Store. A developer's session comes with
// a pointer in the developer's partition, so that their sessions can be
// ended, and on the condition that the developer exists.
func (s *Store) CreateSession(ctx context.Context, sess portal.Session) error {
	ttl := sess.ExpiresAt.Unix()
	item := s.put(sessionItem{PK: sessionPK(sess.Hash), SK: "SESSION", TTL: ttl, Session: sess}, notExists)
	if sess.AdminUserID != "" {
		err := s.transact(ctx,
			item,
			s.check(key(adminUserPK(sess.AdminUserID), skAdminUser), attrIs("Status", string(portal.AdminActive))),
			s.put(ptrItem{PK: adminUserPK(sess.AdminUserID), SK: "SESSION#" + sess.Hash, TTL: ttl}, notExists),
		)
		if bad, _ := failed(err, 0); bad {
			return portal.Errorf(portal.EConflict, "session exists")
		}
		if bad, _ := failed(err, 1); bad {
			u, gerr := s.GetAdminUser(ctx, sess.AdminUserID)
			if gerr != nil {
				return gerr
			}
			return portal.Errorf(portal.EPrecondition, "admin user %s is %s", u.ID, u.Status)
		}
		return err
	}
	if sess.DeveloperID == "" {
		err := s.transact(ctx, item)
		if bad, _ := failed(err, 0); bad {
			return portal.Errorf(portal.EConflict, "session exists")
		}
		return err
	}
	err := s.transact(ctx,
		item,
		s.check(key(devPK(sess.DeveloperID), skDev), exists),
		s.put(ptrItem{PK: devPK(sess.DeveloperID), SK: "SESSION#" + sess.Hash, TTL: ttl}, notExists),
	)
	return explain(err,
		portal.Errorf(portal.EConflict, "session exists"),
		notFound("developer", sess.DeveloperID),
	)
}

// GetSession implements portal.Store.
func (s *Store) GetSession(ctx context.Context, hash string, now time.Time) (portal.Session, error) {
	var it sessionItem
	ok, err := s.getItem(ctx, sessionPK(hash), "SESSION", &it)
	if err != nil {
		return portal.Session{}, err
	}
	if !ok || it.Session.Expired(now) { // TTL deletes late
		return portal.Session{}, portal.Errorf(portal.ENotFound, "session not found or expired")
	}
	return it.Session, nil
}

// TouchSession implements portal.Store.
func (s *Store) TouchSession(ctx context.Context, hash string, at time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       key(sessionPK(hash), "SESSION"),
		UpdateExpression:          aws.String("SET LastSeenAt = :at"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND ExpiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(stamp(at)), ":now": str(stamp(at))},
	})
	if isConditionFailed(err) {
		return portal.Errorf(portal.ENotFound, "session not found or expired")
	}
	if err != nil {
		return fmt.Errorf("dynamostore: touch session: %w", err)
	}
	return nil
}

// DeleteSession implements portal.Store.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: s.table, Key: key(sessionPK(hash), "SESSION"), ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return fmt.Errorf("dynamostore: delete session: %w", err)
	}
	var it sessionItem
	if err := unmarshal(out.Attributes, &it); err != nil {
		return err
	}
	switch {
	case it.DeveloperID != "":
		return s.deleteItem(ctx, devPK(it.DeveloperID), "SESSION#"+hash)
	case it.AdminUserID != "":
		return s.deleteItem(ctx, adminUserPK(it.AdminUserID), "SESSION#"+hash)
	}
	return nil
}

// DeleteDeveloperSessions implements portal.Store.
func (s *Store) DeleteDeveloperSessions(ctx context.Context, developerID, keep string) error {
	return s.deleteSessionsOf(ctx, devPK(developerID), keep)
}

// deleteSessionsOf ends the sessions an owner's partition (a developer's,
// an admin user's) points at, but keep's: each session and its pointer.
func (s *Store) deleteSessionsOf(ctx context.Context, owner, keep string) error {
	ks, err := s.partitionKeys(ctx, owner, "SESSION#")
	if err != nil {
		return err
	}
	for _, k := range ks {
		hash := strings.TrimPrefix(k.SK, "SESSION#")
		if hash == keep {
			continue
		}
		if err := s.deleteItem(ctx, sessionPK(hash), "SESSION"); err != nil {
			return err
		}
		if err := s.deleteItem(ctx, k.PK, k.SK); err != nil {
			return err
		}
	}
	return nil
}

// Login failures: one item per failure, so concurrent failures are all
// counted; TTL removes them after the window.

// RecordLoginFailure implements portal.Store.
func (s *Store) RecordLoginFailure(ctx context.Context, email string, now time.Time, window time.Duration) (int, error) {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.table,
		Item: map[string]types.AttributeValue{
			AttrPK:       str(loginFailPK(email)),
			AttrSK:       str(stamp(now) + "#" + newID()),
			TTLAttribute: num(now.Add(window + time.Hour).Unix()),
		},
	})
	if err != nil {
		return 0, fmt.Errorf("dynamostore: record login failure: %w", err)
	}
	return s.CountLoginFailures(ctx, email, now, window)
}

// CountLoginFailures implements portal.Store: failures at times in
// (now-window, now].
func (s *Store) CountLoginFailures(ctx context.Context, email string, now time.Time, window time.Duration) (int, error) {
	in := &dynamodb.QueryInput{
		TableName:              s.table,
		ConsistentRead:         aws.Bool(true),
		Select:                 types.SelectCount,
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(loginFailPK(email)),
			":lo": str(stamp(now.Add(-window + time.Nanosecond))),
			":hi": str(stamp(now) + "#~"),
		},
	}
	n := 0
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("dynamostore: count login failures: %w", err)
		}
		n += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// ClearLoginFailures implements portal.Store.
func (s *Store) ClearLoginFailures(ctx context.Context, email string) error {
	ks, err := s.partitionKeys(ctx, loginFailPK(email), "")
	if err != nil {
		return err
	}
	for _, k := range ks {
		if err := s.deleteItem(ctx, k.PK, k.SK); err != nil {
			return err
		}
	}
	return nil
}

// Mail slots: limit items per address and kind, each holding when it
// frees (the mail's time plus the window). Taking one is a conditional
// put that succeeds only on a free slot, so of concurrent calls each slot
// goes to one: at most limit succeed, with no read-modify-write to race.

// TakeMailSlot implements portal.Store.
func (s *Store) TakeMailSlot(ctx context.Context, email, kind string, now time.Time, window time.Duration, limit int) (bool, error) {
	if limit < 1 || limit > portal.MaxMailSlots {
		return false, portal.Errorf(portal.EInvalid, "mail limit %d is out of range 1 to %d", limit, portal.MaxMailSlots)
	}
	frees := now.Add(window)
	for i := range limit {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: s.table,
			Item: map[string]types.AttributeValue{
				AttrPK:       str(mailSlotPK(kind, email)),
				AttrSK:       str(fmt.Sprintf("SLOT#%d", i)),
				"FreeAt":     str(stamp(frees)),
				TTLAttribute: num(frees.Unix()),
			},
			ConditionExpression:       aws.String("attribute_not_exists(PK) OR FreeAt <= :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": str(stamp(now))},
		})
		if isConditionFailed(err) {
			continue // taken: try the next slot
		}
		if err != nil {
			return false, fmt.Errorf("dynamostore: take mail slot: %w", err)
		}
		return true, nil
	}
	return false, nil
}

// Package dynamostore is the portal.Store on DynamoDB: one table (see
// TableInput), string PK and SK, two GSIs for the lists, TTL on expiring
// items. Every invariant is a conditional write or a TransactWriteItems
// that also puts the audit event, so it holds across any number of Lambda
// instances.
//
// Items (PK | SK):
//
//	DEV#<id>          | DEV                 developer; GSI1 DEVELOPERS, GSI2 DEVELOPERS#<status>
//	DEV#<id>          | SESSION#<hash>      pointer to the developer's session (ttl)
//	DEV#<id>          | TEAM#<team id>      the developer's membership, reverse side
//	DEV#<id>          | TOKEN#<kind>        the hash of the developer's one live token of a kind (ttl)
//	EMAIL#<EmailKey>  | EMAIL               one developer per email
//	SESSION#<hash>    | SESSION             session (ttl)
//	TOKEN#<hash>      | TOKEN               single-use token (ttl)
//	LOGINFAIL#<email> | <at>#<random>       one failed login (ttl)
//	MAILSLOT#<kind>#<email> | SLOT#<n>      one of the mails an address may get per window (ttl)
//	SETTINGS          | SETTINGS            portal settings
//	TEAM#<id>         | TEAM                team; GSI1 TEAMS
//	TEAM#<id>         | MEMBER#<dev id>     membership
//	TEAM#<id>         | ROLE#<id>           role assignment
//	TEAM#<id>         | ROLEKEY#<role>#<entity>  one assignment per team, role, entity
//	TEAMNAME#<key>    | TEAMNAME            one team per name
//	ADMINTOKENS       | ADMINTOKEN#<id>     admin token
//	ADMINHASH#<hash>  | ADMINHASH           admin token by hash
//	AUDIT#<subject>   | <at>#<id>           audit event
//
// The application side (apps.go):
//
//	APIS              | API#<id>            published API
//	APISLUG#<slug>    | APISLUG             the same API, under its slug
//	API#<id>          | REG#<app id>        the API's registration, reverse side (removal)
//	AUTHSTRATEGIES    | AUTHSTRATEGY#<id>   auth strategy
//	DEV#<id>          | APP#<app id>        the developer's application, reverse side
//	DEV#<id>          | APPCOUNT            how many applications the developer has
//	APP#<id>          | APP                 application; GSI1 APPS
//	APP#<id>          | REG#<api id>        registration; GSI1 REGISTRATIONS, GSI2 REGISTRATIONS#<status>
//	APP#<id>          | CRED#<cred id>      the application's credential, reverse side
//	APP#<id>          | CREDCOUNT           how many credentials the application has
//	REG#<id>          | REG                 registration id → application and API
//	KEY#<hash>        | KEY                 credential (the validator's one read)
//	CRED#<id>         | CRED                credential id → hash
//
// Times are stored as fixed-width UTC strings, so string order is time
// order in sort keys and conditions.
package dynamostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/portal-dev/portal/functions/portal"
)

// API is the part of the DynamoDB client the store uses;
// *dynamodb.Client implements it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store is a portal.FullStore in one DynamoDB table.
type Store struct {
	db    API
	table *string
}

var _ portal.FullStore = (*Store)(nil)

// New returns a store on the table (created with TableInput).
func New(client API, table string) *Store {
	return &Store{db: client, table: aws.String(table)}
}

// Close implements portal.Store; the client needs no closing.
func (s *Store) Close() error { return nil }

// Partition and sort keys.
const (
	pkSettings    = "SETTINGS"
	pkAdminTokens = "ADMINTOKENS"
	gsiDevelopers = "DEVELOPERS"
	gsiTeams      = "TEAMS"
	skDev         = "DEV"
	skTeam        = "TEAM"
)

func devPK(id string) string                        { return "DEV#" + id }
func emailPK(email string) string                   { return "EMAIL#" + portal.EmailKey(email) }
func sessionPK(hash string) string                  { return "SESSION#" + hash }
func tokenPK(hash string) string                    { return "TOKEN#" + hash }
func loginFailPK(email string) string               { return "LOGINFAIL#" + portal.EmailKey(email) }
func mailSlotPK(kind, email string) string          { return "MAILSLOT#" + kind + "#" + portal.EmailKey(email) }
func teamPK(id string) string                       { return "TEAM#" + id }
func teamNamePK(name string) string                 { return "TEAMNAME#" + portal.TeamNameKey(name) }
func roleKeySK(role, entity string) string          { return "ROLEKEY#" + role + "#" + entity }
func adminHashPK(hash string) string                { return "ADMINHASH#" + hash }
func auditPK(subject string) string                 { return "AUDIT#" + subject }
func devStatusGSI(st portal.DeveloperStatus) string { return gsiDevelopers + "#" + string(st) }

// stamp formats t so that string order is time order.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Item shapes: keys plus a domain value, whose fields become attributes.
type (
	keys struct {
		PK, SK string
	}
	devItem struct {
		PK, SK                         string
		GSI1PK, GSI1SK, GSI2PK, GSI2SK string
		portal.Developer
	}
	// ptrItem points from a developer's partition at a session.
	ptrItem struct {
		PK, SK string
		TTL    int64 `dynamodbav:"ttl"`
	}
	emailItem struct {
		PK, SK      string
		DeveloperID string
	}
	sessionItem struct {
		PK, SK string
		TTL    int64 `dynamodbav:"ttl"`
		portal.Session
	}
	tokenItem struct {
		PK, SK string
		TTL    int64 `dynamodbav:"ttl"`
		portal.Token
	}
	// liveTokenItem names the developer's one live token of a kind.
	liveTokenItem struct {
		PK, SK string
		TTL    int64 `dynamodbav:"ttl"`
		Hash   string
	}
	settingsItem struct {
		PK, SK string
		portal.Settings
	}
	teamItem struct {
		PK, SK         string
		GSI1PK, GSI1SK string
		portal.Team
	}
	teamNameItem struct {
		PK, SK string
		TeamID string
	}
	memberItem struct {
		PK, SK           string
		DeveloperID      string
		DeveloperCreated time.Time // orders the member list
	}
	devTeamItem struct {
		PK, SK string
		TeamID string
	}
	roleItem struct {
		PK, SK string
		portal.RoleAssignment
	}
	roleKeyItem struct {
		PK, SK       string
		AssignmentID string
	}
	adminItem struct {
		PK, SK string
		portal.AdminToken
	}
	adminHashItem struct {
		PK, SK  string
		TokenID string
	}
	auditItem struct {
		PK, SK string
		portal.AuditEvent
	}
)

func newDevItem(d portal.Developer) devItem {
	order := stamp(d.CreatedAt) + "#" + d.ID
	return devItem{PK: devPK(d.ID), SK: skDev, GSI1PK: gsiDevelopers, GSI1SK: order, GSI2PK: devStatusGSI(d.Status), GSI2SK: order, Developer: d}
}

func newTeamItem(t portal.Team) teamItem {
	return teamItem{PK: teamPK(t.ID), SK: skTeam, GSI1PK: gsiTeams, GSI1SK: stamp(t.CreatedAt) + "#" + t.ID, Team: t}
}

var encoder = attributevalue.NewEncoder(func(o *attributevalue.EncoderOptions) {
	o.EncodeTime = func(t time.Time) (types.AttributeValue, error) {
		return &types.AttributeValueMemberS{Value: stamp(t)}, nil
	}
})

// marshal turns an item shape into attributes, leaving out NULLs (nil
// maps and pointers) so that attribute_not_exists sees them as absent.
func marshal(v any) map[string]types.AttributeValue {
	av, err := encoder.Encode(v)
	if err != nil {
		panic(fmt.Sprintf("dynamostore: marshal %T: %v", v, err)) // item shapes are fixed: a bug
	}
	m := av.(*types.AttributeValueMemberM).Value
	maps.DeleteFunc(m, func(_ string, v types.AttributeValue) bool {
		_, null := v.(*types.AttributeValueMemberNULL)
		return null
	})
	return m
}

func unmarshal(m map[string]types.AttributeValue, v any) error {
	if err := attributevalue.UnmarshalMap(m, v); err != nil {
		return fmt.Errorf("dynamostore: decode item: %w", err)
	}
	return nil
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int64) types.AttributeValue  { return &types.AttributeValueMemberN{Value: fmt.Sprint(v)} }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: str(pk), AttrSK: str(sk)}
}

// cond is a condition or update expression with its names and values.
type cond struct {
	expr   string
	names  map[string]string
	values map[string]types.AttributeValue
}

var (
	notExists = cond{expr: "attribute_not_exists(PK)"}
	exists    = cond{expr: "attribute_exists(PK)"}
)

func versionIs(v int64) cond {
	return cond{expr: "#v = :v", names: map[string]string{"#v": "Version"}, values: map[string]types.AttributeValue{":v": num(v)}}
}

func attrIs(name, value string) cond {
	return cond{expr: "#a = :a", names: map[string]string{"#a": name}, values: map[string]types.AttributeValue{":a": str(value)}}
}

// always is no condition.
var always = cond{}

// expression is c's expression, nil for none.
func (c cond) expression() *string {
	if c.expr == "" {
		return nil
	}
	return aws.String(c.expr)
}

func (s *Store) put(item any, c cond) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName: s.table, Item: marshal(item),
		ConditionExpression: c.expression(), ExpressionAttributeNames: c.names, ExpressionAttributeValues: c.values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

func (s *Store) del(k map[string]types.AttributeValue, c cond) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName: s.table, Key: k,
		ConditionExpression: c.expression(), ExpressionAttributeNames: c.names, ExpressionAttributeValues: c.values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// update is an UpdateItem in a transaction; set is the update expression
// and its names and values.
func (s *Store) update(k map[string]types.AttributeValue, set, c cond) types.TransactWriteItem {
	names, values := maps.Clone(set.names), maps.Clone(set.values)
	if names == nil && len(c.names) > 0 {
		names = map[string]string{}
	}
	if values == nil && len(c.values) > 0 {
		values = map[string]types.AttributeValue{}
	}
	maps.Copy(names, c.names)
	maps.Copy(values, c.values)
	return types.TransactWriteItem{Update: &types.Update{
		TableName: s.table, Key: k, UpdateExpression: aws.String(set.expr),
		ConditionExpression: c.expression(), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

func (s *Store) check(k map[string]types.AttributeValue, c cond) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: s.table, Key: k,
		ConditionExpression: aws.String(c.expr), ExpressionAttributeNames: c.names, ExpressionAttributeValues: c.values,
	}}
}

// audit is the Put of ev, completed as the Store interface promises.
func (s *Store) audit(ev portal.AuditEvent) types.TransactWriteItem {
	return s.put(auditItem{PK: auditPK(ev.Subject), SK: stamp(ev.At) + "#" + ev.ID, AuditEvent: ev}, notExists)
}

// canceled is a transaction that DynamoDB refused: reasons[i] is the
// code for item i ("None" when that item was fine).
type canceled struct {
	reasons []types.CancellationReason
}

func (c *canceled) Error() string {
	var codes []string
	for _, r := range c.reasons {
		codes = append(codes, aws.ToString(r.Code))
	}
	return "dynamostore: transaction canceled: " + strings.Join(codes, ", ")
}

// failed reports whether item i's condition failed, and the item as it
// was when it did (nil if it did not exist).
func failed(err error, i int) (bool, map[string]types.AttributeValue) {
	var c *canceled
	if !errors.As(err, &c) || i >= len(c.reasons) {
		return false, nil
	}
	r := c.reasons[i]
	return aws.ToString(r.Code) == "ConditionalCheckFailed", r.Item
}

// transact writes items in one transaction. It retries a transaction that
// lost only to a concurrent one (TransactionConflict, throttling), and
// returns a *canceled when a condition failed.
func (s *Store) transact(ctx context.Context, items ...types.TransactWriteItem) error {
	for attempt := 0; ; attempt++ {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			if err != nil {
				return fmt.Errorf("dynamostore: transact: %w", err)
			}
			return nil
		}
		c := &canceled{reasons: tce.CancellationReasons}
		retry := false
		for _, r := range c.reasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed":
				return c
			case "TransactionConflict", "ThrottlingError":
				retry = true
			}
		}
		if !retry || attempt >= 8 {
			return c
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
}

// backoff sleeps a jittered, growing while before a retry.
// versioned runs write — a read, then a transaction whose first item is
// conditional on the version read — again after each lost race, so that
// of racing writers the first wins and the others decide on its result;
// after maxWriteRetries lost races it gives up with a Conflict.
func versioned(what, id string, write func() error) error {
	for attempt := 0; ; attempt++ {
		err := write()
		if bad, _ := failed(err, 0); !bad {
			return err
		}
		if attempt >= maxWriteRetries {
			return portal.Errorf(portal.EConflict, "%s %s keeps changing; try again", what, id)
		}
	}
}

func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(mrand.Int64N(int64(5*time.Millisecond) << min(attempt, 6)))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func isConditionFailed(err error) bool {
	var e *types.ConditionalCheckFailedException
	return errors.As(err, &e)
}

func notFound(what, id string) error {
	return portal.Errorf(portal.ENotFound, "%s %s not found", what, id)
}

// getItem reads one item with a strongly consistent read; ok is false if
// it does not exist.
func (s *Store) getItem(ctx context.Context, pk, sk string, v any) (bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, fmt.Errorf("dynamostore: get %s %s: %w", pk, sk, err)
	}
	if len(out.Item) == 0 {
		return false, nil
	}
	return true, unmarshal(out.Item, v)
}

func (s *Store) deleteItem(ctx context.Context, pk, sk string) error {
	if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: key(pk, sk)}); err != nil {
		return fmt.Errorf("dynamostore: delete %s %s: %w", pk, sk, err)
	}
	return nil
}

// partition queries a partition, whole or the sort keys with prefix,
// strongly consistent, every page.
func (s *Store) partition(ctx context.Context, pk, prefix string) ([]map[string]types.AttributeValue, error) {
	in := &dynamodb.QueryInput{
		TableName:                 s.table,
		ConsistentRead:            aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}
	if prefix != "" {
		in.KeyConditionExpression = aws.String("PK = :pk AND begins_with(SK, :p)")
		in.ExpressionAttributeValues[":p"] = str(prefix)
	}
	var items []map[string]types.AttributeValue
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("dynamostore: query %s: %w", pk, err)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// indexPage answers one page of an index partition in sort key order, and
// the partition's size: it counts (Select COUNT reads no attributes out),
// skips the earlier pages with counting queries, then reads one page.
func (s *Store) indexPage(ctx context.Context, index, pkAttr, pk string, p portal.Page) ([]map[string]types.AttributeValue, int, error) {
	p = p.Normalize()
	query := func(sel types.Select, limit int, start map[string]types.AttributeValue) (*dynamodb.QueryOutput, error) {
		in := &dynamodb.QueryInput{
			TableName:                 s.table,
			IndexName:                 aws.String(index),
			KeyConditionExpression:    aws.String("#pk = :pk"),
			ExpressionAttributeNames:  map[string]string{"#pk": pkAttr},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
			Select:                    sel,
			ExclusiveStartKey:         start,
		}
		if limit > 0 {
			in.Limit = aws.Int32(int32(limit))
		}
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("dynamostore: query %s %s: %w", index, pk, err)
		}
		return out, nil
	}
	total := 0
	var start map[string]types.AttributeValue
	for {
		out, err := query(types.SelectCount, 0, start)
		if err != nil {
			return nil, 0, err
		}
		total += int(out.Count)
		if start = out.LastEvaluatedKey; len(start) == 0 {
			break
		}
	}
	skip := p.Offset()
	if skip >= total {
		return nil, total, nil
	}
	start = nil
	for skip > 0 {
		out, err := query(types.SelectCount, skip, start)
		if err != nil {
			return nil, 0, err
		}
		skip -= int(out.Count)
		if start = out.LastEvaluatedKey; len(start) == 0 {
			return nil, total, nil // shrank since counted
		}
	}
	var items []map[string]types.AttributeValue
	for len(items) < p.Size {
		out, err := query(types.SelectAllAttributes, p.Size-len(items), start)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, out.Items...)
		if start = out.LastEvaluatedKey; len(start) == 0 {
			break
		}
	}
	return items, total, nil
}

// batchGet reads items by key (at most 100), strongly consistent, in no
// particular order; missing items are left out.
func (s *Store) batchGet(ctx context.Context, ks []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	req := map[string]types.KeysAndAttributes{aws.ToString(s.table): {Keys: ks, ConsistentRead: aws.Bool(true)}}
	for attempt := 0; len(ks) > 0 && len(req) > 0; attempt++ {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, fmt.Errorf("dynamostore: batch get: %w", err)
		}
		items = append(items, out.Responses[aws.ToString(s.table)]...)
		req = out.UnprocessedKeys
		if len(req) > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return nil, err
			}
		}
	}
	return items, nil
}

// Developers.

func (s *Store) getDev(ctx context.Context, id string) (portal.Developer, error) {
	var it devItem
	ok, err := s.getItem(ctx, devPK(id), skDev, &it)
	if err == nil && !ok {
		err = notFound("developer", id)
	}
	return it.Developer, err
}

// CreateDeveloper implements portal.Store.
func (s *Store) CreateDeveloper(ctx context.Context, d portal.Developer, ev portal.AuditEvent) error {
	ev = ev.Complete(d.ID)
	if d.CreatedAt.IsZero() {
		d.CreatedAt = ev.At
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	d.Version = 1
	err := s.transact(ctx,
		s.put(newDevItem(d), notExists),
		s.put(emailItem{PK: emailPK(d.Email), SK: "EMAIL", DeveloperID: d.ID}, notExists),
		s.audit(ev),
	)
	if bad, _ := failed(err, 0); bad {
		return portal.Errorf(portal.EConflict, "developer %s exists", d.ID)
	}
	if bad, _ := failed(err, 1); bad {
		return portal.Errorf(portal.EConflict, "a developer with email %s exists", d.Email)
	}
	return err
}

// GetDeveloper implements portal.Store.
func (s *Store) GetDeveloper(ctx context.Context, id string) (portal.Developer, error) {
	return s.getDev(ctx, id)
}

// GetDeveloperByEmail implements portal.Store.
func (s *Store) GetDeveloperByEmail(ctx context.Context, email string) (portal.Developer, error) {
	var it emailItem
	ok, err := s.getItem(ctx, emailPK(email), "EMAIL", &it)
	if err != nil {
		return portal.Developer{}, err
	}
	if !ok {
		return portal.Developer{}, notFound("developer with email", email)
	}
	return s.getDev(ctx, it.DeveloperID)
}

// ListDevelopers implements portal.Store.
func (s *Store) ListDevelopers(ctx context.Context, f portal.DeveloperFilter, p portal.Page) ([]portal.Developer, int, error) {
	index, attr, pk := GSI1, AttrGSI1PK, gsiDevelopers
	if f.Status != "" {
		index, attr, pk = GSI2, AttrGSI2PK, devStatusGSI(f.Status)
	}
	items, total, err := s.indexPage(ctx, index, attr, pk, p)
	if err != nil {
		return nil, 0, err
	}
	out, err := decodeAll(items, func(it *devItem) portal.Developer { return it.Developer })
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// UpdateDeveloper implements portal.Store.
func (s *Store) UpdateDeveloper(ctx context.Context, d portal.Developer, ev portal.AuditEvent) (portal.Developer, error) {
	ev = ev.Complete(d.ID)
	cur, err := s.getDev(ctx, d.ID)
	if err != nil {
		return portal.Developer{}, err
	}
	stale := portal.Errorf(portal.EConflict, "developer %s changed since it was read", d.ID)
	if cur.Version != d.Version {
		return portal.Developer{}, stale
	}
	next := cur
	next.FullName, next.PasswordHash, next.EmailVerified = d.FullName, d.PasswordHash, d.EmailVerified
	next.UpdatedAt, next.Version = ev.At, cur.Version+1
	err = s.transact(ctx, s.put(newDevItem(next), versionIs(cur.Version)), s.audit(ev))
	if bad, old := failed(err, 0); bad {
		if len(old) == 0 {
			return portal.Developer{}, notFound("developer", d.ID)
		}
		return portal.Developer{}, stale
	}
	if err != nil {
		return portal.Developer{}, err
	}
	return next, nil
}

// SetDeveloperStatus implements portal.Store. It reads the developer,
// checks the status, and writes on the condition that the version is still
// the one read; when another write got there first it reads again, so of
// racing calls the first wins and the others see its status.
func (s *Store) SetDeveloperStatus(ctx context.Context, id string, from []portal.DeveloperStatus, to portal.DeveloperStatus, ev portal.AuditEvent) (portal.Developer, error) {
	ev = ev.Complete(id)
	var next portal.Developer
	err := versioned("developer", id, func() error {
		cur, err := s.getDev(ctx, id)
		if err != nil {
			return err
		}
		if !slices.Contains(from, cur.Status) {
			return portal.Errorf(portal.EPrecondition, "developer %s is %s; it cannot become %s", id, cur.Status, to)
		}
		next = cur
		next.Status, next.UpdatedAt, next.Version = to, ev.At, cur.Version+1
		return s.transact(ctx, s.put(newDevItem(next), versionIs(cur.Version)), s.audit(ev.StatusChange(string(cur.Status), string(to))))
	})
	if err != nil {
		return portal.Developer{}, err
	}
	return next, nil
}

// DeleteDeveloper implements portal.Store. One transaction removes the
// developer and frees the email; after it no session, membership or
// application can be added (they check the developer exists), so the
// clean-up that follows finds every one.
func (s *Store) DeleteDeveloper(ctx context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	err := versioned("developer", id, func() error {
		cur, err := s.getDev(ctx, id)
		if err != nil {
			return err
		}
		return s.transact(ctx,
			s.del(key(devPK(id), skDev), versionIs(cur.Version)),
			s.del(key(emailPK(cur.Email), "EMAIL"), attrIs("DeveloperID", id)),
			s.audit(ev),
		)
	})
	if err != nil {
		return err
	}
	return s.cleanDeveloper(ctx, id)
}

func (s *Store) cleanDeveloper(ctx context.Context, id string) error {
	items, err := s.partition(ctx, devPK(id), "")
	if err != nil {
		return err
	}
	for _, m := range items {
		var k keys
		if err := unmarshal(m, &k); err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(k.SK, "SESSION#"):
			err = s.deleteItem(ctx, sessionPK(strings.TrimPrefix(k.SK, "SESSION#")), "SESSION")
		case strings.HasPrefix(k.SK, "TEAM#"):
			err = s.deleteItem(ctx, k.SK, "MEMBER#"+id)
		case strings.HasPrefix(k.SK, "APP#"):
			err = s.deleteApp(ctx, strings.TrimPrefix(k.SK, "APP#"), nil)
		}
		if err == nil {
			err = s.deleteItem(ctx, k.PK, k.SK)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Tokens.

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
	if bad, _ := failed(err, 0); bad {
		return portal.Errorf(portal.EConflict, "session exists")
	}
	if bad, _ := failed(err, 1); bad {
		return notFound("developer", sess.DeveloperID)
	}
	return err
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
	if it.DeveloperID == "" {
		return nil
	}
	return s.deleteItem(ctx, devPK(it.DeveloperID), "SESSION#"+hash)
}

// DeleteDeveloperSessions implements portal.Store.
func (s *Store) DeleteDeveloperSessions(ctx context.Context, developerID, keep string) error {
	items, err := s.partition(ctx, devPK(developerID), "SESSION#")
	if err != nil {
		return err
	}
	for _, m := range items {
		var k keys
		if err := unmarshal(m, &k); err != nil {
			return err
		}
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
	items, err := s.partition(ctx, loginFailPK(email), "")
	if err != nil {
		return err
	}
	for _, m := range items {
		var k keys
		if err := unmarshal(m, &k); err != nil {
			return err
		}
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

// Settings.

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
	if set.CreatedAt.IsZero() {
		set.CreatedAt = ev.At
	}
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

// Teams.

func (s *Store) getTeam(ctx context.Context, id string) (portal.Team, error) {
	var it teamItem
	ok, err := s.getItem(ctx, teamPK(id), skTeam, &it)
	if err == nil && !ok {
		err = notFound("team", id)
	}
	return it.Team, err
}

// CreateTeam implements portal.Store.
func (s *Store) CreateTeam(ctx context.Context, t portal.Team, ev portal.AuditEvent) error {
	ev = ev.Complete(t.ID)
	if t.CreatedAt.IsZero() {
		t.CreatedAt = ev.At
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	t.Version = 1
	err := s.transact(ctx,
		s.put(newTeamItem(t), notExists),
		s.put(teamNameItem{PK: teamNamePK(t.Name), SK: "TEAMNAME", TeamID: t.ID}, notExists),
		s.audit(ev),
	)
	if bad, _ := failed(err, 0); bad {
		return portal.Errorf(portal.EConflict, "team %s exists", t.ID)
	}
	if bad, _ := failed(err, 1); bad {
		return portal.Errorf(portal.EConflict, "a team named %q exists", t.Name)
	}
	return err
}

// GetTeam implements portal.Store.
func (s *Store) GetTeam(ctx context.Context, id string) (portal.Team, error) {
	return s.getTeam(ctx, id)
}

// ListTeams implements portal.Store.
func (s *Store) ListTeams(ctx context.Context, p portal.Page) ([]portal.Team, int, error) {
	items, total, err := s.indexPage(ctx, GSI1, AttrGSI1PK, gsiTeams, p)
	if err != nil {
		return nil, 0, err
	}
	out, err := decodeAll(items, func(it *teamItem) portal.Team { return it.Team })
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// UpdateTeam implements portal.Store. A rename moves the name item in the
// same transaction.
func (s *Store) UpdateTeam(ctx context.Context, t portal.Team, ev portal.AuditEvent) (portal.Team, error) {
	ev = ev.Complete(t.ID)
	cur, err := s.getTeam(ctx, t.ID)
	if err != nil {
		return portal.Team{}, err
	}
	stale := portal.Errorf(portal.EConflict, "team %s changed since it was read", t.ID)
	if cur.Version != t.Version {
		return portal.Team{}, stale
	}
	next := cur
	next.Name, next.Description, next.CanOwnApplications, next.UpdatedAt, next.Version = t.Name, t.Description, t.CanOwnApplications, ev.At, cur.Version+1
	items := []types.TransactWriteItem{s.put(newTeamItem(next), versionIs(cur.Version)), s.audit(ev)}
	renamed := portal.TeamNameKey(cur.Name) != portal.TeamNameKey(next.Name)
	if renamed {
		items = append(items,
			s.put(teamNameItem{PK: teamNamePK(next.Name), SK: "TEAMNAME", TeamID: t.ID}, notExists),
			s.del(key(teamNamePK(cur.Name), "TEAMNAME"), attrIs("TeamID", t.ID)),
		)
	}
	err = s.transact(ctx, items...)
	if bad, old := failed(err, 0); bad {
		if len(old) == 0 {
			return portal.Team{}, notFound("team", t.ID)
		}
		return portal.Team{}, stale
	}
	if bad, _ := failed(err, 2); bad && renamed {
		return portal.Team{}, portal.Errorf(portal.EConflict, "a team named %q exists", t.Name)
	}
	if err != nil {
		return portal.Team{}, err
	}
	return next, nil
}

// DeleteTeam implements portal.Store. As with developers: one transaction
// removes the team and frees its name; memberships and roles, which can
// no longer be added, are cleaned up after.
func (s *Store) DeleteTeam(ctx context.Context, id string, ev portal.AuditEvent) error {
	ev = ev.Complete(id)
	err := versioned("team", id, func() error {
		cur, err := s.getTeam(ctx, id)
		if err != nil {
			return err
		}
		return s.transact(ctx,
			s.del(key(teamPK(id), skTeam), versionIs(cur.Version)),
			s.del(key(teamNamePK(cur.Name), "TEAMNAME"), attrIs("TeamID", id)),
			s.audit(ev),
		)
	})
	if err != nil {
		return err
	}
	items, err := s.partition(ctx, teamPK(id), "")
	if err != nil {
		return err
	}
	for _, m := range items {
		var k keys
		if err := unmarshal(m, &k); err != nil {
			return err
		}
		if dev, ok := strings.CutPrefix(k.SK, "MEMBER#"); ok {
			if err := s.deleteItem(ctx, devPK(dev), "TEAM#"+id); err != nil {
				return err
			}
		}
		if err := s.deleteItem(ctx, k.PK, k.SK); err != nil {
			return err
		}
	}
	return nil
}

// Members.

// AddTeamMember implements portal.Store.
func (s *Store) AddTeamMember(ctx context.Context, teamID, developerID string, ev portal.AuditEvent) error {
	ev = ev.Complete(teamID)
	if _, err := s.getTeam(ctx, teamID); err != nil {
		return err
	}
	d, err := s.getDev(ctx, developerID)
	if err != nil {
		return err
	}
	err = s.transact(ctx,
		s.check(key(teamPK(teamID), skTeam), exists),
		s.check(key(devPK(developerID), skDev), exists),
		s.put(memberItem{PK: teamPK(teamID), SK: "MEMBER#" + developerID, DeveloperID: developerID, DeveloperCreated: d.CreatedAt}, notExists),
		s.put(devTeamItem{PK: devPK(developerID), SK: "TEAM#" + teamID, TeamID: teamID}, notExists),
		s.audit(ev),
	)
	if bad, _ := failed(err, 0); bad {
		return notFound("team", teamID)
	}
	if bad, _ := failed(err, 1); bad {
		return notFound("developer", developerID)
	}
	if bad, _ := failed(err, 2); bad {
		return portal.Errorf(portal.EConflict, "developer %s is already a member of team %s", developerID, teamID)
	}
	if bad, _ := failed(err, 3); bad {
		return portal.Errorf(portal.EConflict, "developer %s is already a member of team %s", developerID, teamID)
	}
	return err
}

// RemoveTeamMember implements portal.Store.
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, developerID string, ev portal.AuditEvent) error {
	ev = ev.Complete(teamID)
	err := s.transact(ctx,
		s.del(key(teamPK(teamID), "MEMBER#"+developerID), exists),
		s.del(key(devPK(developerID), "TEAM#"+teamID), exists),
		s.audit(ev),
	)
	if bad, _ := failed(err, 0); bad {
		return portal.Errorf(portal.ENotFound, "developer %s is not a member of team %s", developerID, teamID)
	}
	if bad, _ := failed(err, 1); bad {
		return portal.Errorf(portal.ENotFound, "developer %s is not a member of team %s", developerID, teamID)
	}
	return err
}

// ListTeamMembers implements portal.Store: members in the order the
// developers were created (the membership carries that time).
func (s *Store) ListTeamMembers(ctx context.Context, teamID string, p portal.Page) ([]portal.Developer, int, error) {
	if _, err := s.getTeam(ctx, teamID); err != nil {
		return nil, 0, err
	}
	items, err := s.partition(ctx, teamPK(teamID), "MEMBER#")
	if err != nil {
		return nil, 0, err
	}
	ms := make([]memberItem, len(items))
	for i, m := range items {
		if err := unmarshal(m, &ms[i]); err != nil {
			return nil, 0, err
		}
	}
	slices.SortFunc(ms, func(a, b memberItem) int {
		if c := a.DeveloperCreated.Compare(b.DeveloperCreated); c != 0 {
			return c
		}
		return strings.Compare(a.DeveloperID, b.DeveloperID)
	})
	p = p.Normalize()
	from := min(p.Offset(), len(ms))
	ms = ms[from:min(from+p.Size, len(ms))]
	var ks []map[string]types.AttributeValue
	for _, m := range ms {
		ks = append(ks, key(devPK(m.DeveloperID), skDev))
	}
	got, err := s.batchGet(ctx, ks)
	if err != nil {
		return nil, 0, err
	}
	byID := map[string]portal.Developer{}
	for _, m := range got {
		var it devItem
		if err := unmarshal(m, &it); err != nil {
			return nil, 0, err
		}
		byID[it.ID] = it.Developer
	}
	out := []portal.Developer{}
	for _, m := range ms {
		if d, ok := byID[m.DeveloperID]; ok {
			out = append(out, d)
		}
	}
	return out, len(items), nil
}

// ListDeveloperTeams implements portal.Store.
func (s *Store) ListDeveloperTeams(ctx context.Context, developerID string) ([]portal.Team, error) {
	items, err := s.partition(ctx, devPK(developerID), "TEAM#")
	if err != nil {
		return nil, err
	}
	var out []portal.Team
	for chunk := range slices.Chunk(items, 100) {
		var ks []map[string]types.AttributeValue
		for _, m := range chunk {
			var it devTeamItem
			if err := unmarshal(m, &it); err != nil {
				return nil, err
			}
			ks = append(ks, key(teamPK(it.TeamID), skTeam))
		}
		got, err := s.batchGet(ctx, ks)
		if err != nil {
			return nil, err
		}
		for _, m := range got {
			var it teamItem
			if err := unmarshal(m, &it); err != nil {
				return nil, err
			}
			out = append(out, it.Team)
		}
	}
	slices.SortFunc(out, func(a, b portal.Team) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Roles.

// AssignRole implements portal.Store.
func (s *Store) AssignRole(ctx context.Context, r portal.RoleAssignment, ev portal.AuditEvent) error {
	ev = ev.Complete(r.TeamID)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = ev.At
	}
	err := s.transact(ctx,
		s.check(key(teamPK(r.TeamID), skTeam), exists),
		s.put(roleKeyItem{PK: teamPK(r.TeamID), SK: roleKeySK(r.RoleName, r.EntityID), AssignmentID: r.ID}, notExists),
		s.put(roleItem{PK: teamPK(r.TeamID), SK: "ROLE#" + r.ID, RoleAssignment: r}, notExists),
		s.audit(ev),
	)
	if bad, _ := failed(err, 0); bad {
		return notFound("team", r.TeamID)
	}
	if bad, _ := failed(err, 1); bad {
		return portal.Errorf(portal.EConflict, "team %s already has the role %s on %s", r.TeamID, r.RoleName, r.EntityID)
	}
	if bad, _ := failed(err, 2); bad {
		return portal.Errorf(portal.EConflict, "role assignment %s exists", r.ID)
	}
	return err
}

// RemoveRole implements portal.Store.
func (s *Store) RemoveRole(ctx context.Context, teamID, assignmentID string, ev portal.AuditEvent) error {
	ev = ev.Complete(teamID)
	var it roleItem
	ok, err := s.getItem(ctx, teamPK(teamID), "ROLE#"+assignmentID, &it)
	if err != nil {
		return err
	}
	gone := notFound("role assignment", assignmentID)
	if !ok {
		return gone
	}
	err = s.transact(ctx,
		s.del(key(teamPK(teamID), "ROLE#"+assignmentID), exists),
		s.del(key(teamPK(teamID), roleKeySK(it.RoleName, it.EntityID)), attrIs("AssignmentID", assignmentID)),
		s.audit(ev),
	)
	if bad, _ := failed(err, 0); bad {
		return gone
	}
	return err
}

// ListTeamRoles implements portal.Store.
func (s *Store) ListTeamRoles(ctx context.Context, teamID string) ([]portal.RoleAssignment, error) {
	if _, err := s.getTeam(ctx, teamID); err != nil {
		return nil, err
	}
	items, err := s.partition(ctx, teamPK(teamID), "ROLE#")
	if err != nil {
		return nil, err
	}
	out, err := decodeAll(items, func(it *roleItem) portal.RoleAssignment { return it.RoleAssignment })
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b portal.RoleAssignment) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Admin tokens.

// CreateAdminToken implements portal.Store.
func (s *Store) CreateAdminToken(ctx context.Context, t portal.AdminToken, ev portal.AuditEvent) error {
	ev = ev.Complete(t.ID)
	if t.CreatedAt.IsZero() {
		t.CreatedAt = ev.At
	}
	err := s.transact(ctx,
		s.put(adminItem{PK: pkAdminTokens, SK: "ADMINTOKEN#" + t.ID, AdminToken: t}, notExists),
		s.put(adminHashItem{PK: adminHashPK(t.Hash), SK: "ADMINHASH", TokenID: t.ID}, notExists),
		s.audit(ev),
	)
	if bad, _ := failed(err, 0); bad {
		return portal.Errorf(portal.EConflict, "admin token %s exists", t.ID)
	}
	if bad, _ := failed(err, 1); bad {
		return portal.Errorf(portal.EConflict, "admin token exists")
	}
	return err
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
	items, err := s.partition(ctx, pkAdminTokens, "ADMINTOKEN#")
	if err != nil {
		return nil, err
	}
	out, err := decodeAll(items, func(it *adminItem) portal.AdminToken { return it.AdminToken })
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b portal.AdminToken) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
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
	items, err := s.partition(ctx, auditPK(subject), "")
	if err != nil {
		return nil, err
	}
	out, err := decodeAll(items, func(it *auditItem) portal.AuditEvent { return it.AuditEvent })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decodeAll unmarshals each item into I and keeps what pick takes of it.
func decodeAll[I, T any](items []map[string]types.AttributeValue, pick func(*I) T) ([]T, error) {
	out := make([]T, 0, len(items))
	for _, m := range items {
		var it I
		if err := unmarshal(m, &it); err != nil {
			return nil, err
		}
		out = append(out, pick(&it))
	}
	return out, nil
}

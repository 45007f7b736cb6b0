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
//	AUDIT#<subject>   | <at>#<id>           audit event; GSI1 AUDIT (the whole log)
//	ADMINUSER#<id>    | ADMINUSER           admin user; GSI1 ADMINUSERS
//	ADMINUSER#<id>    | SESSION#<hash>      pointer to the admin user's session (ttl)
//	ADMINEMAIL#<key>  | ADMINEMAIL          one admin user per email
//
// The application side:
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
		PK, SK         string
		GSI1PK, GSI1SK string // the whole log, by time
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
	order := stamp(ev.At) + "#" + ev.ID
	return s.put(auditItem{PK: auditPK(ev.Subject), SK: order, GSI1PK: gsiAudit, GSI1SK: order, AuditEvent: ev}, notExists)
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

// explain returns the error of the first item of a cancelled transaction
// whose condition failed: why[i] explains item i (nil: not explained).
// Any other err is returned as it is.
func explain(err error, why ...error) error {
	for i, e := range why {
		if bad, _ := failed(err, i); bad && e != nil {
			return e
		}
	}
	return err
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

// versioned runs write — a read, then a transaction whose first item is
// conditional on what was read (its version) — again after each lost race
// (the first item's condition failed), so that
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

// setStatus is the status compare-and-swap of SetDeveloperStatus and
// SetRegistrationStatus: it reads the object (get), checks the transition
// (portal.CheckTransition) and writes the object with status `to` on the
// condition that its version is still the one read, in one transaction
// with the event (Detail gains "from" and "to"). When another write got
// there first it reads again (versioned), so of racing calls the first
// wins and the others decide on its status. fields points at the
// object's status, update time and version; item is its table item.
func setStatus[T any, S ~string](ctx context.Context, s *Store, what, id string, from []S, to S, ev portal.AuditEvent,
	get func(context.Context, string) (T, error), fields func(*T) (*S, *time.Time, *int64), item func(T) any) (T, error) {
	ev = ev.Complete(id)
	var next T
	err := versioned(what, id, func() error {
		cur, err := get(ctx, id)
		if err != nil {
			return err
		}
		st, _, v := fields(&cur)
		was, version := *st, *v
		if err := portal.CheckTransition(what, id, was, from, to); err != nil {
			return err
		}
		next = cur
		st, at, v := fields(&next)
		*st, *at, *v = to, ev.At, version+1
		return s.transact(ctx, s.put(item(next), versionIs(version)), s.audit(ev.StatusChange(string(was), string(to))))
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return next, nil
}

// backoff sleeps a jittered, growing while before a retry.
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
// partitionKeys reads the keys of a partition's items (of sort key
// prefix, "" for all).
func (s *Store) partitionKeys(ctx context.Context, pk, prefix string) ([]keys, error) {
	items, err := s.partition(ctx, pk, prefix)
	if err != nil {
		return nil, err
	}
	ks := make([]keys, len(items))
	for i, m := range items {
		if err := unmarshal(m, &ks[i]); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

// createUnique puts a new object's item and the item that keeps a field
// of it unique (an email, a team name), each on the condition that it
// does not exist, in one transaction with the event: exists or taken
// when one does.
func (s *Store) createUnique(ctx context.Context, item, unique any, ev portal.AuditEvent, exists, taken error) error {
	err := s.transact(ctx, s.put(item, notExists), s.put(unique, notExists), s.audit(ev))
	return explain(err,
		exists,
		taken,
	)
}

// getOne reads the item at pk, sk into it; NotFound, naming what and id,
// when there is none.
func (s *Store) getOne(ctx context.Context, pk, sk string, it any, what, id string) error {
	ok, err := s.getItem(ctx, pk, sk, it)
	if err == nil && !ok {
		err = notFound(what, id)
	}
	return err
}

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
// the partition's size.
func (s *Store) indexPage(ctx context.Context, index, pkAttr, pk string, p portal.Page) ([]map[string]types.AttributeValue, int, error) {
	return s.rangePage(ctx, rangeQuery{index: index, pkAttr: pkAttr, pk: pk, forward: true}, p)
}

// rangeQuery is a query of one partition (of the table, or of an index
// when index is set), its sort keys optionally within [from, to), in
// sort key order or (forward false) the reverse.
type rangeQuery struct {
	index, pkAttr, pk string
	skAttr, from, to  string
	forward           bool
	filter            cond // a filter expression; rangePage then reads every match
}

func (q rangeQuery) input(table *string) *dynamodb.QueryInput {
	names := map[string]string{"#pk": q.pkAttr}
	values := map[string]types.AttributeValue{":pk": str(q.pk)}
	expr := "#pk = :pk"
	switch {
	case q.from != "" && q.to != "":
		expr += " AND #sk BETWEEN :from AND :to"
	case q.from != "":
		expr += " AND #sk >= :from"
	case q.to != "":
		expr += " AND #sk <= :to"
	}
	if q.from != "" || q.to != "" {
		names["#sk"] = q.skAttr
	}
	if q.from != "" {
		values[":from"] = str(q.from)
	}
	if q.to != "" {
		// Sort keys are "<key>#<id>": no key equals to itself, so the
		// inclusive bounds keep exactly the keys from from up to before to.
		values[":to"] = str(q.to)
	}
	in := &dynamodb.QueryInput{
		TableName:                 table,
		KeyConditionExpression:    aws.String(expr),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(q.forward),
	}
	if q.index != "" {
		in.IndexName = aws.String(q.index)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	if q.filter.expr != "" {
		in.FilterExpression = aws.String(q.filter.expr)
		maps.Copy(in.ExpressionAttributeNames, q.filter.names)
		maps.Copy(in.ExpressionAttributeValues, q.filter.values)
	}
	return in
}

// rangePage answers one page of a range query, and how many items match
// it. Without a filter it counts (Select COUNT reads no attributes out),
// skips the earlier pages with counting queries, then reads one page;
// with one (Limit counts items before the filter) it reads every match.
func (s *Store) rangePage(ctx context.Context, q rangeQuery, p portal.Page) ([]map[string]types.AttributeValue, int, error) {
	p = p.Normalize()
	query := func(sel types.Select, limit int, start map[string]types.AttributeValue) (*dynamodb.QueryOutput, error) {
		in := q.input(s.table)
		in.Select, in.ExclusiveStartKey = sel, start
		if limit > 0 {
			in.Limit = aws.Int32(int32(limit))
		}
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("dynamostore: query %s %s: %w", q.index, q.pk, err)
		}
		return out, nil
	}
	if q.filter.expr != "" {
		var all []map[string]types.AttributeValue
		var start map[string]types.AttributeValue
		for {
			out, err := query(types.SelectAllAttributes, 0, start)
			if err != nil {
				return nil, 0, err
			}
			all = append(all, out.Items...)
			if start = out.LastEvaluatedKey; len(start) == 0 {
				break
			}
		}
		from := min(p.Offset(), len(all))
		return all[from : from+min(p.Size, len(all)-from)], len(all), nil
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

// follow batch-gets the objects that pointer items (at most 100) name:
// at takes an object's key from a pointer decoded as P, pick the object
// from its item decoded as I. They come in no particular order, without
// those deleted since the pointers were read.
func follow[P, I, T any](ctx context.Context, s *Store, ptrs []map[string]types.AttributeValue, at func(*P) map[string]types.AttributeValue, pick func(*I) T) ([]T, error) {
	ks, err := decodeAll(ptrs, at)
	if err != nil {
		return nil, err
	}
	got, err := s.batchGet(ctx, ks)
	if err != nil {
		return nil, err
	}
	return decodeAll(got, pick)
}

// pageByCreated sorts pointers by their objects' creation (ref gives an
// object's creation time and id) and batch-gets the objects of page p
// (keyOf makes an id's key; pick decodes an object and its id), in that
// order, without those deleted since the pointers were read. It returns
// them with the number of pointers.
func pageByCreated[P, I, T any](ctx context.Context, s *Store, ptrs []P, p portal.Page, ref func(P) (time.Time, string),
	keyOf func(string) map[string]types.AttributeValue, pick func(*I) (string, T)) ([]T, int, error) {
	portal.SortByCreated(ptrs, ref)
	page := portal.PageOf(ptrs, p)
	ks := make([]map[string]types.AttributeValue, 0, len(page))
	for _, x := range page {
		_, id := ref(x)
		ks = append(ks, keyOf(id))
	}
	got, err := s.batchGet(ctx, ks)
	if err != nil {
		return nil, 0, err
	}
	byID := map[string]T{}
	for _, m := range got {
		var it I
		if err := unmarshal(m, &it); err != nil {
			return nil, 0, err
		}
		id, x := pick(&it)
		byID[id] = x
	}
	out := []T{}
	for _, x := range page {
		_, id := ref(x)
		if obj, ok := byID[id]; ok {
			out = append(out, obj)
		}
	}
	return out, len(ptrs), nil
}

// writeVersion writes item, the next version of an object read at
// version cur, with its audit event and any more items of the same
// transaction, if the caller's want is cur and the stored version still
// is. Otherwise the object changed since it was read (a conflict), or is
// gone (not found).
func (s *Store) writeVersion(ctx context.Context, what, id string, want, cur int64, item any, ev portal.AuditEvent, more ...types.TransactWriteItem) error {
	stale := portal.Errorf(portal.EConflict, "%s %s changed since it was read", what, id)
	if cur != want {
		return stale
	}
	err := s.transact(ctx, append([]types.TransactWriteItem{s.put(item, versionIs(cur)), s.audit(ev)}, more...)...)
	if bad, old := failed(err, 0); bad {
		if len(old) == 0 {
			return notFound(what, id)
		}
		return stale
	}
	return err
}

// transactEach runs, for each item of a partition under prefix, the
// transaction that items makes of it. A failed condition means the item
// changed or went meanwhile, and is passed over.
func transactEach[I any](ctx context.Context, s *Store, pk, prefix string, items func(I) []types.TransactWriteItem) error {
	all, err := listPartition(ctx, s, pk, prefix, func(it *I) I { return *it })
	if err != nil {
		return err
	}
	for _, it := range all {
		if err := s.transact(ctx, items(it)...); err != nil && !anyFailed(err) {
			return err
		}
	}
	return nil
}

// listPartition decodes the items of a partition whose sort keys start
// with prefix, with pick.
func listPartition[I, T any](ctx context.Context, s *Store, pk, prefix string, pick func(*I) T) ([]T, error) {
	items, err := s.partition(ctx, pk, prefix)
	if err != nil {
		return nil, err
	}
	return decodeAll(items, pick)
}

// listIndex decodes one page of an index partition (indexPage) with pick,
// and returns it with the partition's size.
func listIndex[I, T any](ctx context.Context, s *Store, index, pkAttr, pk string, p portal.Page, pick func(*I) T) ([]T, int, error) {
	items, total, err := s.indexPage(ctx, index, pkAttr, pk, p)
	if err != nil {
		return nil, 0, err
	}
	out, err := decodeAll(items, pick)
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// Keys of the application side (see the package comment).
const (
	pkAPIs          = "APIS"
	pkStrategies    = "AUTHSTRATEGIES"
	gsiApps         = "APPS"
	gsiRegs         = "REGISTRATIONS"
	skApp           = "APP"
	skAPISlug       = "APISLUG"
	skAppCount      = "APPCOUNT"
	skCredCount     = "CREDCOUNT"
	skReg           = "REG"
	skKey           = "KEY"
	skCred          = "CRED"
	maxWriteRetries = 20
)

func apiSK(id string) string                           { return "API#" + id }
func apiSlugPK(slug string) string                     { return "APISLUG#" + slug }
func apiPK(id string) string                           { return "API#" + id }
func appPK(id string) string                           { return "APP#" + id }
func regPK(id string) string                           { return "REG#" + id }
func keyPK(hash string) string                         { return "KEY#" + hash }
func credPK(id string) string                          { return "CRED#" + id }
func regStatusGSI(st portal.RegistrationStatus) string { return gsiRegs + "#" + string(st) }

type (
	apiItem struct {
		PK, SK string
		Rev    int64 // version of the catalog entry, for conditional publishes
		portal.API
	}
	strategyItem struct {
		PK, SK string
		portal.AuthStrategy
	}
	appItem struct {
		PK, SK         string
		GSI1PK, GSI1SK string
		portal.Application
	}
	// devAppItem points from a developer at an application.
	devAppItem struct {
		PK, SK        string
		ApplicationID string
		AppCreated    time.Time // orders the developer's list
	}
	counterItem struct {
		PK, SK string
		N      int64
	}
	regItem struct {
		PK, SK                         string
		GSI1PK, GSI1SK, GSI2PK, GSI2SK string
		portal.Registration
	}
	// regIDItem finds a registration by id.
	regIDItem struct {
		PK, SK        string
		ApplicationID string
		APIID         string
	}
	// apiRegItem points from an API at a registration.
	apiRegItem struct {
		PK, SK         string
		ApplicationID  string
		RegistrationID string
	}
	credItem struct {
		PK, SK string
		portal.Credential
	}
	// hashItem points at a credential by hash (from its id, and from the
	// application).
	hashItem struct {
		PK, SK string
		Hash   string
	}
)

func newAppItem(a portal.Application) appItem {
	return appItem{PK: appPK(a.ID), SK: skApp, GSI1PK: gsiApps, GSI1SK: stamp(a.CreatedAt) + "#" + a.ID, Application: a}
}

func newRegItem(r portal.Registration) regItem {
	order := stamp(r.CreatedAt) + "#" + r.ID
	return regItem{PK: appPK(r.ApplicationID), SK: "REG#" + r.APIID, GSI1PK: gsiRegs, GSI1SK: order, GSI2PK: regStatusGSI(r.Status), GSI2SK: order, Registration: r}
}

var nName = map[string]string{"#n": "N"}

// incr adds one to a counter item, on the condition that it stays at or
// under limit.
func (s *Store) incr(k map[string]types.AttributeValue, limit int) types.TransactWriteItem {
	return s.update(k,
		cond{expr: "SET #n = if_not_exists(#n, :zero) + :one", names: nName, values: map[string]types.AttributeValue{":zero": num(0), ":one": num(1)}},
		cond{expr: "attribute_not_exists(#n) OR #n < :max", names: nName, values: map[string]types.AttributeValue{":max": num(int64(limit))}})
}

// decr takes one from a counter item.
func (s *Store) decr(k map[string]types.AttributeValue) types.TransactWriteItem {
	return s.update(k,
		cond{expr: "SET #n = #n - :one", names: nName, values: map[string]types.AttributeValue{":one": num(1)}},
		cond{expr: "attribute_exists(#n)", names: nName})
}

// anyFailed reports whether some condition of a transaction failed.
func anyFailed(err error) bool {
	var c *canceled
	if !errors.As(err, &c) {
		return false
	}
	return slices.ContainsFunc(c.reasons, func(r types.CancellationReason) bool {
		return aws.ToString(r.Code) == "ConditionalCheckFailed"
	})
}

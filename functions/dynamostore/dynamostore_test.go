package dynamostore_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/functions/dynamostore/dynamolocal"
	"github.com/portal-dev/portal/functions/httpapi/apitest"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/storetest"
)

// server is the one DynamoDB Local of this test binary.
var server *dynamolocal.Server

func TestMain(m *testing.M) { dynamolocal.Main(m, &server) }

func newStore(t testing.TB) *dynamostore.Store {
	return dynamostore.New(server.Client(), server.NewTable(t))
}

func TestConformance(t *testing.T) {
	t.Logf("DynamoDB Local on %s answered after %v", server.URL, server.Startup)
	for _, c := range storetest.Shifts {
		t.Run(c.Name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) portal.FullStore { return newStore(t) }, storetest.Shifted(c.Shift))
		})
	}
}

// The table DynamoDB Local made from TableInput has the keys, indexes and
// TTL that the store writes and queries.
func TestTableDefinition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name := server.NewTable(t)
	out, err := server.Client().DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	td := out.Table
	keySchema := func(ks []types.KeySchemaElement) string {
		var parts []string
		for _, k := range ks {
			parts = append(parts, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
		}
		return strings.Join(parts, ",")
	}
	if got, want := keySchema(td.KeySchema), "PK:HASH,SK:RANGE"; got != want {
		t.Errorf("table key schema = %s, want %s", got, want)
	}
	if td.BillingModeSummary == nil || td.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode = %+v, want PAY_PER_REQUEST", td.BillingModeSummary)
	}
	wantGSIs := map[string]string{
		dynamostore.GSI1: dynamostore.AttrGSI1PK + ":HASH," + dynamostore.AttrGSI1SK + ":RANGE",
		dynamostore.GSI2: dynamostore.AttrGSI2PK + ":HASH," + dynamostore.AttrGSI2SK + ":RANGE",
	}
	got := map[string]string{}
	for _, g := range td.GlobalSecondaryIndexes {
		got[aws.ToString(g.IndexName)] = keySchema(g.KeySchema)
		if g.Projection == nil || g.Projection.ProjectionType != types.ProjectionTypeAll {
			t.Errorf("index %s projection = %+v, want ALL", aws.ToString(g.IndexName), g.Projection)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(wantGSIs) {
		t.Errorf("indexes = %v, want %v", got, wantGSIs)
	}
	ttl, err := server.Client().DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || aws.ToString(d.AttributeName) != dynamostore.TTLAttribute || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Errorf("time to live = %+v, want %s ENABLED", d, dynamostore.TTLAttribute)
	}
	if in := dynamostore.PointInTimeRecovery(name); !aws.ToBool(in.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled) {
		t.Errorf("PointInTimeRecovery(%s) does not enable it", name)
	}

	// Expiring items carry the TTL attribute, in epoch seconds.
	s := dynamostore.New(server.Client(), name)
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	if err := s.PutToken(ctx, portal.Token{Hash: "h", Kind: portal.TokenVerifyEmail, DeveloperID: "d", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAdminUser(ctx, portal.AdminUser{ID: "a", Email: "a@example.com", Status: portal.AdminActive}, portal.AuditEvent{At: time.Now(), Actor: "cli", Action: "admin_user.created"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, portal.Session{Hash: "s", AdminUserID: "a", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordLoginFailure(ctx, "x@example.com", time.Now(), 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.TakeMailSlot(ctx, "x@example.com", "reset-password", time.Now(), time.Hour, 3); err != nil || !ok {
		t.Fatalf("TakeMailSlot = %t, %v", ok, err)
	}
	scan, err := server.Client().Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, item := range scan.Items {
		pk := item[dynamostore.AttrPK].(*types.AttributeValueMemberS).Value
		sk := item[dynamostore.AttrSK].(*types.AttributeValueMemberS).Value
		if strings.HasPrefix(pk, "ADMINEMAIL#") || strings.HasPrefix(pk, "AUDIT#") || sk == "ADMINUSER" {
			continue // the admin user the session needs, and its event: kept
		}
		v, ok := item[dynamostore.TTLAttribute].(*types.AttributeValueMemberN)
		if !ok {
			t.Errorf("item %s has no numeric %s attribute", pk, dynamostore.TTLAttribute)
			continue
		}
		kinds = append(kinds, pk[:strings.IndexByte(pk, '#')])
		if strings.HasPrefix(pk, "TOKEN#") || strings.HasPrefix(pk, "SESSION#") {
			if want := fmt.Sprint(exp.Unix()); v.Value != want {
				t.Errorf("item %s %s = %s, want %s", pk, dynamostore.TTLAttribute, v.Value, want)
			}
		}
	}
	slices.Sort(kinds)
	if want := []string{"ADMINUSER", "DEV", "LOGINFAIL", "MAILSLOT", "SESSION", "TOKEN"}; !slices.Equal(kinds, want) {
		t.Errorf("items with TTL = %v, want %v", kinds, want)
	}
}

func BenchmarkGetSession(b *testing.B) { storetest.BenchGetSession(b, newStore(b)) }

func BenchmarkGetDeveloper(b *testing.B) { storetest.BenchGetDeveloper(b, newStore(b)) }

// BenchmarkAPI is login and me through the HTTP API on DynamoDB Local.
func BenchmarkAPI(b *testing.B) { apitest.BenchStore(b, newStore(b)) }

func BenchmarkGetCredentialByHash(b *testing.B) { storetest.BenchCredentialByHash(b, newStore(b)) }

// BenchmarkValidatorMiss is the reads of a validation on a cache miss,
// one after the other.
func BenchmarkValidatorMiss(b *testing.B) { storetest.BenchValidatorMiss(b, newStore(b), false) }

// BenchmarkValidatorMissParallel is the same with the four reads that
// follow the key's at once.
func BenchmarkValidatorMissParallel(b *testing.B) { storetest.BenchValidatorMiss(b, newStore(b), true) }

// TestClientDeadline: a DynamoDB endpoint that accepts and never answers
// costs a store call at most MaxAttempts × AttemptTimeout plus the backoff,
// and the call fails; it does not wait as long as the caller's context.
func TestClientDeadline(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var attempts atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			attempts.Add(1)
			defer c.Close() // hold the connection, answer nothing
		}
	}()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")}
	s := dynamostore.New(dynamostore.NewClient(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String("http://" + ln.Addr().String()) }), "t")
	start := time.Now()
	_, err = s.GetDeveloper(context.Background(), "d1")
	took := time.Since(start)
	limit := dynamostore.MaxAttempts*dynamostore.AttemptTimeout + (dynamostore.MaxAttempts-1)*dynamostore.MaxBackoff + 1500*time.Millisecond // slack for a loaded machine
	if err == nil || took > limit {
		t.Errorf("GetDeveloper on a silent endpoint = %v after %v, want an error within %v", err, took, limit)
	}
	if n := attempts.Load(); n > dynamostore.MaxAttempts {
		t.Errorf("%d attempts, want at most %d", n, dynamostore.MaxAttempts)
	}
}

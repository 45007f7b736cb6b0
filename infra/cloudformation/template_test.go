package cloudformation

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/portal-dev/portal/functions/dynamostore"
)

// testOptions are the template's shapes: the distribution's own domain, a
// custom domain with a given certificate, and one the stack certifies.
var testOptions = map[string]Options{
	"default":     {GateFunction: "function handler(event) { return event.request; }"},
	"certificate": {GateFunction: "function handler(event) { return event.request; }", Domain: "developer.acme.com", CertificateARN: "arn:aws:acm:us-east-1:123456789012:certificate/0f4e7a1c-1111-2222-3333-444455556666"},
	"hosted zone": {GateFunction: "function handler(event) { return event.request; }", Domain: "developer.acme.com", HostedZoneID: "Z0123456789ABCDEFGHIJ"},
}

// TestTableMatchesStore: the deployed table is the one the store's tests
// run against — keys, indexes, billing, TTL and point-in-time recovery —
// and it outlives the stack.
func TestTableMatchesStore(t *testing.T) {
	t.Parallel()
	b, err := JSON(testOptions["default"])
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources struct {
			Table struct {
				DeletionPolicy, UpdateReplacePolicy string
				Properties                          struct {
					BillingMode            string
					KeySchema              []struct{ AttributeName, KeyType string }
					GlobalSecondaryIndexes []struct {
						IndexName string
						KeySchema []struct{ AttributeName, KeyType string }
					}
					TimeToLiveSpecification struct {
						AttributeName string
						Enabled       bool
					}
					PointInTimeRecoverySpecification struct{ PointInTimeRecoveryEnabled bool }
				}
			}
		}
	}
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	if tpl.Resources.Table.DeletionPolicy != "Retain" || tpl.Resources.Table.UpdateReplacePolicy != "Retain" {
		t.Errorf("table policies = %q, %q, want Retain, Retain", tpl.Resources.Table.DeletionPolicy, tpl.Resources.Table.UpdateReplacePolicy)
	}
	p := tpl.Resources.Table.Properties
	want := dynamostore.TableInput("x")
	if p.BillingMode != string(want.BillingMode) {
		t.Errorf("BillingMode = %q, want %q", p.BillingMode, want.BillingMode)
	}
	if len(p.KeySchema) != 2 || p.KeySchema[0].AttributeName != aws.ToString(want.KeySchema[0].AttributeName) || p.KeySchema[1].KeyType != "RANGE" {
		t.Errorf("KeySchema = %+v", p.KeySchema)
	}
	if len(p.GlobalSecondaryIndexes) != len(want.GlobalSecondaryIndexes) {
		t.Fatalf("%d GSIs, want %d", len(p.GlobalSecondaryIndexes), len(want.GlobalSecondaryIndexes))
	}
	for i, g := range want.GlobalSecondaryIndexes {
		got := p.GlobalSecondaryIndexes[i]
		if got.IndexName != aws.ToString(g.IndexName) || got.KeySchema[0].AttributeName != aws.ToString(g.KeySchema[0].AttributeName) {
			t.Errorf("GSI %d = %+v, want %s", i, got, aws.ToString(g.IndexName))
		}
	}
	if p.TimeToLiveSpecification.AttributeName != dynamostore.TTLAttribute || !p.TimeToLiveSpecification.Enabled {
		t.Errorf("TTL = %+v", p.TimeToLiveSpecification)
	}
	if !p.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled {
		t.Errorf("point-in-time recovery is off")
	}
}

// TestOptionsCheck: a custom domain needs a certificate or a zone.
func TestOptionsCheck(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		o  Options
		ok bool
	}{
		"default":               {testOptions["default"], true},
		"certificate":           {testOptions["certificate"], true},
		"hosted zone":           {testOptions["hosted zone"], true},
		"domain alone":          {Options{GateFunction: "x", Domain: "a.example"}, false},
		"certificate alone":     {Options{GateFunction: "x", CertificateARN: "arn:aws:acm:us-east-1:1:certificate/x"}, false},
		"certificate elsewhere": {Options{GateFunction: "x", Domain: "a.example", CertificateARN: "arn:aws:acm:eu-west-1:1:certificate/x"}, false},
		"no gate":               {Options{}, false},
	} {
		if err := tc.o.Check(); (err == nil) != tc.ok {
			t.Errorf("%s: Check() = %v, want ok %v", name, err, tc.ok)
		}
	}
}

package cloudformation

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/portal-dev/portal/functions/dynamostore"
)

// TestTableMatchesStore: the deployed table is the one the store's tests
// run against — keys, indexes, billing, TTL and point-in-time recovery.
func TestTableMatchesStore(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Template())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources struct {
			Table struct {
				Properties struct {
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

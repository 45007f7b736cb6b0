package dynamostore

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The table's key and index attributes, and its TTL attribute (epoch
// seconds) on expiring items: sessions, tokens and login failures.
const (
	AttrPK       = "PK"
	AttrSK       = "SK"
	AttrGSI1PK   = "GSI1PK"
	AttrGSI1SK   = "GSI1SK"
	AttrGSI2PK   = "GSI2PK"
	AttrGSI2SK   = "GSI2SK"
	TTLAttribute = "ttl"
)

// Index names. GSI1 lists developers and teams by creation; GSI2 lists
// developers of one status by creation. Both project every attribute so a
// list page needs no second read.
const (
	GSI1 = "GSI1"
	GSI2 = "GSI2"
)

// TableInput is the one definition of the portal's table: string PK/SK,
// the two GSIs the store queries, on-demand billing. Time to live is set
// apart (dynamodb.UpdateTimeToLive with TimeToLive), as is point-in-time
// recovery, because CreateTable takes neither; infra/ uses the same three.
func TableInput(name string) *dynamodb.CreateTableInput {
	s := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	keys := func(pk, sk string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
		}
	}
	gsi := func(name, pk, sk string) types.GlobalSecondaryIndex {
		return types.GlobalSecondaryIndex{
			IndexName:  aws.String(name),
			KeySchema:  keys(pk, sk),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}
	}
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{s(AttrPK), s(AttrSK), s(AttrGSI1PK), s(AttrGSI1SK), s(AttrGSI2PK), s(AttrGSI2SK)},
		KeySchema:            keys(AttrPK, AttrSK),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			gsi(GSI1, AttrGSI1PK, AttrGSI1SK),
			gsi(GSI2, AttrGSI2PK, AttrGSI2SK),
		},
	}
}

// TimeToLive is the table's TTL setting, for dynamodb.UpdateTimeToLive.
func TimeToLive(name string) *dynamodb.UpdateTimeToLiveInput {
	return &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(TTLAttribute),
			Enabled:       aws.Bool(true),
		},
	}
}

// PointInTimeRecovery turns on point-in-time recovery, as DESIGN.md asks
// for production tables.
func PointInTimeRecovery(name string) *dynamodb.UpdateContinuousBackupsInput {
	return &dynamodb.UpdateContinuousBackupsInput{
		TableName: aws.String(name),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: aws.Bool(true),
		},
	}
}

package deploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/functions/portal"
)

// DynamoStore is the portal's store on a DynamoDB table, as a deploy
// needs it: the catalog's side and the gate key.
func DynamoStore(client *dynamodb.Client, table string) Store {
	return dynamoStore{Store: dynamostore.New(client, table), keys: tableKey{client, table}}
}

type dynamoStore struct {
	*dynamostore.Store
	keys tableKey
}

func (s dynamoStore) AccessKey(ctx context.Context, candidate []byte) ([]byte, error) {
	return s.keys.AccessKey(ctx, candidate)
}

func (s dynamoStore) SetAccessKey(ctx context.Context, key []byte, ev portal.AuditEvent) error {
	return s.keys.SetAccessKey(ctx, key, ev)
}

// tableKey reads and writes the access key's item as the store's own
// AccessKey does (PK and SK "ACCESSKEY", the key in the binary attribute
// Key; the first writer wins), so the functions and the edge agree.
type tableKey struct {
	db    *dynamodb.Client
	table string
}

const accessKeyPK = "ACCESSKEY"

func (k tableKey) get(ctx context.Context) ([]byte, error) {
	out, err := k.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &k.table, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: accessKeyPK}, "SK": &types.AttributeValueMemberS{Value: accessKeyPK}},
	})
	if err != nil {
		return nil, err
	}
	if b, ok := out.Item["Key"].(*types.AttributeValueMemberB); ok {
		return b.Value, nil
	}
	return nil, nil
}

// SetAccessKey replaces the key (rotation). The store's own SetAccessKey
// also writes ev to the audit log; this one does not.
func (k tableKey) SetAccessKey(ctx context.Context, key []byte, _ portal.AuditEvent) error {
	if len(key) < 32 {
		return fmt.Errorf("an access key has at least 32 bytes (this one has %d)", len(key))
	}
	_, err := k.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &k.table,
		Item: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: accessKeyPK}, "SK": &types.AttributeValueMemberS{Value: accessKeyPK},
			"Key": &types.AttributeValueMemberB{Value: key},
		},
	})
	return err
}

func (k tableKey) AccessKey(ctx context.Context, candidate []byte) ([]byte, error) {
	if key, err := k.get(ctx); err != nil || key != nil {
		return key, err
	}
	if len(candidate) < 32 {
		return nil, fmt.Errorf("an access key has at least 32 bytes (this one has %d)", len(candidate))
	}
	_, err := k.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &k.table,
		Item: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: accessKeyPK}, "SK": &types.AttributeValueMemberS{Value: accessKeyPK},
			"Key": &types.AttributeValueMemberB{Value: candidate},
		},
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return nil, err
	}
	return k.get(ctx)
}

package deploy

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/portal-dev/portal/functions/dynamostore"
)

// DynamoStore is the portal's store on a DynamoDB table, as a deploy
// needs it: the catalog's side and the gate key (the store's own
// AccessKey, so the functions and the edge agree on it).
func DynamoStore(client *dynamodb.Client, table string) Store {
	return dynamostore.New(client, table)
}

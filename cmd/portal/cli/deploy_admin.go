package cli

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/portal-dev/portal/cmd/portal/datadir"
	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/functions/portal"
)

// tokenStore opens where admin tokens live: a deployed portal's DynamoDB
// table (--dynamodb-table, the SDK's usual credentials and region), else
// the local data folder.
func (a *adminRun) tokenStore(ctx context.Context) (portal.Store, error) {
	if a.f.table == "" {
		return datadir.OpenStore(a.f.data)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	// The SDK's own deadlines: the functions' tight ones are for a Lambda
	// next to the table, not a laptop far from it.
	return dynamostore.New(dynamodb.NewFromConfig(cfg), a.f.table), nil
}

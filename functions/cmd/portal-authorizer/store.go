package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/functions/validate"
)

// newStore builds the DynamoDB client once, before lambda.Start.
func newStore(table string) (validate.GateStore, error) {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		return nil, err
	}
	return dynamostore.New(dynamostore.NewClient(cfg), table), nil
}

package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/infra/cloudformation"
)

// Tables is the part of the DynamoDB client that makes a table.
type Tables interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
	UpdateContinuousBackups(ctx context.Context, in *dynamodb.UpdateContinuousBackupsInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateContinuousBackupsOutput, error)
}

// EnsureTable makes the portal's table unless it exists: the definition
// the AWS stack and the store's tests use (dynamostore.TableInput), with
// TTL and point-in-time recovery. It returns the table's ARN and whether
// it made it.
func EnsureTable(ctx context.Context, c Tables, name string, progress io.Writer, poll time.Duration) (arn string, created bool, err error) {
	logf := func(format string, args ...any) {
		if progress != nil {
			fmt.Fprintf(progress, format+"\n", args...)
		}
	}
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	var nf *types.ResourceNotFoundException
	switch {
	case errors.As(err, &nf):
		if _, err := c.CreateTable(ctx, dynamostore.TableInput(name)); err != nil {
			return "", false, fmt.Errorf("create table %s: %w", name, err)
		}
		logf("table %s: creating", name)
		created = true
		for {
			out, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
			if err != nil {
				return "", false, err
			}
			if out.Table.TableStatus == types.TableStatusActive {
				break
			}
			select {
			case <-ctx.Done():
				return "", false, ctx.Err()
			case <-time.After(poll):
			}
		}
	case err != nil:
		return "", false, fmt.Errorf("table %s: %w", name, err)
	default:
		logf("table %s: exists", name)
	}
	if created {
		if _, err := c.UpdateTimeToLive(ctx, dynamostore.TimeToLive(name)); err != nil {
			return "", false, fmt.Errorf("table %s: time to live: %w", name, err)
		}
		pitr := "and point-in-time recovery"
		_, err := c.UpdateContinuousBackups(ctx, dynamostore.PointInTimeRecovery(name))
		var ae smithy.APIError
		switch {
		case errors.As(err, &ae) && ae.ErrorCode() == "UnknownOperationException":
			// DynamoDB Local has no backups; AWS always has them.
			pitr = "but no point-in-time recovery: this endpoint has none"
		case err != nil:
			return "", false, fmt.Errorf("table %s: point-in-time recovery: %w", name, err)
		}
		logf("table %s: active, with time to live %s", name, pitr)
	}
	return aws.ToString(out.Table.TableArn), created, nil
}

// NetlifyPolicy is the IAM policy of the access key the Netlify functions
// use: exactly the actions of the AWS deploy's API function, on the table
// and its indexes.
func NetlifyPolicy(tableARN string) string {
	b, _ := json.MarshalIndent(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect": "Allow", "Action": cloudformation.APIActions,
			"Resource": []string{tableARN, tableARN + "/index/*"},
		}},
	}, "", "  ")
	return string(b)
}

package dynamostore

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Deadlines of every store call: an attempt gets AttemptTimeout, a call
// makes at most MaxAttempts (two retries) with at most MaxBackoff between
// them: about 1.4 s at worst. Key validation and the API never wait on
// DynamoDB as long as the request lives, and fail closed past it.
// (DynamoDB answers a GetItem in single-digit milliseconds.)
const (
	AttemptTimeout = 400 * time.Millisecond
	MaxAttempts    = 3
	MaxBackoff     = 100 * time.Millisecond
)

// NewClient makes the DynamoDB client the functions use, from the SDK's
// configuration (credentials, region, CA bundle), with the deadlines above.
func NewClient(cfg aws.Config, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = MaxAttempts
			so.MaxBackoff = MaxBackoff
		})
		// Keep the configured client (AWS_CA_BUNDLE makes a buildable one);
		// only bound each attempt.
		if b, ok := o.HTTPClient.(*awshttp.BuildableClient); ok {
			o.HTTPClient = b.WithTimeout(AttemptTimeout)
		} else if o.HTTPClient == nil {
			o.HTTPClient = awshttp.NewBuildableClient().WithTimeout(AttemptTimeout)
		}
	}}, optFns...)...)
}

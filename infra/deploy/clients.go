package deploy

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	kvs "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Endpoints point services elsewhere than AWS (an S3-compatible server,
// DynamoDB Local, the tests' stand-ins); empty ones are AWS's.
type Endpoints struct {
	CloudFormation, S3, CloudFront, KeyValueStore, STS, DynamoDB string
}

func base(url string) *string {
	if url == "" {
		return nil
	}
	return aws.String(url)
}

// NewAWS makes the clients of a deploy from the SDK's configuration (the
// user's usual credentials, profile and region).
func NewAWS(cfg aws.Config, e Endpoints) AWS {
	global := cfg.Copy()
	global.Region = "us-east-1" // CloudFront's and the KeyValueStore's API
	return AWS{
		CloudFormation: cfn.NewFromConfig(cfg, func(o *cfn.Options) { o.BaseEndpoint = base(e.CloudFormation) }),
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = base(e.S3)
			o.UsePathStyle = e.S3 != ""
		}),
		CloudFront:    cloudfront.NewFromConfig(global, func(o *cloudfront.Options) { o.BaseEndpoint = base(e.CloudFront) }),
		KeyValueStore: kvs.NewFromConfig(global, func(o *kvs.Options) { o.BaseEndpoint = base(e.KeyValueStore) }),
		STS:           sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = base(e.STS) }),
		Store: func(table string) (Store, error) {
			// The SDK's own deadlines: the functions' tight ones are for
			// a Lambda next to the table, not a laptop far from it.
			return DynamoStore(dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = base(e.DynamoDB) }), table), nil
		},
	}
}

// Package cloudformation writes the AWS CloudFormation template of the
// portal's functions: the DynamoDB table (from dynamostore's one table
// definition), the API Lambda function (arm64, provided.al2023) and the
// API Gateway HTTP API in front of it.
package cloudformation

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/portal-dev/portal/functions/dynamostore"
)

// M is a JSON object of the template.
type M = map[string]any

// Template returns the template as a JSON-ready value.
func Template() M {
	table := dynamostore.TableInput("unused") // the name comes from CloudFormation
	var attrs []M
	for _, a := range table.AttributeDefinitions {
		attrs = append(attrs, M{"AttributeName": aws.ToString(a.AttributeName), "AttributeType": string(a.AttributeType)})
	}
	keys := func(ks []struct{ name, typ string }) []M {
		var out []M
		for _, k := range ks {
			out = append(out, M{"AttributeName": k.name, "KeyType": k.typ})
		}
		return out
	}
	var keySchema []struct{ name, typ string }
	for _, k := range table.KeySchema {
		keySchema = append(keySchema, struct{ name, typ string }{aws.ToString(k.AttributeName), string(k.KeyType)})
	}
	var gsis []M
	for _, g := range table.GlobalSecondaryIndexes {
		var ks []struct{ name, typ string }
		for _, k := range g.KeySchema {
			ks = append(ks, struct{ name, typ string }{aws.ToString(k.AttributeName), string(k.KeyType)})
		}
		gsis = append(gsis, M{"IndexName": aws.ToString(g.IndexName), "KeySchema": keys(ks), "Projection": M{"ProjectionType": string(g.Projection.ProjectionType)}})
	}
	ttl := dynamostore.TimeToLive("unused").TimeToLiveSpecification
	pitr := dynamostore.PointInTimeRecovery("unused").PointInTimeRecoverySpecification

	ref := func(n string) M { return M{"Ref": n} }
	getAtt := func(n, a string) M { return M{"Fn::GetAtt": []string{n, a}} }
	sub := func(s string) M { return M{"Fn::Sub": s} }
	return M{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "Portal: developer accounts, teams and roles (API Gateway HTTP API, Lambda arm64, DynamoDB, SES)",
		"Parameters": M{
			"PortalName":        M{"Type": "String", "Default": "portal", "Description": "The portal's id-like name (portal.yaml name)."},
			"PortalDisplayName": M{"Type": "String", "Default": "Developer Portal"},
			"PortalURL":         M{"Type": "String", "Description": "The portal's public URL, e.g. https://developer.acme.com; mail links start with it."},
			"MailFrom":          M{"Type": "String", "Description": "A verified SES identity, e.g. Acme APIs <portal@acme.com>."},
			"CodeBucket":        M{"Type": "String", "Description": "S3 bucket holding the function's zip (make lambda: bin/lambda/portal-api.zip)."},
			"CodeKey":           M{"Type": "String", "Default": "portal-api.zip"},
		},
		"Resources": M{
			"Table": M{
				"Type":           "AWS::DynamoDB::Table",
				"DeletionPolicy": "Retain",
				"Properties": M{
					"BillingMode":                      string(table.BillingMode),
					"AttributeDefinitions":             attrs,
					"KeySchema":                        keys(keySchema),
					"GlobalSecondaryIndexes":           gsis,
					"TimeToLiveSpecification":          M{"AttributeName": aws.ToString(ttl.AttributeName), "Enabled": aws.ToBool(ttl.Enabled)},
					"PointInTimeRecoverySpecification": M{"PointInTimeRecoveryEnabled": aws.ToBool(pitr.PointInTimeRecoveryEnabled)},
					"SSESpecification":                 M{"SSEEnabled": true},
				},
			},
			"FunctionRole": M{
				"Type": "AWS::IAM::Role",
				"Properties": M{
					"AssumeRolePolicyDocument": M{"Version": "2012-10-17", "Statement": []M{{"Effect": "Allow", "Principal": M{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}}},
					"ManagedPolicyArns":        []string{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
					"Policies": []M{{
						"PolicyName": "portal",
						"PolicyDocument": M{"Version": "2012-10-17", "Statement": []M{
							{"Effect": "Allow", "Action": []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:TransactWriteItems", "dynamodb:ConditionCheckItem", "dynamodb:BatchWriteItem"},
								"Resource": []any{getAtt("Table", "Arn"), sub("${Table.Arn}/index/*")}},
							{"Effect": "Allow", "Action": []string{"ses:SendEmail"}, "Resource": "*"},
						}},
					}},
				},
			},
			"ApiFunction": M{
				"Type": "AWS::Lambda::Function",
				"Properties": M{
					"Runtime":       "provided.al2023",
					"Architectures": []string{"arm64"},
					"Handler":       "bootstrap",
					"MemorySize":    256, // argon2id needs 19 MiB per login; more memory is more CPU
					"Timeout":       10,
					"Role":          getAtt("FunctionRole", "Arn"),
					"Code":          M{"S3Bucket": ref("CodeBucket"), "S3Key": ref("CodeKey")},
					"Environment": M{"Variables": M{
						"PORTAL_TABLE":        ref("Table"),
						"PORTAL_BASE_URL":     ref("PortalURL"),
						"PORTAL_NAME":         ref("PortalName"),
						"PORTAL_DISPLAY_NAME": ref("PortalDisplayName"),
						"PORTAL_MAIL_FROM":    ref("MailFrom"),
					}},
				},
			},
			"HttpApi": M{
				"Type":       "AWS::ApiGatewayV2::Api",
				"Properties": M{"Name": sub("${PortalName}-api"), "ProtocolType": "HTTP"},
			},
			"Integration": M{
				"Type": "AWS::ApiGatewayV2::Integration",
				"Properties": M{
					"ApiId": ref("HttpApi"), "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
					"IntegrationUri": getAtt("ApiFunction", "Arn"),
				},
			},
			"RouteDeveloper": M{"Type": "AWS::ApiGatewayV2::Route", "Properties": M{"ApiId": ref("HttpApi"), "RouteKey": "ANY /api/v3/{proxy+}", "Target": sub("integrations/${Integration}")}},
			"RouteAdmin":     M{"Type": "AWS::ApiGatewayV2::Route", "Properties": M{"ApiId": ref("HttpApi"), "RouteKey": "ANY /v3/{proxy+}", "Target": sub("integrations/${Integration}")}},
			"Stage":          M{"Type": "AWS::ApiGatewayV2::Stage", "Properties": M{"ApiId": ref("HttpApi"), "StageName": "$default", "AutoDeploy": true}},
			"InvokePermission": M{
				"Type": "AWS::Lambda::Permission",
				"Properties": M{
					"Action": "lambda:InvokeFunction", "FunctionName": ref("ApiFunction"), "Principal": "apigateway.amazonaws.com",
					"SourceArn": sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*"),
				},
			},
		},
		"Outputs": M{
			"ApiEndpoint": M{"Value": getAtt("HttpApi", "ApiEndpoint"), "Description": "Route /api/v3/* and /v3/* of the portal's domain (CloudFront) here, so the site and the API share an origin."},
			"TableName":   M{"Value": ref("Table")},
		},
	}
}

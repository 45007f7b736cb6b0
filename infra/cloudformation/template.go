// Package cloudformation writes the AWS CloudFormation template of a
// deployed portal: the static site in a private S3 bucket behind CloudFront
// (Origin Access Control, a CloudFront Function that gates private paths
// with a key from a KeyValueStore), the functions as arm64 Lambdas behind
// an API Gateway HTTP API routed by the same distribution, the DynamoDB
// table (from dynamostore's one table definition, retained), an SES
// identity, and least-privilege roles. Nothing in it costs money at idle.
package cloudformation

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/portal-dev/portal/functions/dynamostore"
)

// M is a JSON object of the template.
type M = map[string]any

// Options are what a deploy decides outside the template's parameters.
type Options struct {
	// GateFunction is the CloudFront Function's code (cloudfront-js-2.0),
	// generated from the build's gate rules; it reads the access key from
	// the KeyValueStore under "access-key".
	GateFunction string
	// Domain is the portal's own host name (developer.acme.com), or "".
	Domain string
	// CertificateARN is an ACM certificate in us-east-1 for Domain; when
	// empty and HostedZoneID is set, the stack requests one and validates
	// it through that zone (the stack must then be in us-east-1).
	CertificateARN string
	// HostedZoneID is the Route 53 zone of Domain: the stack adds alias
	// records to the distribution there.
	HostedZoneID string
	// CSP is the build's Content-Security-Policy (it allows the theme's
	// inline scripts by hash); empty: one without inline scripts.
	CSP string
}

// Check says what is wrong with o, naming the flag to fix.
func (o Options) Check() error {
	if o.GateFunction == "" {
		return fmt.Errorf("cloudformation: no gate function code")
	}
	if o.Domain == "" && (o.CertificateARN != "" || o.HostedZoneID != "") {
		return fmt.Errorf("--certificate-arn and --hosted-zone-id need --domain")
	}
	if o.Domain != "" && o.CertificateARN == "" && o.HostedZoneID == "" {
		return fmt.Errorf("--domain %s needs --certificate-arn (an ACM certificate in us-east-1) or --hosted-zone-id (the stack requests and validates one)", o.Domain)
	}
	if o.CertificateARN != "" && !strings.Contains(o.CertificateARN, ":us-east-1:") {
		return fmt.Errorf("--certificate-arn %s: CloudFront takes certificates from us-east-1 only", o.CertificateARN)
	}
	return nil
}

// Parameters of the template, set by portal deploy aws.
const (
	ParamPortalName        = "PortalName"
	ParamPortalDisplayName = "PortalDisplayName"
	ParamMailFrom          = "MailFrom"
	ParamMailDomain        = "MailDomain"
	ParamCodeBucket        = "CodeBucket"
	ParamAPICodeKey        = "ApiCodeKey"
	ParamAuthorizerCodeKey = "AuthorizerCodeKey"
)

// Outputs of the stack.
const (
	OutPortalURL      = "PortalURL"
	OutDistributionID = "DistributionId"
	OutSiteBucket     = "SiteBucket"
	OutAPIEndpoint    = "ApiEndpoint"
	OutTable          = "TableName"
	OutKeyValueStore  = "KeyValueStoreArn"
	OutAuthorizerARN  = "AuthorizerFunctionArn"
	OutDKIM           = "DkimRecords"
)

// KVSAccessKey is the KeyValueStore key holding the access-cookie key
// (base64), which the CloudFront Function reads.
const KVSAccessKey = "access-key"

// The DynamoDB actions each function's role grants: exactly what the store
// calls (a test records the calls of the store's conformance run and fails
// on any difference). IAM has no TransactWriteItems action: a transaction
// is authorised item by item (PutItem, UpdateItem, DeleteItem,
// ConditionCheckItem).
var (
	APIActions = []string{
		"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
		"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
	}
	// AuthorizerActions: the validator reads, and records a key's last
	// use (TouchCredential, an UpdateItem).
	AuthorizerActions = []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}
)

// AWS's managed CloudFront policies (their ids are fixed across accounts).
const (
	cachePolicyOptimized          = "658327ea-f89d-4fab-a63d-7e88639e58f6" // Managed-CachingOptimized
	cachePolicyDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" // Managed-CachingDisabled
	originRequestAllViewerNotHost = "b689b0a8-53d0-40ab-baf2-68738e2966ac" // Managed-AllViewerExceptHostHeader
	cloudFrontHostedZone          = "Z2FDTNDATAQYW2"                       // alias target zone of every distribution
)

// CSP of the AWS deploy: the theme's scripts are files; inline styles are
// allowed as on every target.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self' https:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func ref(n string) M              { return M{"Ref": n} }
func getAtt(n, a string) M        { return M{"Fn::GetAtt": []string{n, a}} }
func sub(s string) M              { return M{"Fn::Sub": s} }
func join(sep string, v ...any) M { return M{"Fn::Join": []any{sep, v}} }

// Template returns the template as a JSON-ready value.
func Template(o Options) M {
	res := M{}
	res["Table"] = table()
	res["SiteBucket"] = M{
		"Type": "AWS::S3::Bucket",
		"Properties": M{
			"PublicAccessBlockConfiguration": M{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
			"BucketEncryption": M{"ServerSideEncryptionConfiguration": []M{{
				"ServerSideEncryptionByDefault": M{"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": true,
			}}},
			"OwnershipControls": M{"Rules": []M{{"ObjectOwnership": "BucketOwnerEnforced"}}},
		},
	}
	// CloudFront reads objects, and may list so that a missing page is a
	// 404 (not S3's 403), only as this distribution.
	res["SiteBucketPolicy"] = M{
		"Type": "AWS::S3::BucketPolicy",
		"Properties": M{
			"Bucket": ref("SiteBucket"),
			"PolicyDocument": M{"Version": "2012-10-17", "Statement": []M{{
				"Sid": "CloudFrontOAC", "Effect": "Allow",
				"Principal": M{"Service": "cloudfront.amazonaws.com"},
				"Action":    []string{"s3:GetObject", "s3:ListBucket"},
				"Resource":  []any{getAtt("SiteBucket", "Arn"), sub("${SiteBucket.Arn}/*")},
				"Condition": M{"StringEquals": M{"AWS:SourceArn": sub("arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}")}},
			}}},
		},
	}
	res["OriginAccessControl"] = M{
		"Type": "AWS::CloudFront::OriginAccessControl",
		"Properties": M{"OriginAccessControlConfig": M{
			"Name": sub("${AWS::StackName}-site"), "OriginAccessControlOriginType": "s3",
			"SigningBehavior": "always", "SigningProtocol": "sigv4",
		}},
	}
	res["GateStore"] = M{
		"Type":       "AWS::CloudFront::KeyValueStore",
		"Properties": M{"Name": sub("${AWS::StackName}-gate"), "Comment": "Portal: the access-cookie key (access-key, base64) for the gate function"},
	}
	res["GateFunction"] = M{
		"Type": "AWS::CloudFront::Function",
		"Properties": M{
			"Name":        sub("${AWS::StackName}-gate"),
			"AutoPublish": true,
			"FunctionConfig": M{
				"Comment":                   "Portal: …/ to …/index.html, and the gate of private paths",
				"Runtime":                   "cloudfront-js-2.0",
				"KeyValueStoreAssociations": []M{{"KeyValueStoreARN": getAtt("GateStore", "Arn")}},
			},
			"FunctionCode": o.GateFunction,
		},
	}
	res["HeadersPolicy"] = M{
		"Type": "AWS::CloudFront::ResponseHeadersPolicy",
		"Properties": M{"ResponseHeadersPolicyConfig": M{
			"Name": sub("${AWS::StackName}-headers"),
			"SecurityHeadersConfig": M{
				"StrictTransportSecurity": M{"AccessControlMaxAgeSec": 31536000, "IncludeSubdomains": true, "Override": true},
				"ContentSecurityPolicy":   M{"ContentSecurityPolicy": cmp.Or(o.CSP, csp), "Override": true},
				"ContentTypeOptions":      M{"Override": true},
				"FrameOptions":            M{"FrameOption": "DENY", "Override": true},
				"ReferrerPolicy":          M{"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": true},
			},
		}},
	}
	res["Distribution"] = distribution(o)

	for _, name := range []string{"Api", "Authorizer"} {
		res[name+"Logs"] = M{
			"Type":       "AWS::Logs::LogGroup",
			"Properties": M{"LogGroupName": sub("/aws/lambda/${AWS::StackName}-" + strings.ToLower(name)), "RetentionInDays": 30},
		}
	}
	res["ApiRole"] = role("ApiLogs", APIActions, true)
	res["AuthorizerRole"] = role("AuthorizerLogs", AuthorizerActions, false)
	env := M{
		"PORTAL_TABLE":        ref("Table"),
		"PORTAL_NAME":         ref(ParamPortalName),
		"PORTAL_DISPLAY_NAME": ref(ParamPortalDisplayName),
	}
	apiEnv := M{"PORTAL_MAIL_FROM": ref(ParamMailFrom), "PORTAL_BASE_URL": portalURL(o)}
	for k, v := range env {
		apiEnv[k] = v
	}
	res["ApiFunction"] = function("api", ParamAPICodeKey, "ApiRole", "ApiLogs", 256, apiEnv)
	res["AuthorizerFunction"] = function("authorizer", ParamAuthorizerCodeKey, "AuthorizerRole", "AuthorizerLogs", 128, env)

	res["HttpApi"] = M{
		"Type":       "AWS::ApiGatewayV2::Api",
		"Properties": M{"Name": sub("${AWS::StackName}-api"), "ProtocolType": "HTTP", "Description": "Portal functions; reached through the portal's CloudFront distribution"},
	}
	res["ApiIntegration"] = M{
		"Type": "AWS::ApiGatewayV2::Integration",
		"Properties": M{
			"ApiId": ref("HttpApi"), "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
			"IntegrationUri": getAtt("ApiFunction", "Arn"),
		},
	}
	for name, key := range map[string]string{
		"RouteDeveloper": "ANY /api/{proxy+}", "RouteAdmin": "ANY /v3/{proxy+}",
		"RouteValidate": "ANY /validate", "RouteValidatePath": "ANY /validate/{proxy+}",
	} {
		res[name] = M{"Type": "AWS::ApiGatewayV2::Route", "Properties": M{"ApiId": ref("HttpApi"), "RouteKey": key, "Target": sub("integrations/${ApiIntegration}")}}
	}
	// The key validator as an authorizer of this HTTP API: a user adds
	// routes to their upstreams here, or attaches AuthorizerFunctionArn to
	// an HTTP API of their own.
	res["KeyAuthorizer"] = M{
		"Type": "AWS::ApiGatewayV2::Authorizer",
		"Properties": M{
			"ApiId": ref("HttpApi"), "Name": "portal-api-keys", "AuthorizerType": "REQUEST",
			"AuthorizerPayloadFormatVersion": "2.0", "EnableSimpleResponses": true,
			"IdentitySource":               []string{"$request.header.apikey"},
			"AuthorizerResultTtlInSeconds": 30,
			"AuthorizerUri":                sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthorizerFunction.Arn}/invocations"),
		},
	}
	res["Stage"] = M{
		"Type": "AWS::ApiGatewayV2::Stage",
		"Properties": M{
			"ApiId": ref("HttpApi"), "StageName": "$default", "AutoDeploy": true,
			"DefaultRouteSettings": M{"ThrottlingBurstLimit": 200, "ThrottlingRateLimit": 100},
		},
	}
	res["ApiInvoke"] = M{
		"Type": "AWS::Lambda::Permission",
		"Properties": M{
			"Action": "lambda:InvokeFunction", "FunctionName": ref("ApiFunction"), "Principal": "apigateway.amazonaws.com",
			"SourceArn": sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*"),
		},
	}
	res["AuthorizerInvoke"] = M{
		"Type": "AWS::Lambda::Permission",
		"Properties": M{
			"Action": "lambda:InvokeFunction", "FunctionName": ref("AuthorizerFunction"), "Principal": "apigateway.amazonaws.com",
			"SourceArn": sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*/authorizers/*"),
		},
	}
	res["MailIdentity"] = M{
		"Type":       "AWS::SES::EmailIdentity",
		"Properties": M{"EmailIdentity": ref(ParamMailDomain), "DkimAttributes": M{"SigningEnabled": true}},
	}

	if o.Domain != "" && o.CertificateARN == "" {
		res["Certificate"] = M{
			"Type": "AWS::CertificateManager::Certificate",
			"Properties": M{
				"DomainName": o.Domain, "ValidationMethod": "DNS",
				"DomainValidationOptions": []M{{"DomainName": o.Domain, "HostedZoneId": o.HostedZoneID}},
			},
		}
	}
	if o.HostedZoneID != "" {
		for _, t := range []string{"A", "AAAA"} {
			res["Alias"+t] = M{
				"Type": "AWS::Route53::RecordSet",
				"Properties": M{
					"HostedZoneId": o.HostedZoneID, "Name": o.Domain, "Type": t,
					"AliasTarget": M{"DNSName": getAtt("Distribution", "DomainName"), "HostedZoneId": cloudFrontHostedZone},
				},
			}
		}
	}

	dkim := []any{}
	for i := 1; i <= 3; i++ {
		dkim = append(dkim, join(" CNAME ", getAtt("MailIdentity", fmt.Sprintf("DkimDNSTokenName%d", i)), getAtt("MailIdentity", fmt.Sprintf("DkimDNSTokenValue%d", i))))
	}
	return M{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "Portal: static site (S3 + CloudFront + gate), functions (HTTP API + Lambda arm64), DynamoDB, SES",
		"Parameters": M{
			ParamPortalName:        M{"Type": "String", "Default": "portal", "Description": "The portal's id-like name (portal.yaml name)."},
			ParamPortalDisplayName: M{"Type": "String", "Default": "Developer Portal"},
			ParamMailFrom:          M{"Type": "String", "Description": "The From of the portal's mail, e.g. Acme APIs <portal@acme.com>."},
			ParamMailDomain:        M{"Type": "String", "Description": "The domain of MailFrom: the SES identity (publish the DKIM records of the outputs)."},
			ParamCodeBucket:        M{"Type": "String", "Description": "The bucket holding the functions' zips (portal deploy aws makes and fills it)."},
			ParamAPICodeKey:        M{"Type": "String", "Description": "portal-api zip; the key holds the zip's SHA-256, so new code deploys."},
			ParamAuthorizerCodeKey: M{"Type": "String", "Description": "portal-authorizer zip, keyed by its SHA-256."},
		},
		"Resources": res,
		"Outputs": M{
			OutPortalURL:      M{"Value": portalURL(o), "Description": "The portal."},
			OutDistributionID: M{"Value": ref("Distribution")},
			OutSiteBucket:     M{"Value": ref("SiteBucket")},
			OutAPIEndpoint:    M{"Value": getAtt("HttpApi", "ApiEndpoint"), "Description": "The HTTP API (also reached as the portal URL's /api/, /v3/ and /validate)."},
			OutTable:          M{"Value": ref("Table"), "Description": "portal admin token create --dynamodb-table <this>"},
			OutKeyValueStore:  M{"Value": getAtt("GateStore", "Arn")},
			OutAuthorizerARN:  M{"Value": getAtt("AuthorizerFunction", "Arn"), "Description": "The key validator, as an HTTP API Lambda authorizer (payload 2.0, simple responses)."},
			OutDKIM:           M{"Value": join(" ; ", dkim...), "Description": "Publish these CNAME records in the mail domain's DNS so SES can send."},
		},
	}
}

// portalURL is https:// and the custom domain, or the distribution's.
func portalURL(o Options) any {
	if o.Domain != "" {
		return "https://" + o.Domain
	}
	return sub("https://${Distribution.DomainName}")
}

func distribution(o Options) M {
	api := func(pattern string) M {
		return M{
			"PathPattern": pattern, "TargetOriginId": "api",
			"ViewerProtocolPolicy":    "https-only",
			"AllowedMethods":          []string{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"},
			"CachedMethods":           []string{"GET", "HEAD"},
			"CachePolicyId":           cachePolicyDisabled,
			"OriginRequestPolicyId":   originRequestAllViewerNotHost,
			"ResponseHeadersPolicyId": ref("HeadersPolicy"),
			"Compress":                true,
		}
	}
	cfg := M{
		"Enabled": true, "Comment": sub("${AWS::StackName} portal"),
		"HttpVersion": "http2and3", "IPV6Enabled": true, "PriceClass": "PriceClass_100",
		"DefaultRootObject": "index.html",
		"Origins": []M{
			{
				"Id": "site", "DomainName": getAtt("SiteBucket", "RegionalDomainName"),
				"OriginAccessControlId": getAtt("OriginAccessControl", "Id"),
				"S3OriginConfig":        M{"OriginAccessIdentity": ""},
			},
			{
				"Id": "api",
				// ApiEndpoint is https://<id>.execute-api.<region>.amazonaws.com
				"DomainName":         M{"Fn::Select": []any{1, M{"Fn::Split": []any{"https://", getAtt("HttpApi", "ApiEndpoint")}}}},
				"CustomOriginConfig": M{"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": []string{"TLSv1.2"}},
			},
		},
		"DefaultCacheBehavior": M{
			"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
			"AllowedMethods": []string{"GET", "HEAD"}, "CachedMethods": []string{"GET", "HEAD"},
			"CachePolicyId": cachePolicyOptimized, "ResponseHeadersPolicyId": ref("HeadersPolicy"), "Compress": true,
			"FunctionAssociations": []M{{"EventType": "viewer-request", "FunctionARN": getAtt("GateFunction", "FunctionMetadata.FunctionARN")}},
		},
		"CacheBehaviors": []M{api("/api/*"), api("/v3/*"), api("/validate"), api("/validate/*")},
		// Only 404: a 403 from the functions (an account pending approval)
		// must reach the page with its detail. S3 answers 404 for a missing
		// key because CloudFront may list the bucket.
		"CustomErrorResponses": []M{{"ErrorCode": 404, "ResponseCode": 404, "ResponsePagePath": "/404.html", "ErrorCachingMinTTL": 10}},
	}
	if o.Domain != "" {
		cfg["Aliases"] = []string{o.Domain}
		cert := any(o.CertificateARN)
		if o.CertificateARN == "" {
			cert = ref("Certificate")
		}
		cfg["ViewerCertificate"] = M{"AcmCertificateArn": cert, "SslSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"}
	} else {
		// The default *.cloudfront.net certificate: CloudFront then allows
		// TLS 1.2 and later only with a certificate of one's own.
		cfg["ViewerCertificate"] = M{"CloudFrontDefaultCertificate": true}
	}
	return M{"Type": "AWS::CloudFront::Distribution", "Properties": M{"DistributionConfig": cfg}}
}

func table() M {
	table := dynamostore.TableInput("unused") // the name comes from CloudFormation
	var attrs []M
	for _, a := range table.AttributeDefinitions {
		attrs = append(attrs, M{"AttributeName": aws.ToString(a.AttributeName), "AttributeType": string(a.AttributeType)})
	}
	keys := func(pk, sk *string) []M {
		return []M{{"AttributeName": aws.ToString(pk), "KeyType": "HASH"}, {"AttributeName": aws.ToString(sk), "KeyType": "RANGE"}}
	}
	var gsis []M
	for _, g := range table.GlobalSecondaryIndexes {
		gsis = append(gsis, M{"IndexName": aws.ToString(g.IndexName), "KeySchema": keys(g.KeySchema[0].AttributeName, g.KeySchema[1].AttributeName), "Projection": M{"ProjectionType": string(g.Projection.ProjectionType)}})
	}
	ttl := dynamostore.TimeToLive("unused").TimeToLiveSpecification
	pitr := dynamostore.PointInTimeRecovery("unused").PointInTimeRecoverySpecification
	return M{
		"Type":                "AWS::DynamoDB::Table",
		"DeletionPolicy":      "Retain",
		"UpdateReplacePolicy": "Retain",
		"Properties": M{
			"BillingMode":                      string(table.BillingMode),
			"AttributeDefinitions":             attrs,
			"KeySchema":                        keys(table.KeySchema[0].AttributeName, table.KeySchema[1].AttributeName),
			"GlobalSecondaryIndexes":           gsis,
			"TimeToLiveSpecification":          M{"AttributeName": aws.ToString(ttl.AttributeName), "Enabled": aws.ToBool(ttl.Enabled)},
			"PointInTimeRecoverySpecification": M{"PointInTimeRecoveryEnabled": aws.ToBool(pitr.PointInTimeRecoveryEnabled)},
			"SSESpecification":                 M{"SSEEnabled": false}, // AWS-owned key: encrypted, free (true is a KMS key, billed)
		},
	}
}

// role is a function's role: its DynamoDB actions on the table and its
// indexes, its own log group, and (mail) SES on the portal's identity.
func role(logs string, actions []string, mail bool) M {
	st := []M{
		{"Effect": "Allow", "Action": actions, "Resource": []any{getAtt("Table", "Arn"), sub("${Table.Arn}/index/*")}},
		{"Effect": "Allow", "Action": []string{"logs:CreateLogStream", "logs:PutLogEvents"}, "Resource": sub("${" + logs + ".Arn}")},
	}
	if mail {
		st = append(st, M{"Effect": "Allow", "Action": []string{"ses:SendEmail"},
			"Resource": sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailDomain}")})
	}
	return M{
		"Type": "AWS::IAM::Role",
		"Properties": M{
			"AssumeRolePolicyDocument": M{"Version": "2012-10-17", "Statement": []M{{"Effect": "Allow", "Principal": M{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}}},
			"Policies":                 []M{{"PolicyName": "portal", "PolicyDocument": M{"Version": "2012-10-17", "Statement": st}}},
		},
	}
}

func function(name, codeKey, role, logs string, memory int, env M) M {
	return M{
		"Type": "AWS::Lambda::Function",
		"Properties": M{
			"FunctionName":  sub("${AWS::StackName}-" + name),
			"Runtime":       "provided.al2023",
			"Architectures": []string{"arm64"},
			"Handler":       "bootstrap",
			"MemorySize":    memory, // argon2id needs 19 MiB per login; more memory is more CPU
			"Timeout":       10,
			"Role":          getAtt(role, "Arn"),
			"Code":          M{"S3Bucket": ref(ParamCodeBucket), "S3Key": ref(codeKey)},
			"LoggingConfig": M{"LogGroup": ref(logs)},
			"Environment":   M{"Variables": env},
		},
	}
}

// JSON is the template as portal deploy aws sends it (and --template-out
// writes it): indented JSON, keys in order.
func JSON(o Options) ([]byte, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	return json.MarshalIndent(Template(o), "", " ")
}

package cloudformation

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// at returns the value at a slash-separated path of a decoded template
// (list elements by index), or nil.
func at(v any, path string) any {
	for _, p := range strings.Split(path, "/") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := -1
			for j := range x {
				if p == string(rune('0'+j)) {
					i = j
				}
			}
			if i < 0 {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func decoded(t *testing.T, o Options) map[string]any {
	t.Helper()
	raw, err := JSON(o)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTemplateShape: what the issue asks of the stack, property by
// property, beyond what the specification can say.
func TestTemplateShape(t *testing.T) {
	t.Parallel()
	tpl := decoded(t, testOptions["default"])
	dc := "Resources/Distribution/Properties/DistributionConfig/"
	for path, want := range map[string]any{
		"Resources/SiteBucket/Properties/PublicAccessBlockConfiguration/BlockPublicPolicy":                                                true,
		"Resources/SiteBucket/Properties/PublicAccessBlockConfiguration/RestrictPublicBuckets":                                            true,
		"Resources/SiteBucket/Properties/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm": "AES256",
		"Resources/SiteBucketPolicy/Properties/PolicyDocument/Statement/0/Principal/Service":                                              "cloudfront.amazonaws.com",
		"Resources/SiteBucketPolicy/Properties/PolicyDocument/Statement/0/Condition/StringEquals/AWS:SourceArn/Fn::Sub":                   "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}",
		dc + "HttpVersion": "http2and3",
		dc + "Origins/0/OriginAccessControlId/Fn::GetAtt/0":                                                          "OriginAccessControl",
		dc + "DefaultCacheBehavior/ViewerProtocolPolicy":                                                             "redirect-to-https",
		dc + "DefaultCacheBehavior/FunctionAssociations/0/EventType":                                                 "viewer-request",
		dc + "CacheBehaviors/0/PathPattern":                                                                          "/api/*",
		dc + "CacheBehaviors/1/PathPattern":                                                                          "/v3/*",
		dc + "CacheBehaviors/2/PathPattern":                                                                          "/validate",
		dc + "CacheBehaviors/0/CachePolicyId":                                                                        cachePolicyDisabled,
		dc + "CacheBehaviors/0/OriginRequestPolicyId":                                                                originRequestAllViewerNotHost,
		dc + "CustomErrorResponses/0/ResponsePagePath":                                                               "/404.html",
		"Resources/GateFunction/Properties/FunctionConfig/Runtime":                                                   "cloudfront-js-2.0",
		"Resources/GateFunction/Properties/FunctionConfig/KeyValueStoreAssociations/0/KeyValueStoreARN/Fn::GetAtt/0": "GateStore",
		"Resources/HeadersPolicy/Properties/ResponseHeadersPolicyConfig/SecurityHeadersConfig/StrictTransportSecurity/AccessControlMaxAgeSec": 31536000.0,
		"Resources/HeadersPolicy/Properties/ResponseHeadersPolicyConfig/SecurityHeadersConfig/StrictTransportSecurity/IncludeSubdomains":      true,
		"Resources/ApiFunction/Properties/Architectures/0":                    "arm64",
		"Resources/ApiFunction/Properties/Runtime":                            "provided.al2023",
		"Resources/ApiLogs/Properties/RetentionInDays":                        30.0,
		"Resources/AuthorizerLogs/Properties/RetentionInDays":                 30.0,
		"Resources/Stage/Properties/DefaultRouteSettings/ThrottlingRateLimit": 100.0,
		"Resources/KeyAuthorizer/Properties/EnableSimpleResponses":            true,
		"Resources/MailIdentity/Properties/DkimAttributes/SigningEnabled":     true,
	} {
		if got := at(tpl, path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	csp, _ := at(tpl, "Resources/HeadersPolicy/Properties/ResponseHeadersPolicyConfig/SecurityHeadersConfig/ContentSecurityPolicy/ContentSecurityPolicy").(string)
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
		t.Errorf("CSP = %q, want frame-ancestors and no inline scripts", csp)
	}
	for _, out := range []string{OutPortalURL, OutDistributionID, OutSiteBucket, OutAPIEndpoint, OutTable, OutKeyValueStore, OutAuthorizerARN, OutDKIM} {
		if at(tpl, "Outputs/"+out+"/Value") == nil {
			t.Errorf("no output %s", out)
		}
	}
	// $0 at idle: nothing provisioned, no customer-managed KMS key, no NAT.
	for name, r := range tpl["Resources"].(map[string]any) {
		typ := at(r, "Type").(string)
		if slices.Contains([]string{"AWS::KMS::Key", "AWS::EC2::NatGateway", "AWS::EC2::VPC", "AWS::Lambda::Version"}, typ) {
			t.Errorf("%s is a %s: it costs money at idle", name, typ)
		}
	}
	if at(tpl, "Resources/Table/Properties/BillingMode") != "PAY_PER_REQUEST" {
		t.Errorf("the table is not on demand")
	}

	custom := decoded(t, testOptions["hosted zone"])
	if at(custom, dc+"ViewerCertificate/MinimumProtocolVersion") != "TLSv1.2_2021" || at(custom, dc+"Aliases/0") != "developer.acme.com" {
		t.Errorf("custom domain: viewer certificate %v, aliases %v", at(custom, dc+"ViewerCertificate"), at(custom, dc+"Aliases"))
	}
	if at(custom, "Resources/Certificate/Properties/DomainValidationOptions/0/HostedZoneId") != "Z0123456789ABCDEFGHIJ" || at(custom, "Resources/AliasAAAA/Properties/Type") != "AAAA" {
		t.Errorf("hosted zone: no certificate validated there or no alias records")
	}
	if at(custom, "Outputs/PortalURL/Value") != "https://developer.acme.com" {
		t.Errorf("PortalURL = %v", at(custom, "Outputs/PortalURL/Value"))
	}
}

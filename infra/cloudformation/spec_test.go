package cloudformation

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/portal-dev/portal/infra/cfnspec"
)

var loadSpec = sync.OnceValues(func() (*cfnspec.Spec, error) { return cfnspec.Load("../..") })

// TestTemplateMatchesSpec: every resource type, property name and type,
// required property, Ref and GetAtt of the template, with and without a
// custom domain, is one AWS's resource specification knows.
func TestTemplateMatchesSpec(t *testing.T) {
	t.Parallel()
	s, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	for name, o := range testOptions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := JSON(o)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range cfnspec.Check(s, raw) {
				t.Error(p)
			}
			// CloudFormation takes a template body of at most 51,200 bytes.
			if len(raw) > 51200 {
				t.Errorf("template is %d bytes; CloudFormation takes 51,200 in a request", len(raw))
			}
		})
	}
}

// TestSpecCheckerCatches: the checker is not blind (a test of the test).
func TestSpecCheckerCatches(t *testing.T) {
	t.Parallel()
	s, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		edit func(res M)
		want string
	}{
		"unknown type":     {func(res M) { res["Table"].(M)["Type"] = "AWS::DynamoDB::Tabel" }, "unknown resource type"},
		"unknown property": {func(res M) { res["SiteBucket"].(M)["Properties"].(M)["Public"] = true }, `no property "Public"`},
		"missing required": {func(res M) { delete(res["GateFunction"].(M)["Properties"].(M), "FunctionCode") }, `needs property "FunctionCode"`},
		"wrong type":       {func(res M) { res["ApiFunction"].(M)["Properties"].(M)["MemorySize"] = "256" }, "want a integer"},
		"bad GetAtt": {func(res M) {
			res["ApiIntegration"].(M)["Properties"].(M)["IntegrationUri"] = getAtt("ApiFunction", "Url")
		}, `no attribute "Url"`},
		"bad Ref":  {func(res M) { res["Stage"].(M)["Properties"].(M)["ApiId"] = ref("HttpAPI") }, `Ref "HttpAPI"`},
		"bad Sub":  {func(res M) { res["HttpApi"].(M)["Properties"].(M)["Name"] = sub("${AWS::StackNam}-api") }, `Ref "AWS::StackNam"`},
		"bad Join": {func(res M) { res["HttpApi"].(M)["Properties"].(M)["Name"] = M{"Fn::Join": []any{"-"}} }, "Fn::Join takes [separator, list]"},
		"nested property": {func(res M) {
			res["Distribution"].(M)["Properties"].(M)["DistributionConfig"].(M)["HTTPVersion"] = "http2"
		}, `no property "HTTPVersion"`},
		"allowed values":  {func(res M) { res["ApiFunction"].(M)["Properties"].(M)["PackageType"] = "Jar" }, `"Jar" is not one of`},
		"deletion policy": {func(res M) { res["Table"].(M)["DeletionPolicy"] = "Keep" }, "DeletionPolicy Keep"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tpl := Template(testOptions["default"])
			tc.edit(tpl["Resources"].(M))
			raw, err := json.Marshal(tpl)
			if err != nil {
				t.Fatal(err)
			}
			problems := cfnspec.Check(s, raw)
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("checkTemplate = %q, want a problem containing %q", problems, tc.want)
			}
		})
	}
}

package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/functions/dynamostore/dynamolocal"
	"github.com/portal-dev/portal/infra/cfnspec"
	"github.com/portal-dev/portal/infra/deploy"
)

// cfnCheck is the scripts' cfn-check ROOT TEMPLATE: it checks a template
// against AWS's resource specification under ROOT and prints the problems.
func cfnCheck() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: cfn-check ROOT TEMPLATE")
		os.Exit(2)
	}
	s, err := cfnspec.Load(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	raw, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	problems := cfnspec.Check(s, raw)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Printf("ok: %d resources\n", cfnspec.Resources(raw))
}

// TestDeployNetlifyTable prepares a Netlify portal's table in DynamoDB
// Local, the way a user does with their AWS credentials: table, catalog,
// gate key, first admin token and the variables to set; then makes a
// second admin token there with portal admin token create --dynamodb-table.
// The AWS configuration comes from the environment (the SDK's
// AWS_ENDPOINT_URL_DYNAMODB points it at DynamoDB Local), so the test does
// not run in parallel.
func TestDeployNetlifyTable(t *testing.T) {
	srv, err := dynamolocal.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB": srv.URL, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
	} {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	dir := t.TempDir()
	run := func(args ...string) (string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := Main(ctx, args, os.Getenv, &stdout, &stderr); code != 0 {
			t.Fatalf("portal %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	out, progress := run("deploy", "netlify", "--table", "acme-portal", "--config", "../../../portal.yaml", "--out", filepath.Join(dir, "public"), "--data", filepath.Join(dir, "data"))
	for _, want := range []string{"table acme-portal: creating", "active, with time to live", "API change(s) published to table acme-portal"} {
		if !strings.Contains(progress, want) {
			t.Errorf("progress lacks %q:\n%s", want, progress)
		}
	}
	vars := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "PORTAL_") {
			vars[k] = v
		}
	}
	if vars["PORTAL_TABLE"] != "acme-portal" || vars["PORTAL_DYNAMODB_REGION"] != "us-east-1" {
		t.Errorf("variables = %v", vars)
	}
	apis, err := dynamostore.New(srv.Client(), "acme-portal").ListAPIs(ctx)
	if err != nil || len(apis) == 0 {
		t.Fatalf("published APIs in the new table: %v, %v", apis, err)
	}
	stored, err := deploy.DynamoStore(srv.Client(), "acme-portal").AccessKey(ctx, nil)
	if err != nil || vars["PORTAL_ACCESS_KEY"] != base64.StdEncoding.EncodeToString(stored) {
		t.Errorf("PORTAL_ACCESS_KEY = %q, want the table's key (%v)", vars["PORTAL_ACCESS_KEY"], err)
	}
	if !strings.Contains(out, `"dynamodb:BatchGetItem"`) || !strings.Contains(out, "table/acme-portal/index/*") {
		t.Errorf("no IAM policy for the table in:\n%s", out)
	}
	first := vars["PORTAL_ADMIN_TOKEN"]
	if !strings.HasPrefix(first, "pat_") {
		t.Fatalf("PORTAL_ADMIN_TOKEN = %q", first)
	}

	// Run again: nothing is made twice, the key stays.
	out2, progress2 := run("deploy", "netlify", "--table", "acme-portal", "--config", "../../../portal.yaml", "--out", filepath.Join(dir, "public"), "--data", filepath.Join(dir, "data"))
	if !strings.Contains(progress2, "table acme-portal: exists") || !strings.Contains(progress2, ": 0 API change(s)") || !strings.Contains(out2, "PORTAL_ACCESS_KEY="+vars["PORTAL_ACCESS_KEY"]) {
		t.Errorf("second run:\n%s%s", progress2, out2)
	}

	tok, _ := run("admin", "token", "create", "--dynamodb-table", "acme-portal", "--name", "ops")
	tok = strings.TrimSpace(tok)
	if !strings.HasPrefix(tok, "pat_") || tok == first {
		t.Fatalf("admin token create --dynamodb-table = %q", tok)
	}
	list, _ := run("admin", "token", "list", "--dynamodb-table", "acme-portal")
	if !strings.Contains(list, "ops") || !strings.Contains(list, "netlify deploy") {
		t.Errorf("admin token list --dynamodb-table:\n%s", list)
	}

	// The first admin user of the console, in the deployed portal's table.
	var uout, uerr bytes.Buffer
	if code := runAdminWith(ctx, []string{"users", "create", "ops@example.com", "--dynamodb-table", "acme-portal", "--password-stdin"}, os.Getenv,
		strings.NewReader("vX9#qLm2-river\n"), &uout, &uerr); code != 0 || !strings.Contains(uout.String(), "created admin user ops@example.com") {
		t.Fatalf("admin users create --dynamodb-table = %d: %s%s", code, uout.String(), uerr.String())
	}
	if users, _ := run("admin", "users", "list", "--dynamodb-table", "acme-portal"); !strings.Contains(users, "ops@example.com") || !strings.Contains(users, "active") {
		t.Errorf("admin users list --dynamodb-table:\n%s", users)
	}
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/portal-dev/portal/functions/dynamostore/dynamolocal"
	"github.com/portal-dev/portal/functions/lambdahttp"
)

// TestFunctionOnDynamoDBLocal builds the Netlify function as Netlify runs
// it — from the site's environment, with the DynamoDB credentials under
// the portal's own names — against DynamoDB Local, and answers
// Netlify-shaped events through it.
func TestFunctionOnDynamoDBLocal(t *testing.T) {
	srv, err := dynamolocal.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	table := srv.NewTable(t)
	env := map[string]string{
		"PORTAL_TABLE":                      table,
		"PORTAL_DYNAMODB_ACCESS_KEY_ID":     "local", // DynamoDB Local keeps tables per key and region
		"PORTAL_DYNAMODB_SECRET_ACCESS_KEY": "local",
		"PORTAL_DYNAMODB_REGION":            "us-east-1",
		"PORTAL_DYNAMODB_ENDPOINT":          srv.URL,
		"URL":                               "https://acme-portal.netlify.app",
		"PORTAL_NAME":                       "acme",
		"PORTAL_MAIL_FROM":                  "Acme APIs <portal@acme.com>",
		"PORTAL_SMTP_HOST":                  "smtp.acme.com",
	}
	h, err := handler(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]struct {
		status int
		body   string
	}{
		"validate.json": {403, "No API matches"},
		"me.json":       {401, ""},
	} {
		raw, err := os.ReadFile("../../../functions/lambdahttp/testdata/netlify/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var ev lambdahttp.V1Request
		if err := json.Unmarshal([]byte(strings.ReplaceAll(string(raw), "REPLACE_SESSION", "__Host-portal_session=nope")), &ev); err != nil {
			t.Fatal(err)
		}
		res, err := h(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != want.status || !strings.Contains(res.Body, want.body) {
			t.Errorf("%s = %d %s, want %d %q", name, res.StatusCode, res.Body, want.status, want.body)
		}
	}
}

// TestConfigMistakes: each missing or bad variable is named.
func TestConfigMistakes(t *testing.T) {
	t.Parallel()
	base := map[string]string{
		"PORTAL_TABLE": "t", "PORTAL_DYNAMODB_ACCESS_KEY_ID": "id", "PORTAL_DYNAMODB_SECRET_ACCESS_KEY": "s", "PORTAL_DYNAMODB_REGION": "eu-west-1",
		"PORTAL_BASE_URL": "https://a.example", "PORTAL_MAIL_FROM": "A <a@a.example>",
	}
	for variable, value := range map[string]string{
		"PORTAL_TABLE": "", "PORTAL_DYNAMODB_SECRET_ACCESS_KEY": "", "PORTAL_DYNAMODB_REGION": "", "PORTAL_BASE_URL": "",
		"PORTAL_MAIL_FROM": "", "PORTAL_SMTP_PORT": "smtp", "PORTAL_CACHE_TTL": "soon",
	} {
		env := map[string]string{"PORTAL_SMTP_HOST": "smtp.a.example"}
		for k, v := range base {
			env[k] = v
		}
		env[variable] = value
		_, err := handler(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), func(k string) string { return env[k] })
		if err == nil || !strings.Contains(err.Error(), variable) {
			t.Errorf("%s=%q: %v, want an error naming %s", variable, value, err, variable)
		}
	}
}

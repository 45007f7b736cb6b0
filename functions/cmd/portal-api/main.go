// Command portal-api is the portal's developer and management API as an
// AWS Lambda function behind an API Gateway HTTP API (payload 2.0).
//
// Environment: PORTAL_TABLE (DynamoDB table), PORTAL_BASE_URL (the portal's
// public URL, for mail links), PORTAL_NAME and PORTAL_DISPLAY_NAME,
// PORTAL_MAIL_FROM (a verified SES identity), PORTAL_SES_CONFIGURATION_SET
// (optional).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/lambdahttp"
	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/portal"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	h, err := handler(context.Background(), log, os.Getenv)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.Start(lambdahttp.Handler(h.Handler()))
}

// handler builds the API and its SDK clients once, before lambda.Start.
func handler(ctx context.Context, log *slog.Logger, env func(string) string) (*httpapi.Server, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	store := dynamostore.New(dynamostore.NewClient(cfg), env("PORTAL_TABLE"))
	ses, err := mail.NewSES(sesv2.NewFromConfig(cfg), mail.SESConfig{From: env("PORTAL_MAIL_FROM"), ConfigurationSet: env("PORTAL_SES_CONFIGURATION_SET")})
	if err != nil {
		return nil, err
	}
	name := env("PORTAL_DISPLAY_NAME")
	if name == "" {
		name = env("PORTAL_NAME")
	}
	mailer, err := mail.New(mail.Config{BaseURL: env("PORTAL_BASE_URL"), PortalName: name}, nil, ses)
	if err != nil {
		return nil, err
	}
	return httpapi.New(store, mailer, log, httpapi.Config{
		BaseURL:       env("PORTAL_BASE_URL"),
		SecureCookies: true,
		Defaults:      portal.Settings{Name: env("PORTAL_NAME"), DisplayName: name},
	}, nil)
}

// Package deployed builds the functions' one http.Handler as a deployment
// runs them — the developer and management API, and /validate — from the
// environment: the same code behind the AWS Lambda and the Netlify
// function, with a DynamoDB store and SES or SMTP mail.
//
// Environment:
//
//	PORTAL_TABLE                  the DynamoDB table (required)
//	PORTAL_BASE_URL               the portal's public URL, for mail links
//	                              (on Netlify, URL is the fallback)
//	PORTAL_NAME, PORTAL_DISPLAY_NAME
//	PORTAL_MAIL_FROM              the From of mail, e.g. Acme APIs <portal@acme.com>
//	PORTAL_SMTP_HOST              send through SMTP instead of SES, with
//	PORTAL_SMTP_PORT, PORTAL_SMTP_USERNAME, PORTAL_SMTP_PASSWORD
//	PORTAL_SES_CONFIGURATION_SET  (SES, optional)
//	PORTAL_CACHE_TTL              how long /validate caches a decision (Go duration)
//
// The AWS credentials and region are the SDK's usual ones on Lambda. On
// Netlify, which reserves AWS_*, they are PORTAL_DYNAMODB_ACCESS_KEY_ID,
// PORTAL_DYNAMODB_SECRET_ACCESS_KEY and PORTAL_DYNAMODB_REGION (see Config).
package deployed

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/validate"
)

// Config loads the AWS configuration: the SDK's default chain, or, when
// PORTAL_DYNAMODB_ACCESS_KEY_ID is set, those credentials with
// PORTAL_DYNAMODB_REGION (Netlify reserves the AWS_* names).
// PORTAL_DYNAMODB_ENDPOINT points the clients elsewhere (DynamoDB Local).
func Config(ctx context.Context, env func(string) string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if id := env("PORTAL_DYNAMODB_ACCESS_KEY_ID"); id != "" {
		secret := env("PORTAL_DYNAMODB_SECRET_ACCESS_KEY")
		if secret == "" {
			return aws.Config{}, fmt.Errorf("PORTAL_DYNAMODB_ACCESS_KEY_ID is set but PORTAL_DYNAMODB_SECRET_ACCESS_KEY is not; set both (an IAM user's access key)")
		}
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, "")))
		if env("PORTAL_DYNAMODB_REGION") == "" {
			return aws.Config{}, fmt.Errorf("PORTAL_DYNAMODB_REGION is not set; give the table's region, e.g. eu-west-1")
		}
	}
	if r := env("PORTAL_DYNAMODB_REGION"); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	if e := env("PORTAL_DYNAMODB_ENDPOINT"); e != "" {
		opts = append(opts, config.WithBaseEndpoint(e))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	return cfg, nil
}

// Handler builds the handler and its SDK clients once, before the first
// request; a configuration mistake is an error that names the variable.
func Handler(ctx context.Context, log *slog.Logger, env func(string) string, cfg aws.Config) (http.Handler, error) {
	table := env("PORTAL_TABLE")
	if table == "" {
		return nil, fmt.Errorf("PORTAL_TABLE is not set; give the portal's DynamoDB table (portal deploy prints it)")
	}
	store := dynamostore.New(dynamostore.NewClient(cfg), table)
	base := env("PORTAL_BASE_URL")
	if base == "" {
		base = env("URL") // Netlify's site URL
	}
	if base == "" {
		return nil, fmt.Errorf("PORTAL_BASE_URL is not set; give the portal's public URL, e.g. https://developer.acme.com")
	}
	sender, err := sender(env, cfg)
	if err != nil {
		return nil, err
	}
	name := env("PORTAL_DISPLAY_NAME")
	if name == "" {
		name = env("PORTAL_NAME")
	}
	if name == "" {
		name = "Developer Portal" // as portal serve names an unnamed portal
	}
	mailer, err := mail.New(mail.Config{BaseURL: base, PortalName: name}, nil, sender)
	if err != nil {
		return nil, err
	}
	api, err := httpapi.New(store, mailer, log, httpapi.Config{
		BaseURL:       base,
		SecureCookies: true,
		Defaults:      portal.Settings{Name: env("PORTAL_NAME"), DisplayName: name},
	}, nil)
	if err != nil {
		return nil, err
	}
	ttl, err := validate.TTLFromEnv(env)
	if err != nil {
		return nil, err
	}
	gate := validate.NewGate(validate.New(store, validate.Options{TTL: ttl, Log: log}), store, ttl)
	mux := http.NewServeMux()
	mux.Handle("/", api.Handler())
	mux.Handle("/validate", gate.ForwardAuth())
	mux.Handle("/validate/", gate.ForwardAuth())
	return mux, nil
}

// sender is SMTP when PORTAL_SMTP_HOST is set, else SES.
func sender(env func(string) string, cfg aws.Config) (mail.Sender, error) {
	from := env("PORTAL_MAIL_FROM")
	if from == "" {
		return nil, fmt.Errorf("PORTAL_MAIL_FROM is not set; give the From of the portal's mail, e.g. Acme APIs <portal@acme.com>")
	}
	host := env("PORTAL_SMTP_HOST")
	if host == "" {
		return mail.NewSES(sesv2.NewFromConfig(cfg), mail.SESConfig{From: from, ConfigurationSet: env("PORTAL_SES_CONFIGURATION_SET")})
	}
	port := 0
	if p := env("PORTAL_SMTP_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("PORTAL_SMTP_PORT %q is not a port number", p)
		}
		port = n
	}
	return mail.NewSMTP(mail.SMTPConfig{
		Host: host, Port: port, From: from, ImplicitTLS: port == 465,
		Username: env("PORTAL_SMTP_USERNAME"), Password: env("PORTAL_SMTP_PASSWORD"),
	})
}

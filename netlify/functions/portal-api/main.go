// Command portal-api is the portal's functions as a Netlify Function: the
// developer and management API and /validate, reached through the
// rewrites of netlify.toml. Netlify builds it for linux/amd64 and calls it
// with REST-shaped (v1) events. Its environment is package deployed's;
// the DynamoDB credentials are PORTAL_DYNAMODB_* (Netlify reserves AWS_*).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/portal-dev/portal/functions/deployed"
	"github.com/portal-dev/portal/functions/lambdahttp"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	h, err := handler(context.Background(), log, os.Getenv)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.Start(h)
}

// handler builds the function and its clients once, before lambda.Start.
func handler(ctx context.Context, log *slog.Logger, env func(string) string) (func(context.Context, lambdahttp.V1Request) (events.APIGatewayProxyResponse, error), error) {
	cfg, err := deployed.Config(ctx, env)
	if err != nil {
		return nil, err
	}
	h, err := deployed.Handler(ctx, log, env, cfg)
	if err != nil {
		return nil, err
	}
	return lambdahttp.HandlerV1(h), nil
}

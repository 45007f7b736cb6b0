// Command portal-api is the portal's developer and management API, and
// the forward-auth /validate, as an AWS Lambda function behind an API
// Gateway HTTP API (payload 2.0). Its environment is package deployed's.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/portal-dev/portal/functions/deployed"
	"github.com/portal-dev/portal/functions/lambdahttp"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ctx := context.Background()
	cfg, err := deployed.Config(ctx, os.Getenv)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	h, err := deployed.Handler(ctx, log, os.Getenv, cfg)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.Start(lambdahttp.Handler(h))
}

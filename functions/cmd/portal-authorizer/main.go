// Command portal-authorizer is the API key validator as an API Gateway
// HTTP API Lambda authorizer (payload 2.0, simple responses). Configure the
// authorizer's identity source as the key header ($request.header.apikey)
// and its result TTL; this process also caches decisions for
// PORTAL_CACHE_TTL (default 30 s).
//
// Environment: PORTAL_TABLE, PORTAL_API (the guarded API's id or slug;
// empty: match the request path against the catalog's routes),
// PORTAL_CACHE_TTL (a Go duration).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/portal-dev/portal/functions/validate"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	h, err := handler(context.Background(), log, os.Getenv, newStore)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.Start(h)
}

// authorize is the Lambda authorizer's function.
type authorize = func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)

// handler builds the authorizer, with its store, once before lambda.Start;
// a configuration mistake is an error that names the variable and the fix.
func handler(_ context.Context, log *slog.Logger, env func(string) string, open func(table string) (validate.GateStore, error)) (authorize, error) {
	ttl, err := validate.TTLFromEnv(env)
	if err != nil {
		return nil, err
	}
	table := env("PORTAL_TABLE")
	if table == "" {
		return nil, fmt.Errorf("PORTAL_TABLE is not set; give the portal's DynamoDB table")
	}
	store, err := open(table)
	if err != nil {
		return nil, err
	}
	v := validate.New(store, validate.Options{TTL: ttl, Log: log})
	return validate.NewGate(v, store, ttl).Authorizer(env("PORTAL_API")), nil
}

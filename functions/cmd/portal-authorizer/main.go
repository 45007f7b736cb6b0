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
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/portal-dev/portal/functions/validate"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ttl := 30 * time.Second
	if v := os.Getenv("PORTAL_CACHE_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			log.Error("PORTAL_CACHE_TTL", "err", err)
			os.Exit(1)
		}
		ttl = d
	}
	store, err := newStore(os.Getenv("PORTAL_TABLE"))
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	v := validate.New(store, validate.Options{TTL: ttl})
	gate := validate.NewGate(v, store, ttl)
	lambda.Start(gate.Authorizer(os.Getenv("PORTAL_API")))
}

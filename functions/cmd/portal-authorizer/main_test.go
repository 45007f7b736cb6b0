package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portal-dev/portal/functions/boltstore/bolttest"
	"github.com/portal-dev/portal/functions/publish"
	"github.com/portal-dev/portal/functions/validate"
)

func TestHandlerConfiguration(t *testing.T) {
	t.Parallel()
	open := func(string) (validate.GateStore, error) {
		t.Fatal("the store is opened before the configuration is checked")
		return nil, nil
	}
	for name, c := range map[string]struct {
		env  map[string]string
		want string
	}{
		"no table":  {map[string]string{}, "PORTAL_TABLE is not set"},
		"bad TTL":   {map[string]string{"PORTAL_TABLE": "t", "PORTAL_CACHE_TTL": "soon"}, `PORTAL_CACHE_TTL "soon"`},
		"minus TTL": {map[string]string{"PORTAL_TABLE": "t", "PORTAL_CACHE_TTL": "-1s"}, "PORTAL_CACHE_TTL"},
	} {
		_, err := handler(context.Background(), slog.New(slog.DiscardHandler), func(k string) string { return c.env[k] }, open)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: handler = %v, want an error mentioning %q", name, err, c.want)
		}
	}
}

// TestHandlerDecides: the authorizer built from the environment guards the
// API it names: no key is a deny, an auth: none API is open.
func TestHandlerDecides(t *testing.T) {
	t.Parallel()
	st := bolttest.Open(t)
	cat := `{"portal":{"name":"acme"},"apis":[
 {"id":"a1","slug":"httpbin","name":"httpbin","version":"1","visibility":"public","auth_strategy":{"type":"key_auth","key_names":["apikey"]},"route_prefix":"/gateway/httpbin/"},
 {"id":"a2","slug":"open","name":"Open","version":"1","visibility":"public","auth_strategy":{"type":"none"},"route_prefix":"/gateway/open/"}]}`
	if _, err := publish.Publish(context.Background(), st, []byte(cat), time.Now()); err != nil {
		t.Fatal(err)
	}
	for api, want := range map[string]bool{"httpbin": false, "open": true} {
		env := map[string]string{"PORTAL_TABLE": "portal", "PORTAL_API": api}
		h, err := handler(context.Background(), slog.New(slog.DiscardHandler), func(k string) string { return env[k] }, func(string) (validate.GateStore, error) { return st, nil })
		if err != nil {
			t.Fatal(err)
		}
		res, err := h(context.Background(), events.APIGatewayV2CustomAuthorizerV2Request{RawPath: "/get", Headers: map[string]string{}})
		if err != nil || res.IsAuthorized != want {
			t.Errorf("PORTAL_API=%s, no key: authorized %v (%v), want %v", api, res.IsAuthorized, err, want)
		}
	}
}

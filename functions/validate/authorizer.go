package validate

import (
	"context"
	"net/http"
	"net/url"

	"github.com/aws/aws-lambda-go/events"
)

// Authorizer is the API Gateway HTTP API Lambda authorizer (payload 2.0,
// simple responses). apiRef (an API id or slug) names the API it guards;
// when empty, the request's path is matched against the catalog's routes.
// Any failure is a deny, never an allow.
func (g *Gate) Authorizer(apiRef string) func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		deny := events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}
		var path string
		if ev.RawPath != "" {
			var err error
			if path, err = NormalizePath(ev.RawPath); err != nil {
				return deny, nil
			}
		}
		// The domain the client called: an API routed by host (gateway.host
		// in portal.yaml) is matched on its custom domain.
		host, err := NormalizeHost(ev.RequestContext.DomainName)
		if err != nil {
			return deny, nil
		}
		api, s, err := g.API(ctx, apiRef, host, path)
		if err != nil {
			return deny, nil
		}
		h := http.Header{}
		for k, v := range ev.Headers {
			h.Add(k, v) // API Gateway sends header names in lower case; Header.Add canonicalises
		}
		q := url.Values{}
		for k, v := range ev.QueryStringParameters {
			q.Set(k, v)
		}
		d := g.Check(ctx, api, s, h, q)
		if d.Anonymous {
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{"anonymous": true}}, nil
		}
		if !d.Allowed() {
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false, Context: map[string]any{"message": d.Message}}, nil
		}
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{
			IsAuthorized: true,
			Context: map[string]any{
				"consumer_id":           d.ConsumerID,
				"application_id":        d.ApplicationID,
				"credential_identifier": d.CredentialID,
			},
		}, nil
	}
}

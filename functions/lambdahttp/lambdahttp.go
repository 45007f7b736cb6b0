// Package lambdahttp runs an http.Handler for API Gateway HTTP API events
// (payload format 2.0), the way aws-lambda-go's lambdaurl does for
// function URLs: the handlers stay plain net/http.
package lambdahttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Handler adapts h to a Lambda handler for HTTP API payload 2.0 events.
func Handler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return adapt(h, Request, Response)
}

// adapt makes a Lambda handler of h for one payload format: event → request
// → h → response. An event that makes no request is answered 400 with
// the reason.
func adapt[E, R any](h http.Handler, request func(context.Context, E) (*http.Request, error), response func(int, http.Header, []byte) R) func(context.Context, E) (R, error) {
	return func(ctx context.Context, ev E) (R, error) {
		r, err := request(ctx, ev)
		if err != nil {
			return response(http.StatusBadRequest, nil, []byte(err.Error())), nil
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return response(w.Result().StatusCode, w.Header(), w.Body.Bytes()), nil
	}
}

// newRequest makes the request both payload formats share: the body
// decoded from base64 when the event says so, GET when the event names no
// method, the length and target set as a server sets them.
func newRequest(ctx context.Context, method, target, body string, base64Body bool) (*http.Request, error) {
	b := []byte(body)
	if base64Body {
		var err error
		if b, err = base64.StdEncoding.DecodeString(body); err != nil {
			return nil, fmt.Errorf("lambdahttp: body: %w", err)
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	r, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("lambdahttp: request: %w", err)
	}
	r.ContentLength = int64(len(b))
	return r, nil
}

// encodeBody is a response body as an event carries it: text as it is,
// anything that is not UTF-8 in base64.
func encodeBody(body []byte) (string, bool) {
	if utf8.Valid(body) {
		return string(body), false
	}
	return base64.StdEncoding.EncodeToString(body), true
}

// Request makes the http.Request of an event.
func Request(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	target := ev.RawPath
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	r, err := newRequest(ctx, ev.RequestContext.HTTP.Method, target, ev.Body, ev.IsBase64Encoded)
	if err != nil {
		return nil, err
	}
	for k, v := range ev.Headers {
		// HTTP API joins repeated headers with commas; so does HTTP.
		r.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	r.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	r.Host = ev.RequestContext.DomainName
	if h := ev.Headers["host"]; h != "" {
		r.Host = h
	}
	r.RequestURI = target
	return r, nil
}

// Response makes the event response of a handler's answer: Set-Cookie
// goes to Cookies (payload 2.0 has no multi-value headers), binary bodies
// are base64.
func Response(status int, header http.Header, body []byte) events.APIGatewayV2HTTPResponse {
	res := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	for k, vs := range header {
		if strings.EqualFold(k, "Set-Cookie") {
			res.Cookies = append(res.Cookies, vs...)
			continue
		}
		res.Headers[k] = strings.Join(vs, ",")
	}
	res.Body, res.IsBase64Encoded = encodeBody(body)
	return res
}

package lambdahttp

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// V1Request is an API Gateway REST-shaped (payload 1.0) event, as Netlify
// sends its Go functions, with the fields Netlify adds.
type V1Request struct {
	events.APIGatewayProxyRequest
	// RawURL and RawQuery are Netlify's: the URL the visitor asked for,
	// and its query as sent (order and encoding kept).
	RawURL   string `json:"rawUrl,omitempty"`
	RawQuery string `json:"rawQuery,omitempty"`
}

// netlifyFunctions is where Netlify serves functions; a rewrite to
// /.netlify/functions/<name>/<path> reaches the handler as /<path>.
const netlifyFunctions = "/.netlify/functions/"

// HandlerV1 adapts h to a Lambda handler for REST-shaped (v1) events.
func HandlerV1(h http.Handler) func(context.Context, V1Request) (events.APIGatewayProxyResponse, error) {
	return adapt(h, RequestV1, ResponseV1)
}

// RequestV1 makes the http.Request of a v1 event. The path is the event's
// path, less a /.netlify/functions/<name> prefix (Netlify gives the path
// the visitor asked for through a rewrite, and the function's own path
// when called directly); repeated headers and query parameters come from
// the multi-value maps when they are there.
func RequestV1(ctx context.Context, ev V1Request) (*http.Request, error) {
	path := ev.Path
	if path == "" {
		path = ev.RequestContext.Path
	}
	if rest, ok := strings.CutPrefix(path, netlifyFunctions); ok {
		_, rest, _ = strings.Cut(rest, "/") // the function's name
		path = "/" + rest
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("lambdahttp: path %q is not absolute", path)
	}
	query := ev.RawQuery
	if query == "" {
		query = v1Query(ev.APIGatewayProxyRequest)
	}
	// The path arrives decoded; escape it again for the request target.
	target := (&url.URL{Path: path}).EscapedPath()
	if query != "" {
		target += "?" + query
	}
	r, err := newRequest(ctx, ev.HTTPMethod, target, ev.Body, ev.IsBase64Encoded)
	if err != nil {
		return nil, err
	}
	if len(ev.MultiValueHeaders) > 0 {
		for k, vs := range ev.MultiValueHeaders {
			for _, v := range vs {
				r.Header.Add(k, v)
			}
		}
	} else {
		for k, v := range ev.Headers {
			r.Header.Set(k, v)
		}
	}
	// HTTP/1.1 sends one Cookie header; HTTP/2 may send several, which a
	// server joins with "; ".
	if cs := r.Header.Values("Cookie"); len(cs) > 1 {
		r.Header.Set("Cookie", strings.Join(cs, "; "))
	}
	r.RemoteAddr = ev.RequestContext.Identity.SourceIP
	if ip := r.Header.Get("X-Nf-Client-Connection-Ip"); ip != "" {
		r.RemoteAddr = ip
	}
	r.Host = r.Header.Get("Host")
	return r, nil
}

// v1Query rebuilds a query string from the event's parameters, in key
// order (the maps keep none).
func v1Query(ev events.APIGatewayProxyRequest) string {
	q := url.Values{}
	if len(ev.MultiValueQueryStringParameters) > 0 {
		for k, vs := range ev.MultiValueQueryStringParameters {
			q[k] = append(q[k], vs...)
		}
	} else {
		for k, v := range ev.QueryStringParameters {
			q.Set(k, v)
		}
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
	}
	return b.String()
}

// ResponseV1 makes the v1 response of a handler's answer: every header in
// MultiValueHeaders (several Set-Cookie stay several), binary bodies in
// base64.
func ResponseV1(status int, header http.Header, body []byte) events.APIGatewayProxyResponse {
	res := events.APIGatewayProxyResponse{StatusCode: status, MultiValueHeaders: map[string][]string{}}
	for k, vs := range header {
		res.MultiValueHeaders[k] = append([]string(nil), vs...)
	}
	res.Body, res.IsBase64Encoded = encodeBody(body)
	return res
}

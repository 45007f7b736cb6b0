package lambdahttp_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/functions/lambdahttp"
	"github.com/portal-dev/portal/functions/validate"
)

// netlifyEvent loads a Netlify function event (REST-shaped, payload 1.0,
// with Netlify's rawUrl and rawQuery) from testdata/netlify and fills its
// placeholders. The events follow the shape Netlify documents and sends
// its Go functions; no Netlify can run here to record them live.
func netlifyEvent(t *testing.T, name string, replace map[string]string) lambdahttp.V1Request {
	return loadEvent(t, filepath.Join("netlify", name), replace, func(ev *lambdahttp.V1Request) (*string, bool) { return &ev.Body, ev.IsBase64Encoded })
}

// TestReplayNetlifyEvents runs Netlify-shaped events through the real v1
// adapter and the real API on the embedded store: sign-up, confirmation
// (base64 body), login (several Set-Cookie stay several), me with two
// Cookie headers, me called at the function's own path, a management list
// with a multi-value query, a refused cross-site write, and /validate.
func TestReplayNetlifyEvents(t *testing.T) {
	t.Parallel()
	rp := newReplay(t, "https://acme-portal.netlify.app")
	mux := http.NewServeMux()
	mux.Handle("/", rp.api.Handler())
	gate := validate.NewGate(validate.New(rp.store, validate.Options{}), rp.store, time.Second)
	mux.Handle("/validate", gate.ForwardAuth())
	h := lambdahttp.HandlerV1(mux)
	ctx := context.Background()
	call := func(ev lambdahttp.V1Request, status int) events.APIGatewayProxyResponse {
		t.Helper()
		res, err := h(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != status {
			t.Fatalf("%s %s = %d, want %d; body %s", ev.HTTPMethod, ev.Path, res.StatusCode, status, res.Body)
		}
		return res
	}

	call(netlifyEvent(t, "signup.json", nil), 201)
	call(netlifyEvent(t, "verify-email.json", map[string]string{"REPLACE_TOKEN": rp.confirmationToken(t)}), 204)

	res := call(netlifyEvent(t, "authenticate.json", nil), 204)
	cookies := res.MultiValueHeaders["Set-Cookie"]
	if len(cookies) == 0 || !strings.HasPrefix(cookies[0], "__Host-portal_session=") {
		t.Fatalf("authenticate Set-Cookie = %v, want the __Host- session cookie", cookies)
	}
	session := strings.SplitN(cookies[0], ";", 2)[0]
	for _, name := range []string{"me.json", "me-direct.json"} {
		me := call(netlifyEvent(t, name, map[string]string{"REPLACE_SESSION": session}), 200)
		if !strings.Contains(me.Body, `"email":"netlify@example.com"`) || me.MultiValueHeaders["Content-Type"][0] != "application/json" {
			t.Errorf("%s = %v %s", name, me.MultiValueHeaders, me.Body)
		}
	}

	list := call(netlifyEvent(t, "admin-developers.json", rp.admin(t)), 200)
	if !strings.Contains(list.Body, `"total":1`) || !strings.Contains(list.Body, `"size":10`) {
		t.Errorf("approved developers, page size 10 = %s, want the one developer on a page of 10", list.Body)
	}
	call(netlifyEvent(t, "cross-site.json", nil), 403)
	// Nothing is published on this store: /validate reached, no route.
	v := call(netlifyEvent(t, "validate.json", nil), 403)
	if !strings.Contains(v.Body, "No API matches") {
		t.Errorf("/validate = %s", v.Body)
	}
}

// TestRequestV1 checks the request a v1 event makes, case by case.
func TestRequestV1(t *testing.T) {
	t.Parallel()
	type want struct {
		Method, Target, Host, Cookie, Body string
		Accept                             []string
	}
	for name, tc := range map[string]struct {
		ev   lambdahttp.V1Request
		want want
	}{
		"rewritten path": {
			lambdahttp.V1Request{APIGatewayProxyRequest: events.APIGatewayProxyRequest{Path: "/api/v3/apis", HTTPMethod: "GET", Headers: map[string]string{"host": "a.netlify.app"}}},
			want{Method: "GET", Target: "/api/v3/apis", Host: "a.netlify.app"},
		},
		"function path": {
			lambdahttp.V1Request{APIGatewayProxyRequest: events.APIGatewayProxyRequest{Path: "/.netlify/functions/portal-api/v3/portals", HTTPMethod: "GET"}},
			want{Method: "GET", Target: "/v3/portals"},
		},
		"function root": {
			lambdahttp.V1Request{APIGatewayProxyRequest: events.APIGatewayProxyRequest{Path: "/.netlify/functions/portal-api", HTTPMethod: "GET"}},
			want{Method: "GET", Target: "/"},
		},
		"escaped path": {
			lambdahttp.V1Request{APIGatewayProxyRequest: events.APIGatewayProxyRequest{Path: "/api/v3/apis/a b", HTTPMethod: "GET"}},
			want{Method: "GET", Target: "/api/v3/apis/a%20b"},
		},
		"multi-value query and headers": {
			lambdahttp.V1Request{APIGatewayProxyRequest: events.APIGatewayProxyRequest{
				Path: "/v3/x", HTTPMethod: "GET",
				QueryStringParameters:           map[string]string{"tag": "b"},
				MultiValueQueryStringParameters: map[string][]string{"tag": {"a", "b"}, "page[size]": {"5"}},
				Headers:                         map[string]string{"accept": "text/html"},
				MultiValueHeaders:               map[string][]string{"accept": {"application/json", "text/html"}},
			}},
			want{Method: "GET", Target: "/v3/x?page%5Bsize%5D=5&tag=a&tag=b", Accept: []string{"application/json", "text/html"}},
		},
		"raw query wins": {
			lambdahttp.V1Request{APIGatewayProxyRequest: events.APIGatewayProxyRequest{
				Path: "/v3/x", HTTPMethod: "GET", MultiValueQueryStringParameters: map[string][]string{"b": {"1"}, "a": {"2"}},
			}, RawQuery: "b=1&a=2"},
			want{Method: "GET", Target: "/v3/x?b=1&a=2"},
		},
		"single-value maps only": {
			lambdahttp.V1Request{APIGatewayProxyRequest: events.APIGatewayProxyRequest{
				Path: "/v3/x", HTTPMethod: "DELETE", QueryStringParameters: map[string]string{"q": "a&b"}, Headers: map[string]string{"cookie": "a=1; b=2"},
			}},
			want{Method: "DELETE", Target: "/v3/x?q=a%26b", Cookie: "a=1; b=2"},
		},
		"two cookie headers": {
			lambdahttp.V1Request{APIGatewayProxyRequest: events.APIGatewayProxyRequest{
				Path: "/", HTTPMethod: "GET", MultiValueHeaders: map[string][]string{"cookie": {"a=1", "b=2"}},
			}},
			want{Method: "GET", Target: "/", Cookie: "a=1; b=2"},
		},
		"base64 body": {
			lambdahttp.V1Request{APIGatewayProxyRequest: events.APIGatewayProxyRequest{
				Path: "/api/v3/developer", HTTPMethod: "POST", Body: base64.StdEncoding.EncodeToString([]byte("{\"a\":\"\xff\"}")), IsBase64Encoded: true,
			}},
			want{Method: "POST", Target: "/api/v3/developer", Body: "{\"a\":\"\xff\"}"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, err := lambdahttp.RequestV1(context.Background(), tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(r.Body)
			got := want{Method: r.Method, Target: r.URL.RequestURI(), Host: r.Host, Cookie: r.Header.Get("Cookie"), Body: string(body), Accept: r.Header.Values("Accept")}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("RequestV1 (-want +got):\n%s", diff)
			}
			if r.ContentLength != int64(len(body)) {
				t.Errorf("ContentLength = %d, want %d", r.ContentLength, len(body))
			}
		})
	}
	if _, err := lambdahttp.RequestV1(context.Background(), lambdahttp.V1Request{APIGatewayProxyRequest: events.APIGatewayProxyRequest{Path: "/", Body: "%%%", IsBase64Encoded: true}}); err == nil {
		t.Errorf("RequestV1 with a bad base64 body: no error")
	}
}

// TestResponseV1: several Set-Cookie headers stay several, binary bodies
// are base64.
func TestResponseV1(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Add("Set-Cookie", "a=1")
	h.Add("Set-Cookie", "b=2")
	res := lambdahttp.ResponseV1(200, h, []byte{0xff, 0x00})
	if diff := cmp.Diff([]string{"a=1", "b=2"}, res.MultiValueHeaders["Set-Cookie"]); diff != "" {
		t.Errorf("Set-Cookie (-want +got):\n%s", diff)
	}
	if !res.IsBase64Encoded || res.Body != "/wA=" {
		t.Errorf("binary body = %q base64 %v", res.Body, res.IsBase64Encoded)
	}
}

// FuzzRequestV1: any event decodes to a request or an error, never a panic,
// and a request's path is absolute.
func FuzzRequestV1(f *testing.F) {
	f.Add("/api/v3/developer", "POST", "e30=", true, "a=1&b=2")
	f.Add("/.netlify/functions/portal-api/v3/x", "GET", "", false, "")
	f.Add("/.netlify/functions/", "GET", "", false, "%zz")
	f.Fuzz(func(t *testing.T, path, method, body string, b64 bool, rawQuery string) {
		ev := lambdahttp.V1Request{APIGatewayProxyRequest: events.APIGatewayProxyRequest{Path: path, HTTPMethod: method, Body: body, IsBase64Encoded: b64}, RawQuery: rawQuery}
		r, err := lambdahttp.RequestV1(context.Background(), ev)
		if err != nil {
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/") {
			t.Errorf("RequestV1(%q) path %q is not absolute", path, r.URL.Path)
		}
	})
}

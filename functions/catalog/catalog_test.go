package catalog_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/functions/catalog"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	in := catalog.Catalog{Portal: catalog.Portal{Name: "acme", DisplayName: "Acme"}, APIs: []catalog.API{
		{ID: "a1", Slug: "httpbin", Name: "httpbin", Visibility: "public", RoutePrefix: "/gateway/httpbin/", AuthStrategy: &catalog.AuthStrategy{Type: catalog.AuthKey, KeyNames: []string{"apikey"}}},
		{ID: "a2", Slug: "open", Visibility: "private", RouteHost: "api.acme.example", RoutePrefix: "/open/", AuthStrategy: &catalog.AuthStrategy{Type: catalog.AuthNone}, Labels: map[string]string{"team": "x"}},
	}}
	data, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	out, err := catalog.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("Decode(Encode(c)) (-want +got):\n%s", diff)
	}
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct{ json, want string }{
		"not JSON":      {`{`, "catalog.json"},
		"no id":         {`{"apis":[{"slug":"x"}]}`, "apis[0] has no id or slug"},
		"repeated id":   {`{"apis":[{"id":"a","slug":"x"},{"id":"a","slug":"y"}]}`, "apis[1] repeats the id a"},
		"repeated slug": {`{"apis":[{"id":"a","slug":"x"},{"id":"b","slug":"x"}]}`, "apis[1] repeats the slug x"},
		"unknown auth":  {`{"apis":[{"id":"a","slug":"x","auth_strategy":{"type":"oauth2"}}]}`, `auth strategy type "oauth2"`},
	} {
		_, err := catalog.Decode([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Decode = %v, want an error with %q", name, err, c.want)
		}
	}
}

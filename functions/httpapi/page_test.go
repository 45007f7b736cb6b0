package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFarPage: a page number whose offset overflows is a page past the
// end: empty data and the real total, as for any page past the end; a
// number beyond int64 is a 400 naming the parameter.
func TestFarPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signUpApproved("far@example.com")
	c := e.login("far@example.com")
	want(t, e.do(c, "POST", "/api/v3/applications", map[string]string{"name": "App"}), 201)
	pid := e.portalID()
	for _, tc := range []struct {
		path  string
		total int
		admin bool
	}{
		{"/v3/portals/" + pid + "/developers", 1, true},
		{"/v3/portals/" + pid + "/teams", 0, true},
		{"/v3/portals/" + pid + "/applications", 1, true},
		{"/v3/portals/" + pid + "/application-registrations", 0, true},
		{"/api/v3/applications", 1, false},
	} {
		for _, q := range []string{"page[number]=92233720368547760&page[size]=100", "page[number]=9223372036854775807&page[size]=2"} {
			var a answer
			if tc.admin {
				a = e.adminDo("GET", tc.path+"?"+q, nil)
			} else {
				a = e.do(c, "GET", tc.path+"?"+q, nil)
			}
			want(t, a, 200)
			var l struct {
				Data []any
				Meta struct {
					Page struct{ Number, Size, Total int }
				}
			}
			if err := json.Unmarshal(a.body, &l); err != nil {
				t.Fatalf("GET %s?%s: %v", tc.path, q, err)
			}
			if len(l.Data) != 0 || l.Meta.Page.Total != tc.total || l.Meta.Page.Number < 92233720368547760 {
				t.Errorf("GET %s?%s = %s, want no data, total %d and the page number asked", tc.path, q, a.body, tc.total)
			}
		}
	}
	a := e.adminDo("GET", "/v3/portals/"+pid+"/developers?page[number]=99999999999999999999", nil)
	want(t, a, 400)
	if !strings.Contains(string(a.body), `"field":"page[number]"`) || !strings.Contains(string(a.body), "at most") {
		t.Errorf("400 %s does not name page[number] and its maximum", a.body)
	}
}

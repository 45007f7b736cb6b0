package httpapi_test

import (
	"strings"
	"testing"
)

// TestNotFoundIsOneAnswer: for every developer route that names an
// application or credential by id, someone else's object and an unknown id
// get the same status and the same words (issue 9: the texts differed, so
// ids could be probed).
func TestNotFoundIsOneAnswer(t *testing.T) {
	t.Parallel()
	e, mallory := appEnv(t, "mallory@example.com")
	e.signUpApproved("victim@example.com")
	victim := &clientT{e: e, c: e.login("victim@example.com")}
	theirApp := idOf(t, victim.do("POST", "/api/v3/applications", map[string]string{"name": "Theirs"}))
	a := victim.do("POST", "/api/v3/applications/"+theirApp+"/credentials", map[string]string{"display_name": "k"})
	want(t, a, 201)
	theirCred := idOf(t, a)
	myApp := idOf(t, mallory.do("POST", "/api/v3/applications", map[string]string{"name": "Mine"}))

	const unknownApp, unknownCred = "00000000-0000-4000-8000-000000000000", "00000000-0000-4000-8000-000000000001"
	type route struct {
		method, path string
		body         any
	}
	tests := map[string]struct {
		theirs, unknown route
	}{}
	for _, r := range []struct {
		name, method, suffix string
		body                 any
	}{
		{"get application", "GET", "", nil},
		{"patch application", "PATCH", "", map[string]string{"name": "Renamed"}},
		{"delete application", "DELETE", "", nil},
		{"list registrations", "GET", "/registrations", nil},
		{"create registration", "POST", "/registrations", map[string]string{"api_id": "api-pub"}},
		{"list credentials", "GET", "/credentials", nil},
		{"create credential", "POST", "/credentials", map[string]string{"display_name": "x"}},
		{"delete credential", "DELETE", "/credentials/" + theirCred, nil},
		{"rotate credential", "POST", "/credentials/" + theirCred + "/rotate", nil},
	} {
		tests[r.name] = struct{ theirs, unknown route }{
			route{r.method, "/api/v3/applications/" + theirApp + r.suffix, r.body},
			route{r.method, "/api/v3/applications/" + unknownApp + r.suffix, r.body},
		}
	}
	// A credential of someone else's, named under the caller's own
	// application, against one that does not exist.
	tests["delete their credential on my application"] = struct{ theirs, unknown route }{
		route{"DELETE", "/api/v3/applications/" + myApp + "/credentials/" + theirCred, nil},
		route{"DELETE", "/api/v3/applications/" + myApp + "/credentials/" + unknownCred, nil},
	}
	tests["rotate their credential on my application"] = struct{ theirs, unknown route }{
		route{"POST", "/api/v3/applications/" + myApp + "/credentials/" + theirCred + "/rotate", nil},
		route{"POST", "/api/v3/applications/" + myApp + "/credentials/" + unknownCred + "/rotate", nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			theirs := mallory.do(tt.theirs.method, tt.theirs.path, tt.theirs.body)
			unknown := mallory.do(tt.unknown.method, tt.unknown.path, tt.unknown.body)
			want(t, theirs, 404)
			want(t, unknown, 404)
			// The same words once each answer's own ids are blanked.
			blank := strings.NewReplacer(theirApp, "<app>", unknownApp, "<app>", theirCred, "<cred>", unknownCred, "<cred>")
			if got, wnt := blank.Replace(theirs.detail(t)), blank.Replace(unknown.detail(t)); got != wnt {
				t.Errorf("%s %s: someone else's object answers %q, an unknown id %q", tt.theirs.method, tt.theirs.path, got, wnt)
			}
		})
	}
	// None of it touched the victim's objects.
	want(t, victim.do("GET", "/api/v3/applications/"+theirApp, nil), 200)
	creds := victim.do("GET", "/api/v3/applications/"+theirApp+"/credentials", nil)
	if !strings.Contains(string(creds.body), theirCred) {
		t.Errorf("the victim's credential is gone: %s", creds.body)
	}
}

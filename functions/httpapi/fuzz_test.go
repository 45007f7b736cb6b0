package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/portal"
)

// fuzzHandler is the API on a fresh store, called in-process.
func fuzzHandler(f *testing.F) (http.Handler, string) {
	f.Helper()
	dir := f.TempDir()
	st := openBolt(f, dir)
	mailer := testMailer(f, dir)
	srv, err := httpapi.New(st, mailer, nil, httpapi.Config{BaseURL: "http://127.0.0.1:8080", Password: testCost, Defaults: portal.Settings{Name: "acme"}}, nil)
	if err != nil {
		f.Fatal(err)
	}
	tok, _, err := httpapi.CreateAdminToken(f.Context(), st, "fuzz", testClock())
	if err != nil {
		f.Fatal(err)
	}
	return srv.Handler(), tok
}

// checkAnswer: whatever the body, the answer is a client error or a
// success, never a 5xx, and errors are problem documents.
func checkAnswer(t *testing.T, w *httptest.ResponseRecorder, body []byte) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("body %q: status %d: %s", body, w.Code, w.Body)
	}
	if w.Code >= 400 {
		var p map[string]any
		if w.Header().Get("Content-Type") != "application/problem+json" || json.Unmarshal(w.Body.Bytes(), &p) != nil || p["detail"] == "" {
			t.Fatalf("body %q: %d answer is not a problem document: %s", body, w.Code, w.Body)
		}
	}
}

func fuzzPost(f *testing.F, path string, seeds ...string) {
	h, tok := fuzzHandler(f)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		method := "POST"
		if strings.HasPrefix(path, "PATCH ") {
			method = "PATCH"
		}
		req := httptest.NewRequest(method, strings.TrimPrefix(path, "PATCH "), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		checkAnswer(t, w, body)
	})
}

func FuzzSignUp(f *testing.F) {
	fuzzPost(f, "/api/v3/developer",
		`{"email":"a@example.com","full_name":"A","password":"vX9#qLm2-river"}`,
		`{"email":"","full_name":null,"password":12}`, `[]`, `{"email":"a@b"}`, "\x00", `{"full_name":"\u202e"}`)
}

func FuzzAuthenticate(f *testing.F) {
	fuzzPost(f, "/api/v3/developer/authenticate",
		`{"username":"a@example.com","password":"x"}`, `{"username":["x"]}`, `{}`, `null`)
}

func FuzzTokens(f *testing.F) {
	fuzzPost(f, "/api/v3/developer/reset-password",
		`{"token":"abc","password":"vX9#qLm2-river"}`, `{"token":1}`, `{"token":"`+strings.Repeat("A", 100)+`"}`)
}

func FuzzPatchPortal(f *testing.F) {
	fuzzPost(f, "PATCH /v3/portals/acme",
		`{"auto_approve_developers":true}`, `{"display_name":""}`, `{"default_api_visibility":"secret"}`, `{"rbac_enabled":"yes"}`)
}

// FuzzPageQuery: whatever page[number] and page[size] say, a list answers
// 200 or a 400 problem, never a 5xx (issue 9: an overflowing offset was a
// recovered panic).
func FuzzPageQuery(f *testing.F) {
	h, tok := fuzzHandler(f)
	get := func(target string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	var portals struct{ Data []struct{ ID string } }
	if w := get("/v3/portals"); w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &portals) != nil || len(portals.Data) != 1 {
		f.Fatalf("GET /v3/portals = %d %s", w.Code, w.Body)
	}
	base := "/v3/portals/" + portals.Data[0].ID
	for _, s := range [][2]string{
		{"92233720368547760", "100"}, {"9223372036854775807", "1"}, {"99999999999999999999", "100"},
		{"1", "20"}, {"0", "0"}, {"-1", "-1"}, {"1e3", "2.5"}, {"", ""}, {"+5", " 5"}, {"0x10", "100"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, number, size string) {
		q := url.Values{"page[number]": {number}, "page[size]": {size}}.Encode()
		for _, path := range []string{"/developers", "/teams", "/applications", "/application-registrations"} {
			w := get(base + path + "?" + q)
			checkAnswer(t, w, []byte(q))
			if w.Code != 200 && w.Code != 400 {
				t.Fatalf("GET %s?%s = %d, want 200 or 400: %s", path, q, w.Code, w.Body)
			}
		}
	})
}

package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/internal/syncio"
)

// records decodes the JSON log lines the server has written to logs.
func records(t *testing.T, logs *syncio.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// brokenStore fails the way a store's outage does: ListDevelopers errors,
// ListTeams panics.
type brokenStore struct{ portal.FullStore }

func (brokenStore) ListDevelopers(context.Context, portal.DeveloperFilter, portal.Page) ([]portal.Developer, int, error) {
	return nil, 0, errors.New("table unreachable")
}

func (brokenStore) ListTeams(context.Context, portal.Page) ([]portal.Team, int, error) {
	panic("index out of range in a store")
}

// TestInternalErrorsLoggedOnce: an internal error or a panic is logged
// exactly once, at error level, with the request id that the answer
// quotes (and that X-Request-Id carries), and the answer says no more.
func TestInternalErrorsLoggedOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bolt := openBolt(t, dir)
	mailer := testMailer(t, dir)
	var logs syncio.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	srv, err := httpapi.New(brokenStore{bolt}, mailer, log, httpapi.Config{BaseURL: "http://127.0.0.1:8080", Password: testCost, Defaults: portal.Settings{ID: "acme", Name: "acme"}}, testClock)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	tok, _, err := httpapi.CreateAdminToken(t.Context(), bolt, "test", testClock())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, url: hs.URL, store: bolt, admin: tok}

	for name, path := range map[string]string{
		"error": "/v3/portals/acme/developers",
		"panic": "/v3/portals/acme/teams",
	} {
		before := len(records(t, &logs))
		a := e.adminDo("GET", path, nil)
		want(t, a, 500)
		id := a.header.Get("X-Request-Id")
		p := a.json(t)
		if id == "" || p["request_id"] != id || !strings.Contains(p["detail"].(string), id) {
			t.Errorf("%s: answer %s does not quote the request id %q", name, a.body, id)
		}
		if strings.Contains(string(a.body), "unreachable") || strings.Contains(string(a.body), "index out of range") {
			t.Errorf("%s: answer %s leaks the internal error", name, a.body)
		}
		recs := records(t, &logs)[before:]
		if len(recs) != 1 {
			t.Fatalf("%s: %d log records for one internal error, want 1: %v", name, len(recs), recs)
		}
		r := recs[0]
		if r["level"] != "ERROR" || r["request_id"] != id || r["path"] != path || r["err"] == "" {
			t.Errorf("%s: log record %v lacks level ERROR, request_id %s, path or err", name, r, id)
		}
		if name == "panic" && !strings.Contains(r["stack"].(string), "ListTeams") {
			t.Errorf("panic: log record has no stack through ListTeams: %v", r)
		}
	}
}

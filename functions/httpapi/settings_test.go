package httpapi_test

import (
	"strings"
	"testing"
)

// TestSettingsIfMatch: the settings carry an ETag; an edit sent with it
// applies only to the settings it was made on, and one without it applies
// as before.
func TestSettingsIfMatch(t *testing.T) {
	t.Parallel()
	e := setup(t)
	path := "/v3/portals/" + e.portalID()
	read := e.adminDo("GET", path, nil)
	want(t, read, 200)
	tag := read.header.Get("ETag")
	if tag == "" {
		t.Fatalf("GET %s has no ETag", path)
	}
	patch := func(body map[string]any, ifMatch string) answer {
		return e.do(nil, "PATCH", path, body, "Authorization", "Bearer "+e.admin, "If-Match", ifMatch)
	}
	ok := patch(map[string]any{"rbac_enabled": true}, tag)
	want(t, ok, 200)
	if ok.header.Get("ETag") == tag || ok.header.Get("ETag") == "" {
		t.Errorf("ETag after the edit = %q, want a new one (was %q)", ok.header.Get("ETag"), tag)
	}
	stale := patch(map[string]any{"auto_approve_applications": true}, tag)
	want(t, stale, 409)
	if cur, _ := stale.json(t)["current"].(map[string]any); cur["rbac_enabled"] != true || cur["auto_approve_applications"] != false {
		t.Errorf("409 = %s, want the current settings (RBAC on, the stale edit not applied)", stale.body)
	}
	want(t, patch(map[string]any{"rbac_enabled": false}, "yesterday"), 400)
	want(t, e.adminDo("PATCH", path, map[string]any{"auto_approve_applications": true}), 200) // no If-Match: as before

	bad := e.adminDo("PATCH", path, map[string]any{"default_application_auth_strategy_id": "nope"})
	want(t, bad, 400)
	if !strings.Contains(string(bad.body), `"field":"default_application_auth_strategy_id"`) {
		t.Errorf("unknown auth strategy: %s, want the field named", bad.body)
	}
	want(t, e.adminDo("PATCH", path, map[string]any{"default_application_auth_strategy_id": "key-auth"}), 200)
}

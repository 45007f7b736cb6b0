package httpapi_test

import (
	"testing"
)

// TestResetLinkSuperseded: asking for a new reset link voids the older
// ones; a used link fails too (issue 9).
func TestResetLinkSuperseded(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signUp("twice@example.com")
	e.approve("twice@example.com")
	want(t, e.do(nil, "POST", "/api/v3/developer/forgot-password", map[string]string{"email": "twice@example.com"}), 204)
	older := e.lastToken("reset-password")
	want(t, e.do(nil, "POST", "/api/v3/developer/forgot-password", map[string]string{"email": "twice@example.com"}), 204)
	newer := e.lastToken("reset-password")
	if older == newer {
		t.Fatal("two reset mails carry the same token")
	}
	a := e.do(nil, "POST", "/api/v3/developer/reset-password", map[string]string{"token": older, "password": "another-Str0ng-one"})
	want(t, a, 400)
	if got := a.detail(t); got != "the link is invalid or has expired; ask for a new one" {
		t.Errorf("superseded link: detail %q", got)
	}
	want(t, e.do(nil, "POST", "/api/v3/developer/reset-password", map[string]string{"token": newer, "password": "another-Str0ng-one"}), 204)
	want(t, e.do(nil, "POST", "/api/v3/developer/reset-password", map[string]string{"token": newer, "password": "yet-another-Str0ng"}), 400)
	want(t, e.do(nil, "POST", "/api/v3/developer/authenticate", map[string]string{"username": "twice@example.com", "password": "another-Str0ng-one"}), 204)
}

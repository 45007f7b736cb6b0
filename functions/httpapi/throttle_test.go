package httpapi_test

import (
	"bytes"
	"testing"
	"time"
)

// TestMailFlood: anyone may ask for a reset mail for any address; after
// three in an hour to one address the rest are dropped, and the answers
// do not change, so they tell nothing either (issue 9).
func TestMailFlood(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.signUp("flood@example.com")
	resets := func() int {
		n := 0
		for _, m := range e.mails() {
			if m.Template == "reset-password" {
				n++
			}
		}
		return n
	}
	var first answer
	for i := range 5 {
		a := e.do(nil, "POST", "/api/v3/developer/forgot-password", map[string]string{"email": "Flood@example.com"})
		want(t, a, 204)
		if i == 0 {
			first = a
		}
		if !bytes.Equal(a.body, first.body) || a.header.Get("Content-Type") != first.header.Get("Content-Type") || len(a.header) != len(first.header) {
			t.Errorf("request %d answered %v %q, the first %v %q: a dropped mail must not show", i+1, a.header, a.body, first.header, first.body)
		}
		// The mail goes after the answer; requests a minute apart see
		// each other's slots (without this wait, the first request's work
		// could run after the fourth's and lose its slot to it, and the
		// slot freed an hour later would be a minute later).
		e.srv.WaitAnswered()
		e.clock.Add(time.Minute)
	}
	if n := resets(); n != 3 {
		t.Errorf("%d reset mails after 5 requests in 5 minutes, want 3", n)
	}
	// The limit is per address: another account still gets its mail.
	e.signUp("bystander@example.com")
	want(t, e.do(nil, "POST", "/api/v3/developer/forgot-password", map[string]string{"email": "bystander@example.com"}), 204)
	if n := resets(); n != 4 {
		t.Errorf("%d reset mails after one to another address, want 4", n)
	}
	// An hour after the first, one more may go.
	e.clock.Add(time.Hour - 5*time.Minute)
	want(t, e.do(nil, "POST", "/api/v3/developer/forgot-password", map[string]string{"email": "flood@example.com"}), 204)
	want(t, e.do(nil, "POST", "/api/v3/developer/forgot-password", map[string]string{"email": "flood@example.com"}), 204)
	if n := resets(); n != 5 {
		t.Errorf("%d reset mails an hour later, want 5 (one slot freed)", n)
	}
}

package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
)

// TestAdminUsersConsole: an admin disables a colleague from the console's
// Admin users page (after a confirmation) and enables them again; their
// own row has no button.
func TestAdminUsersConsole(t *testing.T) {
	t.Parallel()
	srv, base := servePortal(t)
	ctx := context.Background()
	st := srv.Store()
	for _, email := range []string{"ops@example.com", "colleague@example.com"} {
		if _, err := httpapi.CreateAdminUser(ctx, st, email, "Admin "+email, adminPassword, password.Default, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	tb := tab(t, browser(t))
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tb, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	do("log in", chromedp.Navigate(base+"/admin/login/?next=%2Fadmin%2Fadmins%2F"), chromedp.WaitVisible(css(`#admin-email`)),
		chromedp.SendKeys(css(`#admin-email`), "ops@example.com"), chromedp.SendKeys(css(`#admin-password`), adminPassword),
		chromedp.Click(css(`#admin button[type=submit]`)))
	disable := `button[aria-label="Disable colleague@example.com"]`
	until(t, tb, "the Admin users page", `location.pathname === '/admin/admins/' && document.querySelector('`+disable+`') !== null`)
	if n, _ := chromedp.Run(tb, chromedp.Evaluate[int](`document.querySelectorAll('button[aria-label="Disable ops@example.com"]').length`)); n != 0 {
		t.Error("the admin's own row offers Disable")
	}
	shot(t, tb, "admin-users")

	do("disable", chromedp.Click(css(disable)))
	until(t, tb, "the confirmation", `document.querySelector('dialog.admin-dialog[open]')?.textContent.includes('Disable colleague@example.com?')`)
	do("confirm", chromedp.Click(css(`dialog.admin-dialog .button-primary`)))
	until(t, tb, "the change", `document.querySelector('.admin-status.is-ok')?.textContent === 'colleague@example.com is now disabled.'`)
	u, err := st.GetAdminUserByEmail(ctx, "colleague@example.com")
	if err != nil || u.Status != portal.AdminDisabled {
		t.Fatalf("after Disable the colleague is %v (%v)", u.Status, err)
	}
	enable := `button[aria-label="Enable colleague@example.com"]`
	until(t, tb, "the Enable button", `document.querySelector('`+enable+`') !== null`)
	do("enable", chromedp.Click(css(enable)))
	until(t, tb, "the colleague enabled", `document.querySelector('.admin-status.is-ok')?.textContent === 'colleague@example.com is now active.'`)
	if u, _ := st.GetAdminUserByEmail(ctx, "colleague@example.com"); u.Status != portal.AdminActive {
		t.Fatalf("after Enable the colleague is %v", u.Status)
	}
	if text, _ := chromedp.Run(tb, chromedp.Text(css(`#admin`))); !strings.Contains(text, "portal admin users create") {
		t.Errorf("the page does not say how to add an admin user: %q", text)
	}
}

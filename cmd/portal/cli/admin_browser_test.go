package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/portal-dev/portal/cmd/portal/serve"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
)

const adminPassword = "vX9#qLm2-river"

// pendingDeveloper is a developer who signed up and confirmed their
// address, waiting for an admin (the developer's side, set up directly).
func pendingDeveloper(t *testing.T, srv *serve.Server, email string) portal.Developer {
	t.Helper()
	hash, err := password.Hash(adminPassword, password.Default)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	d := portal.Developer{ID: "dev-" + strings.Split(email, "@")[0], Email: email, FullName: "Dev " + email, PasswordHash: hash,
		Status: portal.StatusPending, EmailVerified: true, CreatedAt: now, UpdatedAt: now}
	if err := srv.Store().CreateDeveloper(context.Background(), d, portal.AuditEvent{At: now, Actor: "developer:" + d.ID, Action: "developer.created"}); err != nil {
		t.Fatal(err)
	}
	return d
}

// shot saves a screenshot of the page when PORTAL_SHOTS names a
// folder (for a change's description; not a check, not in the repository).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("PORTAL_SHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}

// until evaluates a JavaScript expression every 50 ms until it is true,
// across navigations (an evaluation during one fails and is retried), and
// says what it waited for when it is not within 15 seconds.
func until(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")")); err == nil && ok {
			return
		}
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('.admin-status')?.textContent || '') + ' @ ' + location.href`))
	t.Fatalf("%s: not within 15 s (page: %s)", what, text)
}

// TestAdminConsoleTutorial is the admin's side of Kong's tutorial in the
// console, clicked through in Chromium with no CLI or curl step after the
// admin user is made: log in, approve a developer, turn RBAC on, create a
// team, add the developer, give it API Consumer on httpbin (chosen by
// name), approve the registration; then a decision on a stale page is
// refused with the current state, and a developer is approved with the
// keyboard alone.
func TestAdminConsoleTutorial(t *testing.T) {
	t.Parallel()
	srv, base := servePortal(t)
	ctx := context.Background()
	st := srv.Store()
	if _, err := httpapi.CreateAdminUser(ctx, st, "ops@example.com", "Olga Ops", adminPassword, password.Default, time.Now()); err != nil {
		t.Fatal(err)
	}
	dev := pendingDeveloper(t, srv, "tutorial@example.com")
	bctx := browser(t)
	tb := tab(t, bctx)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tb, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// Not logged in: the console sends the admin to its login page, and
	// back after it.
	do("open the developers page", chromedp.Navigate(base+"/admin/developers/?status=pending"))
	until(t, tb, "redirect to the login page", `location.pathname === '/admin/login/' && document.querySelector('#admin-email') !== null`)
	if u, _ := chromedp.Run(tb, chromedp.Location()); !strings.Contains(u, "next=%2Fadmin%2Fdevelopers%2F%3Fstatus%3Dpending") {
		t.Errorf("login page URL = %s, want next= the developers page", u)
	}
	do("wrong password", chromedp.SendKeys(css(`#admin-email`), "ops@example.com"), chromedp.SendKeys(css(`#admin-password`), "not the password"),
		chromedp.Click(css(`#admin button[type=submit]`)))
	until(t, tb, "the refusal", `document.querySelector('.admin-status.is-error')?.textContent.includes('Invalid credentials')`)
	do("log in", chromedp.SetValue(css(`#admin-password`), adminPassword), chromedp.Click(css(`#admin button[type=submit]`)))
	until(t, tb, "the developers page after login", `location.pathname === '/admin/developers/' && document.querySelector('.admin-table') !== null`)
	if who, _ := chromedp.Run(tb, chromedp.Text(css(`#admin-who`))); !strings.Contains(who, "ops@example.com") {
		t.Errorf("the header shows %q, want the admin's address", who)
	}

	// The overview counts what waits.
	do("overview", chromedp.Navigate(base+"/admin/"))
	until(t, tb, "the pending developer's tile", `[...document.querySelectorAll('.admin-tile')].some(a => a.textContent.startsWith('1') && a.textContent.includes('developers waiting'))`)
	shot(t, tb, "admin-overview")

	// 1. Approve the developer, from the overview's link.
	do("follow the tile", chromedp.Click(css(`a.admin-tile[href*=developers]`)))
	approve := `button[aria-label="Approve tutorial@example.com"]`
	until(t, tb, "the Approve button", `document.querySelector('`+approve+`') !== null`)
	shot(t, tb, "admin-developers")
	do("approve", chromedp.Click(css(approve)))
	until(t, tb, "the approval", `document.querySelector('.admin-status.is-ok')?.textContent.includes('now approved')`)
	if d, _ := st.GetDeveloper(ctx, dev.ID); d.Status != portal.StatusApproved {
		t.Fatalf("after Approve the developer is %s", d.Status)
	}
	evs, _ := st.ListAuditEvents(ctx, dev.ID)
	if last := evs[len(evs)-1]; !strings.HasPrefix(last.Actor, "admin-user:") || last.Action != "developer.status_changed" {
		t.Errorf("approval's audit event = %+v, want the admin user as its actor", last)
	}

	// 2. RBAC on.
	do("settings", chromedp.Navigate(base+"/admin/settings/"), chromedp.WaitVisible(css(`#set-rbac_enabled`)),
		chromedp.Click(css(`#set-rbac_enabled`)), chromedp.Click(css(`#admin button[type=submit]`)))
	until(t, tb, "settings saved", `document.querySelector('.admin-status.is-ok')?.textContent === 'Settings saved.'`)
	if s, _ := st.GetSettings(ctx); !s.RBACEnabled {
		t.Fatal("RBAC is still off after saving the settings")
	}

	// 3. A team, the developer in it, API Consumer on httpbin by name.
	do("create a team", chromedp.Navigate(base+"/admin/teams/"), chromedp.WaitVisible(css(`#team-name`)),
		chromedp.SendKeys(css(`#team-name`), "Partners"), chromedp.Click(css(`#admin form button[type=submit]`)))
	until(t, tb, "the team's card", `[...document.querySelectorAll('.admin-team h3')].some(h => h.textContent === 'Partners')`)
	do("add the developer", chromedp.SendKeys(css(`.admin-team input[type=email]`), "tutorial@example.com"),
		chromedp.Click(css(`.admin-team form button[type=submit]`)))
	until(t, tb, "the member", `document.querySelector('.admin-team li')?.textContent.includes('tutorial@example.com')`)
	picked, err := chromedp.Run(tb, chromedp.Evaluate[bool](`(() => {
		const sel = document.querySelector('.admin-team select[id$="-api"]');
		const opt = [...sel.options].find(o => o.textContent.startsWith('httpbin'));
		if (!opt) return false;
		sel.value = opt.value;
		return document.querySelector('.admin-team select[id$="-role"]').value === 'API Consumer';
	})()`))
	if err != nil || !picked {
		t.Fatalf("no httpbin among the APIs to assign a role on, or API Consumer not the default role (%v)", err)
	}
	do("assign the role", chromedp.Click(css(`.admin-team form:last-of-type button[type=submit]`)))
	until(t, tb, "the role", `[...document.querySelectorAll('.admin-team li')].some(li => li.textContent.includes('API Consumer on httpbin'))`)
	shot(t, tb, "admin-teams")

	// The developer (their own side, over the API) registers an
	// application to httpbin: pending, since nothing auto-approves.
	devc := cookieClient()
	post := func(path string, body any) map[string]any {
		t.Helper()
		res, b := send(t, devc, "POST", base+path, body)
		var m map[string]any
		json.Unmarshal(b, &m)
		if res.StatusCode >= 300 {
			t.Fatalf("POST %s = %d %v", path, res.StatusCode, m)
		}
		return m
	}
	post("/api/v3/developer/authenticate", map[string]string{"username": "tutorial@example.com", "password": adminPassword})
	app := post("/api/v3/applications", map[string]string{"name": "Tutorial app"})
	httpbin, err := st.GetAPIBySlug(ctx, "httpbin")
	if err != nil {
		t.Fatal(err)
	}
	reg := post("/api/v3/applications/"+app["id"].(string)+"/registrations", map[string]string{"api_id": httpbin.ID})
	if reg["status"] != "pending" {
		t.Fatalf("registration = %v, want pending", reg)
	}

	// 4. Approve the registration, shown by names.
	do("registrations", chromedp.Navigate(base+"/admin/registrations/?status=pending"))
	approveReg := `button[aria-label="Approve Tutorial app → httpbin"]`
	until(t, tb, "the registration's Approve button", `document.querySelector('`+approveReg+`') !== null`)
	row, _ := chromedp.Run(tb, chromedp.Text(css(`.admin-table tbody tr`)))
	if !strings.Contains(row, "Tutorial app") || !strings.Contains(row, "tutorial@example.com") || !strings.Contains(row, "httpbin") || strings.Contains(row, httpbin.ID) {
		t.Errorf("registration row = %q, want the application, developer and API by name, no bare id", row)
	}
	shot(t, tb, "admin-registrations")
	do("approve the registration", chromedp.Click(css(approveReg)))
	until(t, tb, "the registration's approval", `document.querySelector('.admin-status.is-ok')?.textContent.includes('now approved')`)
	if g, _ := st.GetRegistration(ctx, reg["id"].(string)); g.Status != portal.RegistrationApproved {
		t.Fatalf("after Approve the registration is %s", g.Status)
	}

	// A decision on a stale page: another admin rejected the developer
	// after this page loaded; Approve shows the current state and offers
	// to reload, and changes nothing.
	late := pendingDeveloper(t, srv, "late@example.com")
	do("developers again", chromedp.Navigate(base+"/admin/developers/?status=pending"))
	until(t, tb, "the late developer", `document.querySelector('button[aria-label="Approve late@example.com"]') !== null`)
	if _, err := st.SetDeveloperStatus(ctx, late.ID, []portal.DeveloperStatus{portal.StatusPending}, portal.StatusRejected, portal.AuditEvent{At: time.Now().Add(time.Second), Actor: "admin:other", Action: "developer.status_changed"}); err != nil {
		t.Fatal(err)
	}
	do("approve on the stale page", chromedp.Click(css(`button[aria-label="Approve late@example.com"]`)))
	until(t, tb, "the conflict", `document.querySelector('.admin-status.is-error')?.textContent.includes('it is now rejected')`)
	if d, _ := st.GetDeveloper(ctx, late.ID); d.Status != portal.StatusRejected {
		t.Errorf("a stale approval changed the developer to %s", d.Status)
	}
	do("reload", chromedp.Click(css(`.admin-status button`)))
	until(t, tb, "the reloaded list", `document.querySelector('button[aria-label="Approve late@example.com"]') === null && document.querySelector('.admin-empty') !== null`)

	// Keyboard only: Tab to Approve, with the focus visible, and Enter.
	kbd := pendingDeveloper(t, srv, "keyboard@example.com")
	do("developers by keyboard", chromedp.Navigate(base+"/admin/developers/?status=pending"))
	until(t, tb, "the keyboard developer", `document.querySelector('button[aria-label="Approve keyboard@example.com"]') !== null`)
	reached := false
	for range 40 {
		do("Tab", chromedp.KeyEvent(kb.Tab))
		label, _ := chromedp.Run(tb, chromedp.Evaluate[string](`document.activeElement?.getAttribute('aria-label') || ''`))
		if label == "Approve keyboard@example.com" {
			reached = true
			break
		}
	}
	if !reached {
		t.Fatal("Tab never reached the Approve button")
	}
	visible, _ := chromedp.Run(tb, chromedp.Evaluate[bool](`(() => { const a = document.activeElement; const s = getComputedStyle(a); return a.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; })()`))
	if !visible {
		t.Error("the focused Approve button shows no focus outline")
	}
	do("Enter", chromedp.KeyEvent(kb.Enter))
	until(t, tb, "the keyboard approval", `document.querySelector('.admin-status.is-ok')?.textContent.includes('keyboard@example.com is now approved')`)
	if d, _ := st.GetDeveloper(ctx, kbd.ID); d.Status != portal.StatusApproved {
		t.Errorf("after Enter the developer is %s", d.Status)
	}

	// At 360 px nothing scrolls sideways, and dark mode is dark.
	for _, path := range []string{"/admin/developers/", "/admin/registrations/", "/admin/teams/", "/admin/settings/"} {
		do("360 px "+path, chromedp.EmulateViewport(360, 740), chromedp.Navigate(base+path))
		until(t, tb, "the page at 360 px", `document.querySelector('#admin h2, #admin table, #admin form, .admin-empty') !== null`)
		if w, _ := chromedp.Run(tb, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
			t.Errorf("%s is %d px wide at a 360 px viewport", path, w)
		}
	}
	do("dark mode", chromedp.Evaluate[chromedp.Void](`localStorage.setItem('portal-theme', 'dark')`), chromedp.Reload())
	until(t, tb, "the dark page", `document.documentElement.dataset.theme === 'dark'`)
	if bg, _ := chromedp.Run(tb, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`)); luminance(bg) > 0.3 {
		t.Errorf("body background = %s in dark mode, want a dark colour", bg)
	}
	do("desktop again", chromedp.EmulateViewport(1280, 900))

	// Logging out ends the session: the console sends back to login.
	do("log out", chromedp.Click(css(`#admin-who button`)))
	until(t, tb, "the login page after logout", `location.pathname === '/admin/login/'`)
	do("developers after logout", chromedp.Navigate(base+"/admin/developers/"))
	until(t, tb, "the login page again", `location.pathname === '/admin/login/'`)
}

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

	// An invitation: sent from the form, accepted from the mailed link in
	// another browser, where the new admin then logs in.
	do("invite", chromedp.SendKeys(css(`#invite-email`), "nina@example.com"), chromedp.SendKeys(css(`#invite-name`), "Nina New"),
		chromedp.Click(css(`#admin form.admin-tools button[type=submit]`)))
	until(t, tb, "the invitation sent", `document.querySelector('.admin-status.is-ok')?.textContent.startsWith('Invitation sent to nina@example.com')`)
	until(t, tb, "the invited row", `document.querySelector('button[aria-label="Withdraw the invitation of nina@example.com"]') !== null && document.querySelector('.pill-invited') !== null`)
	shot(t, tb, "admin-users-invited")
	link := outboxLink(t, srv.Data(), "/admin/accept/")
	nina := tab(t, browser(t))
	if err := chromedp.Do(nina, chromedp.Navigate(link), chromedp.WaitVisible(css(`#accept-password`))); err != nil {
		t.Fatal(err)
	}
	if u, _ := chromedp.Run(nina, chromedp.Location()); strings.Contains(u, "token=") {
		t.Errorf("the accept page keeps the token in the address bar: %s", u)
	}
	if err := chromedp.Do(nina, chromedp.SendKeys(css(`#accept-password`), adminPassword), chromedp.SendKeys(css(`#accept-again`), adminPassword+"x"),
		chromedp.Click(css(`#admin button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	until(t, nina, "the mismatch refused", `document.querySelector('.admin-status.is-error')?.textContent.includes('differ')`)
	if err := chromedp.Do(nina, chromedp.SetValue(css(`#accept-again`), adminPassword), chromedp.Click(css(`#admin button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	until(t, nina, "the invitation accepted", `document.querySelector('#admin a[href="/admin/login/"]') !== null`)
	if err := chromedp.Do(nina, chromedp.Click(css(`#admin a[href="/admin/login/"]`)), chromedp.WaitVisible(css(`#admin-email`)),
		chromedp.SendKeys(css(`#admin-email`), "nina@example.com"), chromedp.SendKeys(css(`#admin-password`), adminPassword),
		chromedp.Click(css(`#admin button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	until(t, nina, "Nina's console", `location.pathname === '/admin/' && document.querySelector('#admin-who')?.textContent.includes('nina@example.com')`)
	if u, _ := st.GetAdminUserByEmail(ctx, "nina@example.com"); u.Status != portal.AdminActive {
		t.Errorf("after accepting, Nina is %v", u.Status)
	}

	// Nina changes her password on the same page.
	const newPassword = "Tq7!wNb4-harbour"
	if err := chromedp.Do(nina, chromedp.Navigate(base+"/admin/admins/"), chromedp.WaitVisible(css(`#pw-current`)),
		chromedp.SendKeys(css(`#pw-current`), adminPassword), chromedp.SendKeys(css(`#pw-new`), newPassword), chromedp.SendKeys(css(`#pw-again`), newPassword),
		chromedp.Click(css(`#pw-again`)), chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	until(t, nina, "the password changed", `document.querySelector('.admin-status.is-ok')?.textContent.startsWith('Your password is changed')`)
	if u, _ := st.GetAdminUserByEmail(ctx, "nina@example.com"); password.Verify(newPassword, u.PasswordHash) != nil {
		t.Error("after the change, the stored hash is not the new password's")
	}

	// Nina logs out and forgets it: from the login page's link, a mailed
	// link, a new password.
	const third = "Lp3$zRk8-meadow"
	if err := chromedp.Do(nina, chromedp.Click(css(`#admin-who button`)), chromedp.WaitVisible(css(`a[href="/admin/forgot-password/"]`)),
		chromedp.Click(css(`a[href="/admin/forgot-password/"]`)), chromedp.WaitVisible(css(`#forgot-email`)),
		chromedp.SendKeys(css(`#forgot-email`), "nina@example.com"), chromedp.Click(css(`#admin button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	until(t, nina, "the link on its way", `document.querySelector('.admin-status.is-ok')?.textContent.includes('on its way')`)
	if err := chromedp.Do(nina, chromedp.Navigate(outboxLink(t, srv.Data(), "/admin/reset-password/")), chromedp.WaitVisible(css(`#accept-password`)),
		chromedp.SendKeys(css(`#accept-password`), third), chromedp.SendKeys(css(`#accept-again`), third), chromedp.Click(css(`#admin button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	until(t, nina, "the password reset", `document.querySelector('.admin-status.is-ok')?.textContent === 'Password reset.'`)
	if u, _ := st.GetAdminUserByEmail(ctx, "nina@example.com"); password.Verify(third, u.PasswordHash) != nil {
		t.Error("after the reset, the stored hash is not the new password's")
	}
}

package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// session opens a tab in a browser context of its own: its own cookies
// and storage, as a second person's browser has.
func session(t *testing.T, bctx context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("open a browser context: %v", err)
	}
	return ctx
}

// TestTutorialClickedThrough is Kong's Dev Portal tutorial end to end in
// Chromium, both sides clicked through: an admin in the /admin/ console
// and a developer in the portal, each in a browser context of their own,
// on one `portal serve`. The only steps outside a browser are the
// tutorial's own: the first admin user made with `portal admin users
// create` while the server is stopped, the confirmation mail read from the
// outbox (the developer's mailbox), portal.yaml edited to publish httpbin,
// and the injected clock moved past the gateway's decision cache.
func TestTutorialClickedThrough(t *testing.T) {
	start := time.Now()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "portal.yaml")
	// Kong's tutorial starts with a private portal with nothing published.
	private := "name: acme\ndisplay_name: Acme Developer Portal\ndefault_api_visibility: private\ndefault_page_visibility: private\n"
	if err := os.WriteFile(cfg, []byte(private+"apis: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The first admin user, as the README makes it: the CLI, on the data
	// folder, while the server is stopped, the password on stdin.
	var out, errOut bytes.Buffer
	args := []string{"users", "create", "ops@example.com", "--name", "Olga Ops", "--password-stdin", "--data", data}
	if code := runAdminWith(context.Background(), args, env(), strings.NewReader(adminPassword+"\n"), &out, &errOut); code != exitOK || !strings.Contains(out.String(), "created admin user ops@example.com") {
		t.Fatalf("portal admin %s = %d, %q %q", strings.Join(args, " "), code, out.String(), errOut.String())
	}
	p := newAppsPortalWith(t, cfg, data)
	base := p.base

	bctx := browser(t)
	adm, dev := session(t, bctx), session(t, bctx)
	do := func(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	const email, devPassword = "tutorial@example.com", "vX9#qLm2-river"

	// 1. The developer: the private portal sends them to log in; they
	// create an account there and confirm it from the mailed link.
	do(dev, "open the portal", chromedp.Navigate(base+"/"))
	until(t, dev, "the login page of a private portal", `location.pathname === '/login/' && document.querySelector('#acc-username') !== null`)
	do(dev, "Create an account", chromedp.Click(`#account a[href$="/signup/"]`))
	until(t, dev, "the sign-up form", `location.pathname === '/signup/' && document.querySelector('#acc-email') !== null`)
	do(dev, "sign up",
		chromedp.SendKeys(`#acc-full_name`, "Tutorial Dev"),
		chromedp.SendKeys(`#acc-email`, email),
		chromedp.SendKeys(`#acc-password`, devPassword),
		chromedp.Click(`#account button[type=submit]`))
	until(t, dev, "the sign-up's answer", `document.querySelector('.account-status.is-ok')?.textContent.length > 0`)
	if s := text(dev, `.account-status`); !strings.Contains(strings.ToLower(s), "email") {
		t.Errorf("after sign-up the page says %q, want to check the email", s)
	}
	do(dev, "open the confirmation link", chromedp.Navigate(outboxLink(t, p.s.Data(), "verify-email")))
	until(t, dev, "the confirmation", `document.querySelector('.account-status.is-ok')?.textContent.includes('Your email address is confirmed')`)
	// Logging in now is refused: an admin has not approved them yet.
	do(dev, "Go to log in", chromedp.Click(`#account a[href$="/login/"]`))
	until(t, dev, "the login form", `location.pathname === '/login/' && document.querySelector('#acc-username') !== null`)
	do(dev, "log in while pending", fillLogin(email, devPassword))
	until(t, dev, "the pending refusal", `document.querySelector('.account-status.is-error')?.textContent.includes('disabled or pending approval')`)

	// 2. The admin logs in to the console and approves the developer,
	// found by their address among those waiting.
	do(adm, "the console's login", chromedp.Navigate(base+"/admin/login/"))
	until(t, adm, "the admin login form", `document.querySelector('#admin-email') !== null`)
	do(adm, "admin log in",
		chromedp.SendKeys(`#admin-email`, "ops@example.com"),
		chromedp.SendKeys(`#admin-password`, adminPassword),
		chromedp.Click(`#admin button[type=submit]`))
	until(t, adm, "the overview after login", `location.pathname === '/admin/' && document.querySelector('#admin-who')?.textContent.includes('ops@example.com')`)
	until(t, adm, "the pending developer's tile", `[...document.querySelectorAll('.admin-tile')].some(a => a.textContent.startsWith('1') && a.textContent.includes('developers waiting'))`)
	do(adm, "follow the tile", chromedp.Click(`a.admin-tile[href*=developers]`))
	approveDev := `button[aria-label="Approve ` + email + `"]`
	until(t, adm, "the developer's Approve button", `document.querySelector('`+approveDev+`') !== null`)
	if row := text(adm, `.admin-table tbody tr`); !strings.Contains(row, "Tutorial Dev") || !strings.Contains(row, email) {
		t.Errorf("the pending developer's row = %q, want their name and address", row)
	}
	do(adm, "approve the developer", chromedp.Click(approveDev))
	until(t, adm, "the developer's approval", `document.querySelector('.admin-status.is-ok')?.textContent.includes('`+email+` is now approved')`)

	// 3. The developer logs in (the same form, pressed again) and lands
	// on the portal: no API yet, the portal is private and has none.
	do(dev, "log in", chromedp.Click(`#account button[type=submit]`))
	until(t, dev, "My Apps after login", `location.pathname === '/apps/'`)
	do(dev, "the catalog", chromedp.Navigate(base+"/apis/"))
	until(t, dev, "no API in the catalog", `document.querySelector('#catalog-empty')?.textContent === 'No APIs are available to you yet.' && !document.querySelector('#catalog-empty').hidden`)
	if n, _ := chromedp.Run(dev, chromedp.Evaluate[int](`document.querySelectorAll('.api-card').length`)); n != 0 {
		t.Errorf("the catalog shows %d APIs before any is published", n)
	}

	// 4. The admin publishes httpbin, privately (the portal's default):
	// the tutorial's edit of portal.yaml, and the rebuild `portal serve`
	// makes of it.
	httpbinSpec, err := filepath.Abs("../../../sample-specs/httpbin.openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(private+"apis:\n  - slug: httpbin\n    spec: "+httpbinSpec+"\n    upstream_url: httpbin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.s.Build(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	// With RBAC off every approved developer reads a private API.
	catalog := func(what, want string) {
		t.Helper()
		do(dev, "the catalog", chromedp.Navigate(base+"/apis/"))
		if want == "" {
			until(t, dev, what, `document.querySelector('#catalog-empty')?.textContent === 'No APIs are available to you yet.' && !document.querySelector('#catalog-empty').hidden && document.querySelectorAll('.api-card').length === 0`)
			return
		}
		until(t, dev, what, `[...document.querySelectorAll('.api-card')].map(c => c.dataset.slug).join() === '`+want+`' && document.querySelector('#catalog-empty').hidden`)
	}
	catalog("httpbin in the catalog once published (RBAC off)", "httpbin")

	// 5. The admin turns RBAC on: the developer no longer reads httpbin.
	do(adm, "settings", chromedp.Navigate(base+"/admin/settings/"), chromedp.WaitVisible(`#set-rbac_enabled`))
	if on, _ := chromedp.Run(adm, chromedp.Evaluate[bool](`document.querySelector('#set-rbac_enabled').checked`)); on {
		t.Fatal("RBAC is on before the admin turns it on")
	}
	do(adm, "turn RBAC on", chromedp.Click(`#set-rbac_enabled`), chromedp.Click(`#admin button[type=submit]`))
	until(t, adm, "settings saved", `document.querySelector('.admin-status.is-ok')?.textContent === 'Settings saved.'`)
	catalog("no API with RBAC on and no role", "")

	// 6. A team, the developer in it, and API Consumer on httpbin, chosen
	// by its name from the keyboard.
	do(adm, "teams", chromedp.Navigate(base+"/admin/teams/"), chromedp.WaitVisible(`#team-name`))
	until(t, adm, "no team yet", `document.querySelector('.admin-empty')?.textContent === 'No teams yet.'`)
	do(adm, "create a team", chromedp.SendKeys(`#team-name`, "Partners"), chromedp.Click(`#admin form button[type=submit]`))
	until(t, adm, "the team's card", `document.querySelector('.admin-status.is-ok')?.textContent === 'Team Partners created.' && [...document.querySelectorAll('.admin-team h3')].some(h => h.textContent === 'Partners')`)
	do(adm, "add the developer", chromedp.SendKeys(`.admin-team input[type=email]`, email), chromedp.Click(`.admin-team form button[type=submit]`))
	until(t, adm, "the member", `document.querySelector('.admin-status.is-ok')?.textContent === '`+email+` added to Partners.' && document.querySelector('.admin-team li')?.textContent.includes('`+email+`')`)
	do(adm, "pick httpbin", chromedp.Focus(`.admin-team select[id$="-api"]`), chromedp.KeyEvent("httpbin"))
	picked, _ := chromedp.Run(adm, chromedp.Evaluate[string](`document.querySelector('.admin-team select[id$="-api"]').selectedOptions[0].text + ' | ' + document.querySelector('.admin-team select[id$="-role"]').value`))
	if !strings.HasPrefix(picked, "httpbin") || !strings.HasSuffix(picked, "| API Consumer") {
		t.Fatalf("the role form holds %q, want httpbin and API Consumer", picked)
	}
	do(adm, "assign the role", chromedp.Click(`.admin-team form:last-of-type button[type=submit]`))
	until(t, adm, "the role", `document.querySelector('.admin-status.is-ok')?.textContent.startsWith('Partners holds API Consumer on httpbin') && [...document.querySelectorAll('.admin-team li')].some(li => li.textContent.includes('API Consumer on httpbin'))`)

	// 7. The developer reads httpbin again, opens it and presses Use this
	// API: an application, registered (pending), and its key, shown once.
	catalog("httpbin in the catalog through the team's role", "httpbin")
	do(dev, "open httpbin", chromedp.Click(`.api-card[data-slug=httpbin] a`))
	until(t, dev, "httpbin's page", `location.pathname === '/apis/httpbin/' && document.querySelector('#use-api') !== null`)
	do(dev, "Use this API",
		chromedp.Click(`#use-api`),
		chromedp.WaitVisible(`dialog #use-app-name`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#use-app-name').select()`),
		chromedp.SendKeys(`#use-app-name`, "Tutorial app"),
		chromedp.Click(`dialog button[type=submit]`))
	waitPath(t, dev, "/apps/app/?id=")
	do(dev, "the key dialog", chromedp.WaitVisible(`dialog #new-key`))
	if key := text(dev, `#new-key`); !strings.HasPrefix(key, "ptk_") {
		t.Fatalf("the key dialog shows %q, want a key", key)
	}
	if s := text(dev, `dialog`); !strings.Contains(s, "you will not see it again") {
		t.Errorf("the key dialog does not say it is shown once: %q", s)
	}
	do(dev, "Done", chromedp.Click(`dialog .dialog-actions button:last-child`), chromedp.WaitNotPresent(`dialog`))
	until(t, dev, "the pending registration", `document.querySelector('.reg')?.textContent.includes('httpbin')`)
	if reg := text(dev, `.reg`); !strings.Contains(reg, "pending") || !strings.Contains(reg, "waiting for an administrator") {
		t.Errorf("the registration shows %q, want pending and why", reg)
	}
	if h := text(dev, `h1`); !strings.Contains(h, "Tutorial app") {
		t.Errorf("the application's page is headed %q", h)
	}

	// 8. Try it on httpbin's GET /anything, reached from the application's
	// page, with "use a key from my apps": 403, explained, while pending.
	do(dev, "the registration's API", chromedp.Click(`.reg a`))
	until(t, dev, "httpbin's page", `location.pathname === '/apis/httpbin/'`)
	do(dev, "API reference", chromedp.Click(chromedp.Search(`//main//a[normalize-space(.)='API reference']`)))
	until(t, dev, "the reference", `location.pathname === '/apis/httpbin/reference/'`)
	do(dev, "GET /anything", chromedp.Click(chromedp.Search(`//main//a[contains(., 'Return anything passed in the request')]`)))
	until(t, dev, "the operation's page", `location.pathname === '/apis/httpbin/reference/get-anything/' && document.querySelector('#tryit .tryit-mine button') !== null`)
	if server, _ := chromedp.Run(dev, chromedp.Evaluate[string](`document.querySelector('#tryit select').selectedOptions[0].textContent`)); !strings.HasPrefix(server, base+"/gateway/httpbin") {
		t.Errorf("try-it's server is %q, want portal serve's gateway for httpbin, published while it runs", server)
	}
	do(dev, "Use a key from my apps", chromedp.Click(`#tryit .tryit-mine button`), chromedp.WaitVisible(`#tryit-mine-pick`))
	if first, _ := chromedp.Run(dev, chromedp.Evaluate[string](`document.querySelector('#tryit-mine-pick').selectedOptions[0].textContent`)); !strings.Contains(first, "Tutorial app") || !strings.Contains(first, "created in this tab") {
		t.Errorf("the key picker offers first %q, want the key created in this tab", first)
	}
	do(dev, "use the key", chromedp.Click(`#tryit-mine button`))
	until(t, dev, "the key in try-it", `[...document.querySelectorAll('#tryit input[type=password]')].some(i => i.value.startsWith('ptk_'))`)
	status, why := tryIt(t, dev)
	if !strings.HasPrefix(status, "403") || !strings.Contains(why, "pending — waiting for an administrator") {
		t.Errorf("try-it while pending = %q, explained %q; want 403 and the pending registration", status, why)
	}
	shot(t, dev, "tutorial-tryit-pending")

	// 9. The admin approves the registration, shown by names.
	do(adm, "overview", chromedp.Navigate(base+"/admin/"))
	until(t, adm, "the pending registration's tile", `[...document.querySelectorAll('.admin-tile')].some(a => a.textContent.startsWith('1') && a.textContent.includes('registrations waiting'))`)
	do(adm, "follow the tile", chromedp.Click(`a.admin-tile[href*=registrations]`))
	approveReg := `button[aria-label="Approve Tutorial app → httpbin"]`
	until(t, adm, "the registration's Approve button", `document.querySelector('`+approveReg+`') !== null`)
	if row := text(adm, `.admin-table tbody tr`); !strings.Contains(row, "Tutorial app") || !strings.Contains(row, email) || !strings.Contains(row, "httpbin") {
		t.Errorf("the registration's row = %q, want the application, developer and API by name", row)
	}
	do(adm, "approve the registration", chromedp.Click(approveReg))
	until(t, adm, "the registration's approval", `document.querySelector('.admin-status.is-ok')?.textContent.includes('now approved')`)

	// 10. Try it again, once the gateway's cached refusal has expired on
	// the portal's clock: 200, with httpbin's echo.
	p.wait()
	status, why = tryIt(t, dev)
	if body := text(dev, `#tryit-response-body`); !strings.HasPrefix(status, "200") || why != "" || !strings.Contains(body, "/anything") {
		t.Errorf("try-it after approval = %q (%q), body %.80q; want 200 with httpbin's echo", status, why, body)
	}
	shot(t, dev, "tutorial-tryit-approved")
	do(dev, "My Apps", chromedp.Navigate(base+"/apps/"))
	until(t, dev, "the application's card", `document.querySelector('.app-card')?.textContent.includes('Tutorial app')`)
	if card := text(dev, `.app-card`); !strings.Contains(card, "1 key") || !strings.Contains(card, "approved") {
		t.Errorf("My Apps shows %q, want the key and the approved API", card)
	}

	// Two people, two browsers: the admin's holds no developer session,
	// so the private portal sends it to the developers' login page.
	do(adm, "httpbin in the admin's browser", chromedp.Navigate(base+"/apis/httpbin/"))
	until(t, adm, "the developers' login page", `location.pathname === '/login/' && document.querySelector('#acc-username') !== null`)
	t.Logf("the tutorial took %s", time.Since(start).Round(time.Millisecond))
}

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/portal-dev/portal/cmd/portal/serve"
)

// appsPortal is the sample portal under `portal serve` with a clock the
// test moves (past the validator's 4 s cache, at no cost in time) and an
// admin token for the management API.
type appsPortal struct {
	t      *testing.T
	s      *serve.Server
	base   string
	admin  string
	pid    string
	offset atomic.Int64 // nanoseconds added to the wall clock
}

func (p *appsPortal) now() time.Time { return time.Now().Add(time.Duration(p.offset.Load())) }

// wait moves the portal's clock past the key decisions' cache.
func (p *appsPortal) wait() { p.offset.Add(int64(5 * time.Second)) }

func newAppsPortal(t *testing.T) *appsPortal {
	t.Helper()
	return newAppsPortalWith(t, "../../../portal.yaml", t.TempDir())
}

// newAppsPortalWith is newAppsPortal for the portal.yaml config, with its
// data folder in data (which may already hold a store).
func newAppsPortalWith(t *testing.T, config, data string) *appsPortal {
	t.Helper()
	p := &appsPortal{t: t}
	p.s, p.base = serveOnLoopback(t, serve.Options{Config: config, Data: data, Now: p.now})
	p.admin, p.pid = adminOf(t, p.s, p.base, p.now())
	return p
}

// call is an admin's (or, with key, an API client's) request.
func (p *appsPortal) call(method, path string, body any, ifMatch string, headers ...string) []byte {
	p.t.Helper()
	b, _, _ := p.do(method, path, body, ifMatch, headers...)
	return b
}

func (p *appsPortal) do(method, path string, body any, ifMatch string, headers ...string) ([]byte, int, http.Header) {
	p.t.Helper()
	var h []string
	if !strings.HasPrefix(path, "/gateway/") {
		h = append(h, "Authorization", "Bearer "+p.admin)
	}
	if ifMatch != "" {
		h = append(h, "If-Match", ifMatch)
	}
	res, b := send(p.t, http.DefaultClient, method, p.base+path, body, append(h, headers...)...)
	return b, res.StatusCode, res.Header
}

// decide approves (or rejects…) an object through the management API as
// an admin does: read it, send its ETag back with the change.
func (p *appsPortal) decide(path, status string) {
	p.t.Helper()
	_, code, h := p.do("GET", path, nil, "")
	if code != 200 {
		p.t.Fatalf("GET %s = %d", path, code)
	}
	if b, code, _ := p.do("PATCH", path, map[string]string{"status": status}, h.Get("ETag")); code != 200 {
		p.t.Fatalf("PATCH %s %s = %d %s", path, status, code, b)
	}
}

// approveDeveloper approves the developer with this email.
func (p *appsPortal) approveDeveloper(email string) {
	p.t.Helper()
	d, err := p.s.Store().GetDeveloperByEmail(context.Background(), email)
	if err != nil {
		p.t.Fatal(err)
	}
	p.decide("/v3/portals/"+p.pid+"/developers/"+d.ID, "approved")
}

// signUp makes an approved developer over the developer API (for the tests
// whose subject is not the sign-up).
func (p *appsPortal) signUp(email, name string) {
	p.t.Helper()
	c := &http.Client{}
	if res, b := send(p.t, c, "POST", p.base+"/api/v3/developer", map[string]string{"email": email, "full_name": name, "password": "vX9#qLm2-river"}); res.StatusCode != 201 {
		p.t.Fatalf("sign-up = %d %s", res.StatusCode, b)
	}
	link := outboxLink(p.t, p.s.Data(), "verify-email")
	token := link[strings.Index(link, "token=")+len("token="):]
	if res, b := send(p.t, c, "POST", p.base+"/api/v3/developer/verify-email", map[string]string{"token": token}); res.StatusCode != 204 {
		p.t.Fatalf("verify = %d %s", res.StatusCode, b)
	}
	p.approveDeveloper(email)
}

// fillLogin fills in the login form on the page and sends it.
func fillLogin(email, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(`#acc-username`),
		chromedp.SendKeys(`#acc-username`, email),
		chromedp.SendKeys(`#acc-password`, password),
		chromedp.Click(`#account button[type=submit]`),
	)
}

// login logs in through the login page, as a person does.
func login(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login/"), fillLogin(email, "vX9#qLm2-river")); err != nil {
		t.Fatalf("login: %v", err)
	}
	waitPath(t, ctx, "/apps/")
}

// waitPath polls from Go across a navigation until the page is at path.
func waitPath(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	var at string
	for range 200 {
		at, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
		if strings.HasPrefix(at, path) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the browser is on %q, want %s", at, path)
}

// tryIt sends the operation page's try-it request through the local
// gateway and returns the status line and the explanation shown.
func tryIt(t *testing.T, ctx context.Context) (status, why string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#tryit-status').textContent = ''`),
		chromedp.Click(`#tryit button[type=submit]`),
		chromedp.Poll[chromedp.Void](`/^\d{3}/.test(document.querySelector('#tryit-status')?.textContent || '')`),
	)
	if err != nil {
		t.Fatalf("try-it: %v", err)
	}
	status, _ = chromedp.Run(ctx, chromedp.Text(`#tryit-status`))
	why, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const w = document.querySelector('#tryit-why'); return w && !w.hidden ? w.textContent : ''; })()`))
	return status, why
}

// escapeCloses presses Escape on an open menu, waits for sel (in the menu)
// to hide, and checks that focus is back on the menu's button, id button.
func escapeCloses(t *testing.T, ctx context.Context, sel, button string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(sel)); err != nil {
		t.Fatalf("Escape closes the menu: %v", err)
	}
	if f, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`)); f != button {
		t.Errorf("after Escape, focus is on %q, want the menu's button %s", f, button)
	}
}

// TestMyAppsTutorial is the developer's side of Kong's tutorial clicked
// through the portal, with no CLI or curl step for the developer: sign up,
// confirm from the mail, log in, Use this API on httpbin (an application
// created and registered, a key shown once and copied), try-it with that
// key (403 explained while the registration is pending, 200 once an admin
// approves it through the management API), then rotate and revoke keys.
func TestMyAppsTutorial(t *testing.T) {
	p := newAppsPortal(t)
	bctx := browser(t)
	ctx := tab(t, bctx)
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	// The clipboard, as a person's browser grants it after a click.
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted, Origin: p.base}); err != nil {
			t.Fatalf("grant %s: %v", name, err)
		}
	}
	const email = "tutorial@example.com"

	// Anonymous: the header offers Log in and Sign up; Use this API logs in.
	err := chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/apis/httpbin/"),
		chromedp.WaitVisible(`#use-api`),
	)
	if err != nil {
		t.Fatal(err)
	}
	anon, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.account-nav a, #use-api span')].filter(e => e.offsetParent).map(e => e.textContent.trim()).join('|')`))
	if anon != "Log in|Sign up|Log in to use this API" {
		t.Errorf("anonymous header and Use this API show %q", anon)
	}

	// Sign up, confirm from the mailed link, wait for an admin.
	err = chromedp.Do(ctx,
		chromedp.Click(`.account-signup`),
		chromedp.WaitVisible(`#acc-email`),
		chromedp.SendKeys(`#acc-full_name`, "Tutorial Dev"),
		chromedp.SendKeys(`#acc-email`, email),
		chromedp.SendKeys(`#acc-password`, "vX9#qLm2-river"),
		chromedp.Click(`#account button[type=submit]`),
		chromedp.Poll[chromedp.Void](`document.querySelector('.account-status.is-ok') !== null`),
	)
	if err != nil {
		t.Fatalf("sign up: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(outboxLink(t, p.s.Data(), "verify-email")),
		chromedp.Poll[chromedp.Void](`document.querySelector('.account-status.is-ok') !== null`),
	)
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	p.approveDeveloper(email)

	// Use this API while logged out: log in, and back to the API.
	err = chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/apis/httpbin/"),
		chromedp.Click(`#use-api`),
		fillLogin(email, "vX9#qLm2-river"),
	)
	if err != nil {
		t.Fatalf("log in from Use this API: %v", err)
	}
	waitPath(t, ctx, "/apis/httpbin/")

	// The header knows who is logged in.
	err = chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`document.querySelector('.account-name')?.textContent === 'Tutorial Dev'`),
		chromedp.Click(`#account-button`),
		chromedp.WaitVisible(`#account-menu`),
	)
	if err != nil {
		t.Fatalf("header menu: %v", err)
	}
	menu, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#account-menu li')].map(e => e.textContent.trim()).join('|')`))
	if menu != "My Apps|Account|Log out" {
		t.Errorf("account menu = %q", menu)
	}
	shot(t, ctx, "header-menu")
	escapeCloses(t, ctx, `#account-menu`, "account-button")

	// Use this API: a new application, registered, and its first key.
	err = chromedp.Do(ctx,
		chromedp.Click(`#use-api`),
		chromedp.WaitVisible(`dialog #use-app-name`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#use-app-name').value = ''`),
		chromedp.SendKeys(`#use-app-name`, "Tutorial app"),
		chromedp.Click(`dialog button[type=submit]`),
	)
	if err != nil {
		t.Fatalf("Use this API: %v", err)
	}
	waitPath(t, ctx, "/apps/app/?id=")
	err = chromedp.Do(ctx, chromedp.WaitVisible(`dialog #new-key`))
	if err != nil {
		t.Fatalf("no key dialog on the application's page: %v", err)
	}
	key, _ := chromedp.Run(ctx, chromedp.Text(`#new-key`))
	if !strings.HasPrefix(key, "ptk_") {
		t.Fatalf("shown key = %q", key)
	}
	warning, _ := chromedp.Run(ctx, chromedp.Text(`dialog`))
	if !strings.Contains(warning, "you will not see it again") {
		t.Errorf("the key dialog does not say it is shown once: %q", warning)
	}
	shot(t, ctx, "app-key-dialog")
	err = chromedp.Do(ctx,
		chromedp.Click(`#copy-key`),
		chromedp.Poll[chromedp.Void](`document.querySelector('.dialog-note')?.textContent.startsWith('Copied')`))
	copied, err2 := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil || err2 != nil || copied != key {
		err = errors.Join(err, err2)
		t.Errorf("clipboard after Copy = %q (%v), want the key", copied, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`dialog .dialog-actions button:last-child`),
		chromedp.WaitNotPresent(`dialog`),
		chromedp.Poll[chromedp.Void](`document.querySelector('.reg') !== null`),
	)
	if err != nil {
		t.Fatal(err)
	}
	reg, _ := chromedp.Run(ctx, chromedp.Text(`.reg`))
	if !strings.Contains(reg, "httpbin") || !strings.Contains(reg, "pending") || !strings.Contains(reg, "waiting for an administrator") {
		t.Errorf("registration shows %q", reg)
	}
	// The key is shown once: the page reloaded does not show it again.
	err = chromedp.Do(ctx, chromedp.Reload(), chromedp.Poll[chromedp.Void](`document.querySelector('.key-item') !== null`))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.textContent.includes(`+jsString(key)+`)`)); again {
		t.Error("the key is on the page again after a reload")
	}

	// Try it with "use a key from my apps": 403 explained while pending.
	url := p.base + findOp(t, searchDocs(t, p.base), "httpbin", "GET", "/anything")
	err = chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(`#tryit .tryit-mine button`),
		chromedp.Click(`#tryit .tryit-mine button`),
		chromedp.WaitVisible(`#tryit-mine-pick`),
	)
	if err != nil {
		t.Fatalf("key picker: %v", err)
	}
	first, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#tryit-mine-pick').selectedOptions[0].textContent`))
	if !strings.Contains(first, "Tutorial app") || !strings.Contains(first, "created in this tab") {
		t.Errorf("the picker offers first %q, want the key created in this tab", first)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`#tryit-mine button`),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('#tryit input[type=password]')].some(i => i.value.startsWith('ptk_'))`),
	)
	if err != nil {
		t.Fatal(err)
	}
	status, why := tryIt(t, ctx)
	if !strings.HasPrefix(status, "403") || !strings.Contains(why, "pending — waiting for an administrator") {
		t.Errorf("try-it while pending = %q, explained %q; want 403 and the pending registration", status, why)
	}

	// An admin approves the registration through the management API.
	var regs struct {
		Data []struct {
			ID            string
			ApplicationID string `json:"application_id"`
		}
	}
	json.Unmarshal(p.call("GET", "/v3/portals/"+p.pid+"/application-registrations?filter[status][eq]=pending", nil, ""), &regs)
	if len(regs.Data) != 1 {
		t.Fatalf("pending registrations: %+v", regs)
	}
	p.decide("/v3/portals/"+p.pid+"/applications/"+regs.Data[0].ApplicationID+"/registrations/"+regs.Data[0].ID, "approved")
	p.wait()
	status, why = tryIt(t, ctx)
	body, _ := chromedp.Run(ctx, chromedp.Text(`#tryit-response-body`))
	if !strings.HasPrefix(status, "200") || why != "" || !strings.Contains(body, "/anything") {
		t.Errorf("try-it after approval = %q (%q), body %.80q; want 200 with httpbin's echo", status, why, body)
	}

	// Rotate the key (24 h of grace), then revoke the old one.
	err = chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/apps/app/?id="+regs.Data[0].ApplicationID),
		chromedp.WaitVisible(`.key-item`),
		chromedp.Click(`.key-item .key-actions button:first-child`),
		chromedp.WaitVisible(`dialog #grace`),
		chromedp.Click(`dialog .button-danger`),
		chromedp.WaitVisible(`dialog #new-key`),
	)
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	rotated, _ := chromedp.Run(ctx, chromedp.Text(`#new-key`))
	if !strings.HasPrefix(rotated, "ptk_") || rotated == key {
		t.Fatalf("rotated key = %q", rotated)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`dialog .dialog-actions button:last-child`),
		chromedp.WaitNotPresent(`dialog`),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('.key-item').length === 2`),
	)
	if err != nil {
		t.Fatal(err)
	}
	gateway := func(k string) int {
		_, code, _ := p.do("GET", "/gateway/httpbin/get", nil, "", "apikey", k)
		return code
	}
	if a, b := gateway(key), gateway(rotated); a != 200 || b != 200 {
		t.Errorf("in the grace period: old key %d, new key %d; want both 200", a, b)
	}
	expires, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('.key-facts')].filter(e => e.textContent.includes('expires')).length`))
	if expires != 1 {
		t.Errorf("%d keys show an expiry, want the rotated one", expires)
	}
	// Revoke asks first: Cancel keeps the key.
	oldItem := `[...document.querySelectorAll('.key-item')].find(e => e.textContent.includes('expires'))`
	err = chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](oldItem+`.querySelector('.button-danger').click()`),
		chromedp.WaitVisible(`dialog`),
		chromedp.Click(`dialog .dialog-actions button:last-child`), // Cancel
		chromedp.WaitNotPresent(`dialog`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.key-item').length`)); n != 2 {
		t.Errorf("after Cancel, %d keys, want 2", n)
	}
	err = chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](oldItem+`.querySelector('.button-danger').click()`),
		chromedp.WaitVisible(`dialog`),
		chromedp.Click(`dialog .button-danger`), // Revoke key
		chromedp.WaitNotPresent(`dialog`),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('.key-item').length === 1`),
	)
	if err != nil {
		t.Fatalf("revoke: %v", err)
	}
	p.wait()
	if a, b := gateway(key), gateway(rotated); a != 401 || b != 200 {
		t.Errorf("after revoking the old key: old %d, new %d; want 401 and 200", a, b)
	}

	// My Apps lists the application with its key and approved API.
	err = chromedp.Do(ctx, chromedp.Navigate(p.base+"/apps/"), chromedp.WaitVisible(`.app-card`))
	if err != nil {
		t.Fatal(err)
	}
	card, _ := chromedp.Run(ctx, chromedp.Text(`.app-card`))
	if !strings.Contains(card, "Tutorial app") || !strings.Contains(card, "1 key") || !strings.Contains(card, "approved") {
		t.Errorf("My Apps shows %q", card)
	}
	shot(t, ctx, "my-apps")
}

// jsString quotes s for a JavaScript expression.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestMyAppsKeyboard creates a key with the keyboard alone: Tab to the
// form, Space and Enter to press, focus visible on each control, focus
// kept inside the key dialog and given back when it closes; Escape
// cancels a revocation.
func TestMyAppsKeyboard(t *testing.T) {
	p := newAppsPortal(t)
	const email = "keys@example.com"
	p.signUp(email, "Key Board")
	ctx := tab(t, browser(t))
	login(t, ctx, p.base, email)
	// The application, made through the page (Enter submits).
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(`#create-h`),
		chromedp.Focus(`.app-create input[name=name]`),
		chromedp.SendKeys(`.app-create input[name=name]`, "Keyboard app\r"),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitPath(t, ctx, "/apps/app/?id=")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`#key-name`), chromedp.Poll[chromedp.Void](`document.querySelector('.app-keys li') !== null`)); err != nil {
		t.Fatal(err)
	}
	active := func() string {
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const a = document.activeElement; return (a.id || a.textContent.trim()) + (a.matches(':focus-visible') ? '' : ' (focus not visible)') + (a.closest('dialog') ? ' [dialog]' : ''); })()`))
		return s
	}
	// Tab from the top of the page to the key name field.
	tabTo := func(want string) {
		t.Helper()
		for range 60 {
			if strings.HasPrefix(active(), want) {
				return
			}
			if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
				t.Fatal(err)
			}
		}
		t.Fatalf("Tab never reached %s (at %q)", want, active())
	}
	tabTo("key-name")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("CI server")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
		t.Fatal(err)
	}
	if a := active(); a != "create-key" {
		t.Fatalf("after the name field, focus is on %q, want the visible focus of Create key", a)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(" "), chromedp.WaitVisible(`dialog #new-key`)); err != nil {
		t.Fatalf("Space on Create key: %v", err)
	}
	if a := active(); a != "copy-key [dialog]" {
		t.Errorf("the dialog opens with focus on %q, want Copy key", a)
	}
	// Focus stays in the dialog, however often Tab is pressed.
	for i := range 8 {
		chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab))
		if a := active(); !strings.HasSuffix(a, "[dialog]") {
			t.Fatalf("Tab %d left the dialog: focus on %q", i+1, a)
		}
	}
	tabTo("Done")
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitNotPresent(`dialog`)); err != nil {
		t.Fatalf("Enter on Done: %v", err)
	}
	if a := active(); a != "create-key" {
		t.Errorf("after the dialog, focus is on %q, want Create key", a)
	}
	named, _ := chromedp.Run(ctx, chromedp.Text(`.key-item strong`))
	if named != "CI server" {
		t.Errorf("the new key is named %q", named)
	}
	// Escape cancels a revocation and gives focus back.
	tabTo("Revoke")
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`dialog`)); err != nil {
		t.Fatal(err)
	}
	if a := active(); a != "Cancel [dialog]" {
		t.Errorf("the revoke dialog opens with focus on %q, want Cancel", a)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(`dialog`)); err != nil {
		t.Fatal(err)
	}
	if a := active(); !strings.HasPrefix(a, "Revoke") {
		t.Errorf("after Escape, focus is on %q, want Revoke", a)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.key-item').length`)); n != 1 {
		t.Errorf("after Escape, %d keys, want 1", n)
	}
}

// TestNarrowScreens: at 360 px the header is one row with a menu button
// that opens nav, search and account links (Escape closes it, focus goes
// back), and no page scrolls sideways.
func TestNarrowScreens(t *testing.T) {
	p := newAppsPortal(t)
	const email = "phone@example.com"
	p.signUp(email, "Phone User")
	ctx := tab(t, browser(t))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	login(t, ctx, p.base, email)
	// An application with a key, so that My Apps has something to lay out.
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(`#create-h`),
		chromedp.SendKeys(`.app-create input[name=name]`, "A phone's application with a long name\r"),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitPath(t, ctx, "/apps/app/?id=")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`#create-key`), chromedp.Click(`#create-key`), chromedp.WaitVisible(`dialog #new-key`)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "mobile-key-dialog")
	if sw, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= Math.min(innerWidth, 360)`)); !sw {
		t.Error("the key dialog scrolls sideways at 360 px")
	}
	appID, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`new URLSearchParams(location.search).get('id')`))
	for _, path := range []string{"/", "/apis/", "/apps/", "/apps/app/?id=" + appID, "/apis/httpbin/", "/account/"} {
		err := chromedp.Do(ctx, chromedp.Navigate(p.base+path), chromedp.WaitVisible(`#nav-toggle`), chromedp.Sleep(200*time.Millisecond))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		// A phone widens its layout viewport (innerWidth) to content that
		// overflows, so the width is checked against the device's 360 px too.
		sw, _ := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, innerWidth, Math.round(document.querySelector('.site-header').getBoundingClientRect().height)]`))
		if sw[0] > sw[1] || sw[0] > 360 {
			t.Errorf("%s scrolls sideways at 360 px: scrollWidth %d, innerWidth %d", path, sw[0], sw[1])
		}
		if sw[2] > 72 {
			t.Errorf("%s: the header is %d px high at 360 px, want one row", path, sw[2])
		}
	}
	// The menu button opens the panel; Escape closes it.
	err = chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/apis/"),
		chromedp.WaitVisible(`#nav-toggle`),
		chromedp.Poll[chromedp.Void](`document.querySelector('.account-name')?.textContent === 'Phone User'`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#search-input').offsetParent !== null`)); v {
		t.Error("the search box shows in the closed header at 360 px")
	}
	shot(t, ctx, "mobile-header")
	err = chromedp.Do(ctx,
		chromedp.Click(`#nav-toggle`),
		chromedp.WaitVisible(`#search-input`),
		chromedp.WaitVisible(`.site-nav`),
		chromedp.WaitVisible(`#account-button`),
	)
	if err != nil {
		t.Fatalf("the menu button does not reveal nav, search and account: %v", err)
	}
	if e, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#nav-toggle').getAttribute('aria-expanded')`)); e != "true" {
		t.Errorf("aria-expanded = %q when open", e)
	}
	if sw, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= Math.min(innerWidth, 360)`)); !sw {
		t.Error("the open menu scrolls sideways at 360 px")
	}
	shot(t, ctx, "mobile-header-open")
	escapeCloses(t, ctx, `#search-input`, "nav-toggle")
}

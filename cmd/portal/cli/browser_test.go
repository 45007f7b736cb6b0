package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/portal-dev/portal/cmd/portal/serve"
	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/generator/site"
)

// servePortal runs `portal serve` for the sample portal on a loopback port.
func servePortal(t *testing.T) (*serve.Server, string) {
	t.Helper()
	return serveOnLoopback(t, serve.Options{Config: "../../../portal.yaml", Data: t.TempDir()})
}

// browser starts Debian's headless Chromium. A missing chromium is a test
// failure, never a skip: `make test` installs it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium not found (%v); run make deps (Debian package chromium)", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// tab opens a new tab with a deadline.
func tab(t *testing.T, bctx context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx)
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel2)
	return ctx
}

func searchDocs(t *testing.T, base string) []site.SearchDoc {
	t.Helper()
	res, err := http.Get(base + "/search-index.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var docs []site.SearchDoc
	if err := json.NewDecoder(res.Body).Decode(&docs); err != nil {
		t.Fatal(err)
	}
	return docs
}

func findOp(t *testing.T, docs []site.SearchDoc, api, method, path string) string {
	t.Helper()
	for _, d := range docs {
		if d.Method == method && d.Path == path && strings.HasPrefix(d.URL, "/apis/"+api+"/") {
			return d.URL
		}
	}
	t.Fatalf("no %s %s in %s's search entries", method, path, api)
	return ""
}

// tryLocalHTTPBin opens the operation page at url, picks the embedded
// httpbin in try-it's server picker as a user would, sends the request
// and returns the status try-it shows.
func tryLocalHTTPBin(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`#tryit form`)),
	)
	if err != nil {
		t.Fatalf("try-it on %s: %v", url, err)
	}
	picked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const sel = document.querySelector('#tryit select');
		const opt = [...sel.options].find(o => o.textContent.includes('Local httpbin'));
		if (!opt) return false;
		sel.value = opt.value;
		sel.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`))
	if err != nil || !picked {
		t.Fatalf("no local httpbin in the server picker (err %v)", err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#tryit button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#tryit-response-body`)),
		chromedp.Poll[chromedp.Void](`/\d{3}/.test(document.querySelector('#tryit-status')?.textContent || '')`),
	)
	if err != nil {
		t.Fatalf("try-it on %s: %v", url, err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#tryit-status`)))
	if err != nil {
		t.Fatal(err)
	}
	return status
}

// searchFor types query into the search box of the home page at base and
// waits for the results.
func searchFor(base, query string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#search-input`)),
		chromedp.Focus(chromedp.CSS(`#search-input`)),
		chromedp.SendKeys(chromedp.CSS(`#search-input`), query),
		chromedp.WaitVisible(chromedp.CSS(`#search-results [role=option]`)),
	)
}

func TestBrowser(t *testing.T) {
	srv, base := servePortal(t)
	docs := searchDocs(t, base)
	bctx := browser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	t.Run("try-it calls the embedded httpbin", func(t *testing.T) {
		ctx := tab(t, bctx)
		url := base + findOp(t, docs, "httpbin", "GET", "/anything")
		status := tryLocalHTTPBin(t, ctx, url)
		body, err := chromedp.Run(ctx, chromedp.Text(css(`#tryit-response-body`)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(status, "200") {
			t.Errorf("try-it status = %q, want 200", status)
		}
		if !strings.Contains(body, `"method"`) || !strings.Contains(body, "/anything") {
			t.Errorf("try-it body = %q, want httpbin's echo of /anything", body)
		}
	})

	t.Run("search finds an operation by path", func(t *testing.T) {
		ctx := tab(t, bctx)
		if err := chromedp.Do(ctx, searchFor(base, "/status/{code}")); err != nil {
			t.Fatalf("search: %v", err)
		}
		first, err := chromedp.Run(ctx, chromedp.Text(css(`#search-results [role=option]`)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(first, "/status/") {
			t.Errorf("first result = %q, want the /status/{code} operation", first)
		}
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowDown)); err != nil {
			t.Fatal(err)
		}
		// Enter navigates, which ends the page's context: poll from Go.
		chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter))
		var href string
		for range 50 {
			href, _ = chromedp.Run(ctx, chromedp.Location())
			if strings.Contains(href, "/reference/") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !strings.Contains(href, "/apis/httpbin/reference/") {
			t.Errorf("Enter went to %q, want the operation page", href)
		}
	})

	t.Run("dark mode toggles", func(t *testing.T) {
		ctx := tab(t, bctx)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/apis/"), chromedp.WaitVisible(css(`#theme-toggle`))); err != nil {
			t.Fatal(err)
		}
		theme, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
			for (let i = 0; i < 3 && document.documentElement.dataset.theme !== 'dark'; i++) {
				document.querySelector('#theme-toggle').click();
				await new Promise(r => setTimeout(r, 50));
			}
			return document.documentElement.dataset.theme || '';
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("theme toggle: %v", err)
		}
		if theme != "dark" {
			t.Fatalf("data-theme = %q after toggling, want dark", theme)
		}
		bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
		if err != nil {
			t.Fatal(err)
		}
		if luminance(bg) > 0.3 {
			t.Errorf("body background = %s in dark mode, want a dark colour", bg)
		}
		// The choice survives a reload.
		if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(css(`#theme-toggle`))); err != nil {
			t.Fatal(err)
		}
		again, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.dataset.theme || ''`))
		if err != nil {
			t.Fatal(err)
		}
		if again != "dark" {
			t.Errorf("data-theme after reload = %q, want dark", again)
		}
	})

	t.Run("account pages: sign up, confirm, log in", func(t *testing.T) {
		ctx := tab(t, bctx)
		fill := func(sel, v string) chromedp.Action[chromedp.Void] { return chromedp.SendKeys(css(sel), v) }
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/signup/"),
			chromedp.WaitVisible(css(`#acc-email`)),
			fill(`#acc-full_name`, "Browser Dev"),
			fill(`#acc-email`, "browser@example.com"),
			fill(`#acc-password`, "password1"), // common: refused inline
			chromedp.Click(css(`#account button[type=submit]`)),
			chromedp.WaitVisible(css(`#acc-password-err`)),
		)
		if err != nil {
			t.Fatalf("sign-up form: %v", err)
		}
		reason, _ := chromedp.Run(ctx, chromedp.Text(css(`#acc-password-err`)))
		if !strings.Contains(reason, "common") {
			t.Errorf("password error = %q, want the common-password reason", reason)
		}
		err = chromedp.Do(ctx,
			chromedp.SetValue(css(`#acc-password`), "vX9#qLm2-river"),
			chromedp.Click(css(`#account button[type=submit]`)),
			chromedp.Poll[chromedp.Void](`document.querySelector('.account-status.is-ok') !== null`),
		)
		if err != nil {
			t.Fatalf("sign-up: %v", err)
		}
		// The link exactly as the .eml file has it, as a user clicks it.
		link := outboxLink(t, srv.Data(), "verify-email")
		if !strings.HasPrefix(link, base+"/") {
			t.Fatalf("confirmation link %q is not on the portal %s", link, base)
		}
		err = chromedp.Do(ctx,
			chromedp.Navigate(link),
			chromedp.Poll[chromedp.Void](`document.querySelector('.account-status.is-ok') !== null`),
		)
		if err != nil {
			t.Fatalf("confirm from %s: %v", link, err)
		}
		confirmed, err := srv.Store().GetDeveloperByEmail(context.Background(), "browser@example.com")
		if err != nil || !confirmed.EmailVerified {
			t.Errorf("after opening the mailed link: developer = %+v, %v; want a confirmed address", confirmed, err)
		}
		// Pending: the login form shows Konnect's message.
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/login/"),
			chromedp.WaitVisible(css(`#acc-username`)),
			fill(`#acc-username`, "browser@example.com"),
			fill(`#acc-password`, "vX9#qLm2-river"),
			chromedp.Click(css(`#account button[type=submit]`)),
			chromedp.Poll[chromedp.Void](`document.querySelector('.account-status.is-error') !== null`),
		)
		if err != nil {
			t.Fatalf("login while pending: %v", err)
		}
		msg, _ := chromedp.Run(ctx, chromedp.Text(css(`.account-status`)))
		if !strings.Contains(msg, "disabled or pending approval") {
			t.Errorf("pending login says %q", msg)
		}
		d, err := srv.Store().GetDeveloperByEmail(context.Background(), "browser@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Store().SetDeveloperStatus(context.Background(), d.ID, []portal.DeveloperStatus{portal.StatusPending}, portal.StatusApproved, portal.AuditEvent{ID: "t", At: time.Now(), Action: "developer.status_changed", Subject: d.ID}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(css(`#account button[type=submit]`))); err != nil {
			t.Fatal(err)
		}
		// The login page navigates to My Apps: poll from Go across it.
		var landed string
		for range 100 {
			landed, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
			if landed == "/apps/" {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if landed != "/apps/" {
			t.Errorf("after login the browser is on %q, want /apps/", landed)
		}
		// The account page: the profile, a way to My Apps, and Log out.
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/account/"),
			chromedp.Poll[chromedp.Void](`document.querySelector('.account-details dl') !== null`),
		)
		if err != nil {
			t.Fatalf("account page: %v", err)
		}
		details, _ := chromedp.Run(ctx, chromedp.Text(css(`.account-details`)))
		if !strings.Contains(details, "browser@example.com") || !strings.Contains(details, "approved") || !strings.Contains(details, "My Apps") {
			t.Errorf("account page shows %q", details)
		}
	})

	t.Run("password reset from the mailed link", func(t *testing.T) {
		ctx := tab(t, bctx)
		const email, newPassword = "reset@example.com", "another-Str0ng-one"
		d := portal.Developer{ID: "reset-dev", Email: email, FullName: "Reset", Status: portal.StatusApproved, CreatedAt: time.Now().UTC()}
		hash, err := password.Hash("vX9#qLm2-river", password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16})
		if err != nil {
			t.Fatal(err)
		}
		d.PasswordHash = hash
		if err := srv.Store().CreateDeveloper(context.Background(), d, portal.AuditEvent{At: time.Now(), Action: "developer.created"}); err != nil {
			t.Fatal(err)
		}
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/forgot-password/"),
			chromedp.WaitVisible(css(`#acc-email`)),
			chromedp.SendKeys(css(`#acc-email`), email),
			chromedp.Click(css(`#account button[type=submit]`)),
			chromedp.Poll[chromedp.Void](`document.querySelector('.account-status.is-ok') !== null`),
		)
		if err != nil {
			t.Fatalf("forgot password: %v", err)
		}
		link := outboxLink(t, srv.Data(), "reset-password")
		err = chromedp.Do(ctx,
			chromedp.Navigate(link),
			chromedp.WaitVisible(css(`#acc-password`)),
			chromedp.SendKeys(css(`#acc-password`), newPassword),
			chromedp.Click(css(`#account button[type=submit]`)),
			chromedp.Poll[chromedp.Void](`document.querySelector('.account-status.is-ok') !== null`),
		)
		if err != nil {
			t.Fatalf("reset from %s: %v", link, err)
		}
		// The new password logs in; the old one no longer does.
		login := func(pw string) int {
			res, err := http.Post(base+"/api/v3/developer/authenticate", "application/json", strings.NewReader(`{"username":"`+email+`","password":"`+pw+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		if got := login(newPassword); got != 204 {
			t.Errorf("login with the new password = %d, want 204", got)
		}
		if got := login("vX9#qLm2-river"); got != 401 {
			t.Errorf("login with the old password = %d, want 401", got)
		}
	})

	t.Run("hostile spec runs no script", func(t *testing.T) {
		var pages []string
		for _, d := range docs {
			if strings.HasPrefix(d.URL, "/apis/hostile/") {
				pages = append(pages, d.URL)
			}
		}
		if len(pages) < 3 {
			t.Fatalf("only %d hostile pages in the search index", len(pages))
		}
		pages = append(pages, "/apis/", "/apis/hostile/reference/", "/apis/hostile/schemas/")
		ctx := tab(t, bctx)
		var dialogs atomic.Int32
		if err := chromedp.Listen(ctx, func(ev any) {
			if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
				dialogs.Add(1)
			}
		}); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			start := time.Now()
			err := chromedp.Do(ctx,
				chromedp.Navigate(base+p),
				chromedp.WaitReady(css(`body`)),
				chromedp.Sleep(100*time.Millisecond),
			)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			pwned, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__pwned !== undefined`))
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if pwned {
				t.Errorf("%s ran the hostile spec's script (window.__pwned is set)", p)
			}
			t.Logf("%s checked in %s", p, time.Since(start).Round(time.Millisecond))
		}
		if n := dialogs.Load(); n > 0 {
			t.Errorf("hostile pages opened %d dialogs", n)
		}
	})
}

// outboxLink returns the first link containing part in the newest mail of
// the data folder's outbox, quoted-printable decoded: the URL a mail client
// opens.
func outboxLink(t *testing.T, data, part string) string {
	t.Helper()
	// Some mails are sent after the answer (forgot-password answers first,
	// so that known and unknown addresses look alike): wait for it.
	re := regexp.MustCompile(`https?://[^\s"<>]*` + regexp.QuoteMeta(part) + `[^\s"<>]*`)
	var last mail.Message
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ms, err := mail.ReadOutbox(filepath.Join(data, "outbox"))
		if err != nil || len(ms) == 0 {
			continue
		}
		last = ms[len(ms)-1]
		if m := re.FindString(last.Text + "\n" + last.HTML); m != "" {
			return m
		}
	}
	t.Fatalf("no %s link in the newest mail of %s/outbox within 5 s; newest: %+v", part, data, last)
	return ""
}

// luminance returns the relative luminance of a CSS rgb()/rgba() colour.
func luminance(css string) float64 {
	var r, g, b float64
	s := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(css, "rgba("), "rgb("), ")")
	parts := strings.Split(s, ",")
	if len(parts) < 3 {
		return 1
	}
	fmt.Sscan(strings.TrimSpace(parts[0]), &r)
	fmt.Sscan(strings.TrimSpace(parts[1]), &g)
	fmt.Sscan(strings.TrimSpace(parts[2]), &b)
	return (0.2126*r + 0.7152*g + 0.0722*b) / 255
}

// TestServeRebuildsOnChange edits a Markdown page under `portal serve` and
// expects a rebuild, a reload event and the new text.
func TestServeRebuildsOnChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, d := range []string{"sample-specs", "content"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join("../../..", d))); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := os.ReadFile("../../../portal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "portal.yaml"), cfg, 0o644)

	s, err := serve.New(serve.Options{Config: filepath.Join(dir, "portal.yaml"), Data: filepath.Join(dir, ".portal"), BaseURL: "http://127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	if err := s.Build(ctx); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	// The watcher rebuilds in its own goroutine; the test ends only after
	// it has stopped, so that no rebuild writes into the folder while it
	// is removed.
	watching := make(chan struct{})
	go func() { s.Watch(ctx); close(watching) }()
	t.Cleanup(func() { cancel(); <-watching })

	// Listen for the reload event before editing.
	req, _ := http.NewRequestWithContext(ctx, "GET", hs.URL+"/_portal/livereload", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	events := make(chan string, 4)
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := res.Body.Read(buf)
			if n > 0 {
				events <- string(buf[:n])
			}
			if err != nil {
				close(events)
				return
			}
		}
	}()
	<-events // ": connected"

	// Edit the page until a reload comes: the watcher starts in its own
	// goroutine and may not be watching yet on a busy machine.
	page := filepath.Join(dir, "content", "apis", "httpbin", "quick-start.md")
	old, _ := os.ReadFile(page)
	edited := append(old, []byte("\nA freshly edited paragraph.\n")...)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for done := false; !done; {
		if err := os.WriteFile(page, edited, 0o644); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-events:
			if !strings.Contains(ev, "reload") {
				t.Fatalf("livereload sent %q, want reload", ev)
			}
			done = true
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal("no reload event within 60 s of the edit")
		}
	}
	body := get(t, hs.URL+"/apis/httpbin/docs/quick-start/")
	if !strings.Contains(body, "A freshly edited paragraph.") {
		t.Errorf("the page was not rebuilt with the edit")
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	res, b := send(t, http.DefaultClient, "GET", url, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", url, res.StatusCode)
	}
	return string(b)
}

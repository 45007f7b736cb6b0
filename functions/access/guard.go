package access

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/portal-dev/portal/functions/catalog"
)

// Guard serves a built site behind its gate rules, checking every request
// before a byte of a private file goes out: an anonymous browser asking
// for a private page is sent to /login/?next=…, other anonymous requests
// get 401, a visitor without the right gets the site's 404 (the page is
// not confirmed to exist), and every private answer is marked
// Cache-Control: private, no-store. It is `portal serve`'s gate; the
// CloudFront Function and the Netlify Edge Function decide alike.
type Guard struct {
	Next     http.Handler // the site
	NotFound http.Handler // answers 404 with the site's page
	Cookie   string       // the access cookie's name
	Key      func(ctx context.Context) ([]byte, error)
	Now      func() time.Time

	rules atomic.Pointer[[]catalog.GateRule]
}

// SetRules installs a build's rules (safe while serving).
func (g *Guard) SetRules(rules []catalog.GateRule) { g.rules.Store(&rules) }

func (g *Guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rules []catalog.GateRule
	if p := g.rules.Load(); p != nil {
		rules = *p
	}
	need, ok := catalog.Need(rules, r.URL.EscapedPath())
	if !ok {
		g.NotFound.ServeHTTP(w, r)
		return
	}
	if need == catalog.NeedNothing {
		g.Next.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Add("Vary", "Cookie")
	key, err := g.Key(r.Context())
	if err != nil {
		// No key, no way to tell who may read: closed.
		http.Error(w, "the portal cannot check access right now; try again", http.StatusServiceUnavailable)
		return
	}
	var grant Grant
	token := ""
	if c, err := r.Cookie(g.Cookie); err == nil {
		token = c.Value
	}
	if grant, err = Verify(key, token, g.Now()); err != nil {
		g.login(w, r)
		return
	}
	if !grant.Allows(need) {
		g.NotFound.ServeHTTP(w, r)
		return
	}
	g.Next.ServeHTTP(w, r)
}

// login sends a browser to the login page, to come back after; anything
// else gets 401.
func (g *Guard) login(w http.ResponseWriter, r *http.Request) {
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/login/?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
		return
	}
	w.Header().Set("WWW-Authenticate", `Cookie realm="portal"`)
	http.Error(w, "log in to read this page", http.StatusUnauthorized)
}

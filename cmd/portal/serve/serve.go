// Package serve is `portal serve`: one process that serves the built
// site with live reload, rebuilding it on change; the developer and
// management APIs over the embedded store; the key validator
// (/validate) and a gateway that enforces keys (/gateway/); and an
// embedded httpbin upstream. The cli package parses the flags and runs it.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/portal-dev/portal/cmd/portal/datadir"
	"github.com/portal-dev/portal/functions/access"
	"github.com/portal-dev/portal/functions/catalog"
	"github.com/portal-dev/portal/functions/httpapi"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/publish"
	"github.com/portal-dev/portal/functions/validate"
	"github.com/portal-dev/portal/generator"
	"github.com/portal-dev/portal/generator/config"
	"github.com/portal-dev/portal/generator/headers"
	"github.com/portal-dev/portal/generator/spec"
)

// UpstreamPrefix is where `portal serve` mounts its embedded httpbin.
const UpstreamPrefix = "/upstream/httpbin"

// Options configure a Server.
type Options struct {
	Config   string
	Data     string
	BaseURL  string // http://127.0.0.1:8080, for try-it's local server entry
	Progress io.Writer
	// Store replaces the embedded store in the data folder (tests run the
	// same server on DynamoDB Local).
	Store portal.FullStore
	// Now is the one clock of every party: the API, the validator, the
	// store's expiry checks and clean-up, publishing (time.Now if nil).
	Now func() time.Time
}

// Server is `portal serve`: the built site, the embedded httpbin upstream
// and live reload, rebuilding on change.
type Server struct {
	opts    Options
	builder *generator.Builder
	mux     *http.ServeMux
	out     string

	// mu serialises builds, and a request for the site waits for the
	// build in progress: its files and the gate rules that guard them
	// change together.
	mu      sync.RWMutex
	reload  *broadcaster
	lastErr error

	store portal.FullStore
	api   *httpapi.Server
	gate  *validate.Gate
	guard *access.Guard // private pages: the site behind the last build's gate rules

	csp  atomic.Pointer[string] // the last good build's Content-Security-Policy
	hsts bool                   // TLS ends here: the base URL is https
}

// startFunctions opens the embedded store in the data folder and makes the
// developer and management APIs, with mail to the outbox and console.
func (s *Server) startFunctions(cfg *config.Config) error {
	if err := os.MkdirAll(s.opts.Data, 0o700); err != nil {
		return err
	}
	var st portal.FullStore = s.opts.Store
	if st == nil {
		bolt, err := datadir.OpenStore(s.opts.Data)
		if err != nil {
			return err
		}
		// The store keeps no clock; expired sessions and tokens go by ours.
		if err := bolt.Purge(context.Background(), s.opts.Now()); err != nil {
			bolt.Close()
			return err
		}
		st = bolt
	}
	base := strings.TrimSuffix(s.opts.BaseURL, "/")
	// Local admin commands build their mail links from the same URL.
	datadir.SetBaseURL(s.opts.Data, base)
	mailer, err := datadir.Mailer(s.opts.Data, base, cfg.DisplayName, filepath.Join(cfg.Dir, "mail"), s.opts.Progress)
	if err != nil {
		st.Close()
		return err
	}
	// Internal errors are logged once, with the request id the answer
	// quotes, on the console beside the progress lines.
	log := slog.New(slog.NewTextHandler(s.opts.Progress, nil))
	api, err := httpapi.New(st, mailer, log, httpapi.Config{
		BaseURL:       base,
		SecureCookies: strings.HasPrefix(base, "https://"),
		Defaults:      portal.Settings{Name: cfg.Name, DisplayName: cfg.DisplayName, DefaultAPIVisibility: cfg.DefaultAPIVisibility, DefaultPageVisibility: cfg.DefaultPageVisibility},
	}, s.opts.Now)
	if err != nil {
		st.Close()
		return err
	}
	if _, err := api.EnsureSettings(context.Background()); err != nil {
		st.Close()
		return err
	}
	// A first admin token, so that a new user can approve developers.
	if toks, err := st.ListAdminTokens(context.Background()); err == nil && len(toks) == 0 {
		tok, _, err := httpapi.CreateAdminToken(context.Background(), st, "portal serve (first run)", s.opts.Now())
		if err == nil {
			fmt.Fprintf(s.opts.Progress, "admin token (shown once; keep it): %s\n  export PORTAL_URL=%s PORTAL_ADMIN_TOKEN=%s\n", tok, base, tok)
		}
	}
	// And the way to a first admin user, for the console.
	if us, err := st.ListAdminUsers(context.Background()); err == nil && len(us) == 0 {
		fmt.Fprintf(s.opts.Progress, "no admin user yet for the console (%s/admin/login/): stop the server, then\n  portal admin users create you@example.com --name \"Your Name\" --data %s\n", base, s.opts.Data)
	}
	v := validate.New(st, validate.Options{Now: s.opts.Now, Log: log})
	s.store, s.api, s.gate = st, api, validate.NewGate(v, st, 5*time.Second)
	return nil
}

// New prepares a server; call Build before serving.
func New(o Options) (*Server, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	cfg, err := config.Load(o.Config)
	if err != nil {
		return nil, err
	}
	// Try-it's local servers, from the portal.yaml of each build: an API
	// published while the server runs is routed by its gateway too.
	extra := func(cfg *config.Config) map[string][]spec.Server {
		extra := map[string][]spec.Server{}
		for _, a := range cfg.APIs {
			base := strings.TrimSuffix(o.BaseURL, "/")
			if a.UpstreamURL != "" {
				extra[a.Slug] = append(extra[a.Slug], spec.Server{URL: base + "/gateway/" + a.Slug, Description: "Local gateway (portal serve): needs an API key"})
			}
			if a.UpstreamURL == "httpbin" {
				extra[a.Slug] = append(extra[a.Slug], spec.Server{URL: base + UpstreamPrefix, Description: "Local httpbin, no key (portal serve)"})
			}
		}
		return extra
	}
	b, err := generator.NewBuilder(generator.Options{
		Config:       o.Config,
		Data:         o.Data, // the site goes to <data>/public, the builder's own
		Progress:     o.Progress,
		Watch:        true,
		LiveReload:   true,
		ExtraServers: extra,

		GatewayOrigin: strings.TrimSuffix(o.BaseURL, "/"),
	})
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, builder: b, out: b.Options().Out, reload: newBroadcaster(), hsts: strings.HasPrefix(o.BaseURL, "https://")}
	// Until the first build says which inline scripts the pages have,
	// allow none.
	csp := headers.CSP(nil)
	s.csp.Store(&csp)
	if err := s.startFunctions(cfg); err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	api := s.api.Handler()
	s.mux.Handle("/api/v3/", api)
	s.mux.Handle("/v3/", api)
	origin := strings.TrimSuffix(o.BaseURL, "/")
	s.mux.Handle(UpstreamPrefix+"/", validate.Upstream(httpbin.New(httpbin.WithPrefix(UpstreamPrefix), httpbin.WithMaxDuration(10*time.Second)).Handler(), origin, s.api.Cookies()))
	s.mux.Handle("/validate", s.gate.ForwardAuth())
	s.mux.Handle("/validate/", s.gate.ForwardAuth()) // Envoy ext_authz: the request's path below /validate
	s.mux.Handle("/gateway/", &validate.Gateway{
		Gate: s.gate, Prefix: "/gateway/", Origin: origin, Cookies: s.api.Cookies(),
		Local: map[string]http.Handler{"httpbin": httpbin.New(httpbin.WithMaxDuration(10 * time.Second)).Handler()},
	})
	s.mux.HandleFunc("GET /_portal/livereload", s.handleLiveReload)
	s.mux.HandleFunc("GET /_portal/livereload.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		io.WriteString(w, liveReloadJS)
	})
	s.guard = &access.Guard{
		Next: http.HandlerFunc(s.handleSite), NotFound: http.HandlerFunc(s.notFound),
		Cookie: s.api.AccessCookie(), Key: s.api.AccessKey, Now: o.Now,
	}
	s.guard.SetRules(lastRules(o.Data, s.out))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		s.guard.ServeHTTP(w, r)
	})
	return s, nil
}

// lastRules are the gate rules of the build whose output the site folder
// holds, until this server's first build replaces them: that build's
// catalog.json; or, when there is output without one, everything behind a
// login (closed); or, with no output, nothing to guard.
func lastRules(data, out string) []catalog.GateRule {
	raw, err := os.ReadFile(filepath.Join(data, "catalog.json"))
	if err == nil {
		if cat, err := catalog.Decode(raw); err == nil {
			return cat.Gate
		}
	}
	if _, err := os.Stat(out); err != nil {
		return nil
	}
	return []catalog.GateRule{{Prefix: "/", Need: catalog.NeedPages}}
}

// ServeHTTP serves the portal. Every answer gets nosniff; the site's and
// the functions' answers get the site's security headers (one source with
// netlify.toml: package headers). The gateway and the embedded upstream
// stand in for someone else's API, whose headers are its own.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if strings.HasPrefix(r.URL.Path, "/gateway/") || strings.HasPrefix(r.URL.Path, UpstreamPrefix+"/") {
		h.Set("X-Content-Type-Options", "nosniff")
	} else {
		for k, v := range headers.Site(r.URL.Path, *s.csp.Load(), s.hsts) {
			h[k] = v
		}
	}
	s.mux.ServeHTTP(w, r)
}

// liveReloadJS reloads the page when the server says so. The stream is
// closed on pagehide so that pages kept in the back/forward cache do not
// hold one of the browser's six connections to the server.
const liveReloadJS = `(function(){if(!window.EventSource)return;var es,open=function(){es=new EventSource("/_portal/livereload");es.onmessage=function(e){if(e.data==="reload"){es.close();location.reload()}}};open();addEventListener("pagehide",function(){es.close()});addEventListener("pageshow",function(e){if(e.persisted)open()})})()
`

// Build rebuilds the site; changed lists user files that changed.
func (s *Server) Build(ctx context.Context, changed ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum, err := s.builder.Build(ctx, changed...)
	s.lastErr = err
	if err != nil {
		return err
	}
	fmt.Fprintf(s.opts.Progress, "built %d APIs, %d operations, %d pages in %d ms\n", sum.APIs, sum.Operations, sum.Pages, sum.Duration.Milliseconds())
	s.csp.Store(&sum.CSP)
	s.guard.SetRules(sum.Catalog.Gate)
	// Mirror the catalog into the store, as `portal publish` does, from
	// the build's own copy.
	n, err := publish.PublishCatalog(ctx, s.store, sum.Catalog, s.opts.Now())
	if n > 0 {
		fmt.Fprintf(s.opts.Progress, "published %d API change(s) to the local store\n", n)
	}
	if err != nil {
		s.lastErr = err
		return err
	}
	s.gate.Invalidate()
	return nil
}

// Close releases the builder and the store.
func (s *Server) Close() error {
	err := s.builder.Close()
	if s.gate != nil {
		s.gate.V.Close()
	}
	if s.store != nil {
		if cerr := s.store.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Reload tells every open page to reload, as Watch does after a rebuild.
func (s *Server) Reload() { s.reload.send("reload") }

// Store is the store the functions run on.
func (s *Server) Store() portal.FullStore { return s.store }

// AccessKey is the key that signs the access cookies the gate reads.
func (s *Server) AccessKey(ctx context.Context) ([]byte, error) { return s.api.AccessKey(ctx) }

// Data is the data folder: the store, the outbox, the Hugo project.
func (s *Server) Data() string { return s.opts.Data }

// Site is the folder the site is built into.
func (s *Server) Site() string { return s.out }

// Watch rebuilds when a watched file changes, until ctx ends.
func (s *Server) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	data, _ := filepath.Abs(s.opts.Data)
	add := func(root string) {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if abs, _ := filepath.Abs(p); abs == data || strings.HasPrefix(d.Name(), ".") && p != root || d.Name() == "node_modules" {
					return filepath.SkipDir
				}
				w.Add(p)
			}
			return nil
		})
	}
	watchAll := func() {
		cfg := s.builder.Config
		if cfg == nil {
			return
		}
		w.Add(filepath.Dir(cfg.File))
		for _, d := range []string{cfg.Content, cfg.Layouts, cfg.Static} {
			if d != "" {
				add(d)
			}
		}
		for _, a := range cfg.APIs {
			w.Add(filepath.Dir(a.Spec))
			if a.Docs != "" {
				add(a.Docs)
			}
		}
	}
	watchAll()
	pending := map[string]bool{}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if strings.HasPrefix(ev.Name, data+string(filepath.Separator)) || strings.HasSuffix(ev.Name, "~") || strings.HasPrefix(filepath.Base(ev.Name), ".") {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					add(ev.Name)
				}
			}
			pending[ev.Name] = true
			timer = time.After(80 * time.Millisecond)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			fmt.Fprintf(s.opts.Progress, "portal: watch: %v\n", err)
		case <-timer:
			files := make([]string, 0, len(pending))
			for f := range pending {
				files = append(files, f)
			}
			pending = map[string]bool{}
			start := time.Now()
			fmt.Fprintf(s.opts.Progress, "change: %s\n", strings.Join(relAll(files), ", "))
			if err := s.Build(ctx, files...); err != nil {
				fmt.Fprintf(s.opts.Progress, "portal: rebuild failed:\n%v\n", err)
				var pe *generator.ProblemsError
				if errors.As(err, &pe) {
					generator.PrintProblems(s.opts.Progress, pe.Errors())
				}
				continue
			}
			fmt.Fprintf(s.opts.Progress, "rebuilt in %d ms; reloading browsers\n", time.Since(start).Milliseconds())
			watchAll()
			s.Reload()
		}
	}
}

func relAll(files []string) []string {
	wd, _ := os.Getwd()
	out := make([]string, len(files))
	for i, f := range files {
		if r, err := filepath.Rel(wd, f); err == nil {
			out[i] = r
		} else {
			out[i] = f
		}
	}
	return out
}

// handleSite serves the built site, with the portal's 404 page.
func (s *Server) handleSite(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	lastErr := s.lastErr // the caller holds s.mu
	if lastErr != nil && strings.HasSuffix(r.URL.Path, "/") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "The last build failed; fix the problem and save again (this page reloads).\n\n%v\n", lastErr)
		return
	}
	p := filepath.Join(s.out, filepath.FromSlash(filepath.Clean("/"+r.URL.Path)))
	st, err := os.Stat(p)
	if err == nil && st.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			// Keep the query: mailed links carry their token in it. The
			// path is rooted once, so the target never leaves the host.
			target := "/" + strings.TrimLeft(r.URL.EscapedPath(), "/") + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return
		}
		p = filepath.Join(p, "index.html")
		_, err = os.Stat(p)
	}
	if w.Header().Get("Cache-Control") == "" { // the gate marks private answers
		w.Header().Set("Cache-Control", "no-cache")
	}
	if err != nil {
		s.notFound(w, r)
		return
	}
	http.ServeFile(w, r, p)
}

// notFound answers 404 with the site's page.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	if r.Method == http.MethodHead {
		return
	}
	if f, err := os.Open(filepath.Join(s.out, "404.html")); err == nil {
		io.Copy(w, f)
		f.Close()
	}
}

// handleLiveReload streams "reload" events to the theme's script.
func (s *Server) handleLiveReload(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	ch := s.reload.subscribe()
	defer s.reload.unsubscribe(ch)
	fmt.Fprint(w, ": connected\n\n")
	fl.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg := <-ch:
			fmt.Fprintf(w, "data: %s\n\n", msg)
			fl.Flush()
		}
	}
}

type broadcaster struct {
	mu   sync.Mutex
	subs map[chan string]bool
}

func newBroadcaster() *broadcaster { return &broadcaster{subs: map[chan string]bool{}} }

func (b *broadcaster) subscribe() chan string {
	ch := make(chan string, 1)
	b.mu.Lock()
	b.subs[ch] = true
	b.mu.Unlock()
	return ch
}

func (b *broadcaster) unsubscribe(ch chan string) {
	b.mu.Lock()
	delete(b.subs, ch)
	b.mu.Unlock()
}

func (b *broadcaster) send(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- msg:
		default:
		}
	}
}

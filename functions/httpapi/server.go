// Package httpapi serves the portal's functions over HTTP: the developer API
// (/api/v3, cookie sessions) and the management API (/v3, admin bearer
// tokens), with the names and fields of Konnect's Portal APIs. The same
// handler runs in `portal serve`, on AWS Lambda and on Netlify Functions.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/portal-dev/portal/functions/access"
	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
)

// Mailer renders one of the portal's mail templates and sends it
// (functions/mail.Mailer).
type Mailer interface {
	Send(ctx context.Context, to, template string, data mail.Data) error
}

// Config configures a Server. Zero values get the documented defaults.
type Config struct {
	// BaseURL is the portal's public URL; mail links start with it, never
	// with a request's Host header.
	BaseURL string
	// SecureCookies marks the session cookie Secure and names it with the
	// __Host- prefix. Only a portal served on http://127.0.0.1 turns it off.
	SecureCookies bool
	// Defaults seed the settings the first time the store has none.
	Defaults portal.Settings

	SessionIdle     time.Duration // 30 min
	SessionAbsolute time.Duration // 12 h
	VerifyTTL       time.Duration // 24 h
	ResetTTL        time.Duration // 60 min
	LoginFailures   int           // 10 failures …
	LoginWindow     time.Duration // … in 15 min lock an account
	MailLimit       int           // 3 mails of one kind to one address …
	MailWindow      time.Duration // … per hour; more are dropped silently
	MaxBody         int64         // 64 KB
	Password        password.Params
	// AccessKey signs access cookies when set (32+ bytes; Netlify, where
	// the edge gate reads the same key from the environment); else the
	// store's key signs them.
	AccessKey []byte
	AccessTTL time.Duration // 15 min, the most access.MaxAge allows
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.SessionIdle, 30*time.Minute)
	def(&c.SessionAbsolute, 12*time.Hour)
	def(&c.VerifyTTL, 24*time.Hour)
	def(&c.ResetTTL, 60*time.Minute)
	def(&c.LoginWindow, 15*time.Minute)
	def(&c.MailWindow, time.Hour)
	if c.AccessTTL <= 0 || c.AccessTTL > access.MaxAge {
		c.AccessTTL = access.MaxAge
	}
	if c.MailLimit == 0 {
		c.MailLimit = 3
	}
	if c.LoginFailures == 0 {
		c.LoginFailures = 10
	}
	if c.MaxBody == 0 {
		c.MaxBody = 64 << 10
	}
	if c.Password.Memory == 0 {
		c.Password = password.Default
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
}

// Server holds the handlers' dependencies.
type Server struct {
	store  portal.FullStore
	mail   Mailer
	log    *slog.Logger
	cfg    Config
	now    func() time.Time
	mux    *http.ServeMux
	dummy  string // a hash verified when no account matches, so timing does not tell
	cookie string
	keys   *accessKeys
	late   sync.WaitGroup // handlers still working after their answer went out
}

// New makes a Server. log may be nil (discard); now may be nil (time.Now).
func New(store portal.FullStore, mail Mailer, log *slog.Logger, cfg Config, now func() time.Time) (*Server, error) {
	cfg.defaults()
	if _, err := url.ParseRequestURI(cfg.BaseURL); err != nil || !strings.HasPrefix(cfg.BaseURL, "http") {
		return nil, fmt.Errorf("httpapi: BaseURL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.AccessKey != nil {
		if err := portal.CheckAccessKey(cfg.AccessKey); err != nil {
			return nil, fmt.Errorf("httpapi: %w", err)
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	dummy, err := password.Hash("dummy password for timing", cfg.Password)
	if err != nil {
		return nil, err
	}
	s := &Server{store: store, mail: mail, log: log, cfg: cfg, now: now, dummy: dummy, cookie: "portal_session"}
	s.keys = &accessKeys{fixed: cfg.AccessKey, store: store}
	if cfg.SecureCookies {
		s.cookie = "__Host-portal_session"
	}
	s.routes()
	return s, nil
}

// EnsureSettings stores the configured default settings if the store has
// none yet, and returns the stored settings.
func (s *Server) EnsureSettings(ctx context.Context) (portal.Settings, error) {
	st, err := s.store.GetSettings(ctx)
	if err == nil || !portal.IsCode(err, portal.ENotFound) {
		return st, err
	}
	d := s.cfg.Defaults
	if d.ID == "" {
		d.ID = newID()
	}
	// Developer accounts are on until portal.yaml says otherwise (a
	// published catalog sets the stored value).
	d.AuthenticationEnabled = true
	if d.DefaultAPIVisibility == "" {
		d.DefaultAPIVisibility = "public"
	}
	if d.DefaultPageVisibility == "" {
		d.DefaultPageVisibility = "public"
	}
	d.CreatedAt, d.UpdatedAt, d.Version = s.now().UTC(), s.now().UTC(), 0
	st, err = s.store.PutSettings(ctx, d, s.event("system", "portal.created", d.ID, nil))
	if portal.IsCode(err, portal.EConflict) {
		// Another instance seeded them first.
		return s.store.GetSettings(ctx)
	}
	return st, err
}

// serveMux routes a request, answering unknown paths (404) and methods
// (405) with problems like every other error.
func (s *Server) serveMux(w http.ResponseWriter, r *http.Request) {
	if h, pattern := s.mux.Handler(r); pattern == "" {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if allow := rec.Header().Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		if rec.Code == http.StatusMethodNotAllowed {
			s.writeError(w, r, &portal.Error{Code: codeMethod, Message: fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, rec.Header().Get("Allow"))})
			return
		}
		s.writeError(w, r, portal.Errorf(portal.ENotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Handler returns the API with its middleware: request ids, panic
// recovery, and refusal of cross-origin writes.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, portal.Errorf(portal.EForbidden, "cross-origin request refused: the portal accepts writes only from its own pages"))
	}))
	return s.withRequestID(cop.Handler(http.HandlerFunc(s.serveMux)))
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyDeveloper
	keySession
	keyAdmin
	keyAdminUser
)

func (s *Server) withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newID()
		w.Header().Set("X-Request-Id", id)
		w.Header().Set("Cache-Control", "no-store")
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				// writeError logs it, once, with the request id and where
				// it happened.
				s.writeError(w, r.WithContext(ctx), &panicError{value: v, stack: debug.Stack()})
			}
		}()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// answerFirst answers status, with no body, and sends it at once; then it
// does work. It is for requests whose answer must not depend on what the
// work finds or how long it takes (whether an address has an account, a
// mail's sending): the client has its answer before work begins. The
// work's context outlives a client that hangs up once answered, and its
// errors are logged with the request id, since they can no longer be
// answered. The connection closes with the answer: a next request on it
// would otherwise wait for the work and time it. Where the response
// cannot go out early (the Lambda adapter sends it when the handler
// returns), the answer waits for the work.
func (s *Server) answerFirst(w http.ResponseWriter, r *http.Request, status int, work func(ctx context.Context) error) {
	s.late.Add(1)
	defer s.late.Done()
	w.Header().Set("Connection", "close")
	w.WriteHeader(status)
	_ = http.NewResponseController(w).Flush()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)
	defer cancel()
	if err := work(ctx); err != nil {
		id, _ := ctx.Value(keyRequestID).(string)
		s.log.ErrorContext(ctx, "internal error after the answer", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// panicError is a recovered panic, answered and logged as an internal
// error.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// contextWith returns r's context with one more value.
func contextWith(r *http.Request, key, val any) context.Context {
	return context.WithValue(r.Context(), key, val)
}

// event makes an audit event.
func (s *Server) event(actor, action, subject string, detail map[string]string) portal.AuditEvent {
	return portal.AuditEvent{ID: newID(), At: s.now().UTC(), Actor: actor, Action: action, Subject: subject, Detail: detail}
}

// newID returns a random UUID (version 4).
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("httpapi: crypto/rand: " + err.Error())
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// accountsOff is the answer to a developer request while
// authentication_enabled is false.
var accountsOff = portal.Errorf(portal.EForbidden, "developer accounts are turned off on this portal (authentication_enabled: false in portal.yaml)")

// checkAccounts fails when developer accounts are turned off.
func (s *Server) checkAccounts(ctx context.Context) error {
	st, err := s.EnsureSettings(ctx)
	if err == nil && !st.AuthenticationEnabled {
		err = accountsOff
	}
	return err
}

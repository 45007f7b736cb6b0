package validate

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/portal-dev/portal/functions/portal"
)

// Catalog is where the gate finds APIs and their auth strategies.
type Catalog interface {
	ListAPIs(ctx context.Context) ([]portal.API, error)
	ListAuthStrategies(ctx context.Context) ([]portal.AuthStrategy, error)
}

// GateStore is what a gate and its validator read.
type GateStore interface {
	Store
	Catalog
}

// Gate puts a Validator in front of APIs: it finds the API a request is
// for, its strategy's key, and the decision.
type Gate struct {
	V   *Validator
	cat Catalog
	ttl time.Duration
	now func() time.Time

	mu         sync.RWMutex
	loaded     time.Time
	stale      bool
	apis       []portal.API
	strategies map[string]portal.AuthStrategy
}

// NewGate makes a Gate; the catalog is re-read at most every ttl.
func NewGate(v *Validator, cat Catalog, ttl time.Duration) *Gate {
	if ttl == 0 {
		ttl = 5 * time.Second
	}
	return &Gate{V: v, cat: cat, ttl: ttl, now: v.opts.Now}
}

func (g *Gate) catalog(ctx context.Context) ([]portal.API, map[string]portal.AuthStrategy, error) {
	g.mu.RLock()
	apis, st, loaded, stale := g.apis, g.strategies, g.loaded, g.stale
	g.mu.RUnlock()
	if !loaded.IsZero() && !stale && g.now().Sub(loaded) < g.ttl {
		return apis, st, nil
	}
	type catalog struct {
		apis []portal.API
		list []portal.AuthStrategy
	}
	l, err := bounded(ctx, g.V.opts.StoreTimeout, func(ctx context.Context) (catalog, error) {
		apis, err := g.cat.ListAPIs(ctx)
		if err != nil {
			return catalog{}, err
		}
		list, err := g.cat.ListAuthStrategies(ctx)
		return catalog{apis, list}, err
	})
	apis, list := l.apis, l.list
	if err != nil {
		if !loaded.IsZero() && g.now().Sub(loaded) < 10*g.ttl {
			return g.apis, g.strategies, nil // a stale catalog beats none; keys are still checked live
		}
		return nil, nil, err
	}
	st = map[string]portal.AuthStrategy{}
	for _, s := range list {
		st[s.ID] = s
	}
	g.mu.Lock()
	g.apis, g.strategies, g.loaded, g.stale = apis, st, g.now(), false
	g.mu.Unlock()
	return apis, st, nil
}

// bounded runs fn with a deadline of d, and returns by then even if fn
// does not (a store that ignores its context): fn's late result is
// dropped.
func bounded[T any](ctx context.Context, d time.Duration, fn func(context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel() // after the answer is in hand: cancelling first could race it
	done := make(chan result, 1)
	go func() {
		v, err := fn(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		select {
		case r := <-done: // answered just in time
			return r.v, r.err
		default:
		}
		var zero T
		return zero, ctx.Err()
	}
}

// Invalidate makes the next request re-read the catalog (after a publish);
// if the store cannot be read, the catalog in hand serves a while longer.
func (g *Gate) Invalidate() {
	g.mu.Lock()
	g.stale = true
	g.mu.Unlock()
}

// API finds an API by id or slug (ref, named by the gateway's own
// configuration), by route (host, normalised with NormalizeHost, and the
// longest route prefix of path, normalised with NormalizePath), or both:
// then they must agree (ErrAPIMismatch otherwise). An API without an auth strategy is open (AuthStrategy.Type
// "none"); one whose strategy is unknown gets the default key_auth.
func (g *Gate) API(ctx context.Context, ref, host, path string) (portal.API, portal.AuthStrategy, error) {
	apis, st, err := g.catalog(ctx)
	if err != nil {
		return portal.API{}, portal.AuthStrategy{}, err
	}
	api, err := match(apis, ref, host, path)
	if err != nil {
		return api, portal.AuthStrategy{}, err
	}
	if api.AuthStrategyID == "" {
		return api, portal.AuthStrategy{Type: portal.AuthNone}, nil
	}
	s, ok := st[api.AuthStrategyID]
	if !ok {
		s = portal.DefaultAuthStrategy()
	}
	return api, s, nil
}

// Check decides a request's key for api. An API published with auth
// "none" is open here as in every front end; any other is checked.
func (g *Gate) Check(ctx context.Context, api portal.API, s portal.AuthStrategy, h http.Header, q url.Values) Decision {
	if s.Type == portal.AuthNone {
		return Decision{Status: http.StatusOK, Anonymous: true}
	}
	key, dup := keyFrom(h, q, s.KeyNames, s.KeyInQuery)
	if dup {
		return Decision{Status: http.StatusUnauthorized, Message: MsgDuplicate}
	}
	return g.V.Decide(ctx, api, key)
}

var anonymous = []string{"true"}

// Reasons of denials, in X-Portal-Reason: stable codes for a gateway's
// configuration (and logs) where the message is for people.
const (
	ReasonNoKey        = "no_key"
	ReasonInvalidKey   = "invalid_key"
	ReasonDuplicateKey = "duplicate_key"
	ReasonNotPermitted = "not_permitted" // valid key, refused for the API (a refusal of the store's rules has one of the five below)
	// A valid key refused for the API, by the rule that refused it.
	ReasonNotRegistered        = "not_registered"         // the key's application has no registration for the API
	ReasonRegistrationPending  = "registration_pending"   // registered, waiting for an administrator
	ReasonRegistrationRejected = "registration_rejected"  // an administrator rejected the registration
	ReasonRegistrationRevoked  = "registration_revoked"   // an administrator revoked the registration
	ReasonDeveloperNotApproved = "developer_not_approved" // the application's owner is pending, rejected or revoked
	ReasonNoConsumerRole       = "no_consumer_role"       // RBAC on, and no team of the owner holds API Consumer on the API
	ReasonUnavailable          = "unavailable"            // the store cannot be read: fail closed
	ReasonNoAPI                = "no_api"
	ReasonAPIMismatch          = "api_mismatch"
	ReasonBadPath              = "bad_path"
	ReasonBadHost              = "bad_host"
	ReasonDuplicateRoute       = "duplicate_route_header" // X-Portal-API, X-Forwarded-Uri/Host sent twice or disagreeing
)

// registrationReason is the reason of a refusal by a registration's status.
var registrationReason = map[portal.RegistrationStatus]string{
	portal.RegistrationPending:  ReasonRegistrationPending,
	portal.RegistrationRejected: ReasonRegistrationRejected,
	portal.RegistrationRevoked:  ReasonRegistrationRevoked,
}

// reason returns a denial's reason code.
func reason(d Decision) string {
	if d.Reason != "" {
		return d.Reason
	}
	switch d.Message {
	case MsgNoKey:
		return ReasonNoKey
	case MsgInvalid:
		return ReasonInvalidKey
	case MsgDuplicate:
		return ReasonDuplicateKey
	case MsgForbidden:
		return ReasonNotPermitted
	case MsgDown:
		return ReasonUnavailable
	}
	return ""
}

// headerSafe makes a message fit for a response header and, unescaped,
// for a JSON string: nginx renders Kong's body from X-Portal-Message with
// `return 401 '{"message":"$portal_message"}'`, which escapes nothing.
func headerSafe(msg string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r == '\\':
			return '/'
		case r < 0x20 || r >= 0x7f:
			return ' '
		}
		return r
	}, msg)
}

// WriteDecision answers a denial the way Kong's key-auth does, or sets the
// consumer headers of an allowed call. A denial also carries its message
// and reason in X-Portal-Message and X-Portal-Reason: nginx's auth_request
// passes a gateway only the status and headers, not the body.
func WriteDecision(w http.ResponseWriter, d Decision) {
	if d.Allowed() {
		h := w.Header()
		// Canonical names and values made once per decision: this runs on
		// every request.
		v := d.hdr
		if v == nil {
			v = &[3][]string{{d.ConsumerID}, {d.ApplicationID}, {d.CredentialID}}
		}
		if d.Anonymous {
			h["X-Anonymous-Consumer"] = anonymous
			return
		}
		h["X-Consumer-Id"] = v[0]
		h["X-Application-Id"] = v[1]
		h["X-Credential-Identifier"] = v[2]
		return
	}
	h := w.Header()
	if d.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Key realm="portal"`)
	}
	if d.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	h.Set("X-Portal-Message", headerSafe(d.Message))
	if r := reason(d); r != "" {
		h.Set("X-Portal-Reason", r)
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(d.Status)
	json.NewEncoder(w).Encode(map[string]string{"message": d.Message})
}

// ForwardAuth is the forward-auth endpoint (GET /validate, any method):
// nginx auth_request, Traefik ForwardAuth, Envoy ext_authz (HTTP) and
// Caddy forward_auth. The API comes from X-Portal-API, which the gateway's
// configuration must set (overwriting whatever the client sent), and from
// the forwarded host and URI (X-Forwarded-Host; X-Forwarded-Uri or
// X-Original-URI), normalised and matched against the catalog's routes;
// when both are present they must name the same API. A header sent twice,
// two forwarded URIs that disagree, or a path that cannot be normalised is
// a denial. The key comes from the request's headers, or from the
// forwarded URI's query when the strategy allows.
//
// Envoy's ext_authz (HTTP) sends no forwarded URI: it appends the
// request's path to its path_prefix and keeps its Host. So a request to
// /validate/<path> without a forwarded URI is checked for the path below
// /validate and the host of the request itself.
func (g *Gate) ForwardAuth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Canonical header names: no canonicalising on every request.
		ref, ok := single(r.Header["X-Portal-Api"])
		if !ok {
			deny(w, http.StatusForbidden, ReasonDuplicateRoute, "X-Portal-API is sent more than once; the gateway must set it once")
			return
		}
		uri, ok := forwardedURI(r.Header)
		if !ok {
			deny(w, http.StatusForbidden, ReasonDuplicateRoute, "X-Forwarded-Uri and X-Original-Uri disagree or are sent more than once; the gateway must set one")
			return
		}
		rawHost, ok := single(r.Header["X-Forwarded-Host"])
		if !ok {
			deny(w, http.StatusForbidden, ReasonDuplicateRoute, "X-Forwarded-Host is sent more than once; the gateway must set it once")
			return
		}
		if rest, below := strings.CutPrefix(r.URL.EscapedPath(), "/validate/"); below && uri == "" {
			uri = "/" + rest
			if r.URL.RawQuery != "" {
				uri += "?" + r.URL.RawQuery
			}
			if rawHost == "" {
				rawHost = r.Host
			}
		}
		host, err := NormalizeHost(rawHost)
		if err != nil {
			deny(w, http.StatusForbidden, ReasonBadHost, "X-Forwarded-Host is not one host name; the gateway must set it to the request's host")
			return
		}
		var path, rawQuery string
		if uri != "" {
			if path, rawQuery, err = splitURI(uri); err != nil {
				deny(w, http.StatusForbidden, ReasonBadPath, "The request path cannot be checked safely; it has an encoded slash, a backslash, a control character, a bad escape or dot segments above the root")
				return
			}
		}
		api, s, err := g.API(r.Context(), ref, host, path)
		switch {
		case err == ErrNoAPI:
			deny(w, http.StatusForbidden, ReasonNoAPI, "No API matches this request; set X-Portal-API in the gateway's configuration")
			return
		case err == ErrAPIMismatch:
			deny(w, http.StatusForbidden, ReasonAPIMismatch, "X-Portal-API names another API than the request's path routes to")
			return
		case err != nil:
			WriteDecision(w, Decision{Status: http.StatusServiceUnavailable, Message: MsgDown})
			return
		}
		// The query matters only where the strategy takes keys from it.
		var query url.Values
		if s.KeyInQuery && rawQuery != "" {
			if query, err = url.ParseQuery(rawQuery); err != nil {
				deny(w, http.StatusBadRequest, ReasonBadPath, "The forwarded query string cannot be parsed")
				return
			}
		}
		d := g.Check(r.Context(), api, s, r.Header, query)
		WriteDecision(w, d)
		if d.Allowed() {
			w.WriteHeader(http.StatusOK)
		}
	})
}

// single returns a header's one value; a header sent more than once is
// not single (a client's copy beside the gateway's).
func single(vs []string) (string, bool) {
	switch len(vs) {
	case 0:
		return "", true
	case 1:
		return vs[0], true
	}
	return "", false
}

// forwardedURI returns the request URI the gateway forwarded, from
// X-Forwarded-Uri (Traefik, Caddy) or X-Original-Uri (nginx's usual name);
// both may be set, but then to the same value.
func forwardedURI(h http.Header) (string, bool) {
	fw, ok1 := single(h["X-Forwarded-Uri"])
	orig, ok2 := single(h["X-Original-Uri"])
	if !ok1 || !ok2 || fw != "" && orig != "" && fw != orig {
		return "", false
	}
	if fw != "" {
		return fw, true
	}
	return orig, true
}

func deny(w http.ResponseWriter, status int, reason, msg string) {
	WriteDecision(w, Decision{Status: status, Reason: reason, Message: msg})
}

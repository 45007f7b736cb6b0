package validate

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
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
	done := make(chan result, 1)
	go func() {
		defer cancel()
		v, err := fn(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
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
// configuration), by the longest route prefix of path (normalised with
// NormalizePath), or both: then they must agree (ErrAPIMismatch
// otherwise). An API without an auth strategy is open (AuthStrategy.Type
// "none"); one whose strategy is unknown gets the default key_auth.
func (g *Gate) API(ctx context.Context, ref, path string) (portal.API, portal.AuthStrategy, error) {
	apis, st, err := g.catalog(ctx)
	if err != nil {
		return portal.API{}, portal.AuthStrategy{}, err
	}
	api, err := match(apis, ref, path)
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

// WriteDecision answers a denial the way Kong's key-auth does, or sets the
// consumer headers of an allowed call.
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
	if d.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Key realm="portal"`)
	}
	if d.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(d.Status)
	json.NewEncoder(w).Encode(map[string]string{"message": d.Message})
}

// ForwardAuth is the forward-auth endpoint (GET /validate, any method):
// nginx auth_request, Traefik ForwardAuth, Envoy ext_authz (HTTP) and
// Caddy forward_auth. The API comes from X-Portal-API, which the gateway's
// configuration must set (overwriting whatever the client sent), and from
// X-Forwarded-Uri or X-Original-URI, normalised and matched against the
// catalog's routes; when both are present they must name the same API.
// A header sent twice, two forwarded URIs that disagree, or a path that
// cannot be normalised is a denial. The key comes from the request's
// headers, or from the forwarded URI's query when the strategy allows.
func (g *Gate) ForwardAuth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Canonical header names: no canonicalising on every request.
		ref, ok := single(r.Header["X-Portal-Api"])
		if !ok {
			deny(w, http.StatusForbidden, "X-Portal-API is sent more than once; the gateway must set it once")
			return
		}
		uri, ok := forwardedURI(r.Header)
		if !ok {
			deny(w, http.StatusForbidden, "X-Forwarded-Uri and X-Original-Uri disagree or are sent more than once; the gateway must set one")
			return
		}
		var path, rawQuery string
		if uri != "" {
			var err error
			if path, rawQuery, err = splitURI(uri); err != nil {
				deny(w, http.StatusForbidden, "The request path cannot be checked safely; it has an encoded slash, a backslash, a control character, a bad escape or dot segments above the root")
				return
			}
		}
		api, s, err := g.API(r.Context(), ref, path)
		switch {
		case err == ErrNoAPI:
			deny(w, http.StatusForbidden, "No API matches this request; set X-Portal-API in the gateway's configuration")
			return
		case err == ErrAPIMismatch:
			deny(w, http.StatusForbidden, "X-Portal-API names another API than the request's path routes to")
			return
		case err != nil:
			WriteDecision(w, Decision{Status: http.StatusServiceUnavailable, Message: MsgDown})
			return
		}
		// The query matters only where the strategy takes keys from it.
		var query url.Values
		if s.KeyInQuery && rawQuery != "" {
			if query, err = url.ParseQuery(rawQuery); err != nil {
				deny(w, http.StatusBadRequest, "The forwarded query string cannot be parsed")
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

func deny(w http.ResponseWriter, status int, msg string) {
	WriteDecision(w, Decision{Status: status, Message: msg})
}

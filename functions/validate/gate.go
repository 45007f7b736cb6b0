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
	apis, err := g.cat.ListAPIs(ctx)
	if err != nil {
		if !loaded.IsZero() && g.now().Sub(loaded) < 10*g.ttl {
			return g.apis, g.strategies, nil // a stale catalog beats none; keys are still checked live
		}
		return nil, nil, err
	}
	list, err := g.cat.ListAuthStrategies(ctx)
	if err != nil {
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

// Invalidate makes the next request re-read the catalog (after a publish);
// if the store cannot be read, the catalog in hand serves a while longer.
func (g *Gate) Invalidate() {
	g.mu.Lock()
	g.stale = true
	g.mu.Unlock()
}

// API finds an API by id or slug, or by the longest route prefix that
// starts path.
func (g *Gate) API(ctx context.Context, ref, path string) (portal.API, portal.AuthStrategy, error) {
	apis, st, err := g.catalog(ctx)
	if err != nil {
		return portal.API{}, portal.AuthStrategy{}, err
	}
	var best portal.API
	for _, a := range apis {
		if ref != "" && (a.ID == ref || a.Slug == ref) {
			best = a
			break
		}
		if ref == "" && path != "" && a.RoutePrefix != "" && strings.HasPrefix(path, a.RoutePrefix) && len(a.RoutePrefix) > len(best.RoutePrefix) {
			best = a
		}
	}
	if best.ID == "" {
		return best, portal.AuthStrategy{}, ErrNoAPI
	}
	s, ok := st[best.AuthStrategyID]
	if !ok {
		s = portal.AuthStrategy{ID: portal.DefaultAuthStrategyID, Type: "key_auth", KeyNames: []string{"apikey"}}
	}
	return best, s, nil
}

// Check decides a request's key for api.
func (g *Gate) Check(ctx context.Context, api portal.API, s portal.AuthStrategy, h http.Header, q url.Values) Decision {
	key, dup := keyFrom(h, q, s.KeyNames, s.KeyInQuery)
	if dup {
		return Decision{Status: http.StatusUnauthorized, Message: MsgDuplicate}
	}
	return g.V.Decide(ctx, api, key)
}

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
// Caddy forward_auth. The API comes from X-Portal-API (set in the
// gateway's configuration), else from X-Forwarded-Uri (or X-Original-URI)
// matched against the catalog's routes; the key from the request's
// headers, or from the forwarded URI's query when the strategy allows.
func (g *Gate) ForwardAuth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Canonical header names: no canonicalising on every request.
		uri := r.Header.Get("X-Forwarded-Uri")
		if uri == "" {
			uri = r.Header.Get("X-Original-Uri")
		}
		var path string
		var query url.Values
		if uri != "" {
			if u, err := url.ParseRequestURI(uri); err == nil {
				path, query = u.Path, u.Query()
			}
		}
		api, s, err := g.API(r.Context(), r.Header.Get("X-Portal-Api"), path)
		switch {
		case err == ErrNoAPI:
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]string{"message": "No API matches this request; set X-Portal-API in the gateway's configuration"})
			return
		case err != nil:
			WriteDecision(w, Decision{Status: http.StatusServiceUnavailable, Message: MsgDown})
			return
		}
		d := g.Check(r.Context(), api, s, r.Header, query)
		WriteDecision(w, d)
		if d.Allowed() {
			w.WriteHeader(http.StatusOK)
		}
	})
}

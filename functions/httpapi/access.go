package httpapi

import (
	"context"
	"crypto/rand"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/portal-dev/portal/functions/access"
	"github.com/portal-dev/portal/functions/portal"
)

// The access cookie tells the gates in front of the static site (portal
// serve, a CloudFront Function, a Netlify Edge Function) what private
// content the developer may read. It is issued at login and reissued from
// the live session when an API call finds it older than accessRefresh, so
// a revocation, a removed role or a visibility change reaches the gates
// within the cookie's lifetime (Config.AccessTTL, at most 15 minutes).

// accessKeys gives the key that signs access cookies: Config.AccessKey
// when set (Netlify, where the edge reads it from the site's environment),
// else the store's, remembered for a minute so that a rotation spreads to
// every function instance within that.
type accessKeys struct {
	fixed []byte
	store portal.Store
	mu    sync.Mutex
	key   []byte
	at    time.Time
}

func (k *accessKeys) get(ctx context.Context, now time.Time) ([]byte, error) {
	if k.fixed != nil {
		return k.fixed, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key != nil && now.Sub(k.at) < time.Minute && now.Sub(k.at) >= 0 {
		return k.key, nil
	}
	candidate := make([]byte, 32)
	_, _ = rand.Read(candidate)
	key, err := k.store.AccessKey(ctx, candidate)
	if err != nil {
		return nil, err
	}
	k.key, k.at = key, now
	return key, nil
}

// AccessCookie is the name of the access cookie this server sets.
func (s *Server) AccessCookie() string {
	if s.cfg.SecureCookies {
		return access.SecureCookieName
	}
	return access.CookieName
}

// AccessKey returns the key that signs access cookies (for a gate in the
// same process, and for `portal deploy`, which copies it to the edge).
func (s *Server) AccessKey(ctx context.Context) ([]byte, error) {
	return s.keys.get(ctx, s.now())
}

// setAccess issues a fresh access cookie for developer d.
func (s *Server) setAccess(w http.ResponseWriter, r *http.Request, d portal.Developer) error {
	ctx := r.Context()
	st, err := s.EnsureSettings(ctx)
	if err != nil {
		return err
	}
	roles, err := s.store.ListDeveloperRoles(ctx, d.ID)
	if err != nil {
		return err
	}
	apis, err := s.store.ListAPIs(ctx)
	if err != nil {
		return err
	}
	slugs, pages := portal.Readable(st, d, roles, apis)
	key, err := s.AccessKey(ctx)
	if err != nil {
		return err
	}
	tok, err := access.Issue(key, access.Grant{Developer: d.ID, APIs: slugs, Pages: pages}, s.now(), s.cfg.AccessTTL)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.AccessCookie(), Value: tok, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.cfg.AccessTTL.Seconds()),
	})
	return nil
}

// accessStale reports whether the request's access cookie is missing,
// invalid, someone else's, or older than a third of its lifetime.
func (s *Server) accessStale(r *http.Request, d portal.Developer) bool {
	c, err := r.Cookie(s.AccessCookie())
	if err != nil {
		return true
	}
	key, err := s.AccessKey(r.Context())
	if err != nil {
		return true
	}
	now := s.now()
	g, iat, err := access.VerifyAt(key, c.Value, now)
	return err != nil || g.Developer != d.ID || now.Sub(iat) > s.cfg.AccessTTL/3
}

// syncAccess reissues the access cookie when the private APIs among
// visible (what the developer may read now) differ from what it grants.
func (s *Server) syncAccess(w http.ResponseWriter, r *http.Request, visible []portal.API) error {
	d := r.Context().Value(keyDeveloper).(portal.Developer)
	slugs := []string{}
	for _, a := range visible {
		if a.Visibility == portal.VisibilityPrivate {
			slugs = append(slugs, a.Slug)
		}
	}
	if c, err := r.Cookie(s.AccessCookie()); err == nil {
		if key, err := s.AccessKey(r.Context()); err == nil {
			if g, err := access.Verify(key, c.Value, s.now()); err == nil && g.Developer == d.ID && g.Pages && slices.Equal(g.APIs, slugs) {
				return nil
			}
		}
	}
	return s.setAccess(w, r, d)
}

func (s *Server) clearAccess(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.AccessCookie(), Value: "", Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// handleRefresh reissues the access cookie from the live session: the
// login page calls it when a gate sent the visitor there only because
// the cookie had expired.
func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request) {
	d := r.Context().Value(keyDeveloper).(portal.Developer)
	err := s.setAccess(w, r, d)
	s.writeNoContent(w, r, err)
}

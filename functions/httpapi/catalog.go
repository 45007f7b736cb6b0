package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/portal-dev/portal/functions/portal"
)

// devAPI is an API as a developer reads it: the catalog's fields and
// whether they may register applications to it (portal.MayConsume), so
// that a page offers only the APIs a registration can succeed for.
type devAPI struct {
	portal.API
	MayConsume bool `json:"may_consume"`
}

// visibleAPIs are the APIs a developer may see (portal.MayView), each with
// whether they may consume it (portal.MayConsume).
func (s *Server) visibleAPIs(r *http.Request) ([]devAPI, error) {
	ctx := r.Context()
	d := r.Context().Value(keyDeveloper).(portal.Developer)
	apis, err := s.store.ListAPIs(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.EnsureSettings(ctx)
	if err != nil {
		return nil, err
	}
	roles, err := s.store.ListDeveloperRoles(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	out := []devAPI{}
	for _, a := range apis {
		if portal.MayView(st, roles, a) {
			out = append(out, devAPI{API: a, MayConsume: portal.MayConsume(st, roles, a.ID)})
		}
	}
	return out, nil
}

func (s *Server) handleDevAPIs(w http.ResponseWriter, r *http.Request) {
	writeAll(s, w, r, func(context.Context) ([]devAPI, error) {
		apis, err := s.visibleAPIs(r)
		if err != nil {
			return nil, err
		}
		// The catalog page asks here: a private API listed must open, so the
		// access cookie follows this answer at once, not at its next refresh.
		plain := make([]portal.API, len(apis))
		for i, a := range apis {
			plain[i] = a.API
		}
		if err := s.syncAccess(w, r, plain); err != nil {
			return nil, err
		}
		return apis, nil
	})
}

func (s *Server) handleDevAPI(w http.ResponseWriter, r *http.Request) {
	apis, err := s.visibleAPIs(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ref := r.PathValue("idOrSlug")
	for _, a := range apis {
		if a.ID == ref || a.Slug == ref {
			writeJSON(w, http.StatusOK, a)
			return
		}
	}
	s.writeError(w, r, portal.Errorf(portal.ENotFound, "no API %q", ref))
}

// Management API.

func (s *Server) handleAdminAPIs(w http.ResponseWriter, r *http.Request) {
	writeAll(s, w, r, s.store.ListAPIs)
}

func (s *Server) handleAdminAPI(w http.ResponseWriter, r *http.Request) {
	a, err := s.store.GetAPI(r.Context(), r.PathValue("apiId"))
	if portal.IsCode(err, portal.ENotFound) {
		a, err = s.store.GetAPIBySlug(r.Context(), r.PathValue("apiId"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleListStrategies(w http.ResponseWriter, r *http.Request) {
	writeAll(s, w, r, s.store.ListAuthStrategies)
}

type strategyRequest struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Type        string `json:"strategy_type"`
	Configs     struct {
		KeyAuth struct {
			KeyNames   []string `json:"key_names"`
			TTL        int      `json:"ttl"`
			KeyInQuery bool     `json:"key_in_query"`
		} `json:"key-auth"`
	} `json:"configs"`
}

func (s *Server) handleCreateStrategy(w http.ResponseWriter, r *http.Request, req strategyRequest) {
	var bad []portal.FieldError
	if strings.TrimSpace(req.Name) == "" {
		bad = append(bad, portal.FieldError{Field: "name", Reason: "is required"})
	}
	if req.Type != "key_auth" {
		bad = append(bad, portal.FieldError{Field: "strategy_type", Reason: `must be "key_auth"`})
	}
	kn := req.Configs.KeyAuth.KeyNames
	if len(kn) == 0 {
		kn = []string{"apikey"}
	}
	for i, n := range kn {
		if !validHeaderName(n) {
			bad = append(bad, portal.FieldError{Field: "configs.key-auth.key_names[" + strconv.Itoa(i) + "]", Reason: "must be a header name (letters, digits, -, _)"})
		}
	}
	if req.Configs.KeyAuth.TTL < 0 {
		bad = append(bad, portal.FieldError{Field: "configs.key-auth.ttl", Reason: "must be 0 (no expiry) or a number of seconds"})
	}
	if err := invalid(bad...); err != nil {
		s.writeError(w, r, err)
		return
	}
	st := portal.AuthStrategy{ID: newID(), Name: req.Name, DisplayName: req.DisplayName, Type: "key_auth", KeyNames: kn, TTL: req.Configs.KeyAuth.TTL, KeyInQuery: req.Configs.KeyAuth.KeyInQuery, CreatedAt: s.now().UTC()}
	if st.DisplayName == "" {
		st.DisplayName = st.Name
	}
	if err := s.store.CreateAuthStrategy(r.Context(), st, s.event(actor(r), "auth_strategy.created", st.ID, nil)); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, st)
}

func validHeaderName(n string) bool {
	if n == "" || len(n) > 64 {
		return false
	}
	for _, c := range n {
		if !(c == '-' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

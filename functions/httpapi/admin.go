package httpapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portal-dev/portal/functions/portal"
)

// admin wraps a management handler: it needs a valid admin token
// (Authorization: Bearer) or an admin user's session (the admin cookie;
// its writes are same-origin, as Handler's CrossOriginProtection makes
// sure) and, for /v3/portals/{portalId}/…, this portal's id.
func (s *Server) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var ctx context.Context
		auth := r.Header.Get("Authorization")
		tok, bearer := strings.CutPrefix(auth, "Bearer ")
		c, cerr := r.Cookie(s.adminCookie())
		switch {
		case bearer && tok != "":
			t, err := s.store.GetAdminTokenByHash(r.Context(), hashSecret(strings.TrimSpace(tok)))
			if portal.IsCode(err, portal.ENotFound) || (err == nil && t.RevokedAt != nil) {
				s.writeError(w, r, portal.Errorf(portal.EUnauthorized, "the admin token is unknown or revoked"))
				return
			}
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			ctx = context.WithValue(r.Context(), keyAdmin, t)
		case auth == "" && cerr == nil && c.Value != "":
			u, err := s.adminSession(r, c)
			if err != nil {
				if portal.IsCode(err, portal.EUnauthorized) {
					s.clearAdminCookie(w)
				}
				s.writeError(w, r, err)
				return
			}
			ctx = context.WithValue(r.Context(), keyAdminUser, u)
		default:
			w.Header().Set("WWW-Authenticate", `Bearer realm="portal"`)
			s.writeError(w, r, portal.Errorf(portal.EUnauthorized, "log in at /admin/login/, or send an admin token: Authorization: Bearer <token> (create one with portal admin token create)"))
			return
		}
		if id := r.PathValue("portalId"); id != "" {
			st, err := s.EnsureSettings(ctx)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if id != st.ID && id != st.Name {
				s.writeError(w, r, portal.Errorf(portal.ENotFound, "no portal %q; GET /v3/portals lists it", id))
				return
			}
		}
		h(w, r.WithContext(ctx))
	}
}

// actor names who makes a change in the audit log: an admin user
// (admin-user:<id>) or an admin token (admin:<token id>).
func actor(r *http.Request) string {
	if u, ok := r.Context().Value(keyAdminUser).(portal.AdminUser); ok {
		return portal.ActorAdminUser + u.ID
	}
	if t, ok := r.Context().Value(keyAdmin).(portal.AdminToken); ok {
		return portal.ActorAdminToken + t.ID
	}
	return "system"
}

// list is the paginated list envelope of API.md.
type list[T any] struct {
	Data []T     `json:"data"`
	Meta listMet `json:"meta"`
}

type listMet struct {
	Page pageMeta `json:"page"`
}

type pageMeta struct {
	Number int `json:"number"`
	Size   int `json:"size"`
	Total  int `json:"total"`
}

// page reads page[size] and page[number].
func page(r *http.Request) (portal.Page, error) {
	var p portal.Page
	var bad []portal.FieldError
	for key, dst := range map[string]*int{"page[size]": &p.Size, "page[number]": &p.Number} {
		if v := r.URL.Query().Get(key); v != "" {
			n, err := strconv.Atoi(v)
			if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-") {
				bad = append(bad, portal.FieldError{Field: key, Reason: fmt.Sprintf("must be at most %d", math.MaxInt)})
			} else if err != nil || n < 1 {
				bad = append(bad, portal.FieldError{Field: key, Reason: "must be a positive whole number"})
				continue
			}
			*dst = n
		}
	}
	if p.Size > 100 {
		bad = append(bad, portal.FieldError{Field: "page[size]", Reason: "must be at most 100"})
	}
	return p.Normalize(), invalid(bad...)
}

func newList[T any](items []T, p portal.Page, total int) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Data: items, Meta: listMet{Page: pageMeta{Number: p.Number, Size: p.Size, Total: total}}}
}

// writePage answers the page of a list that the request's page[number] and
// page[size] ask for: read returns its items and the list's total.
func writePage[T any](s *Server, w http.ResponseWriter, r *http.Request, read func(context.Context, portal.Page) ([]T, int, error)) {
	p, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, total, err := read(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, p, total))
}

// writeAll answers a list that is never paged, all on one page.
func writeAll[T any](s *Server, w http.ResponseWriter, r *http.Request, read func(context.Context) ([]T, error)) {
	items, err := read(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, portal.Page{Number: 1, Size: max(len(items), 1)}, len(items)))
}

// Portal settings.

func (s *Server) handleListPortals(w http.ResponseWriter, r *http.Request) {
	st, err := s.EnsureSettings(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList([]portal.Settings{st}, portal.Page{Number: 1, Size: 20}, 1))
}

func (s *Server) handleGetPortal(w http.ResponseWriter, r *http.Request) {
	st, err := s.EnsureSettings(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, st)
}

// portalPatch holds the settings an admin may change; absent fields stay.
type portalPatch struct {
	DisplayName                      *string `json:"display_name"`
	AuthenticationEnabled            *bool   `json:"authentication_enabled"`
	RBACEnabled                      *bool   `json:"rbac_enabled"`
	AutoApproveDevelopers            *bool   `json:"auto_approve_developers"`
	AutoApproveApplications          *bool   `json:"auto_approve_applications"`
	DefaultAPIVisibility             *string `json:"default_api_visibility"`
	DefaultPageVisibility            *string `json:"default_page_visibility"`
	DefaultApplicationAuthStrategyID *string `json:"default_application_auth_strategy_id"`
}

func (s *Server) handlePatchPortal(w http.ResponseWriter, r *http.Request, req portalPatch) {
	var bad []portal.FieldError
	for field, v := range map[string]*string{"default_api_visibility": req.DefaultAPIVisibility, "default_page_visibility": req.DefaultPageVisibility} {
		if v != nil && *v != "public" && *v != "private" {
			bad = append(bad, portal.FieldError{Field: field, Reason: "must be public or private"})
		}
	}
	if req.DisplayName != nil {
		if reason := portal.CheckText(*req.DisplayName, 200, false, false); reason != "" {
			bad = append(bad, portal.FieldError{Field: "display_name", Reason: reason})
		}
	}
	ctx := r.Context()
	if id := req.DefaultApplicationAuthStrategyID; id != nil {
		if _, err := s.store.GetAuthStrategy(ctx, *id); portal.IsCode(err, portal.ENotFound) {
			bad = append(bad, portal.FieldError{Field: "default_application_auth_strategy_id", Reason: fmt.Sprintf("%q names no auth strategy; GET /v3/application-auth-strategies lists them", *id)})
		} else if err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if err := invalid(bad...); err != nil {
		s.writeError(w, r, err)
		return
	}
	// If-Match is optional here (a settings edit is not a decision on a
	// state, and older clients send none); when sent, the edit applies
	// only to the settings it was made on.
	var version int64
	if r.Header.Get("If-Match") != "" {
		v, err := decidedOn(r, "/v3/portals/{portalId}")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		version = v
	}
	var st portal.Settings
	stale := false
	err := reread(func() error {
		var err error
		st, err = s.EnsureSettings(ctx)
		if err != nil {
			return err
		}
		if version != 0 && st.Version != version {
			stale = true
			return nil
		}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		setB := func(dst *bool, v *bool) {
			if v != nil {
				*dst = *v
			}
		}
		set(&st.DisplayName, req.DisplayName)
		setB(&st.AuthenticationEnabled, req.AuthenticationEnabled)
		setB(&st.RBACEnabled, req.RBACEnabled)
		setB(&st.AutoApproveDevelopers, req.AutoApproveDevelopers)
		setB(&st.AutoApproveApplications, req.AutoApproveApplications)
		set(&st.DefaultAPIVisibility, req.DefaultAPIVisibility)
		set(&st.DefaultPageVisibility, req.DefaultPageVisibility)
		set(&st.DefaultApplicationAuthStrategyID, req.DefaultApplicationAuthStrategyID)
		st.UpdatedAt = s.now().UTC()
		st, err = s.store.PutSettings(ctx, st, s.event(actor(r), "portal.updated", st.ID, nil))
		if version != 0 && portal.IsCode(err, portal.EConflict) {
			// Another edit won since the read: the If-Match is stale now.
			if cur, gerr := s.store.GetSettings(ctx); gerr == nil {
				st, stale = cur, true
				return nil
			}
		}
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if stale {
		s.stale(w, r, st, st.Version, "the settings changed since you read them")
		return
	}
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, st)
}

// Developers.

func (s *Server) handleListDevelopers(w http.ResponseWriter, r *http.Request) {
	writePage(s, w, r, func(ctx context.Context, p portal.Page) ([]portal.Developer, int, error) {
		q := r.URL.Query()
		f := portal.DeveloperFilter{Query: q.Get("filter[q]"), EmailContains: q.Get("filter[email][contains]"), NameContains: q.Get("filter[full_name][contains]")}
		for _, param := range []string{"filter[q]", "filter[email][contains]", "filter[full_name][contains]"} {
			if utf8.RuneCountInString(q.Get(param)) > 200 {
				return nil, 0, invalid(portal.FieldError{Field: param, Reason: "must be at most 200 characters"})
			}
		}
		if v := q.Get("filter[status][eq]"); v != "" {
			f.Status = portal.DeveloperStatus(v)
			if !f.Status.Valid() {
				return nil, 0, invalid(portal.FieldError{Field: "filter[status][eq]", Reason: "must be pending, approved, rejected or revoked"})
			}
		}
		return s.store.ListDevelopers(ctx, f, p)
	})
}

// ref names a related object that has a name (an application, a team) in an answer.
type ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// developerView is one developer as GET shows it: with the teams they are
// in and the applications they created (the first 100; total in
// applications_total).
type developerView struct {
	portal.Developer
	Teams             []ref `json:"teams"`
	Applications      []ref `json:"applications"`
	ApplicationsTotal int   `json:"applications_total"`
}

func (s *Server) handleGetDeveloper(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, err := s.store.GetDeveloper(ctx, r.PathValue("developerId"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	teams, err := s.store.ListDeveloperTeams(ctx, d.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	apps, total, err := s.store.ListApplications(ctx, d.ID, portal.Page{Size: 100, Number: 1})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v := developerView{Developer: d, Teams: []ref{}, Applications: []ref{}, ApplicationsTotal: total}
	for _, t := range teams {
		v.Teams = append(v.Teams, ref{ID: t.ID, Name: t.Name})
	}
	for _, a := range apps {
		v.Applications = append(v.Applications, ref{ID: a.ID, Name: a.Name})
	}
	w.Header().Set("ETag", etag(d.Version))
	writeJSON(w, http.StatusOK, v)
}

type developerPatch struct {
	Status *portal.DeveloperStatus `json:"status"`
}

// mailForStatus names the mail a developer gets on reaching a status.
var mailForStatus = map[portal.DeveloperStatus]string{
	portal.StatusApproved: "account-access-approved",
	portal.StatusRejected: "account-access-rejected",
	portal.StatusRevoked:  "account-access-revoked",
}

func (s *Server) handlePatchDeveloper(w http.ResponseWriter, r *http.Request, req developerPatch) {
	ctx := r.Context()
	id := r.PathValue("developerId")
	if req.Status == nil {
		d, err := s.store.GetDeveloper(ctx, id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("ETag", etag(d.Version))
		writeJSON(w, http.StatusOK, d)
		return
	}
	to := *req.Status
	allowed, ok := portal.Transitions[to]
	if !ok || len(allowed) == 0 {
		s.writeError(w, r, invalid(portal.FieldError{Field: "status", Reason: "must be approved, rejected or revoked"}))
		return
	}
	version, err := decidedOn(r, "/v3/portals/{portalId}/developers/"+id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cur, err := s.store.GetDeveloper(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if cur.Version != version {
		s.stale(w, r, cur, cur.Version, "the developer changed since you read it (now "+string(cur.Status)+")")
		return
	}
	// The change applies only from the status it was decided on: of two
	// racing decisions made on one state, one wins.
	if !slices.Contains(allowed, cur.Status) {
		s.stale(w, r, cur, cur.Version, "a developer who is "+string(cur.Status)+" cannot become "+string(to))
		return
	}
	d, err := s.store.SetDeveloperStatus(ctx, id, []portal.DeveloperStatus{cur.Status}, to, s.event(actor(r), "developer.status_changed", id, map[string]string{"to": string(to)}))
	if portal.IsCode(err, portal.EPrecondition) {
		if now, gerr := s.store.GetDeveloper(ctx, id); gerr == nil {
			s.stale(w, r, now, now.Version, "the developer changed since you read it (now "+string(now.Status)+")")
			return
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(d.Version))
	if to == portal.StatusRevoked || to == portal.StatusRejected {
		if err := s.store.DeleteDeveloperSessions(ctx, id, ""); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	// Only the call that changed the status reaches here, so each change
	// sends one mail.
	if err := s.mailTo(ctx, developerRecipient(d), mailForStatus[to], s.cfg.BaseURL+"/"); err != nil {
		s.log.WarnContext(ctx, "status mail not sent", "developer", id, "err", err)
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleDeleteDeveloper(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("developerId")
	err := s.store.DeleteDeveloper(r.Context(), id, s.event(actor(r), "developer.deleted", id, nil))
	s.writeNoContent(w, r, err)
}

// CreateAdminToken makes a new admin token, stores its hash, and returns
// the token (shown once) with its record.
func CreateAdminToken(ctx context.Context, store portal.Store, name string, now time.Time) (string, portal.AdminToken, error) {
	raw, _ := secret()
	tok := "pat_" + raw // a recognisable prefix for secret scanners
	hash := hashSecret(tok)
	t := portal.AdminToken{ID: newID(), Name: name, Hash: hash, CreatedAt: now.UTC()}
	ev := portal.AuditEvent{ID: newID(), At: now.UTC(), Actor: "cli", Action: "admin_token.created", Subject: t.ID}
	if err := store.CreateAdminToken(ctx, t, ev); err != nil {
		return "", t, err
	}
	return tok, t, nil
}

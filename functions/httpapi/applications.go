package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/portal-dev/portal/functions/portal"
)

type ctxApp struct{}

// A developer gets one answer, 404 with one text, for an object that is
// someone else's and for one that does not exist: any difference would let
// them probe which ids exist. The texts are written here, and every
// not-found on the developer's side of an application goes through them.
func noApplication(id string) error {
	return portal.Errorf(portal.ENotFound, "no application %q among yours; GET /api/v3/applications lists them", id)
}

// asNotFound replaces a not-found error, whatever its text, with
// notFound; other errors pass.
func asNotFound(err, notFound error) error {
	if portal.IsCode(err, portal.ENotFound) {
		return notFound
	}
	return err
}

// ownApp loads an application of the caller's, or of a team of theirs;
// anyone else's is 404, never 403, and the same 404 as an unknown id.
func (s *Server) ownApp(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d := r.Context().Value(keyDeveloper).(portal.Developer)
		id := r.PathValue("appId")
		a, err := s.store.GetApplication(r.Context(), id)
		err = asNotFound(err, noApplication(id))
		if err == nil && a.DeveloperID != d.ID {
			ok := false
			if a.TeamID != "" {
				var teams []portal.Team
				teams, err = s.store.ListDeveloperTeams(r.Context(), d.ID)
				for _, t := range teams {
					ok = ok || t.ID == a.TeamID && t.CanOwnApplications
				}
			}
			if err == nil && !ok {
				err = noApplication(id)
			}
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r.WithContext(contextWith(r, ctxApp{}, a)))
	}
}

type appRequest struct {
	Name           *string `json:"name"`
	Description    *string `json:"description"`
	AuthStrategyID *string `json:"auth_strategy_id"`
	// TeamID shares the application with a team of the caller's that may
	// own applications.
	TeamID *string `json:"team_id"`
}

func (s *Server) handleListApps(w http.ResponseWriter, r *http.Request) {
	d := r.Context().Value(keyDeveloper).(portal.Developer)
	writePage(s, w, r, func(ctx context.Context, p portal.Page) ([]portal.Application, int, error) {
		apps, total, err := s.store.ListApplications(ctx, d.ID, p)
		if err != nil {
			return nil, 0, err
		}
		// On the first page, the applications the caller's teams share.
		if p.Number == 1 {
			teams, err := s.store.ListDeveloperTeams(ctx, d.ID)
			if err != nil {
				return nil, 0, err
			}
			for _, t := range teams {
				if !t.CanOwnApplications {
					continue
				}
				shared, err := s.store.ListTeamApplications(ctx, t.ID)
				if err != nil {
					return nil, 0, err
				}
				for _, a := range shared {
					if a.DeveloperID != d.ID {
						apps = append(apps, a)
						total++
					}
				}
			}
		}
		return apps, total, nil
	})
}

func (s *Server) handleCreateApp(w http.ResponseWriter, r *http.Request, req appRequest) {
	if err := checkNameAndDescription(req.Name, req.Description, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	d := ctx.Value(keyDeveloper).(portal.Developer)
	st, err := s.EnsureSettings(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	strategy := st.DefaultApplicationAuthStrategyID
	if strategy == "" {
		strategy = portal.DefaultAuthStrategyID
	}
	if req.AuthStrategyID != nil && *req.AuthStrategyID != "" {
		strategy = *req.AuthStrategyID
	}
	if _, err := s.store.GetAuthStrategy(ctx, strategy); err != nil {
		if portal.IsCode(err, portal.ENotFound) {
			err = invalid(portal.FieldError{Field: "auth_strategy_id", Reason: "no such application auth strategy"})
		}
		s.writeError(w, r, err)
		return
	}
	now := s.now().UTC()
	a := portal.Application{ID: newID(), Name: strings.TrimSpace(*req.Name), DeveloperID: d.ID, AuthStrategyID: strategy, CreatedAt: now, UpdatedAt: now}
	if req.TeamID != nil && *req.TeamID != "" {
		teams, err := s.store.ListDeveloperTeams(ctx, d.ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, t := range teams {
			if t.ID == *req.TeamID && t.CanOwnApplications {
				a.TeamID = t.ID
			}
		}
		if a.TeamID == "" {
			s.writeError(w, r, invalid(portal.FieldError{Field: "team_id", Reason: "must be a team you belong to that may own applications"}))
			return
		}
	}
	if req.Description != nil {
		a.Description = *req.Description
	}
	if err := s.store.CreateApplication(ctx, a, s.event("developer:"+d.ID, "application.created", a.ID, map[string]string{"name": a.Name})); err != nil {
		if portal.IsCode(err, portal.EPrecondition) {
			err = portal.Errorf(portal.EPrecondition, "you have %d applications, the most a developer may have; delete one first", portal.MaxApplicationsPerDeveloper)
		}
		s.writeError(w, r, err)
		return
	}
	a.Version = 1
	writeJSON(w, http.StatusCreated, a)
}

func appOf(r *http.Request) portal.Application {
	return r.Context().Value(ctxApp{}).(portal.Application)
}

// writeAppList answers, all on one page, the list of the path's
// application's objects that read returns.
func writeAppList[T any](s *Server, w http.ResponseWriter, r *http.Request, read func(ctx context.Context, appID string) ([]T, error)) {
	id := appOf(r).ID
	writeAll(s, w, r, func(ctx context.Context) ([]T, error) {
		items, err := read(ctx, id)
		return items, asNotFound(err, noApplication(id))
	})
}

func (s *Server) handleGetApp(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, appOf(r))
}

func (s *Server) handlePatchApp(w http.ResponseWriter, r *http.Request, req appRequest) {
	if err := checkNameAndDescription(req.Name, req.Description, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.AuthStrategyID != nil || req.TeamID != nil {
		field := "auth_strategy_id"
		if req.TeamID != nil {
			field = "team_id"
		}
		s.writeError(w, r, invalid(portal.FieldError{Field: field, Reason: "cannot change after creation"}))
		return
	}
	a := appOf(r)
	if req.Name != nil {
		a.Name = strings.TrimSpace(*req.Name)
	}
	if req.Description != nil {
		a.Description = *req.Description
	}
	a.UpdatedAt = s.now().UTC()
	a, err := s.store.UpdateApplication(r.Context(), a, s.event("developer:"+a.DeveloperID, "application.updated", a.ID, nil))
	if err != nil {
		s.writeError(w, r, asNotFound(err, noApplication(a.ID)))
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleDeleteApp(w http.ResponseWriter, r *http.Request) {
	a := appOf(r)
	err := s.store.DeleteApplication(r.Context(), a.ID, s.event("developer:"+a.DeveloperID, "application.deleted", a.ID, nil))
	s.writeNoContent(w, r, asNotFound(err, noApplication(a.ID)))
}

// adminApp is an application as admins see it: with its owner, by id and
// by name (names.go).
type adminApp struct {
	portal.Application
	DeveloperID string        `json:"developer_id"`
	Developer   *developerRef `json:"developer"`
	Team        *ref          `json:"team,omitempty"`
}

func (s *Server) handleAdminApps(w http.ResponseWriter, r *http.Request) {
	writePage(s, w, r, func(ctx context.Context, p portal.Page) ([]adminApp, int, error) {
		apps, total, err := s.store.ListAllApplications(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		devs, teams, err := s.owners(ctx, apps)
		if err != nil {
			return nil, 0, err
		}
		out := make([]adminApp, len(apps))
		for i, a := range apps {
			d, ok := devs[a.DeveloperID]
			out[i] = adminApp{Application: a, DeveloperID: a.DeveloperID, Developer: refDeveloper(d, ok)}
			if a.TeamID != "" {
				t, ok := teams[a.TeamID]
				out[i].Team = refTeam(t, ok)
			}
		}
		return out, total, nil
	})
}

package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/portal-dev/portal/functions/portal"
)

type teamRequest struct {
	Name               *string `json:"name"`
	Description        *string `json:"description"`
	CanOwnApplications *bool   `json:"can_own_applications"`
}

func (s *Server) handleListTeams(w http.ResponseWriter, r *http.Request) {
	writePage(s, w, r, s.store.ListTeams)
}

func (s *Server) handleCreateTeam(w http.ResponseWriter, r *http.Request, req teamRequest) {
	if err := checkNameAndDescription(req.Name, req.Description, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now().UTC()
	t := portal.Team{ID: newID(), Name: strings.TrimSpace(*req.Name), CreatedAt: now, UpdatedAt: now}
	if req.Description != nil {
		t.Description = *req.Description
	}
	if req.CanOwnApplications != nil {
		t.CanOwnApplications = *req.CanOwnApplications
	}
	if err := s.store.CreateTeam(r.Context(), t, s.event(actor(r), "team.created", t.ID, map[string]string{"name": t.Name})); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) handleGetTeam(w http.ResponseWriter, r *http.Request) {
	t, err := s.store.GetTeam(r.Context(), r.PathValue("teamId"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) handlePatchTeam(w http.ResponseWriter, r *http.Request, req teamRequest) {
	if err := checkNameAndDescription(req.Name, req.Description, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	var t portal.Team
	update := func() error {
		var err error
		t, err = s.store.GetTeam(ctx, r.PathValue("teamId"))
		if err != nil {
			return err
		}
		if req.Name != nil {
			t.Name = strings.TrimSpace(*req.Name)
		}
		if req.Description != nil {
			t.Description = *req.Description
		}
		if req.CanOwnApplications != nil {
			t.CanOwnApplications = *req.CanOwnApplications
		}
		t.UpdatedAt = s.now().UTC()
		t, err = s.store.UpdateTeam(ctx, t, s.event(actor(r), "team.updated", t.ID, nil))
		return err
	}
	var err error
	if req.Name != nil {
		err = update() // a name clash (Conflict too) is the caller's to fix
	} else {
		err = reread(update)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) handleDeleteTeam(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("teamId")
	err := s.store.DeleteTeam(r.Context(), id, s.event(actor(r), "team.deleted", id, nil))
	s.writeNoContent(w, r, err)
}

func (s *Server) handleListMembers(w http.ResponseWriter, r *http.Request) {
	writePage(s, w, r, func(ctx context.Context, p portal.Page) ([]portal.Developer, int, error) {
		return s.store.ListTeamMembers(ctx, r.PathValue("teamId"), p)
	})
}

type memberRequest struct {
	ID string `json:"id"`
}

func (s *Server) handleAddMember(w http.ResponseWriter, r *http.Request, req memberRequest) {
	if req.ID == "" {
		s.writeError(w, r, invalid(portal.FieldError{Field: "id", Reason: "the developer's id is required"}))
		return
	}
	team := r.PathValue("teamId")
	if err := s.store.AddTeamMember(r.Context(), team, req.ID, s.event(actor(r), "team.member_added", team, map[string]string{"developer": req.ID})); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) handleRemoveMember(w http.ResponseWriter, r *http.Request) {
	team, dev := r.PathValue("teamId"), r.PathValue("developerId")
	err := s.store.RemoveTeamMember(r.Context(), team, dev, s.event(actor(r), "team.member_removed", team, map[string]string{"developer": dev}))
	s.writeNoContent(w, r, err)
}

type roleRequest struct {
	RoleName       string `json:"role_name"`
	EntityID       string `json:"entity_id"`
	EntityTypeName string `json:"entity_type_name"`
	EntityRegion   string `json:"entity_region"`
}

func (s *Server) handleListRoles(w http.ResponseWriter, r *http.Request) {
	writeAll(s, w, r, func(ctx context.Context) ([]adminRole, error) {
		team := r.PathValue("teamId")
		if _, err := s.store.GetTeam(ctx, team); err != nil {
			return nil, err
		}
		rs, err := s.store.ListTeamRoles(ctx, team)
		if err != nil {
			return nil, err
		}
		return s.nameRoles(ctx, rs)
	})
}

func (s *Server) handleAssignRole(w http.ResponseWriter, r *http.Request, req roleRequest) {
	var bad []portal.FieldError
	if req.RoleName != portal.RoleAPIViewer && req.RoleName != portal.RoleAPIConsumer {
		bad = append(bad, portal.FieldError{Field: "role_name", Reason: `must be "API Viewer" or "API Consumer"`})
	}
	if req.EntityID == "" {
		bad = append(bad, portal.FieldError{Field: "entity_id", Reason: "the API's id is required"})
	}
	if req.EntityTypeName == "" {
		req.EntityTypeName = "APIs"
	}
	if req.EntityTypeName != "APIs" && req.EntityTypeName != "Services" {
		bad = append(bad, portal.FieldError{Field: "entity_type_name", Reason: `must be "APIs" or "Services"`})
	}
	if err := invalid(bad...); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.EntityRegion == "" {
		req.EntityRegion = "*"
	}
	// A role names a published API, by id or slug, whichever type name
	// (Konnect's "Services" for API products) the caller uses: the access
	// rules (portal.HoldsRole, MayView) match the entity id against the
	// API's id, so a typo or a slug stored as such would be a role that
	// grants nothing and says nothing.
	api, err := s.findAPI(r.Context(), req.EntityID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req.EntityID = api.ID
	team := r.PathValue("teamId")
	ra := portal.RoleAssignment{ID: newID(), TeamID: team, RoleName: req.RoleName, EntityID: req.EntityID,
		EntityTypeName: req.EntityTypeName, EntityRegion: req.EntityRegion, CreatedAt: s.now().UTC()}
	if err := s.store.AssignRole(r.Context(), ra, s.event(actor(r), "team.role_assigned", team, map[string]string{"role": ra.RoleName, "entity": ra.EntityID})); err != nil {
		if portal.IsCode(err, portal.EConflict) {
			err = portal.Errorf(portal.EConflict, "the team already has %s on %s", ra.RoleName, api.Name)
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, adminRole{RoleAssignment: ra, API: refAPI(api, true)})
}

// findAPI finds a published API by id or slug; an unknown one is a 400
// that says where to look.
func (s *Server) findAPI(ctx context.Context, ref string) (portal.API, error) {
	apis, err := s.store.ListAPIs(ctx)
	if err != nil {
		return portal.API{}, err
	}
	for _, a := range apis {
		if a.ID == ref || a.Slug == ref {
			return a, nil
		}
	}
	return portal.API{}, invalid(portal.FieldError{Field: "entity_id", Reason: fmt.Sprintf("%q names no published API; give a published API's id or slug (portal admin apis list, or GET /v3/apis)", ref)})
}

func (s *Server) handleRemoveRole(w http.ResponseWriter, r *http.Request) {
	team, id := r.PathValue("teamId"), r.PathValue("roleId")
	err := s.store.RemoveRole(r.Context(), team, id, s.event(actor(r), "team.role_removed", team, map[string]string{"assignment": id}))
	s.writeNoContent(w, r, err)
}

package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/portal"
)

func (s *Server) handleListRegs(w http.ResponseWriter, r *http.Request) {
	writeAppList(s, w, r, s.store.ListRegistrations)
}

type regRequest struct {
	APIID string `json:"api_id"`
}

func (s *Server) handleCreateReg(w http.ResponseWriter, r *http.Request, req regRequest) {
	if req.APIID == "" {
		s.writeError(w, r, invalid(portal.FieldError{Field: "api_id", Reason: "the API's id is required (GET /api/v3/apis)"}))
		return
	}
	ctx := r.Context()
	a := appOf(r)
	apis, err := s.visibleAPIs(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var api portal.API
	for _, x := range apis {
		if x.ID == req.APIID || x.Slug == req.APIID {
			api = x.API
		}
	}
	if api.ID == "" {
		s.writeError(w, r, portal.Errorf(portal.ENotFound, "no API %q", req.APIID))
		return
	}
	st, err := s.EnsureSettings(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if st.RBACEnabled {
		roles, err := s.store.ListDeveloperRoles(ctx, a.DeveloperID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !portal.MayConsume(st, roles, api.ID) {
			s.writeError(w, r, portal.Errorf(portal.EForbidden, "registering to %s needs the API Consumer role on it; ask an administrator to add you to a team that has it", api.Name))
			return
		}
	}
	now := s.now().UTC()
	reg := portal.Registration{ID: newID(), ApplicationID: a.ID, APIID: api.ID, Status: portal.InitialRegistrationStatus(st, api), CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateRegistration(ctx, reg, s.event("developer:"+a.DeveloperID, "registration.created", reg.ID, map[string]string{"application": a.ID, "api": api.ID, "status": string(reg.Status)})); err != nil {
		if portal.IsCode(err, portal.EConflict) {
			err = portal.Errorf(portal.EConflict, "this application is already registered to %s", api.Name)
		}
		s.writeError(w, r, err)
		return
	}
	reg.Version = 1
	writeJSON(w, http.StatusCreated, reg)
}

func (s *Server) handleAdminRegs(w http.ResponseWriter, r *http.Request) {
	writePage(s, w, r, func(ctx context.Context, p portal.Page) ([]adminRegistration, int, error) {
		status := portal.RegistrationStatus(r.URL.Query().Get("filter[status][eq]"))
		switch status {
		case "", portal.RegistrationPending, portal.RegistrationApproved, portal.RegistrationRejected, portal.RegistrationRevoked:
		default:
			return nil, 0, invalid(portal.FieldError{Field: "filter[status][eq]", Reason: "must be pending, approved, rejected or revoked"})
		}
		regs, total, err := s.store.ListAllRegistrations(ctx, status, p)
		if err != nil {
			return nil, 0, err
		}
		named, err := s.nameRegistrations(ctx, regs)
		return named, total, err
	})
}

type regPatch struct {
	Status *portal.RegistrationStatus `json:"status"`
}

var mailForRegistration = map[portal.RegistrationStatus]string{
	portal.RegistrationApproved: mail.AppRegistrationApproved,
	portal.RegistrationRejected: mail.AppRegistrationRejected,
	portal.RegistrationRevoked:  mail.AppRegistrationRevoked,
}

// adminReg reads the registration of the path: …/application-registrations/{registrationId},
// or …/applications/{appId}/registrations/{registrationId}, on the path's
// application.
func (s *Server) adminReg(r *http.Request) (portal.Registration, error) {
	id, app := r.PathValue("registrationId"), r.PathValue("appId")
	reg, err := s.store.GetRegistration(r.Context(), id)
	if portal.IsCode(err, portal.ENotFound) {
		err = portal.Errorf(portal.ENotFound, "no registration %q; portal admin registrations list (GET /v3/portals/{portalId}/application-registrations) lists them", id)
	}
	if err == nil && app != "" && reg.ApplicationID != app {
		err = portal.Errorf(portal.ENotFound, "no registration %q on application %q", id, app)
	}
	return reg, err
}

func (s *Server) handleGetReg(w http.ResponseWriter, r *http.Request) {
	reg, err := s.adminReg(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	named, err := s.nameRegistration(r.Context(), reg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(reg.Version))
	writeJSON(w, http.StatusOK, named)
}

func (s *Server) handlePatchReg(w http.ResponseWriter, r *http.Request, req regPatch) {
	if req.Status == nil {
		s.writeError(w, r, invalid(portal.FieldError{Field: "status", Reason: "is required: approved, rejected or revoked"}))
		return
	}
	from, ok := portal.RegistrationTransitions[*req.Status]
	if !ok {
		s.writeError(w, r, invalid(portal.FieldError{Field: "status", Reason: "must be approved, rejected or revoked"}))
		return
	}
	ctx := r.Context()
	version, err := decidedOn(r, r.URL.Path)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reg, err := s.adminReg(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if reg.Version != version {
		s.stale(w, r, reg, reg.Version, "the registration changed since you read it (now "+string(reg.Status)+")")
		return
	}
	// As for developers: the change applies only from the status it was
	// decided on.
	if !slices.Contains(from, reg.Status) {
		s.stale(w, r, reg, reg.Version, "a registration that is "+string(reg.Status)+" cannot become "+string(*req.Status))
		return
	}
	reg, err = s.store.SetRegistrationStatus(ctx, reg.ID, []portal.RegistrationStatus{reg.Status}, *req.Status, s.event(actor(r), "registration.status_changed", reg.ID, map[string]string{"to": string(*req.Status)}))
	if portal.IsCode(err, portal.EPrecondition) {
		if now, gerr := s.store.GetRegistration(ctx, r.PathValue("registrationId")); gerr == nil {
			s.stale(w, r, now, now.Version, "the registration changed since you read it (now "+string(now.Status)+")")
			return
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(reg.Version))
	// The change is made: a failed read of the names costs the answer its
	// names and the owner the mail, not the admin a 500 for a done deed.
	named, err := s.nameRegistration(ctx, reg)
	if err != nil {
		s.log.WarnContext(ctx, "registration names not read", "registration", reg.ID, "err", err)
	}
	// One mail per change, to the application's owner.
	if d, a := named.Developer, named.Application; d != nil && a != nil {
		var apiName string
		if named.API != nil {
			apiName = named.API.Name
		}
		if err := s.mail.Send(ctx, d.Email, mailForRegistration[*req.Status], mail.Data{FullName: d.FullName, Email: d.Email, APIName: apiName, ApplicationName: a.Name, Link: s.cfg.BaseURL + "/apps/app/?id=" + url.QueryEscape(a.ID)}); err != nil {
			s.log.WarnContext(ctx, "registration mail not sent", "registration", reg.ID, "err", err)
		}
	}
	writeJSON(w, http.StatusOK, named)
}

package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portal-dev/portal/functions/apikey"
	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/portal"
)

// appRoutes adds applications, registrations, credentials and the catalog.
func (s *Server) appRoutes(m *http.ServeMux) {
	// Developer API.
	m.HandleFunc("GET /api/v3/apis", s.developer(s.handleDevAPIs))
	m.HandleFunc("GET /api/v3/apis/{idOrSlug}", s.developer(s.handleDevAPI))
	m.HandleFunc("GET /api/v3/applications", s.developer(s.handleListApps))
	m.HandleFunc("POST /api/v3/applications", s.developer(s.handleCreateApp))
	m.HandleFunc("GET /api/v3/applications/{appId}", s.developer(s.ownApp(s.handleGetApp)))
	m.HandleFunc("PATCH /api/v3/applications/{appId}", s.developer(s.ownApp(s.handlePatchApp)))
	m.HandleFunc("DELETE /api/v3/applications/{appId}", s.developer(s.ownApp(s.handleDeleteApp)))
	m.HandleFunc("GET /api/v3/applications/{appId}/registrations", s.developer(s.ownApp(s.handleListRegs)))
	m.HandleFunc("POST /api/v3/applications/{appId}/registrations", s.developer(s.ownApp(s.handleCreateReg)))
	m.HandleFunc("GET /api/v3/applications/{appId}/credentials", s.developer(s.ownApp(s.handleListCreds)))
	m.HandleFunc("POST /api/v3/applications/{appId}/credentials", s.developer(s.ownApp(s.handleCreateCred)))
	m.HandleFunc("DELETE /api/v3/applications/{appId}/credentials/{credentialId}", s.developer(s.ownApp(s.handleDeleteCred)))
	m.HandleFunc("POST /api/v3/applications/{appId}/credentials/{credentialId}/rotate", s.developer(s.ownApp(s.handleRotateCred)))

	// Management API.
	m.HandleFunc("GET /v3/apis", s.admin(s.handleAdminAPIs))
	m.HandleFunc("GET /v3/apis/{apiId}", s.admin(s.handleAdminAPI))
	m.HandleFunc("GET /v3/application-auth-strategies", s.admin(s.handleListStrategies))
	m.HandleFunc("POST /v3/application-auth-strategies", s.admin(s.handleCreateStrategy))
	m.HandleFunc("GET /v3/portals/{portalId}/applications", s.admin(s.handleAdminApps))
	m.HandleFunc("GET /v3/portals/{portalId}/application-registrations", s.admin(s.handleAdminRegs))
	m.HandleFunc("GET /v3/portals/{portalId}/applications/{appId}/registrations/{registrationId}", s.admin(s.handleGetReg))
	m.HandleFunc("PATCH /v3/portals/{portalId}/applications/{appId}/registrations/{registrationId}", s.admin(s.handlePatchReg))
}

type ctxApp struct{}

// A developer gets one answer, 404 with one text, for an object that is
// someone else's and for one that does not exist: any difference would let
// them probe which ids exist. The texts are written here, and every
// not-found on the developer's side of an application goes through them.
func noApplication(id string) error {
	return portal.Errorf(portal.ENotFound, "no application %q among yours; GET /api/v3/applications lists them", id)
}

func noCredential(appID, id string) error {
	return portal.Errorf(portal.ENotFound, "no credential %q on application %q; GET /api/v3/applications/%s/credentials lists them", id, appID, appID)
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
		a, err := s.apps.GetApplication(r.Context(), id)
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

// visibleAPIs are the APIs a developer may see: public ones, and with RBAC
// on only those where a team of theirs holds a role; private ones only
// through a role.
func (s *Server) visibleAPIs(r *http.Request) ([]portal.API, error) {
	ctx := r.Context()
	d := r.Context().Value(keyDeveloper).(portal.Developer)
	apis, err := s.apps.ListAPIs(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.EnsureSettings(ctx)
	if err != nil {
		return nil, err
	}
	roles, err := s.apps.ListDeveloperRoles(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	var out []portal.API
	for _, a := range apis {
		if portal.MayView(st, roles, a) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *Server) handleDevAPIs(w http.ResponseWriter, r *http.Request) {
	apis, err := s.visibleAPIs(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The catalog page asks here: a private API listed must open, so the
	// access cookie follows this answer at once, not at its next refresh.
	if err := s.syncAccess(w, r, apis); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(apis, portal.Page{Number: 1, Size: max(len(apis), 1)}, len(apis)))
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

type appRequest struct {
	Name           *string `json:"name"`
	Description    *string `json:"description"`
	AuthStrategyID *string `json:"auth_strategy_id"`
	// TeamID shares the application with a team of the caller's that may
	// own applications.
	TeamID *string `json:"team_id"`
}

func checkApp(req appRequest, create bool) error {
	var bad []portal.FieldError
	if create || req.Name != nil {
		if req.Name == nil || strings.TrimSpace(*req.Name) == "" || utf8.RuneCountInString(*req.Name) > 100 {
			bad = append(bad, portal.FieldError{Field: "name", Reason: "must be 1 to 100 characters"})
		}
	}
	if req.Description != nil && utf8.RuneCountInString(*req.Description) > 1000 {
		bad = append(bad, portal.FieldError{Field: "description", Reason: "must be at most 1000 characters"})
	}
	return invalid(bad...)
}

func (s *Server) handleListApps(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	d := ctx.Value(keyDeveloper).(portal.Developer)
	apps, total, err := s.apps.ListApplications(ctx, d.ID, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// On the first page, the applications the caller's teams share.
	if p.Number == 1 {
		teams, err := s.store.ListDeveloperTeams(ctx, d.ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, t := range teams {
			if !t.CanOwnApplications {
				continue
			}
			shared, err := s.apps.ListTeamApplications(ctx, t.ID)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			for _, a := range shared {
				if a.DeveloperID != d.ID {
					apps = append(apps, a)
					total++
				}
			}
		}
	}
	writeJSON(w, http.StatusOK, newList(apps, p, total))
}

func (s *Server) handleCreateApp(w http.ResponseWriter, r *http.Request) {
	var req appRequest
	if err := s.decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkApp(req, true); err != nil {
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
	if _, err := s.apps.GetAuthStrategy(ctx, strategy); err != nil {
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
	if err := s.apps.CreateApplication(ctx, a, s.event("developer:"+d.ID, "application.created", a.ID, map[string]string{"name": a.Name})); err != nil {
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

func (s *Server) handleGetApp(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, appOf(r))
}

func (s *Server) handlePatchApp(w http.ResponseWriter, r *http.Request) {
	var req appRequest
	if err := s.decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkApp(req, false); err != nil {
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
	a, err := s.apps.UpdateApplication(r.Context(), a, s.event("developer:"+a.DeveloperID, "application.updated", a.ID, nil))
	if err != nil {
		s.writeError(w, r, asNotFound(err, noApplication(a.ID)))
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleDeleteApp(w http.ResponseWriter, r *http.Request) {
	a := appOf(r)
	if err := s.apps.DeleteApplication(r.Context(), a.ID, s.event("developer:"+a.DeveloperID, "application.deleted", a.ID, nil)); err != nil {
		s.writeError(w, r, asNotFound(err, noApplication(a.ID)))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleListRegs(w http.ResponseWriter, r *http.Request) {
	regs, err := s.apps.ListRegistrations(r.Context(), appOf(r).ID)
	if err != nil {
		s.writeError(w, r, asNotFound(err, noApplication(appOf(r).ID)))
		return
	}
	writeJSON(w, http.StatusOK, newList(regs, portal.Page{Number: 1, Size: max(len(regs), 1)}, len(regs)))
}

type regRequest struct {
	APIID string `json:"api_id"`
}

func (s *Server) handleCreateReg(w http.ResponseWriter, r *http.Request) {
	var req regRequest
	if err := s.decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
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
			api = x
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
		roles, err := s.apps.ListDeveloperRoles(ctx, a.DeveloperID)
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
	if err := s.apps.CreateRegistration(ctx, reg, s.event("developer:"+a.DeveloperID, "registration.created", reg.ID, map[string]string{"application": a.ID, "api": api.ID, "status": string(reg.Status)})); err != nil {
		if portal.IsCode(err, portal.EConflict) {
			err = portal.Errorf(portal.EConflict, "this application is already registered to %s", api.Name)
		}
		s.writeError(w, r, err)
		return
	}
	reg.Version = 1
	writeJSON(w, http.StatusCreated, reg)
}

func (s *Server) handleListCreds(w http.ResponseWriter, r *http.Request) {
	creds, err := s.apps.ListCredentials(r.Context(), appOf(r).ID)
	if err != nil {
		s.writeError(w, r, asNotFound(err, noApplication(appOf(r).ID)))
		return
	}
	writeJSON(w, http.StatusOK, newList(creds, portal.Page{Number: 1, Size: max(len(creds), 1)}, len(creds)))
}

type credRequest struct {
	DisplayName string `json:"display_name"`
}

// newCredential is a credential with its key, answered once.
type newCredential struct {
	portal.Credential
	Key string `json:"credential"`
}

// issue creates a key for an application, with the strategy's TTL.
func (s *Server) issue(r *http.Request, a portal.Application, name, action string, detail map[string]string) (newCredential, error) {
	ctx := r.Context()
	key, hash := apikey.New()
	now := s.now().UTC()
	c := portal.Credential{ID: newID(), ApplicationID: a.ID, DeveloperID: a.DeveloperID, DisplayName: name, Hash: hash, Hint: apikey.Hint(key), CreatedAt: now}
	if st, err := s.apps.GetAuthStrategy(ctx, a.AuthStrategyID); err == nil && st.TTL > 0 {
		exp := now.Add(time.Duration(st.TTL) * time.Second)
		c.ExpiresAt = &exp
	}
	if detail == nil {
		detail = map[string]string{}
	}
	detail["credential"] = c.ID
	if err := s.apps.CreateCredential(ctx, c, s.event("developer:"+a.DeveloperID, action, a.ID, detail)); err != nil {
		if portal.IsCode(err, portal.EPrecondition) {
			err = portal.Errorf(portal.EPrecondition, "this application has %d keys, the most it may have; delete one first", portal.MaxCredentialsPerApplication)
		}
		return newCredential{}, err
	}
	return newCredential{Credential: c, Key: key}, nil
}

func (s *Server) handleCreateCred(w http.ResponseWriter, r *http.Request) {
	var req credRequest
	if err := s.decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if utf8.RuneCountInString(req.DisplayName) > 100 {
		s.writeError(w, r, invalid(portal.FieldError{Field: "display_name", Reason: "must be at most 100 characters"}))
		return
	}
	c, err := s.issue(r, appOf(r), strings.TrimSpace(req.DisplayName), "credential.created", nil)
	if err != nil {
		s.writeError(w, r, asNotFound(err, noApplication(appOf(r).ID)))
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) handleDeleteCred(w http.ResponseWriter, r *http.Request) {
	a := appOf(r)
	id := r.PathValue("credentialId")
	if err := s.apps.DeleteCredential(r.Context(), a.ID, id, s.event("developer:"+a.DeveloperID, "credential.deleted", a.ID, map[string]string{"credential": id})); err != nil {
		s.writeError(w, r, asNotFound(err, noCredential(a.ID, id)))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type rotateRequest struct {
	// GracePeriod is how long the old key keeps working, in seconds
	// (default 86400: 24 h; 0 ends it now).
	GracePeriod *int `json:"grace_period"`
}

// handleRotateCred issues a new key and lets the old one work for a grace
// period, so that clients can switch without downtime.
func (s *Server) handleRotateCred(w http.ResponseWriter, r *http.Request) {
	var req rotateRequest
	if r.ContentLength != 0 {
		if err := s.decode(r, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	grace := 24 * time.Hour
	if req.GracePeriod != nil {
		if *req.GracePeriod < 0 || *req.GracePeriod > 30*86400 {
			s.writeError(w, r, invalid(portal.FieldError{Field: "grace_period", Reason: "must be 0 to 2592000 seconds (30 days)"}))
			return
		}
		grace = time.Duration(*req.GracePeriod) * time.Second
	}
	a := appOf(r)
	old := r.PathValue("credentialId")
	var oldCred portal.Credential
	creds, err := s.apps.ListCredentials(r.Context(), a.ID)
	if err != nil {
		s.writeError(w, r, asNotFound(err, noApplication(a.ID)))
		return
	}
	for _, c := range creds {
		if c.ID == old {
			oldCred = c
		}
	}
	if oldCred.ID == "" {
		s.writeError(w, r, noCredential(a.ID, old))
		return
	}
	c, err := s.issue(r, a, oldCred.DisplayName, "credential.rotated", map[string]string{"replaces": old})
	if err != nil {
		s.writeError(w, r, asNotFound(err, noApplication(a.ID)))
		return
	}
	until := s.now().UTC().Add(grace)
	if oldCred.ExpiresAt == nil || until.Before(*oldCred.ExpiresAt) {
		if _, err := s.apps.ExpireCredential(r.Context(), a.ID, old, until, s.event("developer:"+a.DeveloperID, "credential.expiring", a.ID, map[string]string{"credential": old, "at": until.Format(time.RFC3339)})); err != nil {
			s.writeError(w, r, asNotFound(err, noCredential(a.ID, old)))
			return
		}
	}
	writeJSON(w, http.StatusCreated, c)
}

// Management API.

func (s *Server) handleAdminAPIs(w http.ResponseWriter, r *http.Request) {
	apis, err := s.apps.ListAPIs(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(apis, portal.Page{Number: 1, Size: max(len(apis), 1)}, len(apis)))
}

func (s *Server) handleAdminAPI(w http.ResponseWriter, r *http.Request) {
	a, err := s.apps.GetAPI(r.Context(), r.PathValue("apiId"))
	if portal.IsCode(err, portal.ENotFound) {
		a, err = s.apps.GetAPIBySlug(r.Context(), r.PathValue("apiId"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleListStrategies(w http.ResponseWriter, r *http.Request) {
	list, err := s.apps.ListAuthStrategies(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(list, portal.Page{Number: 1, Size: max(len(list), 1)}, len(list)))
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

func (s *Server) handleCreateStrategy(w http.ResponseWriter, r *http.Request) {
	var req strategyRequest
	if err := s.decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
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
	if err := s.apps.CreateAuthStrategy(r.Context(), st, s.event(actor(r), "auth_strategy.created", st.ID, nil)); err != nil {
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

// adminApp is an application as admins see it: with its owner.
type adminApp struct {
	portal.Application
	DeveloperID string `json:"developer_id"`
}

func (s *Server) handleAdminApps(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	apps, total, err := s.apps.ListAllApplications(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]adminApp, len(apps))
	for i, a := range apps {
		out[i] = adminApp{Application: a, DeveloperID: a.DeveloperID}
	}
	writeJSON(w, http.StatusOK, newList(out, p, total))
}

func (s *Server) handleAdminRegs(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := portal.RegistrationStatus(r.URL.Query().Get("filter[status][eq]"))
	switch status {
	case "", portal.RegistrationPending, portal.RegistrationApproved, portal.RegistrationRejected, portal.RegistrationRevoked:
	default:
		s.writeError(w, r, invalid(portal.FieldError{Field: "filter[status][eq]", Reason: "must be pending, approved, rejected or revoked"}))
		return
	}
	regs, total, err := s.apps.ListAllRegistrations(r.Context(), status, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(regs, p, total))
}

type regPatch struct {
	Status *portal.RegistrationStatus `json:"status"`
}

var mailForRegistration = map[portal.RegistrationStatus]string{
	portal.RegistrationApproved: mail.AppRegistrationApproved,
	portal.RegistrationRejected: mail.AppRegistrationRejected,
	portal.RegistrationRevoked:  mail.AppRegistrationRevoked,
}

// adminReg reads the registration of the path, on the path's application.
func (s *Server) adminReg(r *http.Request) (portal.Registration, error) {
	reg, err := s.apps.GetRegistration(r.Context(), r.PathValue("registrationId"))
	if err == nil && reg.ApplicationID != r.PathValue("appId") {
		err = portal.Errorf(portal.ENotFound, "no registration %q on application %q", r.PathValue("registrationId"), r.PathValue("appId"))
	}
	return reg, err
}

func (s *Server) handleGetReg(w http.ResponseWriter, r *http.Request) {
	reg, err := s.adminReg(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(reg.Version))
	writeJSON(w, http.StatusOK, reg)
}

func (s *Server) handlePatchReg(w http.ResponseWriter, r *http.Request) {
	var req regPatch
	if err := s.decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
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
	reg, err = s.apps.SetRegistrationStatus(ctx, reg.ID, []portal.RegistrationStatus{reg.Status}, *req.Status, s.event(actor(r), "registration.status_changed", reg.ID, map[string]string{"to": string(*req.Status)}))
	if portal.IsCode(err, portal.EPrecondition) {
		if now, gerr := s.apps.GetRegistration(ctx, r.PathValue("registrationId")); gerr == nil {
			s.stale(w, r, now, now.Version, "the registration changed since you read it (now "+string(now.Status)+")")
			return
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(reg.Version))
	// One mail per change, to the application's owner.
	if a, err := s.apps.GetApplication(ctx, reg.ApplicationID); err == nil {
		if d, err := s.store.GetDeveloper(ctx, a.DeveloperID); err == nil {
			api, _ := s.apps.GetAPI(ctx, reg.APIID)
			if err := s.mail.Send(ctx, d.Email, mailForRegistration[*req.Status], mail.Data{FullName: d.FullName, Email: d.Email, APIName: api.Name, ApplicationName: a.Name, Link: s.cfg.BaseURL + "/account/"}); err != nil {
				s.log.WarnContext(ctx, "registration mail not sent", "registration", reg.ID, "err", err)
			}
		}
	}
	writeJSON(w, http.StatusOK, reg)
}

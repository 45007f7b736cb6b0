package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/portal-dev/portal/functions/apikey"
	"github.com/portal-dev/portal/functions/portal"
)

func noCredential(appID, id string) error {
	return portal.Errorf(portal.ENotFound, "no credential %q on application %q; GET /api/v3/applications/%s/credentials lists them", id, appID, appID)
}

func (s *Server) handleListCreds(w http.ResponseWriter, r *http.Request) {
	writeAppList(s, w, r, s.store.ListCredentials)
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
	if st, err := s.store.GetAuthStrategy(ctx, a.AuthStrategyID); err == nil && st.TTL > 0 {
		exp := now.Add(time.Duration(st.TTL) * time.Second)
		c.ExpiresAt = &exp
	}
	if detail == nil {
		detail = map[string]string{}
	}
	detail["credential"] = c.ID
	if err := s.store.CreateCredential(ctx, c, s.event("developer:"+a.DeveloperID, action, a.ID, detail)); err != nil {
		if portal.IsCode(err, portal.EPrecondition) {
			err = portal.Errorf(portal.EPrecondition, "this application has %d keys, the most it may have; delete one first", portal.MaxCredentialsPerApplication)
		}
		return newCredential{}, err
	}
	return newCredential{Credential: c, Key: key}, nil
}

func (s *Server) handleCreateCred(w http.ResponseWriter, r *http.Request, req credRequest) {
	if reason := portal.CheckText(req.DisplayName, 100, true, false); reason != "" {
		s.writeError(w, r, invalid(portal.FieldError{Field: "display_name", Reason: reason}))
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
	err := s.store.DeleteCredential(r.Context(), a.ID, id, s.event("developer:"+a.DeveloperID, "credential.deleted", a.ID, map[string]string{"credential": id}))
	s.writeNoContent(w, r, asNotFound(err, noCredential(a.ID, id)))
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
	creds, err := s.store.ListCredentials(r.Context(), a.ID)
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
		if _, err := s.store.ExpireCredential(r.Context(), a.ID, old, until, s.event("developer:"+a.DeveloperID, "credential.expiring", a.ID, map[string]string{"credential": old, "at": until.Format(time.RFC3339)})); err != nil {
			s.writeError(w, r, asNotFound(err, noCredential(a.ID, old)))
			return
		}
	}
	writeJSON(w, http.StatusCreated, c)
}

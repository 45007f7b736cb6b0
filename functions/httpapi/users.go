package httpapi

import (
	"context"
	"net/http"

	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
)

// The admin users over the management API, under Konnect's name for the
// people of an organisation (/v3/users): the console's Admin users page
// lists them, invites one by mail, and disables or enables one. An
// invited admin chooses their own password from the mailed link (no
// password travels through another admin's hands); the CLI's portal admin
// users create makes one directly where the data lives.

// userView is an admin user as the API shows it (the password hash is
// never encoded), with Konnect's `active` flag beside the status.
type userView struct {
	portal.AdminUser
	Active bool `json:"active"`
}

func newUserView(u portal.AdminUser) userView {
	return userView{AdminUser: u, Active: u.Status == portal.AdminActive}
}

// handleListUsers lists the admin users, oldest first. They are few (the
// store lists them whole), so the page is cut here.
func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) {
	writePage(s, w, r, func(ctx context.Context, p portal.Page) ([]userView, int, error) {
		us, err := s.store.ListAdminUsers(ctx)
		views := make([]userView, 0, p.Size)
		for _, u := range portal.PageOf(us, p) {
			views = append(views, newUserView(u))
		}
		return views, len(us), err
	})
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.store.GetAdminUser(r.Context(), r.PathValue("userId"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(u.Version))
	writeJSON(w, http.StatusOK, newUserView(u))
}

type userPatch struct {
	Active *bool `json:"active"`
}

// handlePatchUser disables or enables an admin user, on the state it was
// decided on (If-Match). Disabling ends the user's sessions (the store
// does it with the write). An admin cannot disable their own
// account: the console would lock out the one person using it.
func (s *Server) handlePatchUser(w http.ResponseWriter, r *http.Request, req userPatch) {
	if req.Active == nil {
		s.writeError(w, r, invalid(portal.FieldError{Field: "active", Reason: "must be true (enable) or false (disable)"}))
		return
	}
	ctx := r.Context()
	id := r.PathValue("userId")
	to, action := portal.AdminActive, "admin_user.enabled"
	if !*req.Active {
		to, action = portal.AdminDisabled, "admin_user.disabled"
	}
	if me, ok := ctx.Value(keyAdminUser).(portal.AdminUser); ok && me.ID == id && to == portal.AdminDisabled {
		s.writeError(w, r, invalid(portal.FieldError{Field: "active", Reason: "you cannot disable your own account; another admin user can, or run portal admin users disable"}))
		return
	}
	version, err := decidedOn(r, "/v3/users/"+id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cur, err := s.store.GetAdminUser(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if cur.Version != version {
		s.stale(w, r, newUserView(cur), cur.Version, "the admin user changed since you read it (now "+string(cur.Status)+")")
		return
	}
	if to == portal.AdminActive && cur.PasswordHash == "" {
		s.stale(w, r, newUserView(cur), cur.Version, cur.Email+" has not chosen a password yet: they become active by accepting an invitation (invite them again for a new link)")
		return
	}
	if cur.Status == to {
		w.Header().Set("ETag", etag(cur.Version))
		writeJSON(w, http.StatusOK, newUserView(cur))
		return
	}
	u, err := s.store.SetAdminUserStatus(ctx, id, version, to, s.event(actor(r), action, id, nil))
	// Conflict: the user changed since the version read. Precondition:
	// the admin making the change was disabled meanwhile (the store
	// checks it in the same step), which the error says as it is.
	if portal.IsCode(err, portal.EConflict) {
		if now, gerr := s.store.GetAdminUser(ctx, id); gerr == nil {
			s.stale(w, r, newUserView(now), now.Version, "the admin user changed since you read it (now "+string(now.Status)+")")
			return
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(u.Version))
	writeJSON(w, http.StatusOK, newUserView(u))
}

type inviteRequest struct {
	Email    string `json:"email"`
	FullName string `json:"full_name"`
}

// handleInvite (Konnect's POST /v3/invites) makes an invited admin user
// and mails them a link to choose a password, valid AdminInviteTTL and
// once. Inviting an address again sends a new link (the old one stops
// working), see reinvite; an address whose admin user has a password is a
// 409.
func (s *Server) handleInvite(w http.ResponseWriter, r *http.Request, req inviteRequest) {
	email, name, bad := checkAdminUser(req.Email, req.FullName)
	if err := invalid(bad...); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	now := s.now().UTC()
	status := http.StatusCreated
	u := portal.AdminUser{ID: newID(), Email: email, FullName: name, Status: portal.AdminInvited, CreatedAt: now, UpdatedAt: now}
	err := s.store.CreateAdminUser(ctx, u, s.event(actor(r), "admin_user.invited", u.ID, nil))
	if portal.IsCode(err, portal.EConflict) {
		u, err = s.reinvite(r, email)
		status = http.StatusOK
	} else if err == nil {
		u.Version = 1
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.sendToken(ctx, now, adminRecipient(u), portal.TokenAdminInvite, portal.AdminInviteTTL, mail.AdminInvite, "/admin/accept/"); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(u.Version))
	writeJSON(w, status, newUserView(u))
}

// reinvite is the invitation of an address that has an admin user: one
// still invited is invited again, one whose invitation was withdrawn
// (disabled before choosing a password) is invited again from the state
// read; anyone with a password is a 409.
func (s *Server) reinvite(r *http.Request, email string) (portal.AdminUser, error) {
	ctx := r.Context()
	var u portal.AdminUser
	var taken error // a refusal, not a lost race: not read again
	err := reread(func() error {
		var err error
		if u, err = s.store.GetAdminUserByEmail(ctx, email); err != nil || u.Status == portal.AdminInvited {
			return err
		}
		if u.PasswordHash != "" {
			taken = portal.Errorf(portal.EConflict, "%s is already an admin user (%s)", u.Email, u.Status)
			return nil
		}
		u, err = s.store.SetAdminUserStatus(ctx, u.ID, u.Version, portal.AdminInvited, s.event(actor(r), "admin_user.invited", u.ID, nil))
		return err
	})
	if err == nil {
		err = taken
	}
	return u, err
}

// handleAcceptInvite sets the invited admin user's password from the
// mailed link and makes them active; they then log in. A withdrawn
// (disabled) invitation is refused.
func (s *Server) handleAcceptInvite(w http.ResponseWriter, r *http.Request, req passwordRequest) {
	u, err := s.passwordByLink(r.Context(), req, portal.TokenAdminInvite, portal.AdminInvited, "admin_user.invitation_accepted", func(portal.AdminUser) error {
		return portal.Errorf(portal.EPrecondition, "this invitation was withdrawn or already accepted; ask an admin for a new one")
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newUserView(u))
}

// passwordByLink spends a mailed link's token of kind (an invitation, a
// reset) and sets the password of the admin user it names, if that user
// is at status from (refused says why not); every session of the user
// ends.
func (s *Server) passwordByLink(ctx context.Context, req passwordRequest, kind portal.TokenKind, from portal.AdminUserStatus, action string, refused func(portal.AdminUser) error) (portal.AdminUser, error) {
	tok, hash, err := s.spend(ctx, req, kind)
	if err != nil {
		return portal.AdminUser{}, err
	}
	var u portal.AdminUser
	err = reread(func() error {
		cur, err := s.store.GetAdminUser(ctx, tok.DeveloperID)
		if err != nil {
			return tokenError(err)
		}
		if cur.Status != from {
			return refused(cur)
		}
		u, err = s.store.SetAdminUserPassword(ctx, cur.ID, cur.Version, hash, "", s.event(portal.ActorAdminUser+cur.ID, action, cur.ID, nil))
		return err
	})
	return u, err
}

// handleAdminForgotPassword mails an active admin user a link to choose
// a new password (once, within ResetTTL). As for developers, the answer
// goes out first, so that neither it nor its timing tells which addresses
// are admin users; the mails to one address are throttled.
func (s *Server) handleAdminForgotPassword(w http.ResponseWriter, r *http.Request, req forgotRequest) {
	now := s.now()
	s.answerFirst(w, r, http.StatusNoContent, func(ctx context.Context) error {
		u, err := s.store.GetAdminUserByEmail(ctx, req.Email)
		if portal.IsCode(err, portal.ENotFound) || (err == nil && u.Status != portal.AdminActive) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.sendToken(ctx, now, adminRecipient(u), portal.TokenAdminReset, s.cfg.ResetTTL, mail.AdminResetPassword, "/admin/reset-password/")
	})
}

// handleAdminResetPassword sets an active admin user's password from the
// mailed link and ends all their sessions; they then log in.
func (s *Server) handleAdminResetPassword(w http.ResponseWriter, r *http.Request, req passwordRequest) {
	ctx := r.Context()
	u, err := s.passwordByLink(ctx, req, portal.TokenAdminReset, portal.AdminActive, "admin_user.password_reset", func(cur portal.AdminUser) error {
		return portal.Errorf(portal.EForbidden, "this admin user is %s; another admin can enable it", cur.Status)
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// A successful reset proves the address: the login throttle starts anew.
	if err := s.store.ClearLoginFailures(ctx, adminThrottleKey(u.Email)); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newUserView(u))
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	Password        string `json:"password"`
}

// handleAdminPassword changes the logged-in admin user's own password:
// the current one is checked under the login's throttle, the new one by
// the developers' rule, and the user's other sessions end. A wrong
// current password is a 400 naming the field, not a 401 that would end
// the console's session.
func (s *Server) handleAdminPassword(w http.ResponseWriter, r *http.Request, req changePasswordRequest) {
	ctx := r.Context()
	me, ok := ctx.Value(keyAdminUser).(portal.AdminUser)
	c, cerr := r.Cookie(s.adminCookie())
	if !ok || cerr != nil {
		s.writeError(w, r, portal.Errorf(portal.EInvalid, "an admin token has no password; log in to the console as an admin user to change yours"))
		return
	}
	if reason := password.Check(req.Password); reason != "" {
		s.writeError(w, r, invalid(portal.FieldError{Field: "password", Reason: reason}))
		return
	}
	err := s.verifyLogin(w, ctx, adminThrottleKey(me.Email), req.CurrentPassword, "", func() (string, error) { return me.PasswordHash, nil })
	if portal.IsCode(err, portal.EUnauthorized) {
		err = invalid(portal.FieldError{Field: "current_password", Reason: "is not your current password"})
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hash, err := password.Hash(req.Password, s.cfg.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.store.SetAdminUserPassword(ctx, me.ID, me.Version, hash, hashSecret(c.Value), s.event(actor(r), "admin_user.password_changed", me.ID, nil))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newUserView(u))
}

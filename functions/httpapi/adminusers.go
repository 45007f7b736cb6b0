package httpapi

import (
	"context"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
)

// Admin users log in to the admin console with the developers' session
// mechanism (hashed 256-bit cookie, idle and absolute timeouts, login
// throttling) and their own cookie: SameSite=Strict, since nothing links
// into the console from another site, and a name the developer API never
// reads.

// adminCookie names the admin session cookie.
func (s *Server) adminCookie() string {
	if s.cfg.SecureCookies {
		return "__Host-portal_admin"
	}
	return "portal_admin"
}

// adminThrottleKey keeps admin login failures apart from a developer's
// with the same address: failing one must not lock the other.
func adminThrottleKey(email string) string { return "admin:" + portal.EmailKey(email) }

func (s *Server) handleAdminAuthenticate(w http.ResponseWriter, r *http.Request, req authenticateRequest) {
	ctx := r.Context()
	key := adminThrottleKey(req.Username)
	var u portal.AdminUser
	if err := s.verifyLogin(w, ctx, key, req.Password, "", func() (string, error) {
		var err error
		u, err = s.store.GetAdminUserByEmail(ctx, req.Username)
		if err == nil && u.Status == portal.AdminInvited {
			// No password yet: an unknown account, to anyone who tries.
			return "", portal.Errorf(portal.ENotFound, "invited")
		}
		return u.PasswordHash, err
	}); err != nil {
		s.writeError(w, r, err)
		return
	}
	if u.Status != portal.AdminActive {
		s.writeError(w, r, portal.Errorf(portal.EForbidden, "this admin user is disabled; another admin can enable it (portal admin users enable)"))
		return
	}
	if err := s.store.ClearLoginFailures(ctx, key); err != nil {
		s.writeError(w, r, err)
		return
	}
	tok, hashed := secret()
	at := s.now().UTC()
	sess := portal.Session{Hash: hashed, AdminUserID: u.ID, CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(s.cfg.SessionAbsolute)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		if portal.IsCode(err, portal.EPrecondition) {
			err = portal.Errorf(portal.EForbidden, "this admin user is disabled")
		}
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.adminCookie(), Value: tok, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.cfg.SessionAbsolute.Seconds()),
	})
	writeJSON(w, http.StatusOK, adminMe(u))
}

func (s *Server) clearAdminCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.adminCookie(), Value: "", Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

func (s *Server) handleAdminLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.adminCookie()); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(r.Context(), hashSecret(c.Value)); err != nil && !portal.IsCode(err, portal.ENotFound) {
			s.writeError(w, r, err)
			return
		}
	}
	s.clearAdminCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

// adminMeView is who is calling the management API: an admin user (kind
// "user") or an admin token (kind "token").
type adminMeView struct {
	Kind      string    `json:"kind"`
	ID        string    `json:"id"`
	Email     string    `json:"email,omitempty"`
	FullName  string    `json:"full_name,omitempty"`
	Name      string    `json:"name,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func adminMe(u portal.AdminUser) adminMeView {
	return adminMeView{Kind: "user", ID: u.ID, Email: u.Email, FullName: u.FullName, CreatedAt: u.CreatedAt}
}

func (s *Server) handleAdminMe(w http.ResponseWriter, r *http.Request) {
	if u, ok := r.Context().Value(keyAdminUser).(portal.AdminUser); ok {
		writeJSON(w, http.StatusOK, adminMe(u))
		return
	}
	t, _ := r.Context().Value(keyAdmin).(portal.AdminToken)
	writeJSON(w, http.StatusOK, adminMeView{Kind: "token", ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt})
}

// adminSession returns the admin user of the request's admin session
// cookie. A disabled or deleted user's session ends at once.
func (s *Server) adminSession(r *http.Request, c *http.Cookie) (portal.AdminUser, error) {
	ctx := r.Context()
	now := s.now()
	ended := portal.Errorf(portal.EUnauthorized, "your admin session has ended; log in again at /admin/login/")
	sess, err := s.store.GetSession(ctx, hashSecret(c.Value), now)
	if portal.IsCode(err, portal.ENotFound) || (err == nil && sess.AdminUserID == "") {
		return portal.AdminUser{}, ended
	}
	if err != nil {
		return portal.AdminUser{}, err
	}
	if now.Sub(sess.LastSeenAt) > s.cfg.SessionIdle {
		s.store.DeleteSession(ctx, sess.Hash)
		return portal.AdminUser{}, ended
	}
	u, err := s.store.GetAdminUser(ctx, sess.AdminUserID)
	if portal.IsCode(err, portal.ENotFound) || (err == nil && u.Status != portal.AdminActive) {
		s.store.DeleteSession(ctx, sess.Hash)
		return portal.AdminUser{}, ended
	}
	if err != nil {
		return portal.AdminUser{}, err
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.store.TouchSession(ctx, sess.Hash, now.UTC()); err != nil {
			return portal.AdminUser{}, err
		}
	}
	return u, nil
}

// CreateAdminUser checks and stores a new admin user (the CLI's portal
// admin users create): a real email address, a name of at most 200
// characters, and a password by the developers' rule.
func CreateAdminUser(ctx context.Context, store portal.AdminStore, email, name, pw string, params password.Params, now time.Time) (portal.AdminUser, error) {
	email, name, bad := checkAdminUser(email, name)
	if reason := password.Check(pw); reason != "" {
		bad = append(bad, portal.FieldError{Field: "password", Reason: reason})
	}
	if err := invalid(bad...); err != nil {
		return portal.AdminUser{}, err
	}
	if params.Memory == 0 {
		params = password.Default
	}
	hash, err := password.Hash(pw, params)
	if err != nil {
		return portal.AdminUser{}, err
	}
	now = now.UTC()
	u := portal.AdminUser{ID: newID(), Email: email, FullName: name, PasswordHash: hash, Status: portal.AdminActive, CreatedAt: now, UpdatedAt: now}
	ev := portal.AuditEvent{ID: newID(), At: now, Actor: "cli", Action: "admin_user.created", Subject: u.ID}
	if err := store.CreateAdminUser(ctx, u, ev); err != nil {
		return portal.AdminUser{}, err
	}
	u.Version = 1
	return u, nil
}

// checkAdminUser trims and checks a new admin user's email address (a
// real one) and name (at most 200 characters).
func checkAdminUser(email, name string) (string, string, []portal.FieldError) {
	email, name = strings.TrimSpace(email), strings.TrimSpace(name)
	var bad []portal.FieldError
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 254 {
		bad = append(bad, portal.FieldError{Field: "email", Reason: "must be an email address such as admin@example.com"})
	}
	if reason := portal.CheckText(name, 200, true, false); reason != "" {
		bad = append(bad, portal.FieldError{Field: "full_name", Reason: reason})
	}
	return email, name, bad
}

// SetAdminUserStatus disables or enables an admin user named by id or
// email (the CLI's portal admin users disable|enable).
func SetAdminUserStatus(ctx context.Context, store portal.AdminStore, idOrEmail string, to portal.AdminUserStatus, now time.Time) (portal.AdminUser, error) {
	var u portal.AdminUser
	err := reread(func() error {
		var err error
		if strings.Contains(idOrEmail, "@") {
			u, err = store.GetAdminUserByEmail(ctx, idOrEmail)
		} else {
			u, err = store.GetAdminUser(ctx, idOrEmail)
		}
		if err != nil {
			return err
		}
		if u.Status == to {
			return portal.Errorf(portal.EPrecondition, "admin user %s is already %s", u.Email, to)
		}
		if to == portal.AdminActive && u.PasswordHash == "" {
			return portal.Errorf(portal.EPrecondition, "admin user %s has not chosen a password yet: invite them again from the console's Admin users page", u.Email)
		}
		action := "admin_user.disabled"
		if to == portal.AdminActive {
			action = "admin_user.enabled"
		}
		u, err = store.SetAdminUserStatus(ctx, u.ID, u.Version, to, portal.AuditEvent{ID: newID(), At: now.UTC(), Actor: "cli", Action: action, Subject: u.ID})
		return err
	})
	return u, err
}

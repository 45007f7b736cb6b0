package httpapi

import (
	"context"
	"net/http"

	"github.com/portal-dev/portal/functions/portal"
)

// The admin users over the management API, under Konnect's name for the
// people of an organisation (/v3/users): the console's Admin users page
// lists them and disables or enables one. Creating one stays with the
// CLI (portal admin users create), where the password is typed and never
// travels through a browser or another admin's hands.

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
// decided on (If-Match). Disabling ends the user's sessions at once (the
// store does it in the same step). An admin cannot disable their own
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

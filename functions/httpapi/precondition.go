package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/portal-dev/portal/functions/portal"
)

// Status changes (approve, reject, revoke) carry the state they were
// decided on: the client sends back, as If-Match, the ETag of the object
// it read. Two admins' opposite decisions on one pending developer cannot
// then both apply: the second finds the object changed and gets 409 with
// its current state, instead of overturning the first.

// etag is a stored object's version as a strong entity tag.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// decidedOn returns the version named by the request's If-Match: 428 when
// there is none (or only "*", which decides on nothing), 400 when it is
// not one of our tags.
func decidedOn(r *http.Request, what string) (int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return 0, &portal.Error{Code: codePreconditionRequired, Message: "send If-Match with the ETag of GET " + what + ": a status change applies only to the state it was decided on"}
	}
	n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(v, "W/"), `"`), 10, 64)
	if err != nil || n <= 0 || strings.Contains(v, ",") {
		return 0, portal.Errorf(portal.EInvalid, "If-Match %q is not an ETag of this API; send the ETag header of GET %s", v, what)
	}
	return n, nil
}

// stale answers 409 with the object's current state and ETag.
func (s *Server) stale(w http.ResponseWriter, r *http.Request, current any, version int64, detail string) {
	w.Header().Set("ETag", etag(version))
	id, _ := r.Context().Value(keyRequestID).(string)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusConflict)
	json.NewEncoder(w).Encode(struct {
		problem
		Current any `json:"current"`
	}{problem{Status: http.StatusConflict, Title: http.StatusText(http.StatusConflict), Detail: detail + "; read it again and decide on its current state", RequestID: id}, current})
}

// reread runs update — a read, a change, and a write conditional on the
// version read — again when the write lost to a concurrent edit
// (Conflict), at most three times more: an edit of other fields in
// between is kept, not refused.
func reread(update func() error) error {
	for attempt := 0; ; attempt++ {
		err := update()
		if !portal.IsCode(err, portal.EConflict) || attempt >= 3 {
			return err
		}
	}
}

package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/portal-dev/portal/functions/portal"
)

// auditView is an audit event as the management API shows it: with the
// actor's email address where the actor is an admin user.
type auditView struct {
	portal.AuditEvent
	ActorEmail string `json:"actor_email,omitempty"`
}

// handleAuditEvents answers the audit log, newest first, filtered by
// filter[actor][eq], filter[subject][eq], filter[action][eq] and
// filter[at][gte] / filter[at][lt] (RFC 3339).
func (s *Server) handleAuditEvents(w http.ResponseWriter, r *http.Request) {
	writePage(s, w, r, func(ctx context.Context, p portal.Page) ([]auditView, int, error) {
		q := r.URL.Query()
		f := portal.AuditFilter{Actor: q.Get("filter[actor][eq]"), Subject: q.Get("filter[subject][eq]"), Action: q.Get("filter[action][eq]")}
		var bad []portal.FieldError
		for param, dst := range map[string]*time.Time{"filter[at][gte]": &f.From, "filter[at][lt]": &f.To} {
			v := q.Get(param)
			if v == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				bad = append(bad, portal.FieldError{Field: param, Reason: "must be an RFC 3339 time such as 2026-12-01T09:00:00Z"})
				continue
			}
			*dst = t.UTC()
		}
		if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
			bad = append(bad, portal.FieldError{Field: "filter[at][lt]", Reason: "must be after filter[at][gte]"})
		}
		if err := invalid(bad...); err != nil {
			return nil, 0, err
		}
		evs, total, err := s.store.ListAllAuditEvents(ctx, f, p)
		if err != nil {
			return nil, 0, err
		}
		emails := map[string]string{}
		out := make([]auditView, len(evs))
		for i, ev := range evs {
			out[i].AuditEvent = ev
			id, ok := strings.CutPrefix(ev.Actor, portal.ActorAdminUser)
			if !ok {
				continue
			}
			email, seen := emails[id]
			if !seen {
				if u, err := s.store.GetAdminUser(ctx, id); err == nil {
					email = u.Email
				} else if !portal.IsCode(err, portal.ENotFound) {
					return nil, 0, err
				}
				emails[id] = email
			}
			out[i].ActorEmail = email
		}
		return out, total, nil
	})
}

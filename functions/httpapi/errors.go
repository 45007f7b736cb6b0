package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/portal-dev/portal/functions/portal"
)

// statusOf maps domain error codes to HTTP statuses: the one table.
var statusOf = map[string]int{
	portal.ENotFound:         http.StatusNotFound,
	portal.EConflict:         http.StatusConflict,
	portal.EPrecondition:     http.StatusConflict,
	portal.EInvalid:          http.StatusBadRequest,
	portal.EUnauthorized:     http.StatusUnauthorized,
	portal.EForbidden:        http.StatusForbidden,
	portal.ETooMany:          http.StatusTooManyRequests,
	portal.EInternal:         http.StatusInternalServerError,
	codeTooLarge:             http.StatusRequestEntityTooLarge,
	codeMediaType:            http.StatusUnsupportedMediaType,
	codeMethod:               http.StatusMethodNotAllowed,
	codePreconditionRequired: http.StatusPreconditionRequired,
}

// HTTP-only codes.
const (
	codeTooLarge  = "too_large"
	codeMediaType = "unsupported_media_type"
	codeMethod    = "method_not_allowed"
	// codePreconditionRequired: a status change without If-Match.
	codePreconditionRequired = "precondition_required"
)

// problem is an application/problem+json body.
type problem struct {
	Status            int                 `json:"status"`
	Title             string              `json:"title"`
	Detail            string              `json:"detail"`
	InvalidParameters []portal.FieldError `json:"invalid_parameters,omitempty"`
	RequestID         string              `json:"request_id,omitempty"`
}

// writeError answers err as a problem. Internal errors are logged once,
// here, and users see only "internal error" and the request id.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *portal.Error
	if !errors.As(err, &e) {
		e = &portal.Error{Code: portal.EInternal}
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	id, _ := r.Context().Value(keyRequestID).(string)
	p := problem{Status: status, Title: http.StatusText(status), Detail: e.Message, InvalidParameters: e.Fields, RequestID: id}
	if status == http.StatusInternalServerError {
		attrs := []any{"request_id", id, "method", r.Method, "path", r.URL.Path, "err", err}
		if pe, ok := errors.AsType[*panicError](err); ok {
			attrs = append(attrs, "stack", string(pe.stack))
		}
		s.log.ErrorContext(r.Context(), "internal error", attrs...)
		p.Detail = "internal error; quote request id " + id + " when reporting it"
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if status == http.StatusUnauthorized && r.Header.Get("Authorization") != "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="portal"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// writeJSON answers v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeNoContent answers 204 No Content, or err when it is not nil.
func (s *Server) writeNoContent(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// withBody decodes the request's JSON body into a T (see decode) and hands
// it to h; a body that does not decode is answered with its error.
func withBody[T any](s *Server, h func(http.ResponseWriter, *http.Request, T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req T
		if err := s.decode(r, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r, req)
	}
}

// decode reads a JSON body into v: at most MaxBody bytes (413), only JSON
// (415), and unknown fields ignored so that nothing is mass-assigned: v is
// always a request struct holding just the fields a caller may set.
func (s *Server) decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" || r.ContentLength != 0 {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !(len(mt) > 5 && mt[len(mt)-5:] == "+json")) {
			return &portal.Error{Code: codeMediaType, Message: "send the body as application/json"}
		}
	}
	body := http.MaxBytesReader(nil, r.Body, s.cfg.MaxBody)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooLarge):
			return &portal.Error{Code: codeTooLarge, Message: "the body is larger than " + strconv.FormatInt(s.cfg.MaxBody>>10, 10) + " KB"}
		case errors.Is(err, io.EOF):
			return portal.Errorf(portal.EInvalid, "the body is empty; send a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return portal.Errorf(portal.EInvalid, "the body is not valid JSON (it ends too early)")
		case errors.As(err, &syntax):
			return portal.Errorf(portal.EInvalid, "the body is not valid JSON (at byte %d)", syntax.Offset)
		case errors.As(err, &typ):
			return &portal.Error{Code: portal.EInvalid, Message: "a field has the wrong type",
				Fields: []portal.FieldError{{Field: typ.Field, Reason: "must be a " + typ.Type.String()}}}
		default:
			return portal.Errorf(portal.EInvalid, "the body is not a valid JSON object")
		}
	}
	return nil
}

// invalid builds an EInvalid error from field reasons.
func invalid(fields ...portal.FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &portal.Error{Code: portal.EInvalid, Message: "the request has invalid fields; see invalid_parameters", Fields: fields}
}

// checkNameAndDescription checks the name (required on create) and the
// description of an application or a team by portal.CheckText: nil or an
// EInvalid error.
func checkNameAndDescription(name, description *string, create bool) error {
	var bad []portal.FieldError
	if name != nil || create {
		if reason := portal.CheckText(deref(name), 100, false, false); reason != "" {
			bad = append(bad, portal.FieldError{Field: "name", Reason: reason})
		}
	}
	if description != nil {
		if reason := portal.CheckText(*description, 1000, true, true); reason != "" {
			bad = append(bad, portal.FieldError{Field: "description", Reason: reason})
		}
	}
	return invalid(bad...)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

package portal

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to one status.
const (
	ENotFound     = "not_found"    // 404
	EConflict     = "conflict"     // 409
	EPrecondition = "precondition" // 409: the object's state forbids the change
	EInvalid      = "invalid"      // 400 (with invalid parameters)
	EUnauthorized = "unauthorized" // 401
	EForbidden    = "forbidden"    // 403
	ETooMany      = "too_many"     // 429
	EInternal     = "internal"     // 500
	EUnavailable  = "unavailable"  // 503: the store did not answer in time; retry
)

// Error is a domain error: a code and a message for people.
type Error struct {
	Code    string
	Message string
	// Fields lists invalid request fields (EInvalid): field → reason.
	Fields []FieldError
}

// FieldError is one invalid field.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf makes an *Error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err's *Error, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// IsCode reports whether err carries code.
func IsCode(err error, code string) bool { return err != nil && ErrorCode(err) == code }

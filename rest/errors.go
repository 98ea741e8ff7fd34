// Package rest holds the conventions every OpenStream REST handler follows,
// written once: DRF-shaped JSON answers and errors, routes that answer with
// and without the trailing slash, CORS as upstream configures it, request body
// parsing and the authentication pipeline (docs/api.md, "Conventions").
package rest

import (
	"fmt"
	"net/http"
)

// Error is an answer other than success, in one of upstream's body shapes.
// Handlers return it; Handler renders it.
type Error struct {
	Status int
	Body   any
	Header http.Header
}

func (e *Error) Error() string { return fmt.Sprintf("%d %v", e.Status, e.Body) }

// Detail is {"detail": msg}, DRF's usual error body.
func Detail(status int, msg string) *Error {
	return &Error{Status: status, Body: map[string]any{"detail": msg}}
}

// Keyed is {key: msg}; upstream's hand-written errors use "error" or "message".
func Keyed(status int, key, msg string) *Error {
	return &Error{Status: status, Body: map[string]any{key: msg}}
}

// Fields is a 400 with serializer errors: {"field": ["msg", ...]}.
func Fields(errs map[string][]string) *Error {
	return &Error{Status: http.StatusBadRequest, Body: errs}
}

// Field is a 400 with one error on one field.
func Field(field, msg string) *Error {
	return Fields(map[string][]string{field: {msg}})
}

// Standard DRF messages.
const (
	MsgRequired         = "This field is required."
	MsgBlank            = "This field may not be blank."
	MsgNotAuthenticated = "Authentication credentials were not provided."
	MsgPermission       = "You do not have permission to perform this action."
	MsgNotFound         = "Not found."
	MsgServerError      = "A server error occurred."
)

// NotAuthenticated is DRF's 401 for a request without credentials.
func NotAuthenticated() *Error {
	return withAuthenticate(Detail(http.StatusUnauthorized, MsgNotAuthenticated))
}

// PermissionDenied is DRF's generic 403.
func PermissionDenied() *Error { return Detail(http.StatusForbidden, MsgPermission) }

// NotFound is {"detail":"No <Model> matches the given query."}, get_object_or_404's answer.
func NotFound(model string) *Error {
	return Detail(http.StatusNotFound, "No "+model+" matches the given query.")
}

// withAuthenticate adds the header DRF sends with every 401.
func withAuthenticate(e *Error) *Error {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Set("WWW-Authenticate", `Bearer realm="api"`)
	return e
}

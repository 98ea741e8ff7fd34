package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/pocketbase/pocketbase/core"
)

// Handler adapts an OpenStream handler to PocketBase's router: an *Error
// becomes its JSON answer, any other error is logged and answered with a
// JSON 500 that reveals nothing.
func Handler(fn func(e *core.RequestEvent) error) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		err := fn(e)
		if err == nil {
			return nil
		}
		var apiErr *Error
		if !errors.As(err, &apiErr) || apiErr == nil {
			e.App.Logger().Error("openstream api", "method", e.Request.Method, "path", e.Request.URL.Path, "error", err)
			apiErr = Detail(http.StatusInternalServerError, MsgServerError)
		}
		for k, v := range apiErr.Header {
			e.Response.Header()[k] = v
		}
		return JSON(e, apiErr.Status, apiErr.Body)
	}
}

// Marshal encodes v compactly with HTML left unescaped (slides carry
// markup), as DRF renders it; the sockets' frames use it too.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// JSON writes body compactly with HTML left unescaped, as DRF renders it.
func JSON(e *core.RequestEvent, status int, body any) error {
	out, err := Marshal(body)
	if err != nil {
		return err
	}
	h := e.Response.Header()
	h.Set("Content-Type", "application/json")
	e.Response.WriteHeader(status)
	if e.Request.Method == http.MethodHead {
		return nil
	}
	_, err = e.Response.Write(out)
	return err
}

// NoContent answers 204 with no body and no Content-Type.
func NoContent(e *core.RequestEvent) error {
	e.Response.Header().Del("Content-Type")
	e.Response.WriteHeader(http.StatusNoContent)
	return nil
}

// ID renders a numeric record id as a JSON number (ids are numeric strings:
// docs/architecture.md, "Records and invariants").
func ID(id string) json.Number { return json.Number(id) }

// RawJSON writes an already encoded JSON body (a cached answer).
func RawJSON(e *core.RequestEvent, status int, body []byte) error {
	e.Response.Header().Set("Content-Type", "application/json")
	e.Response.WriteHeader(status)
	if e.Request.Method == http.MethodHead {
		return nil
	}
	_, err := e.Response.Write(body)
	return err
}

package rest

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// Body is a parsed request body: JSON objects keep their value types, form
// and multipart fields are strings (the last value wins, as the frontend's
// repeated multipart fields expect).
type Body map[string]any

// RawFields are the top-level values of a JSON object as the client wrote
// them: free-form JSON (slideshow_data, slide_data, wayfinding_data) is
// stored from here, so its key order and number spelling survive.
type RawFields map[string]json.RawMessage

// bodyKey caches the parsed body on the request: the body stream can be
// read once, and several helpers (branch_id, suborg_id, the handler) read it.
// rawKey caches the RawFields of a JSON body beside it.
const (
	bodyKey = "openstream.body"
	rawKey  = "openstream.body.raw"
)

// readBody parses JSON, form-urlencoded and multipart bodies like DRF's
// parsers, once per request (NewForm and Param share it). An empty body is
// an empty Body.
func readBody(e *core.RequestEvent) (Body, error) {
	if cached, ok := e.Get(bodyKey).(Body); ok {
		return cached, nil
	}
	body, raw, err := parseBody(e)
	if err == nil {
		e.Set(bodyKey, body)
		e.Set(rawKey, raw)
	}
	return body, err
}

// DecodeObject decodes a JSON object into its Body and its RawFields (both
// nil for null). A value that is not an object is a *json.UnmarshalTypeError.
func DecodeObject(data []byte) (Body, RawFields, error) {
	var raw RawFields
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, err
	}
	if raw == nil {
		return nil, nil, nil
	}
	body := make(Body, len(raw))
	for k, v := range raw {
		var value any
		if err := json.Unmarshal(v, &value); err != nil {
			return nil, nil, err // not reached: the object was valid
		}
		body[k] = value
	}
	return body, raw, nil
}

func parseBody(e *core.RequestEvent) (Body, RawFields, error) {
	ct := e.Request.Header.Get("Content-Type")
	if e.Request.ContentLength == 0 && ct == "" {
		return Body{}, nil, nil
	}
	mediaType, _, err := mime.ParseMediaType(ct)
	if ct == "" {
		mediaType, err = "application/json", nil // DRF's first parser
	}
	if err != nil {
		return nil, nil, unsupported(ct)
	}
	switch mediaType {
	case "application/json":
		data, err := io.ReadAll(e.Request.Body)
		if err != nil {
			return nil, nil, tooLarge(err)
		}
		if len(strings.TrimSpace(string(data))) == 0 {
			return Body{}, nil, nil
		}
		body, raw, err := DecodeObject(data)
		if err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				return nil, nil, Detail(http.StatusBadRequest, `Invalid data. Expected a dictionary, but got `+typeErr.Value+`.`)
			}
			return nil, nil, Detail(http.StatusBadRequest, "JSON parse error - "+err.Error())
		}
		return body, raw, nil
	case "application/x-www-form-urlencoded", "multipart/form-data":
		var err error
		if mediaType == "multipart/form-data" {
			err = e.Request.ParseMultipartForm(32 << 20)
		} else {
			err = e.Request.ParseForm()
		}
		if err != nil {
			if tl := tooLarge(err); tl.Status == http.StatusRequestEntityTooLarge {
				return nil, nil, tl
			}
			return nil, nil, Detail(http.StatusBadRequest, "Form parse error - "+err.Error())
		}
		body := Body{}
		for k, v := range e.Request.PostForm {
			if len(v) > 0 {
				body[k] = v[len(v)-1]
			}
		}
		return body, nil, nil
	}
	return nil, nil, unsupported(mediaType)
}

func unsupported(ct string) *Error {
	return Detail(http.StatusUnsupportedMediaType, `Unsupported media type "`+ct+`" in request.`)
}

func tooLarge(err error) *Error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return Detail(http.StatusRequestEntityTooLarge, "Request body is too large.")
	}
	return Detail(http.StatusBadRequest, "Could not read the request body.")
}

// String returns a string field: JSON strings as they are, numbers in their
// decimal form; missing, null and other types are "", false.
func (b Body) String(key string) (string, bool) {
	switch v := b[key].(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

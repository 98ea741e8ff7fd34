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

// bodyKey caches the parsed body on the request: the body stream can be
// read once, and several helpers (branch_id, suborg_id, the handler) read it.
const bodyKey = "openstream.body"

// ReadBody parses JSON, form-urlencoded and multipart bodies like DRF's
// parsers. An empty body is an empty Body.
func ReadBody(e *core.RequestEvent) (Body, error) {
	if cached, ok := e.Get(bodyKey).(Body); ok {
		return cached, nil
	}
	body, err := readBody(e)
	if err == nil {
		e.Set(bodyKey, body)
	}
	return body, err
}

func readBody(e *core.RequestEvent) (Body, error) {
	ct := e.Request.Header.Get("Content-Type")
	if e.Request.ContentLength == 0 && ct == "" {
		return Body{}, nil
	}
	mediaType, _, err := mime.ParseMediaType(ct)
	if ct == "" {
		mediaType, err = "application/json", nil // DRF's first parser
	}
	if err != nil {
		return nil, unsupported(ct)
	}
	switch mediaType {
	case "application/json":
		raw, err := io.ReadAll(e.Request.Body)
		if err != nil {
			return nil, tooLarge(err)
		}
		if len(strings.TrimSpace(string(raw))) == 0 {
			return Body{}, nil
		}
		var body Body
		if err := json.Unmarshal(raw, &body); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				return nil, Detail(http.StatusBadRequest, `Invalid data. Expected a dictionary, but got `+typeErr.Value+`.`)
			}
			return nil, Detail(http.StatusBadRequest, "JSON parse error - "+err.Error())
		}
		return body, nil
	case "application/x-www-form-urlencoded", "multipart/form-data":
		var err error
		if mediaType == "multipart/form-data" {
			err = e.Request.ParseMultipartForm(32 << 20)
		} else {
			err = e.Request.ParseForm()
		}
		if err != nil {
			if tl := tooLarge(err); tl.Status == http.StatusRequestEntityTooLarge {
				return nil, tl
			}
			return nil, Detail(http.StatusBadRequest, "Form parse error - "+err.Error())
		}
		body := Body{}
		for k, v := range e.Request.PostForm {
			if len(v) > 0 {
				body[k] = v[len(v)-1]
			}
		}
		return body, nil
	}
	return nil, unsupported(mediaType)
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

// Required checks that every key is present, non-null and non-blank, and
// returns the values, or DRF's field errors for all that are not.
func (b Body) Required(keys ...string) (map[string]string, error) {
	values := map[string]string{}
	errs := map[string][]string{}
	for _, k := range keys {
		raw, present := b[k]
		v, ok := b.String(k)
		switch {
		case !present:
			errs[k] = []string{MsgRequired}
		case raw == nil:
			errs[k] = []string{"This field may not be null."}
		case !ok:
			errs[k] = []string{"Not a valid string."}
		case strings.TrimSpace(v) == "":
			errs[k] = []string{MsgBlank}
		default:
			values[k] = v
		}
	}
	if len(errs) > 0 {
		return nil, Fields(errs)
	}
	return values, nil
}

package kmd

import (
	"encoding/json"
	"net/http"

	"github.com/openstream-go/openstream/integrations/internal/data"
	"github.com/openstream-go/openstream/integrations/internal/jsonx"
	"github.com/openstream-go/openstream/rest"
)

// request is a checked POST /api/kmd/ body.
type request struct {
	facility data.Facility
	// subs are the wanted rooms; nil means all of them.
	subs []any
}

// errInvalid is upstream's 400 for an unknown facility or a failed fetch.
func errInvalid() error {
	return rest.Keyed(http.StatusBadRequest, "error", "Invalid location or failed to fetch data")
}

// parseRequest reads {"location": "<facility>", "sub_locations": [names] | "all"}
// in upstream's order: JSON, location given, location known. A body that is
// valid JSON but not an object is "Invalid JSON" too (upstream crashed).
func parseRequest(body []byte, t data.Tables) (request, error) {
	var doc map[string]any
	if err := jsonx.Decode(body, &doc); err != nil || doc == nil {
		return request{}, rest.Keyed(http.StatusBadRequest, "error", "Invalid JSON")
	}
	loc := doc["location"]
	if !truthy(loc) {
		return request{}, rest.Keyed(http.StatusBadRequest, "error", "location is required")
	}
	var req request
	switch subs := doc["sub_locations"].(type) {
	case nil:
	case string:
		// "all", or one room (upstream matched substrings of it).
		if subs != "all" && subs != "" {
			req.subs = []any{subs}
		}
	case []any:
		if len(subs) > 0 {
			req.subs = subs
		}
	case map[string]any:
		for k := range subs { // Python's "in" on a dict tests its keys
			req.subs = append(req.subs, k)
		}
	default:
		return request{}, rest.Keyed(http.StatusBadRequest, "error", `sub_locations must be a list of names or "all"`)
	}
	name, _ := loc.(string)
	f, ok := t.Facility(name)
	if !ok {
		return request{}, errInvalid()
	}
	req.facility = f
	return req, nil
}

// wants reports whether the room name v is one of the wanted rooms.
func (r request) wants(v any) bool {
	if !scalar(v) {
		return false
	}
	for _, s := range r.subs {
		if scalar(s) && s == v {
			return true
		}
	}
	return false
}

// scalar reports whether v can be compared with == (lists and objects
// would panic).
func scalar(v any) bool {
	switch v.(type) {
	case nil, string, bool, json.Number:
		return true
	}
	return false
}

// truthy is Python's truth value of a JSON value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	if s, ok := jsonx.Scalar(v); ok {
		return s != "0" && s != "0.0" && s != "-0.0"
	}
	return true
}

package editors

import (
	"encoding/json"
	"fmt"

	"github.com/openstream-go/openstream/api/slideshowform"
	"github.com/openstream-go/openstream/realtime/wsconn"
	"github.com/openstream-go/openstream/rest"
)

// Frames that never change.
var (
	frameAuthenticated = []byte(`{"type":"authenticated"}`)
	frameUpdated       = []byte(`{"message":"Slideshow updated"}`)
)

// Error texts of the protocol (docs/editors-websocket.md), and ours.
const (
	errMissingAuth       = "Missing authentication"
	errInvalidJSON       = "Invalid JSON"
	errInvalidJSONData   = "Invalid JSON data"
	errGeneric           = "An error occurred"
	errMissingData       = "Missing or invalid data"
	errInvalidUpdate     = "Slideshow could not be updated due to invalid data."
	errNoBranchID        = "Branch id not found"
	errUnknownBranch     = "No branch matches with that branch id"
	errNoSlideshow       = "Slideshow not found"
	errPresenceJoin      = "User could not be added to list of active users"
	errPresenceBroadcast = "Could not broadcast list of active users"
	errRedisLost         = "Realtime connection lost (Redis); changes by others may arrive late"
	errBinary            = "Binary messages are not accepted"
	errStaleRevision     = slideshowform.MsgStale
)

func errTooLarge(limit int64) string { return fmt.Sprintf("Message too large (limit %d bytes)", limit) }

func errPermission(username, branch string) string {
	return fmt.Sprintf("User '%s' does not have permission to access branch_id=%s.", username, branch)
}

func wsErr(code int, msg string) *wsconn.Error { return &wsconn.Error{Error: msg, Code: code} }

// decodeAuth reads the first message of a socket: the token of an
// {"type":"authenticate","token":...}, or the error whose code the socket is
// closed with (the table of docs/editors-websocket.md, "Authenticating"; JSON
// without "type" is the KeyError upstream answers with the generic 4006).
func decodeAuth(raw []byte) (string, *wsconn.Error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", wsErr(wsconn.CodeInvalidJSON, errInvalidJSON)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return "", wsErr(wsconn.CodeGeneric, errGeneric)
	}
	typ, ok := obj["type"]
	if !ok {
		return "", wsErr(wsconn.CodeGeneric, errGeneric)
	}
	if s, _ := typ.(string); s != "authenticate" {
		return "", wsErr(wsconn.CodeNotAuth, errMissingAuth)
	}
	tok := obj["token"]
	if falsy(tok) {
		return "", wsErr(wsconn.CodeNotFound, errMissingAuth)
	}
	s, ok := tok.(string)
	if !ok { // simplejwt rejects a non-string token as invalid
		return "", wsErr(wsconn.CodeUnauthorized, errMissingAuth)
	}
	return s, nil
}

// falsy is Python's truth test of a decoded JSON value.
func falsy(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// A message after authentication is an update or ignored.
type messageKind int

const (
	kindIgnore messageKind = iota
	kindUpdate
)

// decodeMessage reads a message after authentication: an update with its
// data (decoded, and its fields as the editor wrote them, which free-form
// JSON is stored from), something to ignore, or the error to answer with
// (none closes).
func decodeMessage(raw []byte) (messageKind, rest.Body, rest.RawFields, *wsconn.Error) {
	if !json.Valid(raw) {
		return kindIgnore, nil, nil, wsErr(wsconn.CodeInvalidJSON, errInvalidJSONData)
	}
	var obj map[string]json.RawMessage
	err := json.Unmarshal(raw, &obj) // fails only for JSON that is not an object
	typ, ok := obj["type"]
	if err != nil || obj == nil || !ok {
		return kindIgnore, nil, nil, wsErr(wsconn.CodeGeneric, errGeneric)
	}
	var kind string
	if json.Unmarshal(typ, &kind) != nil || kind != "update" {
		return kindIgnore, nil, nil, nil
	}
	data, fields, err := rest.DecodeObject(obj["data"])
	if err != nil || len(data) == 0 {
		return kindIgnore, nil, nil, wsErr(wsconn.CodeNotFound, errMissingData)
	}
	return kindUpdate, data, fields, nil
}

// marshalFrame encodes a frame; the frames here always encode, so a
// failure (a value JSON cannot hold) becomes the generic error.
func marshalFrame(v any) []byte {
	raw, err := rest.Marshal(v)
	if err != nil {
		raw, _ = rest.Marshal(wsErr(wsconn.CodeGeneric, errGeneric))
	}
	return raw
}

package screens

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/openstream-go/openstream/realtime/wsconn"
	"github.com/openstream-go/openstream/schedule"
)

// Messages of the screen protocol (docs/screens-websocket.md); the key and
// content errors are the REST API's own (apikey, schedule).
const (
	msgMissingAuth   = "Missing authentication"
	msgInvalidJSON   = "Invalid JSON"
	msgGeneric       = "An error occurred"
	msgKeyRequired   = "API key required."
	msgScreenNeeded  = "Display website ID is required."
	msgNoScreen      = "No DisplayWebsite matches the given query."
	msgRedisLost     = "Realtime connection lost (Redis); content changes may arrive late"
	msgShuttingDown  = "server shutting down"
	msgTooLarge      = "Message too large"
	msgUnknownType   = "Unknown message type"
	msgUnknownVer    = "Unknown content version"
	msgTooManyAcks   = "Too many acknowledgements"
	typeAuthenticate = "authenticate"
	typeResend       = "resend"
	typeAck          = "ack"
)

// codeTooMany answers acks beyond the socket's rate (the socket stays open).
const codeTooMany = 4008

// hello is the first message a screen sends.
type hello struct {
	APIKey string
	// ScreenID or UID names the screen; UID is looked up in the key's branch.
	ScreenID string
	UID      string
}

// protocolError is a message the server answers with an error frame
// (closing the socket when close is set).
type protocolError struct {
	code  int
	msg   string
	close bool
}

func (e *protocolError) Error() string { return e.msg }

func fail(code int, msg string) *protocolError {
	return &protocolError{code: code, msg: msg, close: true}
}

// decodeHello reads the first message: valid JSON, an object, type
// authenticate, an apiKey and a displayWebsiteId (number or string) or uid.
func decodeHello(raw []byte) (hello, *protocolError) {
	var msg map[string]json.RawMessage
	if !json.Valid(raw) {
		return hello{}, fail(wsconn.CodeInvalidJSON, msgInvalidJSON)
	}
	if err := json.Unmarshal(raw, &msg); err != nil || msg == nil {
		return hello{}, fail(wsconn.CodeGeneric, msgGeneric)
	}
	if text(msg["type"]) != typeAuthenticate {
		return hello{}, fail(wsconn.CodeNotAuth, msgMissingAuth)
	}
	h := hello{APIKey: text(msg["apiKey"]), ScreenID: id(msg["displayWebsiteId"]), UID: text(msg["uid"])}
	switch {
	case h.APIKey == "":
		return hello{}, fail(wsconn.CodeUnauthorized, msgKeyRequired)
	case h.ScreenID == "" && h.UID == "":
		return hello{}, fail(wsconn.CodeNotFound, msgScreenNeeded)
	}
	return h, nil
}

// later is a message after authentication: a resend request, an ack of
// a content version, or nothing to do.
type later struct {
	resend bool
	ack    string // the acknowledged version
}

// decodeLater reads a message after authentication: "resend" asks for the
// current content again, "ack" confirms a content message's version;
// anything else is answered but never closes.
func decodeLater(raw []byte) (later, *protocolError) {
	var msg map[string]json.RawMessage
	if !json.Valid(raw) {
		return later{}, &protocolError{code: wsconn.CodeInvalidJSON, msg: msgInvalidJSON}
	}
	if err := json.Unmarshal(raw, &msg); err != nil || msg == nil {
		return later{}, &protocolError{code: wsconn.CodeGeneric, msg: msgGeneric}
	}
	switch text(msg["type"]) {
	case typeResend:
		return later{resend: true}, nil
	case typeAck:
		v := text(msg["version"])
		if v == "" {
			return later{}, &protocolError{code: wsconn.CodeNotFound, msg: msgUnknownVer}
		}
		return later{ack: v}, nil
	case typeAuthenticate:
		return later{}, nil // a repeated authenticate is ignored, as for editors
	default:
		return later{}, &protocolError{code: wsconn.CodeGeneric, msg: msgUnknownType}
	}
}

// ackPrefix and ackSuffix frame an ack as players write it (and as
// docs/screens-websocket.md shows it).
var (
	ackPrefix = []byte(`{"type":"ack","version":"`)
	ackSuffix = []byte(`"}`)
)

// maxQuickVersion bounds the versions quickAck reads (ours are 24
// characters, or "none").
const maxQuickVersion = 64

// quickAck reads an ack written exactly as players write it,
// {"type":"ack","version":"<v>"} with a plain version, without a JSON
// decoder: ten thousand of them arrive within a second of a fan-out, and
// decoding each into a map cost more than recording it. Anything else
// (other spacing or order, escapes, other fields) is left to decodeLater,
// which reads it the same way.
func quickAck(raw []byte) (string, bool) {
	rest, ok := bytes.CutPrefix(raw, ackPrefix)
	if !ok {
		return "", false
	}
	v, ok := bytes.CutSuffix(rest, ackSuffix)
	if !ok || len(v) == 0 || len(v) > maxQuickVersion {
		return "", false
	}
	for _, c := range v {
		plain := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.' || c == ':'
		if !plain {
			return "", false
		}
	}
	return string(v), true
}

// text is a JSON string's value ("" for anything else).
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// id is a JSON string's value or a JSON number's literal ("" otherwise);
// the lookup decides whether it names a screen.
func id(raw json.RawMessage) string {
	if v := text(raw); v != "" {
		return v
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return ""
	}
	return n.String()
}

// contentMessage is {"type":"content","version":...,"data":<body>}; data
// is null with a detail while the group has nothing to play.
func contentMessage(version string, body []byte) []byte {
	out := make([]byte, 0, len(body)+64)
	out = append(out, `{"type":"content","version":"`...)
	out = append(out, version...)
	out = append(out, `","data":`...)
	if body == nil {
		out = append(out, `null,"detail":"`...)
		out = append(out, schedule.ErrNoDefaultContent.Error()...)
		out = append(out, '"')
	} else {
		out = append(out, body...)
	}
	return append(out, '}')
}

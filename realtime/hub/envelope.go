package hub

import (
	"bytes"
	"errors"
	"strings"
)

// An envelope is how a message crosses Redis: the publishing instance, the
// topic and the payload, separated by newlines (neither the instance id nor
// a topic may hold one).
func encodeEnvelope(origin, topic string, payload []byte) []byte {
	out := make([]byte, 0, len(origin)+len(topic)+2+len(payload))
	out = append(out, origin...)
	out = append(out, '\n')
	out = append(out, topic...)
	out = append(out, '\n')
	return append(out, payload...)
}

var errBadEnvelope = errors.New("realtime: malformed envelope")

// decodeEnvelope splits an envelope; anything else on the channel (another
// program's message) is errBadEnvelope.
func decodeEnvelope(raw []byte) (origin, topic string, payload []byte, err error) {
	i := bytes.IndexByte(raw, '\n')
	if i <= 0 {
		return "", "", nil, errBadEnvelope
	}
	j := bytes.IndexByte(raw[i+1:], '\n')
	if j <= 0 {
		return "", "", nil, errBadEnvelope
	}
	return string(raw[:i]), string(raw[i+1 : i+1+j]), raw[i+2+j:], nil
}

// validName is true for a topic or instance id that can travel in an envelope.
func validName(s string) bool { return s != "" && !strings.ContainsAny(s, "\n") }

package hub

import (
	"bytes"
	"testing"
)

func TestEnvelope(t *testing.T) {
	for _, tc := range []struct {
		raw           string
		origin, topic string
		payload       string
		ok            bool
	}{
		{"a\nchanges\n{}", "a", "changes", "{}", true},
		{"a\nt\n", "a", "t", "", true},
		{"a\nt\nline\nbreaks\n", "a", "t", "line\nbreaks\n", true},
		{"", "", "", "", false},
		{"\nt\nx", "", "", "", false},
		{"a\n\nx", "", "", "", false},
		{"a\nt", "", "", "", false},
		{"hello from another program", "", "", "", false},
	} {
		o, topic, p, err := decodeEnvelope([]byte(tc.raw))
		if (err == nil) != tc.ok || o != tc.origin || topic != tc.topic || string(p) != tc.payload {
			t.Errorf("%q: %q %q %q %v", tc.raw, o, topic, p, err)
		}
	}
}

// FuzzEnvelope: decoding never panics, and what encodes decodes back.
func FuzzEnvelope(f *testing.F) {
	f.Add("a", "changes", []byte("{}"))
	f.Add("", "", []byte("\n\n"))
	f.Fuzz(func(t *testing.T, origin, topic string, payload []byte) {
		_, _, _, _ = decodeEnvelope(payload)
		if !validName(origin) || !validName(topic) {
			return
		}
		o, tp, p, err := decodeEnvelope(encodeEnvelope(origin, topic, payload))
		if err != nil || o != origin || tp != topic || !bytes.Equal(p, payload) {
			t.Fatalf("round trip of %q %q %q: %q %q %q %v", origin, topic, payload, o, tp, p, err)
		}
	})
}

package screens

import "testing"

func TestQuickAck(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		version string
		quick   bool
	}{
		{`{"type":"ack","version":"3f2a9c0d1e4b5a6978c0d1e2"}`, "3f2a9c0d1e4b5a6978c0d1e2", true},
		{`{"type":"ack","version":"none"}`, "none", true},
		{`{"type":"ack","version":""}`, "", false},            // decodeLater answers 4004
		{`{"type":"ack","version":"a\"b"}`, "", false},        // an escape
		{`{"type":"ack","version":" v "}`, "", false},         // decodeLater trims it
		{`{"type": "ack", "version": "v"}`, "", false},        // other spacing
		{`{"type":"ack","version":"v","extra":1}`, "", false}, // more fields
		{`{"type":"ack","version":"v"}trailing`, "", false},   // not JSON
		{`{"type":"ack","version":"v"}}`, "", false},          // not JSON either
		{`{"type":"resend","version":"v"}`, "", false},        // another type
	} {
		v, ok := quickAck([]byte(tc.raw))
		if v != tc.version || ok != tc.quick {
			t.Errorf("quickAck(%s) = %q, %v; want %q, %v", tc.raw, v, ok, tc.version, tc.quick)
		}
	}
}

// Whatever quickAck accepts, decodeLater reads as the same ack.
func FuzzQuickAck(f *testing.F) {
	for _, seed := range []string{`{"type":"ack","version":"v1"}`, `{"type":"ack","version":"a:b.c-d_e"}`, `{"type":"ack","version":"\u0041"}`, `{"type":"ack","version":"x"}"}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, ok := quickAck([]byte(raw))
		if !ok {
			return
		}
		msg, perr := decodeLater([]byte(raw))
		if perr != nil || msg.ack != v || msg.resend {
			t.Fatalf("quickAck(%q) = %q, decodeLater: %+v %v", raw, v, msg, perr)
		}
	})
}

package jsonx_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/openstream-go/openstream/integrations/internal/jsonx"
)

func TestStr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"plain"`, "plain"},
		{`12`, "12"},
		{`-0`, "0"},
		{`12.50`, "12.5"},
		{`1e3`, "1000.0"},
		{`1e16`, "1e+16"},
		{`0.00001`, "1e-05"},
		{`123456789012345678901234567890`, "123456789012345678901234567890"},
		{`true`, "True"},
		{`null`, "None"},
		{`[]`, "[]"},
		{`{}`, "{}"},
		{`{"b":1,"a":[true,null,"x"]}`, `{'b': 1, 'a': [True, None, 'x']}`},
		{`["it's", "say \"hi\"", "both ' \"", "tab\tnl\n", "\u0001", "æøå", "\u00a0"]`,
			`["it's", 'say "hi"', 'both \' "', 'tab\tnl\n', '\x01', 'æøå', '\xa0']`},
		{`not json`, ""},
	} {
		if got := jsonx.Str(json.RawMessage(tc.in)); got != tc.want {
			t.Errorf("Str(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestScalar(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
		ok   bool
	}{
		{"x", "x", true}, {json.Number("7"), "7", true}, {json.Number("7.0"), "7.0", true},
		{true, "True", true}, {false, "False", true}, {nil, "", false}, {[]any{}, "", false}, {map[string]any{}, "", false},
	} {
		if got, ok := jsonx.Scalar(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("Scalar(%#v) = %q %v", tc.in, got, ok)
		}
	}
}

func TestPyInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"7", 7, true}, {" +7 ", 7, true}, {"-7", -7, true}, {"1_0", 10, true}, {"1_000", 0, false}, {"007", 7, true},
		{"", 0, false}, {"+", 0, false}, {"1__0", 0, false}, {"_1", 0, false}, {"1_", 0, false},
		{"1.0", 0, false}, {"0x10", 0, false}, {"101", 0, false}, {"100", 100, true},
	} {
		if got, ok := jsonx.PyInt(tc.in, 100); got != tc.want || ok != tc.ok {
			t.Errorf("PyInt(%q) = %d %v", tc.in, got, ok)
		}
	}
}

func TestMembersAndObject(t *testing.T) {
	m, err := jsonx.Members([]byte(`{"b":1,"a":{"x":[1]},"b":2}`))
	if err != nil || len(m) != 3 || m[0].Key != "b" || string(m[1].Value) != `{"x":[1]}` {
		t.Fatalf("%v %v", m, err)
	}
	if v, ok := jsonx.Last(m, "b"); !ok || string(v) != "2" {
		t.Fatalf("last %s", v)
	}
	for _, bad := range []string{`[1]`, `{"a":}`, `{"a":1} {}`, ``} {
		if _, err := jsonx.Members([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	out, err := jsonx.Marshal(jsonx.Object{{Key: "z", Value: "<&>"}, {Key: "a", Value: jsonx.Object{}}})
	if err != nil || string(out) != `{"z":"<&>","a":{}}` {
		t.Fatalf("%s %v", out, err)
	}
	if _, err := jsonx.Marshal(jsonx.Object{{Key: "x", Value: math.Inf(1)}}); err == nil {
		t.Fatal("infinity encoded")
	}
}

// Str never panics on any input, and a JSON string comes back as its text.
func FuzzStr(f *testing.F) {
	for _, seed := range []string{`{"a":[1,{"b":null}]}`, `"x"`, `[`, `{"a"`, `1e999`, `[1,]`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := jsonx.Str(raw)
		var s string
		if json.Unmarshal(raw, &s) == nil && got != s {
			t.Fatalf("Str(%q) = %q, want %q", raw, got, s)
		}
	})
}

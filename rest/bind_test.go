package rest

import (
	"encoding/json"
	"testing"
)

// A JSON object decodes into values and, beside them, each value as the
// client wrote it.
func TestDecodeObject(t *testing.T) {
	body, raw, err := DecodeObject([]byte(`{"name":"x","data":{"b":1,"a":[2.50,{"d":null,"c":"\u00e6"}]},"n":1.0}`))
	if err != nil {
		t.Fatal(err)
	}
	if body["name"] != "x" || body["n"] != 1.0 || string(raw["data"]) != `{"b":1,"a":[2.50,{"d":null,"c":"\u00e6"}]}` || len(raw) != 3 {
		t.Fatalf("body %v raw %v", body, raw)
	}
	if body, raw, err := DecodeObject([]byte(`null`)); body != nil || raw != nil || err != nil {
		t.Fatalf("null: %v %v %v", body, raw, err)
	}
	for _, in := range []string{`[1]`, `"x"`, `1`} {
		if _, _, err := DecodeObject([]byte(in)); err == nil {
			t.Fatalf("%s decoded as an object", in)
		} else if _, ok := err.(*json.UnmarshalTypeError); !ok {
			t.Fatalf("%s: %T %v", in, err, err)
		}
	}
	if _, _, err := DecodeObject([]byte(`{"a":`)); err == nil {
		t.Fatal("broken JSON decoded")
	}
}

// JSONValue keeps objects, arrays, numbers and booleans as written
// (compacted); strings, null and invalid UTF-8 are the decoded value.
func TestJSONValue(t *testing.T) {
	body, raw, err := DecodeObject([]byte("{\"o\": {\"b\" : 1, \"a\" : [ 1e2 ]}, \"l\":[{\"z\":1,\"y\":2}], \"n\":1.50, \"t\":true," +
		"\"s\":\"{\\\"b\\\":1}\", \"null\":null, \"bad\":{\"b\":\"\xff\",\"a\":1}}"))
	if err != nil {
		t.Fatal(err)
	}
	f := FormOf(nil, body, nil).WithRaw(raw)
	for key, want := range map[string]string{
		"o": `{"b":1,"a":[1e2]}`, "l": `[{"z":1,"y":2}]`, "n": `1.50`, "t": `true`,
		"s": `"{\"b\":1}"`, "null": `null`, "bad": `{"a":1,"b":"` + "\ufffd" + `"}`,
	} {
		v, ok := f.JSONValue(key)
		got, _ := json.Marshal(v)
		if !ok || string(got) != want {
			t.Errorf("%s: %s (%T), want %s", key, got, v, want)
		}
	}
	if _, ok := f.JSONValue("missing"); ok {
		t.Error("a missing key is present")
	}
	// Without the raw fields (a form body), the decoded value.
	if v, _ := FormOf(nil, body, nil).JSONValue("o"); v == nil {
		t.Error("no value without raw fields")
	} else if _, isMap := v.(map[string]any); !isMap {
		t.Errorf("%T", v)
	}
}

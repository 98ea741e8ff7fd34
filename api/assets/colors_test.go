package assets_test

import (
	"fmt"
	"testing"

	"github.com/openstream-go/openstream/collections"
)

var colorKeys = []string{"id", "name", "hex_value", "type", "position", "organisation"}

func TestColors(t *testing.T) {
	w := newWorld(t)
	red := w.create(t, collections.CustomColors, map[string]any{"name": "Red", "hex_value": "#ff0000", "type": "primary", "position": 1, "organisation": w.org["aarhus"]})
	theirs := w.create(t, collections.CustomColors, map[string]any{"name": "Blue", "hex_value": "#0000ff", "type": "text", "position": 1, "organisation": w.org["odense"]})
	q := "?organisation_id=aarhus"
	one := "/api/custom-colors/" + red.Id + "/" + q
	w.run(t, []row{
		{name: "list", user: "ulla", method: "GET", path: "/api/custom-colors/" + q, status: 200, keys: colorKeys},
		{name: "other organisation", user: "olga", method: "GET", path: "/api/custom-colors/" + q, status: 403, want: `{"detail":"You don't have permission to access this organization."}`},
		{name: "create gets the next position", user: "alice", method: "POST", path: "/api/custom-colors/" + q,
			body: map[string]any{"name": "Green", "hex_value": "#00ff00", "type": "accent", "organisation": w.org["odense"]}, status: 201, keys: colorKeys},
		{name: "create duplicate", user: "alice", method: "POST", path: "/api/custom-colors/" + q, body: map[string]any{"name": "Red", "hex_value": "#f00", "type": "primary"}, status: 400,
			want: `{"message":["A color with this name already exists in this organisation."]}`},
		{name: "create bad type", user: "alice", method: "POST", path: "/api/custom-colors/" + q, body: map[string]any{"name": "X", "hex_value": "#f00", "type": "pink"}, status: 400,
			want: `{"type":["\"pink\" is not a valid choice."]}`},
		{name: "create missing fields", user: "alice", method: "POST", path: "/api/custom-colors/" + q, body: map[string]any{}, status: 400,
			want: `{"name":["This field is required."],"hex_value":["This field is required."],"type":["This field is required."]}`},
		{name: "create as org user", user: "ulla", method: "POST", path: "/api/custom-colors/" + q, body: map[string]any{"name": "X", "hex_value": "#f00", "type": "text"}, status: 403,
			want: `{"detail":"You must be an organization admin to add colors."}`},
		{name: "create in another organisation", user: "olga", method: "POST", path: "/api/custom-colors/" + q, body: map[string]any{"name": "X", "hex_value": "#f00", "type": "text"}, status: 403,
			want: `{"detail":"You must be an organization admin to add colors."}`},
		{name: "patch", user: "alice", method: "PATCH", path: one, body: map[string]any{"hex_value": "#ee0000"}, status: 200,
			want: fmt.Sprintf(`{"id":%s,"name":"Red","hex_value":"#ee0000","type":"primary","position":1,"organisation":%s}`, red.Id, w.org["aarhus"])},
		{name: "patch another organisation's", user: "alice", method: "PATCH", path: "/api/custom-colors/" + theirs.Id + "/" + q, body: map[string]any{"name": "X"}, status: 404,
			want: `{"detail":"Color not found."}`},
		{name: "patch as org user", user: "ulla", method: "PATCH", path: one, body: map[string]any{"name": "X"}, status: 403, want: `{"detail":"You must be an organization admin to modify colors."}`},
		{name: "no get one", user: "alice", method: "GET", path: one, status: 405, want: `{"detail":"Method \"GET\" not allowed."}`},
		{name: "delete as org user", user: "ulla", method: "DELETE", path: one, status: 403, want: `{"detail":"You must be an organization admin to delete colors."}`},
		{name: "delete missing", user: "alice", method: "DELETE", path: "/api/custom-colors/999/" + q, status: 404, want: `{"detail":"Color not found."}`},
		{name: "delete", user: "alice", method: "DELETE", path: one, status: 204},
	})
}

// A position left out, null or 0 becomes one past the organisation's
// highest; the list is ordered by position, then name.
func TestColorPositions(t *testing.T) {
	w := newWorld(t)
	w.create(t, collections.CustomColors, map[string]any{"name": "Far", "hex_value": "#000", "type": "text", "position": 7, "organisation": w.org["odense"]})
	q := "/api/custom-colors/?organisation_id=aarhus"
	for i, body := range []map[string]any{
		{"name": "C", "hex_value": "#000", "type": "text"},
		{"name": "B", "hex_value": "#000", "type": "text", "position": nil},
		{"name": "A", "hex_value": "#000", "type": "text", "position": 0},
		{"name": "D", "hex_value": "#000", "type": "text", "position": "1"},
	} {
		got := decode[map[string]any](t, w.do(t, "alice", "POST", q, body))
		if want := []float64{1, 2, 3, 1}[i]; got["position"] != want {
			t.Fatalf("%v: position %v, want %v", body, got["position"], want)
		}
	}
	var names []any
	for _, c := range decode[[]map[string]any](t, w.do(t, "ulla", "GET", q, nil)) {
		names = append(names, c["name"])
	}
	if fmt.Sprint(names) != "[C D B A]" {
		t.Fatalf("order %v", names)
	}
}

package assets_test

import (
	"fmt"
	"testing"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
)

var colorKeys = []string{"id", "name", "hex_value", "type", "position", "organisation"}

func TestColors(t *testing.T) {
	w := newWorld(t)
	red := w.Create(t, collections.CustomColors, map[string]any{"name": "Red", "hex_value": "#ff0000", "type": "primary", "position": 1, "organisation": w.Org["aarhus"]})
	theirs := w.Create(t, collections.CustomColors, map[string]any{"name": "Blue", "hex_value": "#0000ff", "type": "text", "position": 1, "organisation": w.Org["odense"]})
	q := "?organisation_id=aarhus"
	one := "/api/custom-colors/" + red.Id + "/" + q
	w.Run(t, []apitest.Row{
		{Name: "list", User: "ulla", Method: "GET", Path: "/api/custom-colors/" + q, Status: 200, Keys: colorKeys},
		{Name: "other organisation", User: "olga", Method: "GET", Path: "/api/custom-colors/" + q, Status: 403, Want: `{"detail":"You don't have permission to access this organization."}`},
		{Name: "create gets the next position", User: "alice", Method: "POST", Path: "/api/custom-colors/" + q,
			Body: map[string]any{"name": "Green", "hex_value": "#00ff00", "type": "accent", "organisation": w.Org["odense"]}, Status: 201, Keys: colorKeys},
		{Name: "create duplicate", User: "alice", Method: "POST", Path: "/api/custom-colors/" + q, Body: map[string]any{"name": "Red", "hex_value": "#f00", "type": "primary"}, Status: 400,
			Want: `{"message":["A color with this name already exists in this organisation."]}`},
		{Name: "create bad type", User: "alice", Method: "POST", Path: "/api/custom-colors/" + q, Body: map[string]any{"name": "X", "hex_value": "#f00", "type": "pink"}, Status: 400,
			Want: `{"type":["\"pink\" is not a valid choice."]}`},
		{Name: "create missing fields", User: "alice", Method: "POST", Path: "/api/custom-colors/" + q, Body: map[string]any{}, Status: 400,
			Want: `{"name":["This field is required."],"hex_value":["This field is required."],"type":["This field is required."]}`},
		{Name: "create as org user", User: "ulla", Method: "POST", Path: "/api/custom-colors/" + q, Body: map[string]any{"name": "X", "hex_value": "#f00", "type": "text"}, Status: 403,
			Want: `{"detail":"You must be an organization admin to add colors."}`},
		{Name: "create in another organisation", User: "olga", Method: "POST", Path: "/api/custom-colors/" + q, Body: map[string]any{"name": "X", "hex_value": "#f00", "type": "text"}, Status: 403,
			Want: `{"detail":"You must be an organization admin to add colors."}`},
		{Name: "patch", User: "alice", Method: "PATCH", Path: one, Body: map[string]any{"hex_value": "#ee0000"}, Status: 200,
			Want: fmt.Sprintf(`{"id":%s,"name":"Red","hex_value":"#ee0000","type":"primary","position":1,"organisation":%s}`, red.Id, w.Org["aarhus"])},
		{Name: "patch another organisation's", User: "alice", Method: "PATCH", Path: "/api/custom-colors/" + theirs.Id + "/" + q, Body: map[string]any{"name": "X"}, Status: 404,
			Want: `{"detail":"Color not found."}`},
		{Name: "patch as org user", User: "ulla", Method: "PATCH", Path: one, Body: map[string]any{"name": "X"}, Status: 403, Want: `{"detail":"You must be an organization admin to modify colors."}`},
		{Name: "no get one", User: "alice", Method: "GET", Path: one, Status: 405, Want: `{"detail":"Method \"GET\" not allowed."}`},
		{Name: "delete as org user", User: "ulla", Method: "DELETE", Path: one, Status: 403, Want: `{"detail":"You must be an organization admin to delete colors."}`},
		{Name: "delete missing", User: "alice", Method: "DELETE", Path: "/api/custom-colors/999/" + q, Status: 404, Want: `{"detail":"Color not found."}`},
		{Name: "delete", User: "alice", Method: "DELETE", Path: one, Status: 204},
	})
}

// A position left out, null or 0 becomes one past the organisation's
// highest; the list is ordered by position, then name.
func TestColorPositions(t *testing.T) {
	w := newWorld(t)
	w.Create(t, collections.CustomColors, map[string]any{"name": "Far", "hex_value": "#000", "type": "text", "position": 7, "organisation": w.Org["odense"]})
	q := "/api/custom-colors/?organisation_id=aarhus"
	for i, body := range []map[string]any{
		{"name": "C", "hex_value": "#000", "type": "text"},
		{"name": "B", "hex_value": "#000", "type": "text", "position": nil},
		{"name": "A", "hex_value": "#000", "type": "text", "position": 0},
		{"name": "D", "hex_value": "#000", "type": "text", "position": "1"},
	} {
		got := apitest.Decode[map[string]any](t, w.Do(t, "alice", "POST", q, body))
		if want := []float64{1, 2, 3, 1}[i]; got["position"] != want {
			t.Fatalf("%v: position %v, want %v", body, got["position"], want)
		}
	}
	var names []any
	for _, c := range apitest.Decode[[]map[string]any](t, w.Do(t, "ulla", "GET", q, nil)) {
		names = append(names, c["name"])
	}
	if fmt.Sprint(names) != "[C D B A]" {
		t.Fatalf("order %v", names)
	}
}

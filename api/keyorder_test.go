package api_test

import (
	"encoding/json"
	"testing"
)

// writtenData is free-form JSON as the editor writes it: keys in its own
// order at every level, numbers and escapes spelt its way, markup.
const writtenData = `{"slides":[{"name":"order test","duration":5,"elements":[{"id":1,"type":"text",` +
	`"fontSize":"80","text":"<b>Hej</b> \u00e6 & \"du\"","style":{"zIndex":2,"color":"#fff"},"opacity":1.0,"scale":1e2}]}],` +
	`"version":2,"aspect":{"w":16,"h":9}}`

// rawPath is the JSON value at path (object keys) in body, as it was sent.
func rawPath(t *testing.T, body []byte, path ...string) string {
	t.Helper()
	raw := json.RawMessage(body)
	for _, key := range path {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj[key] == nil {
			t.Fatalf("no %v in %s", path, body)
		}
		raw = obj[key]
	}
	return string(raw)
}

// rawItem is the JSON value at path in the first element of the array at key.
func rawItem(t *testing.T, body []byte, key string, path ...string) string {
	t.Helper()
	var list []json.RawMessage
	if err := json.Unmarshal([]byte(rawPath(t, body, key)), &list); err != nil || len(list) == 0 {
		t.Fatalf("no %s list in %s", key, body)
	}
	return rawPath(t, list[0], path...)
}

// Free-form JSON written through REST comes back as written, key for key:
// in the answer, in later reads and in what the screen plays.
func TestFreeFormJSONKeptAsWritten(t *testing.T) {
	w := newWorld(t)
	a := w.signage(t, "aarhus")
	alice := "Authorization: " + w.bearer(t, "alice")
	one := "/api/manage_content/" + a.slideshow + "/?branch_id=" + a.branch

	patch := w.do(t, "PATCH", one, `{"slideshow_data":`+writtenData+`,"name":"aarhus welcome"}`, alice)
	expect(t, patch, 200, "")
	reads := map[string][]byte{
		"PATCH answer": patch.Body,
		"detail":       w.do(t, "GET", one, nil, alice).Body,
	}
	for what, body := range reads {
		if got := rawPath(t, body, "slideshow_data"); got != writtenData {
			t.Errorf("%s:\n got %s\nwant %s", what, got, writtenData)
		}
	}
	list := w.do(t, "GET", "/api/manage_content/?branch_id="+a.branch+"&id="+a.slideshow, nil, alice)
	if got := rawPath(t, list.Body, "slideshow_data"); got != writtenData {
		t.Errorf("list by id: %s", got)
	}
	player := w.do(t, "GET", "/api/display-website/get-active-content?id="+a.screen, nil, "X-API-KEY: "+a.key)
	if got := rawItem(t, player.Body, "items", "slideshow", "slideshow_data"); got != writtenData {
		t.Errorf("screen's content: %s", got)
	}

	created := w.do(t, "POST", "/api/manage_content/?branch_id="+a.branch, `{"name":"Copy","slideshow_data":`+writtenData+`}`, alice)
	expect(t, created, 201, "")
	if got := rawPath(t, created.Body, "slideshow_data"); got != writtenData {
		t.Errorf("created: %s", got)
	}

	wayfinding := w.do(t, "POST", "/api/wayfinding/?branch_id="+a.branch, `{"name":"Library","wayfinding_data":`+writtenData+`}`, alice)
	expect(t, wayfinding, 201, "")
	if got := rawPath(t, wayfinding.Body, "wayfinding_data"); got != writtenData {
		t.Errorf("wayfinding: %s", got)
	}
	id := rawPath(t, wayfinding.Body, "id")
	patched := w.do(t, "PATCH", "/api/wayfinding/"+id+"/?branch_id="+a.branch, `{"wayfinding_data":{"z":[{"b":1,"a":2}],"y":true}}`, alice)
	read := w.do(t, "GET", "/api/wayfinding/?id="+id, nil, "X-API-KEY: "+a.key)
	for what, body := range map[string][]byte{"wayfinding PATCH": patched.Body, "wayfinding read": read.Body} {
		if got := rawPath(t, body, "wayfinding_data"); got != `{"z":[{"b":1,"a":2}],"y":true}` {
			t.Errorf("%s: %s", what, got)
		}
	}
}

package api_test

import (
	"testing"

	"github.com/openstream-go/openstream/api/slideshowform"
	"github.com/openstream-go/openstream/collections"
)

// REST writes carry the revision too: a PATCH based on an older revision
// is a 409 with the current slideshow and changes nothing, one without a
// revision is saved as before, and one that changes nothing is answered
// without a save.
func TestSlideshowRevisionsOverREST(t *testing.T) {
	w := newWorld(t)
	a := w.signage(t, "aarhus")
	alice := "Authorization: " + w.bearer(t, "alice")
	employee := "Authorization: " + w.bearer(t, "aarhus_employee")
	one := "/api/manage_content/" + a.slideshow + "/?branch_id=" + a.branch
	revision := func(r response) float64 { v, _ := r.json(t)["revision"].(float64); return v }

	if got := revision(w.do(t, "GET", one, nil, alice)); got != 1 {
		t.Fatalf("revision %v", got)
	}
	newer := w.do(t, "PATCH", one, map[string]any{"revision": 1, "name": "Newer"}, alice)
	if newer.Status != 200 || revision(newer) != 2 {
		t.Fatalf("PATCH from revision 1: %d %s", newer.Status, newer.Body)
	}
	stale := w.do(t, "PATCH", one, `{"revision":1,"name":"Older","slideshow_data":{"b":1,"a":2}}`, employee)
	if stale.Status != 409 {
		t.Fatalf("stale PATCH: %d %s", stale.Status, stale.Body)
	}
	body := stale.json(t)
	data, _ := body["data"].(map[string]any)
	if body["detail"] != slideshowform.MsgStale || len(body) != 2 || data["name"] != "Newer" || data["revision"] != float64(2) ||
		rawPath(t, stale.Body, "data", "slideshow_data") != `{"slides":[{"id":1}]}` {
		t.Fatalf("stale PATCH answered %s", stale.Body)
	}
	r, _ := w.app.FindRecordById(collections.Slideshows, a.slideshow)
	if r.GetString("name") != "Newer" || r.GetInt(collections.RevisionField) != 2 {
		t.Fatalf("stored %q revision %d", r.GetString("name"), r.GetInt(collections.RevisionField))
	}
	expect(t, w.do(t, "PATCH", one, map[string]any{"revision": "two"}, alice), 400, `{"revision":["A valid integer is required."]}`)

	// Without a revision, or from the current one: saved.
	if got := w.do(t, "PATCH", one, map[string]any{"name": "Anyway"}, employee); got.Status != 200 || revision(got) != 3 {
		t.Fatalf("PATCH without revision: %d %s", got.Status, got.Body)
	}
	if got := w.do(t, "PATCH", one, map[string]any{"revision": 3, "name": "Current"}, alice); got.Status != 200 || revision(got) != 4 {
		t.Fatalf("PATCH from the current revision: %d %s", got.Status, got.Body)
	}

	// Nothing changed: answered, not saved.
	before, _ := w.app.FindRecordById(collections.Slideshows, a.slideshow)
	same := w.do(t, "PATCH", one, `{"revision":4,"name":"Current","slideshow_data":{"slides":[{"id":1}]},"previewWidth":1920}`, alice)
	if same.Status != 200 || revision(same) != 4 || same.json(t)["name"] != "Current" {
		t.Fatalf("unchanged PATCH: %d %s", same.Status, same.Body)
	}
	after, _ := w.app.FindRecordById(collections.Slideshows, a.slideshow)
	if after.GetInt(collections.RevisionField) != 4 || after.GetString("updated_at") != before.GetString("updated_at") {
		t.Fatalf("unchanged PATCH saved: revision %d, updated_at %s -> %s", after.GetInt(collections.RevisionField),
			before.GetString("updated_at"), after.GetString("updated_at"))
	}

	// A copy re-posts what it read, revision included: a new slideshow at 1.
	copied := w.do(t, "POST", "/api/manage_content/?branch_id="+a.branch, map[string]any{"name": "Copy", "revision": 4}, alice)
	if copied.Status != 201 || revision(copied) != 1 {
		t.Fatalf("copy: %d %s", copied.Status, copied.Body)
	}
}

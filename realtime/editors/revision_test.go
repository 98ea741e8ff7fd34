package editors

import (
	"testing"

	"github.com/openstream-go/openstream/collections"
)

func dataNamed(name string) func(map[string]any) bool {
	return func(m map[string]any) bool {
		d, _ := m["data"].(map[string]any)
		return m["error"] == nil && d["name"] == name
	}
}

func revisionIn(m map[string]any) float64 {
	d, _ := m["data"].(map[string]any)
	v, _ := d["revision"].(float64)
	return v
}

// Two editors from one revision: the first update is stored, the second
// (stale) is refused with the current slideshow, neither stored nor sent
// to the others, and the newer text stays. Updates without a revision are
// saved as before.
func TestStaleUpdateRefused(t *testing.T) {
	f, srvB := twoInstances(t)
	alice := f.open("alice")
	snap := alice.until("snapshot", isData)
	alice.untilPresence("alice")
	sam := f.openOn(srvB, "sam")
	if revisionIn(sam.until("snapshot", isData)) != 1 || revisionIn(snap) != 1 {
		t.Fatalf("snapshots without revision 1: %v", snap)
	}
	alice.untilPresence("alice,sam")
	sam.untilPresence("alice,sam")

	alice.send(map[string]any{"type": "update", "data": map[string]any{"revision": 1, "name": "Newer",
		"slideshow_data": map[string]any{"slides": []any{map[string]any{"name": "Newer text"}}}}})
	alice.expectFrame(`{"message":"Slideshow updated"}`)
	if m := alice.until("own broadcast", isData); revisionIn(m) != 2 {
		t.Fatalf("broadcast revision: %v", m)
	}
	if m := sam.until("broadcast", isData); revisionIn(m) != 2 || m["data"].(map[string]any)["name"] != "Newer" {
		t.Fatalf("broadcast: %v", m)
	}

	// sam still edits revision 1.
	sam.send(map[string]any{"type": "update", "data": map[string]any{"revision": 1, "name": "Older",
		"slideshow_data": map[string]any{"slides": []any{map[string]any{"name": "Older text"}}}}})
	m, raw := sam.nextFrame()
	d, _ := m["data"].(map[string]any)
	if m["error"] != errStaleRevision || m["code"] != float64(4009) || len(m) != 3 ||
		d["name"] != "Newer" || d["revision"] != float64(2) || d["previewWidth"] == nil ||
		slideshowData(t, raw) != `{"slides":[{"name":"Newer text"}]}` {
		t.Fatalf("stale update answered %s", raw)
	}
	r, _ := f.app.FindRecordById(collections.Slideshows, f.show.Id)
	if r.GetString("name") != "Newer" || slideName(t, f.app, f.show.Id) != "Newer text" || r.GetInt(collections.RevisionField) != 2 {
		t.Fatalf("stored %q %q revision %d", r.GetString("name"), slideName(t, f.app, f.show.Id), r.GetInt(collections.RevisionField))
	}

	// sam, now at revision 2, saves; alice's next frame is that save: the
	// refused one was never sent (one publisher's frames keep their order).
	sam.send(map[string]any{"type": "update", "data": map[string]any{"revision": 2, "name": "Merged"}})
	sam.expectFrame(`{"message":"Slideshow updated"}`)
	if m, _ := alice.nextFrame(); !dataNamed("Merged")(m) || revisionIn(m) != 3 {
		t.Fatalf("alice got %v", m)
	}

	// No revision: today's last-writer-wins.
	alice.send(map[string]any{"type": "update", "data": map[string]any{"name": "Without revision"}})
	alice.expectFrame(`{"message":"Slideshow updated"}`)
	alice.until("own broadcast", isData)
	if m := sam.until("broadcast", dataNamed("Without revision")); revisionIn(m) != 4 {
		t.Fatalf("revision %v", m)
	}
	// A revision that is not an integer is invalid data; null is none.
	alice.send(map[string]any{"type": "update", "data": map[string]any{"revision": "four", "name": "Bad"}})
	if m, raw := alice.nextFrame(); m["code"] != float64(4006) {
		t.Fatalf("invalid revision answered %s", raw)
	}
	alice.send(map[string]any{"type": "update", "data": map[string]any{"revision": nil, "name": "Null revision"}})
	alice.expectFrame(`{"message":"Slideshow updated"}`)
	sam.until("broadcast", dataNamed("Null revision"))
}

// The invalid revision's answer names the field.
func TestInvalidRevision(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.open("sam")
	c.until("snapshot", isData)
	c.untilPresence("sam")
	for _, v := range []any{"four", 1.5, -1, true, []any{1}} {
		c.send(map[string]any{"type": "update", "data": map[string]any{"revision": v, "name": "Bad"}})
		msg := "A valid integer is required."
		if v == -1 {
			msg = "Ensure this value is greater than or equal to 0."
		}
		c.expectFrame(`{"error":"Slideshow could not be updated due to invalid data.","code":4006,"detail":{"revision":["` + msg + `"]}}`)
	}
	if r, _ := f.app.FindRecordById(collections.Slideshows, f.show.Id); r.GetString("name") != "Show" {
		t.Fatalf("saved %q", r.GetString("name"))
	}
}

// An editor that sends its next update before the echo of the previous
// one arrived carries the revision it started from: its own saves since
// do not make it stale, anyone else's do.
func TestOwnUpdatesBuildOnEachOther(t *testing.T) {
	f, srvB := twoInstances(t)
	alice := f.open("alice")
	alice.until("snapshot", isData)
	alice.untilPresence("alice")
	sam := f.openOn(srvB, "sam")
	sam.until("snapshot", isData)
	alice.untilPresence("alice,sam")

	for _, name := range []string{"H", "He", "Hej"} { // typed quickly, all from revision 1
		alice.send(map[string]any{"type": "update", "data": map[string]any{"revision": 1, "name": name}})
	}
	for _, name := range []string{"H", "He", "Hej"} {
		alice.untilFrame(`{"message":"Slideshow updated"}`)
		if m := sam.until("broadcast", isData); !dataNamed(name)(m) {
			t.Fatalf("sam got %v, want %q", m, name)
		}
	}
	if r, _ := f.app.FindRecordById(collections.Slideshows, f.show.Id); r.GetInt(collections.RevisionField) != 4 {
		t.Fatalf("revision %d after three saves", r.GetInt(collections.RevisionField))
	}
	// sam saves on top (from revision 4); alice, still typing from 1, is stale now.
	sam.send(map[string]any{"type": "update", "data": map[string]any{"revision": 4, "name": "Sam's"}})
	sam.expectFrame(`{"message":"Slideshow updated"}`)
	alice.until("sam's save", dataNamed("Sam's"))
	alice.send(map[string]any{"type": "update", "data": map[string]any{"revision": 1, "name": "Hej!"}})
	if m, _ := alice.nextFrame(); m["code"] != float64(4009) || !dataNamed("Sam's")(map[string]any{"data": m["data"]}) || revisionIn(m) != 5 {
		t.Fatalf("alice got %v", m)
	}
	// From revision 5 she saves again, and builds on that save.
	alice.send(map[string]any{"type": "update", "data": map[string]any{"revision": 5, "name": "Hej! Sam"}})
	alice.send(map[string]any{"type": "update", "data": map[string]any{"revision": 5, "name": "Hej! Sam!"}})
	alice.untilFrame(`{"message":"Slideshow updated"}`)
	alice.untilFrame(`{"message":"Slideshow updated"}`)
	sam.until("last", dataNamed("Hej! Sam!"))
	if r, _ := f.app.FindRecordById(collections.Slideshows, f.show.Id); r.GetString("name") != "Hej! Sam!" || r.GetInt(collections.RevisionField) != 7 {
		t.Fatalf("stored %q revision %d", r.GetString("name"), r.GetInt(collections.RevisionField))
	}
}

// An update that changes nothing (its slideshow_data equal to the stored
// text byte for byte) is acknowledged, and neither stored nor sent.
func TestUnchangedUpdateNotSaved(t *testing.T) {
	f, srvB := twoInstances(t)
	alice := f.open("alice")
	_, snapshot := alice.untilRaw("snapshot", isData)
	alice.untilPresence("alice")
	sam := f.openOn(srvB, "sam")
	sam.until("snapshot", isData)
	alice.untilPresence("alice,sam")
	before, _ := f.app.FindRecordById(collections.Slideshows, f.show.Id)

	stored := slideshowData(t, snapshot)
	alice.sendRaw(`{"type":"update","data":{"revision":1,"name":"Show","slideshow_data":` + stored + `}}`)
	alice.expectFrame(`{"message":"Slideshow updated"}`)
	alice.sendRaw(`{"type":"update","data":{"slideshow_data":` + stored + `}}`)
	alice.expectFrame(`{"message":"Slideshow updated"}`)
	after, _ := f.app.FindRecordById(collections.Slideshows, f.show.Id)
	if after.GetInt(collections.RevisionField) != 1 || after.GetString("updated_at") != before.GetString("updated_at") {
		t.Fatalf("saved: revision %d, updated_at %s -> %s", after.GetInt(collections.RevisionField),
			before.GetString("updated_at"), after.GetString("updated_at"))
	}
	// The same slides in another key order are a change.
	alice.sendRaw(`{"type":"update","data":{"revision":1,"slideshow_data":{"slides":[{"name":"Old slide name","duration":5}]}}}`)
	alice.expectFrame(`{"message":"Slideshow updated"}`)
	if m, _ := alice.nextFrame(); revisionIn(m) != 2 {
		t.Fatalf("alice got %v", m)
	}
	// sam's first frame since joining is that one save.
	if m := sam.until("broadcast", isData); revisionIn(m) != 2 {
		t.Fatalf("sam got %v", m)
	}
}

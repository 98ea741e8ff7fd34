package editors

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/realtime/hub/hubtest"
)

// unsortedData is slideshow_data as an editor writes it: keys in the
// editor's order at every level, numbers and escapes spelt its way, markup.
const unsortedData = `{"slides":[{"name":"order test","duration":5,"elements":[{"id":1,"type":"text",` +
	`"fontSize":"80","text":"<b>Hej</b> \u00e6 & \"du\"","style":{"zIndex":2,"color":"#fff","align":"left"},` +
	`"opacity":1.0,"scale":1e2}],"background":null}],"version":2,"aspect":{"w":16,"h":9},"empty":{},"list":[]}`

// twoInstances is the fixture with a second Editors on another hub, the
// two linked through Redis as two servers of one deployment are.
func twoInstances(t *testing.T) (*fixture, *httptest.Server) {
	hubs := hubtest.Linked(t, 2)
	f := newFixture(t, Config{Hub: hubs[0]})
	_, srvB := f.instance(Config{Hub: hubs[1]})
	return f, srvB
}

// nextFrame is the next frame that is not a presence list, as sent: how
// often presence is sent while editors join on two instances depends on
// how their joins interleave, and is not what these tests are about.
func (c *client) nextFrame() (map[string]any, []byte) {
	c.t.Helper()
	for {
		m, raw, err := c.read()
		if err != nil {
			c.t.Fatalf("read: %v %s", err, raw)
		}
		if !isPresence(m) {
			return m, raw
		}
	}
}

// expectFrame is expect after any presence lists.
func (c *client) expectFrame(want string) {
	c.t.Helper()
	if m, raw := c.nextFrame(); !sameJSON(m, want) {
		c.t.Fatalf("frame\n got %s\nwant %s", raw, want)
	}
}

// untilRaw skips frames until one satisfies ok, and returns it as sent.
func (c *client) untilRaw(what string, ok func(map[string]any) bool) (map[string]any, []byte) {
	c.t.Helper()
	for {
		m, raw, err := c.read()
		if err != nil {
			c.t.Fatalf("waiting for %s: %v %s", what, err, raw)
		}
		if ok(m) {
			return m, raw
		}
	}
}

// slideshowData is the slideshow_data of a {"data": ...} frame (or of an
// error frame's data) exactly as the frame carries it.
func slideshowData(t testing.TB, frame []byte) string {
	t.Helper()
	var f map[string]json.RawMessage
	if err := json.Unmarshal(frame, &f); err != nil {
		t.Fatalf("frame %s: %v", frame, err)
	}
	var d map[string]json.RawMessage
	if err := json.Unmarshal(f["data"], &d); err != nil || d["slideshow_data"] == nil {
		t.Fatalf("no slideshow_data in %s", frame)
	}
	return string(d["slideshow_data"])
}

// What an editor writes is what every editor, the sender included, gets
// back and what is stored: key order, number spelling and escapes, byte
// for byte. The editor no longer sees its own save as someone else's.
func TestEditorsGetWhatTheEditorWrote(t *testing.T) {
	f, srvB := twoInstances(t)
	sam := f.open("sam")
	sam.until("snapshot", isData)
	sam.untilPresence("sam")
	alice := f.openOn(srvB, "alice")
	alice.until("snapshot", isData)
	alice.untilPresence("alice,sam")
	sam.untilPresence("alice,sam")

	sam.sendRaw(`{"type":"update","data":{"name":"order test","slideshow_data":` + unsortedData + `}}`)
	sam.expectFrame(`{"message":"Slideshow updated"}`)
	_, echo := sam.untilRaw("own broadcast", isData)
	_, other := alice.untilRaw("broadcast", isData)
	for who, frame := range map[string][]byte{"sender": echo, "other editor": other} {
		if got := slideshowData(t, frame); got != unsortedData {
			t.Errorf("%s got\n%s\nwant\n%s", who, got, unsortedData)
		}
	}
	if !bytes.Equal(echo, other) {
		t.Errorf("sender and other editor got different frames:\n%s\n%s", echo, other)
	}
	r, _ := f.app.FindRecordById(collections.Slideshows, f.show.Id)
	if got, _ := r.GetRaw("slideshow_data").(types.JSONRaw); string(got) != unsortedData {
		t.Errorf("stored\n%s\nwant\n%s", got, unsortedData)
	}
	// A new editor's snapshot is the same text.
	late := f.open("sam")
	if _, raw := late.untilRaw("snapshot", isData); slideshowData(t, raw) != unsortedData {
		t.Errorf("snapshot %s", raw)
	}
	// Spacing is not kept: the JSON is stored and sent compact.
	sam.sendRaw(`{"type":"update","data":{"slideshow_data": {"b" : 1,  "a" : [ 2 , 1 ] } }}`)
	sam.expectFrame(`{"message":"Slideshow updated"}`)
	if _, raw := alice.untilRaw("broadcast", isData); slideshowData(t, raw) != `{"b":1,"a":[2,1]}` {
		t.Errorf("spaced: %s", raw)
	}
}

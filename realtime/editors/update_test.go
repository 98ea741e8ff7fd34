package editors

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/openstream-go/openstream/collections"
)

// Messages after authentication: errors never close, except an oversized one.
func TestAuthenticatedMessages(t *testing.T) {
	f := newFixture(t, Config{MaxMessage: 4096})
	c := f.open("sam")
	c.until("snapshot", isData)
	c.untilPresence("sam")
	for _, tc := range []struct {
		name, msg string
		want      []string
	}{
		{"not JSON", `{"type":"update",`, []string{`{"error":"Invalid JSON data","code":4005}`}},
		{"not an object", `[{"type":"update"}]`, []string{`{"error":"An error occurred","code":4006}`}},
		{"number", `42`, []string{`{"error":"An error occurred","code":4006}`}},
		{"no type", `{"data":{"name":"x"}}`, []string{`{"error":"An error occurred","code":4006}`}},
		{"data missing", `{"type":"update"}`, []string{sentinelReply}},
		{"data empty", `{"type":"update","data":{}}`, []string{sentinelReply}},
		{"data not an object", `{"type":"update","data":"name"}`, []string{sentinelReply}},
		{"data a list", `{"type":"update","data":[{"name":"x"}]}`, []string{sentinelReply}},
		{"other type", `{"type":"chat","data":{"name":"x"}}`, nil},
		{"second authenticate", `{"type":"authenticate","token":"x"}`, nil},
		{"type not a string", `{"type":["update"],"data":{"name":"x"}}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := c.on(t)
			c.sendRaw(tc.msg)
			c.expectOnly(tc.want...)
		})
	}
	t.Run("binary", func(t *testing.T) {
		c := c.on(t)
		if err := c.ws.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"update"}`)); err != nil {
			t.Fatal(err)
		}
		c.expectOnly(`{"error":"Binary messages are not accepted","code":4006}`)
	})
	t.Run("invalid update saves nothing", func(t *testing.T) {
		c := c.on(t)
		before, _ := f.app.FindRecordById(collections.Slideshows, f.show.Id)
		c.send(map[string]any{"type": "update", "data": map[string]any{"name": "Changed", "mode": "bogus", "preview_width": 0}})
		m := c.next()
		if m["error"] != errInvalidUpdate || m["code"] != float64(4006) {
			t.Fatalf("frame %v", m)
		}
		detail, _ := m["detail"].(map[string]any)
		if detail["mode"] == nil || detail["preview_width"] == nil || detail["name"] != nil {
			t.Fatalf("detail %v", detail)
		}
		after, _ := f.app.FindRecordById(collections.Slideshows, f.show.Id)
		if after.GetString("name") != "Show" || after.GetString("updated_at") != before.GetString("updated_at") {
			t.Fatalf("row changed: %v", after)
		}
		c.expectOnly() // and nothing was broadcast
	})
	t.Run("too large closes with 1009", func(t *testing.T) {
		c := c.on(t)
		c.sendRaw(`{"type":"update","data":{"name":"` + strings.Repeat("x", 5000) + `"}}`)
		c.expect(`{"error":"Message too large (limit 4096 bytes)","code":4006}`)
		c.expectClose(websocket.CloseMessageTooBig)
	})
	waitIdleAfterClose(t, f)
}

// An update reaches every editor, the sender after its "Slideshow updated".
func TestUpdateBroadcast(t *testing.T) {
	f := newFixture(t, Config{})
	sam, alice := f.open("sam"), f.open("alice")
	sam.until("snapshot", isData)
	alice.until("snapshot", isData)
	alice.untilPresence("alice,sam")
	sam.untilPresence("alice,sam")

	sam.send(map[string]any{"type": "update", "data": map[string]any{"name": "Renamed", "previewWidth": 1080, "previewHeight": 1920, "id": 999, "unknown": true}})
	sam.expect(`{"message":"Slideshow updated"}`)
	for _, c := range []*client{sam, alice} {
		d, _ := c.next()["data"].(map[string]any)
		if d["name"] != "Renamed" || d["previewWidth"] != float64(1080) || d["preview_height"] != float64(1920) ||
			d["aspect_ratio"] != "9:16" || d["id"] != mustFloat(f.show.Id) {
			t.Fatalf("broadcast %v", d)
		}
	}
	r, _ := f.app.FindRecordById(collections.Slideshows, f.show.Id)
	if r.GetInt("preview_width") != 1080 || r.GetString("name") != "Renamed" {
		t.Fatalf("stored %v", r)
	}
}

func mustFloat(id string) float64 {
	var v float64
	_ = json.Unmarshal([]byte(id), &v)
	return v
}

// A save made elsewhere (REST PATCH, dashboard, a hook: any save without
// the socket's mark) reaches the editors; a delete tells them, and the
// socket stays open.
func TestSavesElsewhere(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.open("alice")
	c.until("snapshot", isData)
	c.untilPresence("alice")

	r, _ := f.app.FindRecordById(collections.Slideshows, f.show.Id)
	r.Set("name", "Saved over REST")
	if err := f.app.Save(r); err != nil {
		t.Fatal(err)
	}
	d, _ := c.next()["data"].(map[string]any)
	if d["name"] != "Saved over REST" || d["previewWidth"] == nil {
		t.Fatalf("broadcast %v", d)
	}
	if err := f.app.Delete(r); err != nil {
		t.Fatal(err)
	}
	c.expect(`{"error":"Slideshow not found","code":4004}`)
	c.send(map[string]any{"type": "update", "data": map[string]any{"name": "Too late"}})
	c.expect(`{"error":"Slideshow not found","code":4004}`)
	c.expectOnly()
}

// A user deactivated while editing is refused at the next update.
func TestDeactivatedWhileEditing(t *testing.T) {
	f := newFixture(t, Config{})
	c := f.open("alice")
	c.until("snapshot", isData)
	c.untilPresence("alice")
	u := f.w.Users["alice"]
	u.Set("is_active", false)
	if err := f.app.Save(u); err != nil {
		t.Fatal(err)
	}
	c.send(map[string]any{"type": "update", "data": map[string]any{"name": "Not any more"}})
	c.expect(`{"error":"Missing authentication","code":4001}`)
	c.expectClose(4001)
	if r, _ := f.app.FindRecordById(collections.Slideshows, f.show.Id); r.GetString("name") != "Show" {
		t.Fatalf("saved: %v", r)
	}
}

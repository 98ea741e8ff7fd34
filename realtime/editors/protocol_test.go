package editors

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
)

// The eight cases of upstream's app/tests/test_ws_slideshow.py (the protocol:
// docs/editors-websocket.md).
func TestUpstreamCases(t *testing.T) {
	// The auth timeout is short for case 8, long enough that a loaded CI
	// machine still authenticates the other cases in time.
	f := newFixture(t, Config{AuthTimeout: 2 * time.Second})
	path := f.path(f.w.Branch["aarhus"])

	t.Run("connect, authenticate, snapshot, update", func(t *testing.T) {
		f := f.on(t)
		c := f.dial(path) // 1
		c.send(map[string]any{"type": "authenticate", "token": f.token("sam")})
		c.expect(`{"type":"authenticated"}`)         // 2
		data, _ := c.next()["data"].(map[string]any) // 3
		if _, ok := data["slideshow_data"]; !ok {
			t.Fatalf("snapshot without slideshow_data: %v", data)
		}
		for camel, snake := range map[string]string{"previewWidth": "preview_width", "previewHeight": "preview_height", "isCustomDimensions": "is_custom_dimensions"} {
			if data[camel] == nil || data[camel] != data[snake] {
				t.Fatalf("%s = %v, %s = %v", camel, data[camel], snake, data[snake])
			}
		}
		c.send(map[string]any{"type": "update", "data": map[string]any{"slideshow_data": map[string]any{"slides": []any{map[string]any{"name": "New slide name"}}}}})
		c.untilFrame(`{"message":"Slideshow updated"}`) // 4
		if got := slideName(t, f.app, f.show.Id); got != "New slide name" {
			t.Fatalf("stored slide name %q", got)
		}
	})
	for _, tc := range []struct {
		name, first string
		code        int
	}{
		{"first message not authenticate", `{"type":"message","message":"hi"}`, 4002}, // 5
		{"empty token", `{"type":"authenticate","token":""}`, 4004},                   // 6
		{"invalid token", `{"type":"authenticate","token":"notavalidtoken"}`, 4001},   // 7
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := f.on(t)
			c := f.dial(path)
			c.sendRaw(tc.first)
			c.until("error", func(m map[string]any) bool {
				return m["error"] == "Missing authentication" && m["code"] == float64(tc.code)
			})
			c.expectClose(tc.code)
		})
	}
	t.Run("auth timeout", func(t *testing.T) { // 8
		c := f.on(t).dial(path)
		c.expect(`{"error":"Missing authentication","code":4001}`)
		c.expectClose(4001)
	})
}

// Every row of the pre-auth table, and the refusals before it.
func TestFirstMessage(t *testing.T) {
	f := newFixture(t, Config{MaxMessage: 1024})
	path := f.path(f.w.Branch["aarhus"])
	sam := f.w.Users["sam"]
	refresh, err := authtoken.NewPair(sam, authtoken.DefaultLifetimes)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := authtoken.NewAccess(sam, -time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	noUser, err := security.NewJWT(map[string]any{"type": core.TokenTypeAuth, "collectionId": collections.UsersCollectionId}, "some-key", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	gone := f.token("aarhus_employee")
	if err := f.app.Delete(f.w.Users["aarhus_employee"]); err != nil {
		t.Fatal(err)
	}
	inactive := f.w.Users["ulla"]
	inactive.Set("is_active", false)
	if err := f.app.Save(inactive); err != nil {
		t.Fatal(err)
	}
	auth := func(tok any) string {
		return `{"type":"authenticate","token":` + string(marshalFrame(tok)) + `}`
	}
	for _, tc := range []struct {
		name, first, want string
		close             int
	}{
		{"not JSON", `{"type":`, `{"error":"Invalid JSON","code":4005}`, 4005},
		{"not an object", `["authenticate"]`, `{"error":"An error occurred","code":4006}`, 4006},
		{"a string", `"authenticate"`, `{"error":"An error occurred","code":4006}`, 4006},
		{"no type", `{"token":"x"}`, `{"error":"An error occurred","code":4006}`, 4006},
		{"type null", `{"type":null,"token":"x"}`, `{"error":"Missing authentication","code":4002}`, 4002},
		{"type update", `{"type":"update","data":{"name":"x"}}`, `{"error":"Missing authentication","code":4002}`, 4002},
		{"token missing", `{"type":"authenticate"}`, `{"error":"Missing authentication","code":4004}`, 4004},
		{"token null", auth(nil), `{"error":"Missing authentication","code":4004}`, 4004},
		{"token 0", auth(0), `{"error":"Missing authentication","code":4004}`, 4004},
		{"token number", auth(12), `{"error":"Missing authentication","code":4001}`, 4001},
		{"expired token", auth(expired), `{"error":"Missing authentication","code":4001}`, 4001},
		{"refresh token", auth(refresh.Refresh), `{"error":"Missing authentication","code":4001}`, 4001},
		{"token of no user", auth(noUser), `{"error":"Missing authentication","code":4004}`, 4004},
		{"token of a deleted user", auth(gone), `{"error":"Missing authentication","code":4001}`, 4001},
		{"inactive user", auth(f.token("ulla")), `{"error":"Missing authentication","code":4001}`, 4001},
		{"too large", `{"type":"authenticate","token":"` + strings.Repeat("x", 1100) + `"}`, `{"error":"Message too large (limit 1024 bytes)","code":4006}`, websocket.CloseMessageTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := f.on(t)
			c := f.dial(path)
			c.sendRaw(tc.first)
			c.expect(tc.want)
			c.expectClose(tc.close)
		})
	}
	t.Run("binary frame keeps the socket", func(t *testing.T) {
		f := f.on(t)
		c := f.dial(path)
		if err := c.ws.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"authenticate"}`)); err != nil {
			t.Fatal(err)
		}
		c.expect(`{"error":"Binary messages are not accepted","code":4006}`)
		c.send(map[string]any{"type": "authenticate", "token": f.token("sam")})
		c.expect(`{"type":"authenticated"}`)
		c.until("snapshot", isData)
	})
	waitIdleAfterClose(t, f)
}

// waitIdleAfterClose closes nothing itself: every socket of these tests
// ended on the server's side or is closed here, and none may linger.
func waitIdleAfterClose(t *testing.T, f *fixture) {
	t.Helper()
	f.ed.Close()
	waitIdle(t, f.ed)
}

func TestHandshake(t *testing.T) {
	f := newFixture(t, Config{})
	path := f.path(f.w.Branch["aarhus"])
	for _, tc := range []struct {
		name, path, origin string
		status             int
	}{
		{"foreign origin", path, "http://evil.example", http.StatusForbidden},
		{"origin with a trailing slash", path, testOrigin + "/", http.StatusForbidden},
		{"no origin", path, "", http.StatusForbidden},
		{"id not a word", "/ws/slideshows/a-b/?branch=1", testOrigin, http.StatusNotFound},
		{"extra segment", "/ws/slideshows/" + f.show.Id + "/x/", testOrigin, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, resp, err := dialRaw(f.srv, tc.path, tc.origin)
			if err == nil {
				ws.Close()
				t.Fatal("handshake accepted")
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("%v %v, want %d", err, resp, tc.status)
			}
		})
	}
	t.Run("word id is accepted before auth", func(t *testing.T) {
		f := f.on(t)
		c := f.dial("/ws/slideshows/abc_1/?branch=" + f.w.Branch["aarhus"])
		c.send(map[string]any{"type": "authenticate", "token": f.token("sam")})
		c.expect(`{"type":"authenticated"}`)
		c.expectOnly(`{"error":"Slideshow not found","code":4004}`)
	})
	t.Run("after Close", func(t *testing.T) {
		f := f.on(t)
		c := f.open("sam")
		c.until("snapshot", isData)
		closed := make(chan struct{})
		go func() { f.ed.Close(); close(closed) }()
		c.untilClose(websocket.CloseGoingAway) // and answers it, as browsers do
		<-closed
		waitIdle(t, f.ed)
		_, resp, err := dialRaw(f.srv, path, testOrigin)
		if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%v %v, want 503", err, resp)
		}
	})
}

// The load checks after authentication send an error and keep the socket,
// in no group: no data is ever sent.
func TestLoadErrors(t *testing.T) {
	f := newFixture(t, Config{})
	aarhus, odense := f.w.Branch["aarhus"], f.w.Branch["odense"]
	show := f.show.Id
	for _, tc := range []struct {
		name, user, path, want string
	}{
		{"no branch", "sam", "/ws/slideshows/" + show + "/", `{"error":"Branch id not found","code":4004}`},
		{"empty branch", "sam", "/ws/slideshows/" + show + "/?branch=", `{"error":"Branch id not found","code":4004}`},
		{"blank then unknown branch", "sam", "/ws/slideshows/" + show + "/?branch=&branch=999999", `{"error":"No branch matches with that branch id","code":4004}`},
		{"unknown branch", "sam", "/ws/slideshows/" + show + "/?branch=999999", `{"error":"No branch matches with that branch id","code":4004}`},
		{"non-numeric branch", "sam", "/ws/slideshows/" + show + "/?branch=abc", `{"error":"User 'sam' does not have permission to access branch_id=abc.","code":4001}`},
		{"other organisation", "olga", "/ws/slideshows/" + show + "/?branch=" + aarhus, `{"error":"User 'olga' does not have permission to access branch_id=` + aarhus + `.","code":4001}`},
		{"org_user without the branch", "ulla", "/ws/slideshows/" + show + "/?branch=" + aarhus, `{"error":"User 'ulla' does not have permission to access branch_id=` + aarhus + `.","code":4001}`},
		{"other organisation's branch", "olga", "/ws/slideshows/" + show + "/?branch=" + odense, `{"error":"Slideshow not found","code":4004}`},
		{"slideshow of another branch", "sam", "/ws/slideshows/" + show + "/?branch=" + odense, `{"error":"Slideshow not found","code":4004}`},
		{"unknown slideshow", "sam", "/ws/slideshows/999999/?branch=" + aarhus, `{"error":"Slideshow not found","code":4004}`},
		{"non-numeric slideshow", "sam", "/ws/slideshows/abc/?branch=" + aarhus, `{"error":"Slideshow not found","code":4004}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := f.on(t)
			c := f.dial(tc.path)
			c.send(map[string]any{"type": "authenticate", "token": f.token(tc.user)})
			c.expect(`{"type":"authenticated"}`)
			c.expect(tc.want)
			// An update re-runs the checks and gets the same error.
			c.send(map[string]any{"type": "update", "data": map[string]any{"name": "Hijacked"}})
			c.expectOnly(tc.want)
		})
	}
	if r, _ := f.app.FindRecordById(collections.Slideshows, show); r.GetString("name") != "Show" {
		t.Fatalf("name changed to %q", r.GetString("name"))
	}
}

// A check that passes later (access granted) joins on the next update.
func TestRecheckJoins(t *testing.T) {
	f := newFixture(t, Config{})
	aarhus := f.w.Branch["aarhus"]
	watcher := f.open("sam")
	watcher.until("snapshot", isData)

	c := f.open("ulla")
	c.expect(`{"error":"User 'ulla' does not have permission to access branch_id=` + aarhus + `.","code":4001}`)
	f.grant("ulla", "aarhus")
	c.send(map[string]any{"type": "update", "data": map[string]any{"name": "Renamed by ulla"}})
	c.untilFrame(`{"message":"Slideshow updated"}`)
	c.until("broadcast", func(m map[string]any) bool {
		d, _ := m["data"].(map[string]any)
		return d["name"] == "Renamed by ulla"
	})
	watcher.untilPresence("sam,ulla") // ulla joined before her update
	watcher.until("broadcast", func(m map[string]any) bool {
		d, _ := m["data"].(map[string]any)
		return d["name"] == "Renamed by ulla"
	})
}

// grant makes username an employee of org's Demo Branch.
func (f *fixture) grant(username, org string) {
	f.t.Helper()
	b, err := f.app.FindRecordById(collections.Branches, f.w.Branch[org])
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := collections.NewRecord(f.app, collections.Memberships)
	if err != nil {
		f.t.Fatal(err)
	}
	r.Load(map[string]any{"user": f.w.Users[username].Id, "role": collections.RoleEmployee,
		"organisation": f.w.Org[org], "suborganisation": b.GetString("suborganisation"), "branch": b.Id})
	if err := f.app.Save(r); err != nil {
		f.t.Fatal(err)
	}
}

// Without configured origins every handshake is refused, even without an Origin.
func TestNoOrigins(t *testing.T) {
	app := testapp.New(t)
	ed := New(app, Config{})
	defer ed.Close()
	for _, origin := range []string{"", testOrigin, "null"} {
		r := httptest.NewRequest(http.MethodGet, "/ws/slideshows/1/", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if ed.up.CheckOrigin(r) {
			t.Errorf("origin %q accepted", origin)
		}
	}
}

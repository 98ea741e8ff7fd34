package screens_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/realtime/changes"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/hub/hubtest"
	"github.com/openstream-go/openstream/realtime/screens"
	"github.com/openstream-go/openstream/settings"
)

type env struct {
	app     core.App
	player  *playback.Player
	mgr     *screens.Manager
	url     string
	tenants apitest.Tenants
	aarhus  rttest.Signage
	odense  rttest.Signage
}

// setup serves /ws/screens/ of a fresh app whose changes go through
// cfg.Hub, or an in-process hub as in a single `openstream serve`.
func setup(t testing.TB, cfg screens.Config) *env {
	t.Helper()
	app := testapp.New(t)
	loc := settings.Default().TimeZone
	if cfg.Hub == nil {
		cfg.Hub = hub.NewLocal()
	}
	e := &env{app: app, tenants: apitest.NewTenants(t, app), player: playback.NewPlayer(app, loc)}
	changes.Watch(app, cfg.Hub)
	cfg.Player, cfg.Health = e.player, playback.NewHealth(app, 0)
	e.mgr = screens.New(app, cfg)
	e.mgr.Start()
	t.Cleanup(e.mgr.Close)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/ws/screens/", e.mgr.Serve)
		return se.Next()
	})
	srv := httptest.NewServer(testapp.Handler(t, app))
	t.Cleanup(srv.Close)
	e.url = rttest.WSURL(srv.URL, "/ws/screens/")
	e.aarhus = rttest.NewSignage(t, app, e.tenants.Branch["aarhus"], "aarhus")
	e.odense = rttest.NewSignage(t, app, e.tenants.Branch["odense"], "odense")
	return e
}

// connect authenticates s's screen and returns the client after its first content.
func (e *env) connect(t *testing.T, s rttest.Signage) (*rttest.Client, map[string]any) {
	t.Helper()
	c := rttest.Dial(t, e.url, nil)
	c.Send(map[string]any{"type": "authenticate", "apiKey": s.Key, "displayWebsiteId": s.Screen})
	if m := c.Next(); m["type"] != "authenticated" {
		t.Fatalf("first answer %v", m)
	}
	return c, e.content(t, c)
}

// content reads the next message, which must be a content message.
func (e *env) content(t *testing.T, c *rttest.Client) map[string]any {
	t.Helper()
	m := c.Next()
	if m["type"] != "content" {
		t.Fatalf("want content, got %v", m)
	}
	return m
}

func (e *env) save(t *testing.T, collection, id string, data map[string]any) {
	t.Helper()
	r, err := e.app.FindRecordById(collection, id)
	if err != nil {
		t.Fatal(err)
	}
	r.Load(data)
	if err := e.app.Save(r); err != nil {
		t.Fatal(err)
	}
}

// The content message carries exactly the body get-active-content answers.
func TestContentIsTheActiveContentBody(t *testing.T) {
	e := setup(t, screens.Config{})
	c, m := e.connect(t, e.aarhus)
	screen, _ := e.app.FindRecordById(collections.DisplayWebsites, e.aarhus.Screen)
	want, err := playback.Compute(e.app, screen, time.Now(), settings.Default().TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(m["data"])
	var a, b any
	_ = json.Unmarshal(data, &a)
	_ = json.Unmarshal(want.JSON, &b)
	if !jsonEqual(a, b) || m["version"] != want.Version {
		t.Fatalf("content %s (version %v)\nwant %s (version %s)", data, m["version"], want.JSON, want.Version)
	}

	// A resend request gets the same content again.
	c.Send(map[string]any{"type": "resend"})
	if again := e.content(t, c); again["version"] != want.Version {
		t.Fatalf("resend: %v", again["version"])
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// Every refusal of the handshake: the error frame, then the close code.
func TestAuthenticationErrors(t *testing.T) {
	e := setup(t, screens.Config{AuthTimeout: 2 * time.Second}) // short for the timeout row, not too short for a loaded CI machine
	groupless := apitest.Create(t, e.app, collections.DisplayWebsites, map[string]any{"name": "new", "branch": e.aarhus.Branch}).Id
	inactive := apitest.Create(t, e.app, collections.Branches, map[string]any{"name": "Closed", "suborganisation": e.tenants.Suborg["aarhus"]}).Id
	closedKey, err := apikey.ForBranch(e.app, inactive)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apikey.SetActive(e.app, inactive, false); err != nil {
		t.Fatal(err)
	}
	a := e.aarhus
	for _, tc := range []struct {
		name, first string
		code        int
		msg         string
	}{
		{"not JSON", `{"type":`, 4005, "Invalid JSON"},
		{"not an object", `[1,2]`, 4006, "An error occurred"},
		{"null", `null`, 4006, "An error occurred"},
		{"no type", `{"apiKey":"` + a.Key + `"}`, 4002, "Missing authentication"},
		{"other type", `{"type":"hello"}`, 4002, "Missing authentication"},
		{"no key", `{"type":"authenticate","displayWebsiteId":` + a.Screen + `}`, 4001, "API key required."},
		{"malformed key", `{"type":"authenticate","apiKey":"nope","displayWebsiteId":` + a.Screen + `}`, 4001, "Invalid or inactive API key."},
		{"unknown key", `{"type":"authenticate","apiKey":"00000000-0000-4000-8000-000000000000","displayWebsiteId":1}`, 4001, "Invalid or inactive API key."},
		{"inactive key", `{"type":"authenticate","apiKey":"` + closedKey.GetString("key") + `","displayWebsiteId":` + a.Screen + `}`, 4001, "Invalid or inactive API key."},
		{"another organisation's key", `{"type":"authenticate","apiKey":"` + e.odense.Key + `","displayWebsiteId":` + a.Screen + `}`, 4001, "API key not valid for this branch."},
		{"no screen", `{"type":"authenticate","apiKey":"` + a.Key + `"}`, 4004, "Display website ID is required."},
		{"unknown screen", `{"type":"authenticate","apiKey":"` + a.Key + `","displayWebsiteId":999999}`, 4004, "No DisplayWebsite matches the given query."},
		{"non-numeric screen", `{"type":"authenticate","apiKey":"` + a.Key + `","displayWebsiteId":"x; DROP"}`, 4004, "No DisplayWebsite matches the given query."},
		{"uid of another branch", `{"type":"authenticate","apiKey":"` + a.Key + `","uid":"odense-uid"}`, 4004, "No DisplayWebsite matches the given query."},
		{"screen without group", `{"type":"authenticate","apiKey":"` + a.Key + `","displayWebsiteId":"` + groupless + `"}`, 4004, "No display_website_group found."},
		{"oversized", `{"type":"authenticate","apiKey":"` + strings.Repeat("x", 5000) + `"}`, 4006, "Message too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := rttest.Dial(t, e.url, nil)
			c.SendRaw(tc.first)
			c.NextCloses(tc.code, tc.msg)
		})
	}
	t.Run("timeout", func(t *testing.T) {
		c := rttest.Dial(t, e.url, nil)
		c.NextCloses(4001, "Missing authentication")
	})
	t.Run("by uid, id as a string", func(t *testing.T) {
		c := rttest.Dial(t, e.url, nil)
		c.Send(map[string]any{"type": "authenticate", "apiKey": strings.ToUpper(a.Key), "uid": "aarhus-uid"})
		if m := c.Next(); m["type"] != "authenticated" {
			t.Fatal(m)
		}
		if m := e.content(t, c); m["data"].(map[string]any)["display_website_group_id"] != json.Number(a.Group) &&
			m["data"].(map[string]any)["display_website_group_id"] != mustFloat(a.Group) {
			t.Fatalf("content of group %v", m["data"].(map[string]any)["display_website_group_id"])
		}
	})
}

func mustFloat(s string) float64 {
	var f float64
	_ = json.Unmarshal([]byte(s), &f)
	return f
}

// Later messages never close the socket; they get an error frame.
func TestLaterMessages(t *testing.T) {
	e := setup(t, screens.Config{})
	c, first := e.connect(t, e.aarhus)
	for _, tc := range []struct{ send, want string }{
		{`nope`, `{"error":"Invalid JSON","code":4005}`},
		{`"text"`, `{"error":"An error occurred","code":4006}`},
		{`{"type":"dance"}`, `{"error":"Unknown message type","code":4006}`},
	} {
		c.SendRaw(tc.send)
		if got := string(c.NextRaw()); got != tc.want {
			t.Fatalf("%s: got %s, want %s", tc.send, got, tc.want)
		}
	}
	c.SendRaw(`{"type":"authenticate","apiKey":"x"}`) // ignored
	c.Send(map[string]any{"type": "resend"})
	if m := e.content(t, c); m["version"] != first["version"] {
		t.Fatalf("resend after errors: %v", m)
	}
	c.SendRaw(`{"type":"resend","pad":"` + strings.Repeat("x", 5000) + `"}`)
	c.NextCloses(4006, "Message too large")
}

// What a screen plays changes: it gets the new content, and only when
// its content really changed.
func TestContentFollowsChanges(t *testing.T) {
	e := setup(t, screens.Config{})
	c, first := e.connect(t, e.aarhus)
	odense, _ := e.connect(t, e.odense)

	// An edit of a slideshow nobody plays sends nothing; the next message
	// is the one caused by the edit of the slideshow the screen plays.
	e.save(t, collections.Slideshows, e.aarhus.Other, map[string]any{"name": "renamed, unseen"})
	e.save(t, collections.Slideshows, e.aarhus.Slideshow, map[string]any{"name": "Velkommen"})
	m := e.content(t, c)
	if m["version"] == first["version"] || !strings.Contains(mustJSON(m["data"]), `"name":"Velkommen"`) {
		t.Fatalf("after the rename: %s", mustJSON(m))
	}

	// An emergency for the group replaces the content.
	emergency := apitest.Create(t, e.app, collections.EmergencySlideshows, map[string]any{
		"slideshow": e.aarhus.Other, "display_website_groups": []string{e.aarhus.Group}, "is_active": true,
	})
	m = e.content(t, c)
	if m["data"].(map[string]any)["emergency_active"] != true {
		t.Fatalf("emergency: %s", mustJSON(m))
	}
	// Deactivated, the default comes back with the version seen before it.
	e.save(t, collections.EmergencySlideshows, emergency.Id, map[string]any{"is_active": false})
	back := e.content(t, c)
	if back["data"].(map[string]any)["emergency_active"] != nil {
		t.Fatalf("after the emergency: %s", mustJSON(back))
	}

	// The other organisation's screen saw none of this: its next message
	// is the one its own change causes.
	e.save(t, collections.Slideshows, e.odense.Slideshow, map[string]any{"name": "Velkommen til Odense"})
	if m := e.content(t, odense); !strings.Contains(mustJSON(m["data"]), "Velkommen til Odense") {
		t.Fatalf("odense: %s", mustJSON(m))
	}
}

// TestRemoteChangeReachesScreens: a change another instance committed
// arrives here only as a hub message (this app's model hooks never fire),
// and the screen must get the new content, not the cached one. It used to
// depend on the order in which two hub handlers ran.
func TestRemoteChangeReachesScreens(t *testing.T) {
	hubs := hubtest.Linked(t, 2)
	e := setup(t, screens.Config{Hub: hubs[1]})
	c, first := e.connect(t, e.aarhus)
	for i, name := range []string{"Godmorgen", "Goddag", "Godaften"} {
		// The other instance's write: the shared database, no hooks here.
		if _, err := e.app.DB().NewQuery("UPDATE slideshows SET name = {:name} WHERE id = {:id}").
			Bind(dbx.Params{"name": name, "id": e.aarhus.Slideshow}).Execute(); err != nil {
			t.Fatal(err)
		}
		payload, _ := json.Marshal(changes.Change{Collection: collections.Slideshows, Action: changes.Update, ID: e.aarhus.Slideshow})
		if err := hubs[0].Publish(t.Context(), changes.Topic, payload); err != nil {
			t.Fatal(err)
		}
		m := e.content(t, c)
		if m["version"] == first["version"] || !strings.Contains(mustJSON(m["data"]), `"name":"`+name+`"`) {
			t.Fatalf("change %d: %s", i, mustJSON(m))
		}
		first = m
	}
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

// A schedule that starts in two seconds reaches the screen at its start
// without any message from the screen: the manager wakes at the boundary.
func TestScheduleBoundaryWakesScreens(t *testing.T) {
	e := setup(t, screens.Config{})
	c, _ := e.connect(t, e.aarhus)
	start := time.Now().Add(2 * time.Second).Truncate(time.Second).Add(time.Second)
	end := start.Add(time.Hour)
	sched := apitest.Create(t, e.app, collections.ScheduledContents, map[string]any{
		"display_website_group": e.aarhus.Group, "slideshow": e.aarhus.Other,
		"start_time": types.NowDateTime().Add(time.Until(start)), "end_time": types.NowDateTime().Add(time.Until(end)),
		"combine_with_default": false,
	})
	// The save itself may resend (the schedule list is part of the body
	// only once it is active, so usually nothing comes until the start).
	for {
		m := e.content(t, c)
		ids := m["data"].(map[string]any)["scheduled_content_ids"].([]any)
		if len(ids) == 1 && mustJSON(ids[0]) == sched.Id {
			if time.Now().Before(start) {
				t.Fatalf("the schedule arrived %v before its start", time.Until(start))
			}
			return
		}
	}
}

// A deleted screen is closed with 4004, and the screens of other branches
// keep playing (the recompute once dereferenced the missing rendering).
func TestDeletedScreenIsClosed(t *testing.T) {
	e := setup(t, screens.Config{})
	gone, _ := e.connect(t, e.aarhus)
	other, _ := e.connect(t, e.odense)
	if err := e.app.Delete(mustRecord(t, e.app, collections.DisplayWebsites, e.aarhus.Screen)); err != nil {
		t.Fatal(err)
	}
	gone.NextCloses(4004, "No DisplayWebsite matches the given query.")
	other.Send(map[string]any{"type": "resend"})
	if m := e.content(t, other); m["type"] != "content" {
		t.Fatalf("the other screen got %v", m)
	}
}

// Losing the group or the key ends the socket with the REST API's answer.
func TestCredentialsAndGroupChecksFollowChanges(t *testing.T) {
	e := setup(t, screens.Config{})
	c, _ := e.connect(t, e.aarhus)
	odense, _ := e.connect(t, e.odense)

	if err := e.app.Delete(mustRecord(t, e.app, collections.DisplayWebsiteGroups, e.aarhus.Group)); err != nil {
		t.Fatal(err)
	}
	c.NextCloses(4004, "No display_website_group found.")

	if _, err := apikey.Rotate(e.app, e.odense.Branch); err != nil {
		t.Fatal(err)
	}
	odense.NextCloses(4001, "Invalid or inactive API key.")
	if n := e.mgr.Connected(); n != 0 {
		// The readers notice the close a moment later; wait for it.
		deadline := time.Now().Add(rttest.Wait)
		for e.mgr.Connected() != 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := e.mgr.Connected(); n != 0 {
			t.Fatalf("%d screens still registered", n)
		}
	}
}

func mustRecord(t *testing.T, app core.App, collection, id string) *core.Record {
	t.Helper()
	r, err := app.FindRecordById(collection, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A pong is a sign of life: last_seen moves and the content given is kept.
func TestHeartbeatUpdatesLastSeen(t *testing.T) {
	e := setup(t, screens.Config{})
	c, first := e.connect(t, e.aarhus)
	// The client pings; the server's ping handler counts it like a pong.
	if err := c.WS.WriteControl(9 /* ping */, []byte("hi"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(rttest.Wait)
	for {
		r := mustRecord(t, e.app, collections.DisplayWebsites, e.aarhus.Screen)
		var last playback.LastContent
		_ = json.Unmarshal([]byte(r.GetString("last_content")), &last)
		if !r.GetDateTime("last_seen").IsZero() && last.Version == first["version"] {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("last_seen %v, last_content %s", r.GetDateTime("last_seen"), r.GetString("last_content"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Shutting down ends every socket with 1001, authenticated or still in
// its handshake (which would otherwise hold the shutdown for its timeout).
func TestCloseEndsEverySocket(t *testing.T) {
	e := setup(t, screens.Config{AuthTimeout: time.Hour})
	playing, _ := e.connect(t, e.aarhus)
	waiting := rttest.Dial(t, e.url, nil)
	deadline := time.Now().Add(rttest.Wait)
	for e.mgr.Connected() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	done := make(chan struct{})
	go func() { e.mgr.Close(); close(done) }()
	playing.ExpectClose(1001)
	waiting.ExpectClose(1001)
	<-done
	// A socket opened after the shutdown is refused the same way.
	late := rttest.Dial(t, e.url, nil)
	late.ExpectClose(1001)
}

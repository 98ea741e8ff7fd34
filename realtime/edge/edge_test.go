package edge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/api"
	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/redistest"
	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/realtime"
	"github.com/openstream-go/openstream/realtime/edge"
	"github.com/openstream-go/openstream/realtime/edge/publish"
	"github.com/openstream-go/openstream/realtime/edge/state"
	"github.com/openstream-go/openstream/realtime/wsconn"
	"github.com/openstream-go/openstream/settings"
)

// primary is `openstream serve` with REDIS_URL, in the test: the REST
// API, the realtime layer on a Redis hub, and the publisher.
type primary struct {
	app       core.App
	url       string
	publisher *publish.Publisher
	server    *realtime.Server
	aarhus    rttest.Signage
	odense    rttest.Signage
}

func startPrimary(t *testing.T, redisURL string) *primary {
	t.Helper()
	app := testapp.New(t)
	site := settings.Default()
	player, health := playback.NewPlayer(app, site.TimeZone), playback.NewHealth(app, 0)
	api.Register(app, api.Config{Settings: site, Tokens: authtoken.DefaultLifetimes, Player: player, Health: health})
	h, err := realtime.NewHub(redisURL, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	server, err := realtime.Register(app, realtime.Config{Settings: site, Hub: h, Player: player, Health: health, EventsAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := redis.ParseURL(redisURL)
	client := redis.NewClient(opts)
	p := &primary{app: app, server: server, publisher: publish.New(app, publish.Config{Hub: h, Redis: client, Location: site.TimeZone, Player: player})}
	t.Cleanup(func() { p.stop(); _ = client.Close() })
	srv := httptest.NewServer(testapp.Handler(t, app))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	tenants := apitest.NewTenants(t, app)
	p.aarhus = rttest.NewSignage(t, app, tenants.Branch["aarhus"], "aarhus")
	p.odense = rttest.NewSignage(t, app, tenants.Branch["odense"], "odense")
	p.publisher.Start()
	return p
}

// stop is the primary going away: its publisher and sockets end.
func (p *primary) stop() {
	p.publisher.Close()
	p.server.Close()
}

func startEdge(t *testing.T, redisURL string) (*edge.Server, string) {
	t.Helper()
	e, err := edge.New(edge.Config{RedisURL: redisURL, Primary: "https://cms.example.dk"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.Handler()
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); e.Close() })
	eventually(t, "the edge's state", e.Mirror.Loaded)
	return e, srv.URL
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(rttest.Wait); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

type answer struct {
	status int
	ctype  string
	body   []byte
}

func call(t *testing.T, method, url string, header map[string]string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header.Get("Content-Type"), body}
}

// sameAnswers checks that the edge answers every player request exactly
// as the primary does.
func sameAnswers(t *testing.T, p *primary, edgeURL string) {
	t.Helper()
	const path = "/api/display-website/get-active-content"
	a, o := p.aarhus, p.odense
	for _, c := range []struct {
		name, method, query string
		header              map[string]string
	}{
		{"the screen's key", "GET", "?id=" + a.Screen, map[string]string{"X-API-KEY": a.Key}},
		{"a key in capitals", "GET", "?id=" + a.Screen, map[string]string{"X-API-KEY": strings.ToUpper(a.Key)}},
		{"the other screen", "GET", "/?id=" + o.Screen, map[string]string{"X-API-KEY": o.Key}},
		{"another branch's key", "GET", "?id=" + a.Screen, map[string]string{"X-API-KEY": o.Key}},
		{"an unknown key", "GET", "?id=" + a.Screen, map[string]string{"X-API-KEY": "6f1c53b4-1f0b-4b0e-9c6a-000000000000"}},
		{"a malformed key", "GET", "?id=" + a.Screen, map[string]string{"X-API-KEY": "nope"}},
		{"no key", "GET", "?id=" + a.Screen, nil},
		{"no id", "GET", "", map[string]string{"X-API-KEY": a.Key}},
		{"a malformed id", "GET", "?id=abc", map[string]string{"X-API-KEY": a.Key}},
		{"an unknown id", "GET", "?id=123456789", map[string]string{"X-API-KEY": a.Key}},
		{"at with a key", "GET", "?id=" + a.Screen + "&at=2026-01-01T00:00:00Z", map[string]string{"X-API-KEY": a.Key}},
		{"a POST", "POST", "?id=" + a.Screen, map[string]string{"X-API-KEY": a.Key}},
	} {
		want := call(t, c.method, p.url+path+c.query, c.header)
		got := call(t, c.method, edgeURL+path+c.query, c.header)
		if got.status != want.status || got.ctype != want.ctype || !bytes.Equal(got.body, want.body) {
			t.Errorf("%s: edge %d %s %s\nprimary %d %s %s", c.name, got.status, got.ctype, got.body, want.status, want.ctype, want.body)
		}
	}
}

// connect authenticates s's screen on the socket at url and returns the
// client and the first content frame as sent.
func connect(t *testing.T, url string, s rttest.Signage) (*rttest.Client, []byte) {
	t.Helper()
	c := rttest.Dial(t, rttest.WSURL(url, "/ws/screens/"), nil)
	c.Send(map[string]any{"type": "authenticate", "apiKey": s.Key, "displayWebsiteId": s.Screen})
	if m := c.Next(); m["type"] != "authenticated" {
		t.Fatalf("first answer %v", m)
	}
	return c, c.NextRaw()
}

// activeBody is the primary's get-active-content body for s.
func activeBody(t *testing.T, p *primary, s rttest.Signage) []byte {
	t.Helper()
	a := call(t, "GET", p.url+"/api/display-website/get-active-content?id="+s.Screen, map[string]string{"X-API-KEY": s.Key})
	if a.status != http.StatusOK {
		t.Fatalf("primary: %d %s", a.status, a.body)
	}
	return a.body
}

// versionOf is a content frame's version.
func versionOf(t *testing.T, frame []byte) string {
	t.Helper()
	var m struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(frame, &m); err != nil || m.Version == "" {
		t.Fatalf("no version in %s", frame)
	}
	return m.Version
}

// carries checks that a content frame's data is exactly body.
func carries(t *testing.T, frame, body []byte) {
	t.Helper()
	var m struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(frame, &m); err != nil || m.Type != "content" || !bytes.Equal(m.Data, body) {
		t.Fatalf("frame %s\ndoes not carry %s", frame, body)
	}
}

func TestEdgeServesWhatThePrimaryServes(t *testing.T) {
	redisSrv := redistest.Start(t)
	p := startPrimary(t, redisSrv.URL())
	e, edgeURL := startEdge(t, redisSrv.URL())

	sameAnswers(t, p, edgeURL)

	// Health, and the rest names the primary.
	if a := call(t, "GET", edgeURL+"/api/health", nil); a.status != 200 || !bytes.Contains(a.body, []byte("API is healthy.")) {
		t.Fatalf("health: %d %s", a.status, a.body)
	}
	if a := call(t, "GET", edgeURL+"/api/slideshows/", nil); a.status != http.StatusMisdirectedRequest ||
		!bytes.Contains(a.body, []byte(`"primary":"https://cms.example.dk"`)) {
		t.Fatalf("elsewhere: %d %s", a.status, a.body)
	}

	// The socket gets the same body, and a change made on the primary.
	aarhus, frame := connect(t, edgeURL, p.aarhus)
	carries(t, frame, activeBody(t, p, p.aarhus))
	// Its ack reaches what the primary's delivery reports read: Redis,
	// since an edge has no rows to write.
	version := versionOf(t, frame)
	aarhus.Send(map[string]any{"type": "ack", "version": version})
	opts, _ := redis.ParseURL(redisSrv.URL())
	reports := delivery.New(p.app, redis.NewClient(opts), "")
	eventually(t, "the edge's ack in the primary's delivery report", func() bool {
		rows, err := delivery.FindRows(p.app, dbx.HashExp{"id": p.aarhus.Screen})
		if err != nil {
			return false
		}
		st, err := reports.Of(context.Background(), rows)
		return err == nil && st[0].AckedVersion == version && st[0].DeliveredVersion == version
	})
	// What the screens on the edge are seen doing reaches the primary's
	// database (health as on serve's own sockets).
	if _, err := p.app.NonconcurrentDB().Update(collections.DisplayWebsites,
		dbx.Params{"last_seen": "", "last_content": nil}, dbx.HashExp{"id": p.odense.Screen}).Execute(); err != nil {
		t.Fatal(err)
	}
	odense, frame := connect(t, edgeURL, p.odense)
	carries(t, frame, activeBody(t, p, p.odense))
	eventually(t, "the edge's sighting in the primary's database", func() bool {
		rec, err := p.app.FindRecordById(collections.DisplayWebsites, p.odense.Screen)
		return err == nil && !rec.GetDateTime("last_seen").IsZero() &&
			strings.Contains(rec.GetString("last_content"), `"slideshow_ids":["`+p.odense.Slideshow+`"]`)
	})
	show, _ := p.app.FindRecordById(collections.Slideshows, p.aarhus.Slideshow)
	show.Set("name", "aarhus renamed")
	if err := p.app.Save(show); err != nil {
		t.Fatal(err)
	}
	frame = aarhus.NextRaw()
	carries(t, frame, activeBody(t, p, p.aarhus))
	if !bytes.Contains(frame, []byte("aarhus renamed")) {
		t.Fatalf("the change is not in %s", frame)
	}
	sameAnswers(t, p, edgeURL)

	// A full snapshot (a primary restarting) resends nothing unchanged:
	// the next frame is the next change.
	if err := p.server.Hub.Publish(context.Background(), state.Topic, state.Notice{Full: true}.Encode()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	show.Set("name", "aarhus renamed again")
	if err := p.app.Save(show); err != nil {
		t.Fatal(err)
	}
	if frame = aarhus.NextRaw(); !bytes.Contains(frame, []byte("aarhus renamed again")) {
		t.Fatalf("after a full snapshot the screen got %s", frame)
	}

	// Redis lost for a moment: 4007, then a fresh snapshot.
	redisSrv.Restart()
	if m := aarhus.Next(); m["code"] != float64(wsconn.CodeRedis) {
		t.Fatalf("want 4007, got %v", m)
	}
	carries(t, aarhus.NextRaw(), activeBody(t, p, p.aarhus))
	if m := odense.Next(); m["code"] != float64(wsconn.CodeRedis) {
		t.Fatalf("want 4007, got %v", m)
	}
	carries(t, odense.NextRaw(), activeBody(t, p, p.odense))

	// A deleted screen is closed with 4004; a rotated key with 4001.
	screen, _ := p.app.FindRecordById(collections.DisplayWebsites, p.odense.Screen)
	if err := p.app.Delete(screen); err != nil {
		t.Fatal(err)
	}
	odense.NextCloses(wsconn.CodeNotFound, "No DisplayWebsite matches the given query.")
	oldKey := p.aarhus.Key
	before := activeBody(t, p, p.aarhus)
	if _, err := apikey.Rotate(p.app, p.aarhus.Branch); err != nil {
		t.Fatal(err)
	}
	aarhus.NextCloses(wsconn.CodeUnauthorized, apikey.ErrInvalid.Error())
	if a := call(t, "GET", edgeURL+"/api/display-website/get-active-content?id="+p.aarhus.Screen, map[string]string{"X-API-KEY": oldKey}); a.status != http.StatusUnauthorized {
		t.Fatalf("old key: %d %s", a.status, a.body)
	}
	rec, _ := apikey.ForBranch(p.app, p.aarhus.Branch)
	p.aarhus.Key = rec.GetString("key")
	sameAnswers(t, p, edgeURL)

	// The primary goes away: the edge keeps its sockets and serves on.
	aarhus, _ = connect(t, edgeURL, p.aarhus)
	p.stop()
	time.Sleep(200 * time.Millisecond)
	a := call(t, "GET", edgeURL+"/api/display-website/get-active-content?id="+p.aarhus.Screen, map[string]string{"X-API-KEY": p.aarhus.Key})
	if a.status != http.StatusOK || !bytes.Equal(a.body, before) {
		t.Fatalf("after the primary stopped: %d %s", a.status, a.body)
	}
	aarhus.Send(map[string]any{"type": "resend"})
	carries(t, aarhus.NextRaw(), before)
	_, frame = connect(t, edgeURL, p.aarhus)
	carries(t, frame, before)
	if e.Screens.Connected() != 2 {
		t.Fatalf("%d screens connected", e.Screens.Connected())
	}

	// A new edge started while the primary is down serves it too.
	_, second := startEdge(t, redisSrv.URL())
	a = call(t, "GET", second+"/api/display-website/get-active-content?id="+p.aarhus.Screen, map[string]string{"X-API-KEY": p.aarhus.Key})
	if a.status != http.StatusOK || !bytes.Equal(a.body, before) {
		t.Fatalf("a new edge: %d %s", a.status, a.body)
	}
}

package editors

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/testapp"
)

const testOrigin = "http://localhost:5173"

// readTimeout bounds every wait for a frame: no test sleeps, they wait
// for what they expect, up to this.
const readTimeout = 5 * time.Second

// fixture is an app with the tenants, slideshow "Show" in aarhus' Demo
// Branch, and an Editors instance served over HTTP.
type fixture struct {
	t    testing.TB
	app  core.App
	w    apitest.Tenants
	show *core.Record
	ed   *Editors
	srv  *httptest.Server
}

func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	app := testapp.New(t)
	f := &fixture{t: t, app: app, w: apitest.NewTenants(t, app)}
	f.show = apitest.Create(t, app, collections.Slideshows, map[string]any{
		"name": "Show", "branch": f.w.Branch["aarhus"],
		"slideshow_data": map[string]any{"slides": []any{map[string]any{"name": "Old slide name"}}},
	})
	f.ed, f.srv = f.instance(cfg)
	return f
}

// instance starts another Editors on the fixture's app, with its own server.
func (f *fixture) instance(cfg Config) (*Editors, *httptest.Server) {
	f.t.Helper()
	if cfg.Origins == nil {
		cfg.Origins = []string{testOrigin}
	}
	if cfg.AuthTimeout == 0 {
		cfg.AuthTimeout = readTimeout
	}
	ed := New(f.app, cfg)
	router, err := apis.NewRouter(f.app)
	if err != nil {
		f.t.Fatal(err)
	}
	router.GET("/ws/slideshows/{id}/", ed.Serve)
	mux, err := router.BuildMux()
	if err != nil {
		f.t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	f.t.Cleanup(func() {
		ed.Close()
		srv.Close()
	})
	return ed, srv
}

// on is the fixture for subtest t (its failures end t, not the parent).
func (f *fixture) on(t testing.TB) *fixture {
	g := *f
	g.t = t
	return &g
}

// path is the socket path of the fixture's slideshow in branch.
func (f *fixture) path(branch string) string {
	return "/ws/slideshows/" + f.show.Id + "/?branch=" + branch
}

func (f *fixture) token(username string) string {
	f.t.Helper()
	u, err := f.app.FindFirstRecordByData(collections.Users, "username", username)
	if err != nil {
		f.t.Fatal(err)
	}
	tok, err := authtoken.NewAccess(u, time.Hour)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// client is the test's end of a socket.
type client struct {
	t  testing.TB
	ws *websocket.Conn
}

func dialRaw(srv *httptest.Server, path, origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+path, h)
}

func (f *fixture) dialOn(srv *httptest.Server, path string) *client {
	f.t.Helper()
	ws, resp, err := dialRaw(srv, path, testOrigin)
	if err != nil {
		f.t.Fatalf("dial %s: %v (%v)", path, err, resp)
	}
	c := &client{t: f.t, ws: ws}
	f.t.Cleanup(func() { _ = ws.Close() })
	return c
}

func (f *fixture) dial(path string) *client { return f.dialOn(f.srv, path) }

// open dials the fixture's slideshow in aarhus' branch and authenticates
// as username; it returns after {"type":"authenticated"}.
func (f *fixture) open(username string) *client {
	f.t.Helper()
	return f.openOn(f.srv, username)
}

func (f *fixture) openOn(srv *httptest.Server, username string) *client {
	f.t.Helper()
	c := f.dialOn(srv, f.path(f.w.Branch["aarhus"]))
	c.send(map[string]any{"type": "authenticate", "token": f.token(username)})
	c.expect(`{"type":"authenticated"}`)
	return c
}

// on is the client for subtest t.
func (c *client) on(t testing.TB) *client { return &client{t: t, ws: c.ws} }

func (c *client) send(v any) {
	c.t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(string(raw))
}

func (c *client) sendRaw(s string) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.t.Fatalf("send %s: %v", s, err)
	}
}

// read is the next frame, or the error that ended the socket.
func (c *client) read() (map[string]any, []byte, error) {
	_ = c.ws.SetReadDeadline(time.Now().Add(readTimeout))
	kind, raw, err := c.ws.ReadMessage()
	if err != nil {
		return nil, nil, err
	}
	if kind != websocket.TextMessage {
		return nil, raw, errors.New("binary frame from the server")
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, raw, err
	}
	return m, raw, nil
}

func (c *client) next() map[string]any {
	c.t.Helper()
	m, raw, err := c.read()
	if err != nil {
		c.t.Fatalf("read: %v %s", err, raw)
	}
	return m
}

// expect reads the next frame and compares it with want as JSON.
func (c *client) expect(want string) map[string]any {
	c.t.Helper()
	m := c.next()
	if !sameJSON(m, want) {
		got, _ := json.Marshal(m)
		c.t.Fatalf("frame\n got %s\nwant %s", got, want)
	}
	return m
}

// until skips frames until one satisfies ok.
func (c *client) until(what string, ok func(map[string]any) bool) map[string]any {
	c.t.Helper()
	for {
		m, raw, err := c.read()
		if err != nil {
			c.t.Fatalf("waiting for %s: %v %s", what, err, raw)
		}
		if ok(m) {
			return m
		}
	}
}

// untilFrame skips frames until one equals want.
func (c *client) untilFrame(want string) {
	c.t.Helper()
	c.until(want, func(m map[string]any) bool { return sameJSON(m, want) })
}

// expectClose reads until the close frame and checks its code.
func (c *client) expectClose(code int) {
	c.t.Helper()
	m, raw, err := c.read()
	if err == nil {
		c.t.Fatalf("frame %v before the close %d", m, code)
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		c.t.Fatalf("read: %v %s, want close %d", err, raw, code)
	}
	if ce.Code != code {
		c.t.Fatalf("close %d %q, want %d", ce.Code, ce.Text, code)
	}
}

// untilClose skips frames until the close and checks its code.
func (c *client) untilClose(code int) {
	c.t.Helper()
	for {
		_, raw, err := c.read()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code {
			c.t.Fatalf("read: %v %s, want close %d", err, raw, code)
		}
		return
	}
}

// sentinel sends an update without data and expects its error: every
// frame the server owed before it has been read then.
const sentinelReply = `{"error":"Missing or invalid data","code":4004}`

func (c *client) sentinel() { c.sendRaw(`{"type":"update"}`) }

// expectOnly reads frames up to the sentinel's reply and checks they are
// exactly want (in order).
func (c *client) expectOnly(want ...string) {
	c.t.Helper()
	c.sentinel()
	for _, w := range append(want, sentinelReply) {
		c.expect(w)
	}
}

func sameJSON(got any, want string) bool {
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		panic("bad want " + want)
	}
	g, _ := json.Marshal(got)
	wb, _ := json.Marshal(w)
	return string(g) == string(wb)
}

func isData(m map[string]any) bool     { _, ok := m["data"]; return ok }
func isPresence(m map[string]any) bool { _, ok := m["presence"]; return ok }

// presenceNames are the display names of a presence frame.
func presenceNames(m map[string]any) string {
	list, _ := m["presence"].([]any)
	names := make([]string, 0, len(list))
	for _, e := range list {
		obj, _ := e.(map[string]any)
		name, _ := obj["display_name"].(string)
		names = append(names, name)
	}
	return strings.Join(names, ",")
}

// untilPresence waits for a presence frame listing exactly names.
func (c *client) untilPresence(names string) {
	c.t.Helper()
	c.until("presence "+names, func(m map[string]any) bool { return isPresence(m) && presenceNames(m) == names })
}

// waitIdle waits until ed has no socket left.
func waitIdle(t testing.TB, ed *Editors) {
	t.Helper()
	deadline := time.Now().Add(readTimeout)
	for ed.active() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d editor sockets still open", ed.active())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// slides reads the stored slideshow_data.slides[0].name of r.
func slideName(t testing.TB, app core.App, id string) string {
	t.Helper()
	r, err := app.FindRecordById(collections.Slideshows, id)
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Slides []struct {
			Name string `json:"name"`
		} `json:"slides"`
	}
	if err := r.UnmarshalJSONField("slideshow_data", &data); err != nil || len(data.Slides) == 0 {
		t.Fatalf("slideshow_data %v: %v", r.Get("slideshow_data"), err)
	}
	return data.Slides[0].Name
}

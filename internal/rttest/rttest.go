// Package rttest holds what the realtime tests share: a branch's screen
// setup and a WebSocket test client that fails the test instead of
// hanging.
package rttest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
)

// Wait bounds every read: long enough for a loaded CI machine, short
// enough that a lost message fails the test rather than the run.
const Wait = 15 * time.Second

// Signage is one branch's screens: a group defaulting to Slideshow, a
// screen in it, a second slideshow not shown anywhere, and the branch key.
type Signage struct {
	Branch, Key      string
	Slideshow, Other string
	Group, Screen    string
}

// NewSignage creates the signage of branch.
func NewSignage(t testing.TB, app core.App, branch, name string) Signage {
	t.Helper()
	key, err := apikey.ForBranch(app, branch)
	if err != nil {
		t.Fatal(err)
	}
	s := Signage{Branch: branch, Key: key.GetString("key")}
	s.Slideshow = apitest.Create(t, app, collections.Slideshows, map[string]any{
		"name": name + " welcome", "branch": branch, "slideshow_data": map[string]any{"slides": []any{map[string]any{"id": 1}}},
	}).Id
	s.Other = apitest.Create(t, app, collections.Slideshows, map[string]any{"name": name + " other", "branch": branch}).Id
	s.Group = apitest.Create(t, app, collections.DisplayWebsiteGroups, map[string]any{
		"name": name + " lobby", "branch": branch, "default_slideshow": s.Slideshow,
	}).Id
	s.Screen = apitest.Create(t, app, collections.DisplayWebsites, map[string]any{
		"name": name + " screen", "branch": branch, "display_website_group": s.Group, "uid": name + "-uid",
	}).Id
	return s
}

// Client is a test WebSocket client.
type Client struct {
	t  testing.TB
	WS *websocket.Conn
}

// Dial connects to a ws:// URL; header may be nil.
func Dial(t testing.TB, url string, header http.Header) *Client {
	t.Helper()
	ws, res, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", url, err, status)
	}
	c := &Client{t: t, WS: ws}
	t.Cleanup(func() { _ = ws.Close() })
	return c
}

// WSURL turns an http:// base URL and a path into a ws:// URL.
func WSURL(base, path string) string { return "ws" + strings.TrimPrefix(base, "http") + path }

// Send writes v as JSON.
func (c *Client) Send(v any) {
	c.t.Helper()
	if err := c.WS.WriteJSON(v); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// SendRaw writes text as it is.
func (c *Client) SendRaw(text string) {
	c.t.Helper()
	if err := c.WS.WriteMessage(websocket.TextMessage, []byte(text)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// NextRaw is the next text message.
func (c *Client) NextRaw() []byte {
	c.t.Helper()
	_ = c.WS.SetReadDeadline(time.Now().Add(Wait))
	_, raw, err := c.WS.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return raw
}

// Next is the next message, decoded.
func (c *Client) Next() map[string]any {
	c.t.Helper()
	raw := c.NextRaw()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		c.t.Fatalf("message is not a JSON object: %v: %s", err, raw)
	}
	return m
}

// NextCloses expects an error frame {"error": msg, "code": code} and then
// a close with code.
func (c *Client) NextCloses(code int, msg string) {
	c.t.Helper()
	m := c.Next()
	if m["error"] != msg || m["code"] != float64(code) {
		c.t.Fatalf("got %v, want error %q code %d", m, msg, code)
	}
	c.ExpectClose(code)
}

// ExpectClose reads until the socket closes and checks the close code.
func (c *Client) ExpectClose(code int) {
	c.t.Helper()
	_ = c.WS.SetReadDeadline(time.Now().Add(Wait))
	_, raw, err := c.WS.ReadMessage()
	if err == nil {
		c.t.Fatalf("message before the close %d: %s", code, raw)
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		c.t.Fatalf("want close %d, got %v", code, err)
	}
	if ce.Code != code {
		c.t.Fatalf("close code %d (%q), want %d", ce.Code, ce.Text, code)
	}
}

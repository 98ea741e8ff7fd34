package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// fakeScreens speaks the screen protocol: authenticate, then content, and
// content again (with emergency_active) when emergency is called.
type fakeScreens struct {
	mu    sync.Mutex
	conns []*websocket.Conn
}

func (f *fakeScreens) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	var auth struct{ Type, APIKey, DisplayWebsiteID string }
	if err := c.ReadJSON(&auth); err != nil || auth.APIKey != "key" {
		_ = c.WriteMessage(websocket.TextMessage, []byte(`{"error":"Invalid API key","code":4001}`))
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4001, "Invalid API key"))
		c.Close()
		return
	}
	if auth.DisplayWebsiteID == "lost" {
		c.Close()
		return
	}
	// Registered before the first content is written (and under the lock
	// emergency writes with): a client that has its content is reachable.
	f.mu.Lock()
	_ = c.WriteMessage(websocket.TextMessage, []byte(`{"type":"authenticated"}`))
	_ = c.WriteMessage(websocket.TextMessage, []byte(`{"type":"content","version":"a","data":{"slideshow":{"id":"1"}}}`))
	f.conns = append(f.conns, c)
	f.mu.Unlock()
	go func() {
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}()
}

func (f *fakeScreens) emergency() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		_ = c.WriteMessage(websocket.TextMessage,
			[]byte(`{"type":"content","version":"b","data":{"emergency_active":true,"emergency_slideshow_ids":["2"]}}`))
	}
}

func TestClientAgainstFakeServer(t *testing.T) {
	f := &fakeScreens{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/screens/"

	c := newClient("key")
	c.timeout = 5 * time.Second
	var screens []*screen
	for i := range 20 {
		screens = append(screens, &screen{id: "s", inst: i % 2})
	}
	c.connectAll(screens, []string{url, url}, 4, nil)
	if n := countConnected(screens); n != 20 {
		t.Fatalf("connected %d of 20: %v", n, failures(screens))
	}
	t0 := time.Now()
	f.emergency()
	for time.Since(t0) < 15*time.Second && countEmergencies(screens) < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	d := summarise(screens, t0)
	if d.Screens != 20 || d.Received != 20 || d.Lost != 0 || d.Max <= 0 || d.P50 > d.P99 || d.P99 > d.Max {
		t.Fatalf("%+v", d)
	}
	for _, s := range screens {
		s.close()
	}

	bad := newClient("wrong")
	s := &screen{id: "s"}
	if err := bad.connect(s, url); err == nil || !strings.Contains(s.Failure(), "4001") {
		t.Fatalf("err %v, failure %q", err, s.Failure())
	}
	lost := &screen{id: "lost"}
	if err := c.connect(lost, url); err == nil || lost.contentAt.Load() != 0 {
		t.Fatalf("err %v", err)
	}
}

func TestStats(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(lat, 0.5); p != 50*time.Millisecond {
		t.Fatal(p)
	}
	if p := percentile(lat, 0.99); p != 99*time.Millisecond {
		t.Fatal(p)
	}
	if p := percentile(nil, 0.99); p != 0 {
		t.Fatal(p)
	}
	kb, err := parseRSS(strings.NewReader("Name:\tx\nVmPeak:\t  10 kB\nVmRSS:\t   1234 kB\n"))
	if err != nil || kb != 1234 {
		t.Fatal(kb, err)
	}
}

// TestSeed keeps the bench's seeding in step with the schema and hooks.
func TestSeed(t *testing.T) {
	dir := t.TempDir()
	sd, err := seed(dir, 7, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.Groups) != 3 || len(sd.Screens) != 7 || sd.Key == "" || sd.Emergency == "" || sd.Slideshow == "" {
		t.Fatalf("%+v", sd)
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ClearBootstrap()
	screen, err := app.FindRecordById(collections.DisplayWebsites, sd.Screens[4])
	if err != nil {
		t.Fatal(err)
	}
	if screen.GetString("display_website_group") != sd.Groups[1] || screen.GetString("branch") != sd.Branch {
		t.Fatalf("%v", screen)
	}
	show, err := app.FindRecordById(collections.Slideshows, sd.Slideshow)
	if err != nil {
		t.Fatal(err)
	}
	var data struct{ Slides []any }
	if err := json.Unmarshal([]byte(show.GetString("slideshow_data")), &data); err != nil || len(data.Slides) != 2 {
		t.Fatalf("%v %s", err, show.GetString("slideshow_data"))
	}
}

func TestParseCPU(t *testing.T) {
	stat := "123 (open stream) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 12 0 100 0 0"
	d, err := parseCPU(stat)
	if err != nil || d != 3*time.Second {
		t.Fatal(d, err)
	}
}

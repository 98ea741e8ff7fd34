package sse_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/internal/testenv"
	"github.com/openstream-go/openstream/realtime/changes"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/sse"
)

// wait is the generous deadline for anything that should happen at once.
const wait = 20 * time.Second

// event is one dispatched block of an SSE stream.
type event struct {
	Name, Data, Retry string
	Comments          []string
}

// sseClient reads one stream into an unbounded list, so a test that is
// busy elsewhere never makes the client slow.
type sseClient struct {
	resp   *http.Response
	cancel context.CancelFunc

	mu     sync.Mutex
	events []event
	err    error         // why the stream ended
	signal chan struct{} // poked on every block and at the end
	done   chan struct{} // closed when the stream ended
}

// open connects to url, checks the answer is a stream and reads its
// opening block (the retry line).
func open(t *testing.T, url string) *sseClient {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Origin", "http://screens.example")
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	c := &sseClient{resp: resp, cancel: cancel, signal: make(chan struct{}, 1), done: make(chan struct{})}
	t.Cleanup(c.close)
	go c.read()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	first := c.next(t, func(e event) bool { return true })
	if first.Retry != "10000" || first.Name != "" || first.Data != "" {
		t.Fatalf("opening block %+v, want retry: 10000", first)
	}
	return c
}

func (c *sseClient) close() {
	c.cancel()
	_ = c.resp.Body.Close()
	<-c.done
}

func (c *sseClient) read() {
	defer close(c.done)
	r := bufio.NewReader(c.resp.Body)
	var cur event
	seen := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			c.poke()
			return
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if line == "" {
			if seen {
				c.mu.Lock()
				c.events = append(c.events, cur)
				c.mu.Unlock()
				c.poke()
			}
			cur, seen = event{}, false
			continue
		}
		seen = true
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			cur.Comments = append(cur.Comments, value)
		case "event":
			cur.Name = value
		case "data":
			if cur.Data != "" {
				cur.Data += "\n"
			}
			cur.Data += value
		case "retry":
			cur.Retry = value
		}
	}
}

func (c *sseClient) poke() {
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

// next removes and returns the first block that match accepts, dropping
// the ones before it; it fails the test after the deadline.
func (c *sseClient) next(t *testing.T, match func(event) bool) event {
	t.Helper()
	e, ok := c.nextWithin(wait, match)
	if !ok {
		c.mu.Lock()
		defer c.mu.Unlock()
		t.Fatalf("no matching event within %s (stream error: %v)", wait, c.err)
	}
	return e
}

func (c *sseClient) nextWithin(d time.Duration, match func(event) bool) (event, bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		c.mu.Lock()
		for len(c.events) > 0 {
			e := c.events[0]
			c.events = c.events[1:]
			if match(e) {
				c.mu.Unlock()
				return e, true
			}
		}
		ended := c.err != nil
		c.mu.Unlock()
		if ended {
			return event{}, false
		}
		select {
		case <-c.signal:
		case <-timer.C:
			return event{}, false
		}
	}
}

// notice accepts custom-events, skipping keep-alives and probes.
func notice(e event) bool { return e.Name != "" && !strings.Contains(e.Data, `"model":"Probe"`) }

// expect reads the next notices and compares their data with want, in order.
func (c *sseClient) expect(t *testing.T, want ...string) {
	t.Helper()
	for i, w := range want {
		e := c.next(t, notice)
		if e.Name != "custom-event" {
			t.Fatalf("event %d: name %q", i, e.Name)
		}
		if e.Data != w {
			t.Fatalf("event %d:\n got %s\nwant %s", i, e.Data, w)
		}
		allStrings(t, e.Data)
	}
}

// allStrings checks every value of a notice is a string (or a list of them).
func allStrings(t *testing.T, data string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		t.Fatalf("data is not a JSON object: %s", data)
	}
	for k, v := range m {
		switch v := v.(type) {
		case string:
		case []any:
			for _, x := range v {
				if _, ok := x.(string); !ok {
					t.Fatalf("%s holds a non-string: %s", k, data)
				}
			}
		default:
			t.Fatalf("%s is not a string: %s", k, data)
		}
	}
}

// ended waits for the stream to end.
func (c *sseClient) ended(t *testing.T) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(wait):
		t.Fatal("the stream did not end")
	}
}

// eventually polls cond until it holds (it waits, it does not decide).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// serve mounts s on app's router like realtime.Register does, serves that
// router on an httptest server, starts s's own listener and returns the
// router's base URL. s is closed before the server (cleanups run LIFO).
func serve(t *testing.T, app core.App, s *sse.Stream) string {
	t.Helper()
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/events", s.Serve)
		return se.Next()
	})
	ts := httptest.NewServer(testapp.Handler(t, app))
	t.Cleanup(ts.Close)
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if s.Addr() == "" {
		t.Fatal("no listener address")
	}
	return ts.URL
}

func checkHeaders(t *testing.T, h http.Header) {
	t.Helper()
	for k, v := range map[string]string{
		"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Connection": "keep-alive",
		"X-Accel-Buffering": "no", "Access-Control-Allow-Origin": "*",
	} {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

func TestEventsOfSavesAndDeletesInOrder(t *testing.T) {
	app := testapp.New(t)
	ten := apitest.NewTenants(t, app)
	h := hub.NewLocal()
	changes.Watch(app, h)
	s := sse.New(app, sse.Config{Hub: h, Addr: "127.0.0.1:0"})
	routerURL := serve(t, app, s)

	onRouter := open(t, routerURL+"/events")
	onListener := open(t, "http://"+s.Addr()+"/events")
	checkHeaders(t, onRouter.resp.Header)
	checkHeaders(t, onListener.resp.Header)
	if n := s.Clients(); n != 2 {
		t.Fatalf("Clients() = %d, want 2", n)
	}

	b := ten.Branch["aarhus"]
	create := func(collection string, data map[string]any) string {
		return apitest.Create(t, app, collection, data).Id
	}
	remove := func(collection, id string) {
		r, err := app.FindRecordById(collection, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Delete(r); err != nil {
			t.Fatal(err)
		}
	}
	slideshow := create(collections.Slideshows, map[string]any{"name": "welcome", "branch": b})
	r, err := app.FindRecordById(collections.Slideshows, slideshow)
	if err != nil {
		t.Fatal(err)
	}
	r.Set("name", "welcome!")
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	playlist := create(collections.Playlists, map[string]any{"name": "loop", "branch": b})
	item := create(collections.PlaylistItems, map[string]any{"slideshow_playlist": playlist, "slideshow": slideshow})
	group := create(collections.DisplayWebsiteGroups, map[string]any{"name": "lobby", "branch": b, "default_slideshow": slideshow})
	screen := create(collections.DisplayWebsites, map[string]any{"name": "screen 1", "branch": b, "display_website_group": group})
	sched := create(collections.ScheduledContents, map[string]any{
		"display_website_group": group, "playlist": playlist,
		"start_time": "2026-04-01 10:00:00.000Z", "end_time": "2026-04-01 12:00:00.000Z",
	})
	emergency := create(collections.EmergencySlideshows, map[string]any{"slideshow": slideshow, "display_website_groups": []string{group}, "is_active": true})
	create(collections.Categories, map[string]any{"name": "news", "organisation": ten.Org["aarhus"]}) // no notice
	remove(collections.EmergencySlideshows, emergency)
	remove(collections.ScheduledContents, sched)
	remove(collections.PlaylistItems, item)
	remove(collections.DisplayWebsites, screen)
	remove(collections.DisplayWebsiteGroups, group)

	want := []string{
		`{"model":"Slideshow","id":"` + slideshow + `"}`,
		`{"model":"Slideshow","id":"` + slideshow + `"}`,
		`{"model":"SlideshowPlaylist","id":"` + playlist + `"}`,
		`{"model":"SlideshowPlaylist","id":"` + playlist + `"}`, // the item touches its playlist
		`{"model":"SlideshowPlaylist","id":"` + playlist + `"}`, // the item itself
		`{"model":"DisplayWebsiteGroup","id":"` + group + `"}`,
		`{"model":"DisplayWebsite","id":"` + screen + `","branchId":"` + b + `"}`,
		`{"model":"ScheduledContent","id":"` + sched + `","displayWebsiteGroupId":"` + group + `"}`,
		`{"model":"EmergencySlideshow","id":"` + emergency + `","slideshowId":"` + slideshow + `","groupIds":["` + group + `"]}`,
		`{"model":"EmergencySlideshow","id":"` + emergency + `","slideshowId":"` + slideshow + `","groupIds":["` + group + `"]}`,
		`{"model":"ScheduledContent","id":"` + sched + `","displayWebsiteGroupId":"` + group + `"}`,
		`{"model":"SlideshowPlaylist","id":"` + playlist + `"}`,
		`{"model":"SlideshowPlaylist","id":"` + playlist + `"}`,
		`{"model":"DisplayWebsite","id":"` + screen + `","branchId":"` + b + `"}`,
		`{"model":"DisplayWebsiteGroup","id":"` + group + `"}`,
	}
	onRouter.expect(t, want...)
	onListener.expect(t, want...)
}

func TestListenerPreflightAndOtherPaths(t *testing.T) {
	app := testapp.New(t)
	s := sse.New(app, sse.Config{Hub: hub.NewLocal(), Addr: "127.0.0.1:0"})
	routerURL := serve(t, app, s)
	base := "http://" + s.Addr()
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)

	do := func(method, url string, headers ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}

	resp, _ := do(http.MethodOptions, base+"/events", "Origin", "http://screens.example",
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "last-event-id")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "GET") ||
		resp.Header.Get("Access-Control-Allow-Headers") != "last-event-id" {
		t.Fatalf("preflight: %s %v", resp.Status, resp.Header)
	}

	resp, body := do(http.MethodGet, base+"/nope")
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/json" ||
		body != `{"data":{},"message":"The requested resource wasn't found.","status":404}` {
		t.Fatalf("other path: %s %s", resp.Status, body)
	}
	resp, body = do(http.MethodPost, base+"/events")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("POST: %s %s", resp.Status, body)
	}

	// The router's handler answers a preflight sent to it the same way.
	req := httptest.NewRequest(http.MethodOptions, "/events", nil)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("ServeHTTP preflight: %d %v", rec.Code, rec.Header())
	}
	_ = routerURL

	// A second Listen is a no-op; a port in use is an error.
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	taken := sse.New(app, sse.Config{Hub: hub.NewLocal(), Addr: s.Addr()})
	defer taken.Close()
	if err := taken.Listen(); err == nil {
		t.Fatal("Listen on a bound port succeeded")
	}
	for _, addr := range []string{"", "off"} {
		none := sse.New(app, sse.Config{Hub: hub.NewLocal(), Addr: addr})
		if err := none.Listen(); err != nil || none.Addr() != "" {
			t.Fatalf("Addr %q: %v %q", addr, err, none.Addr())
		}
		none.Close()
	}
}

// Two instances sharing Redis: a change saved on one reaches the streams
// of both.
func TestTwoInstancesShareRedis(t *testing.T) {
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	prefix := "openstream-test:" + t.Name() + ":" + hex.EncodeToString(suffix) + ":"
	newHub := func() *hub.Redis {
		client := redis.NewClient(opts)
		h := hub.NewRedis(client, hub.RedisOptions{Prefix: prefix, Logger: slog.New(slog.DiscardHandler)})
		t.Cleanup(func() {
			// Client first: hub.Redis.Close alone waits for its receive
			// loop's 15 s read timeout.
			_ = client.Close()
			_ = h.Close()
		})
		return h
	}
	hubA, hubB := newHub(), newHub()

	app := testapp.New(t)
	ten := apitest.NewTenants(t, app)
	changes.Watch(app, hubA)
	a := sse.New(app, sse.Config{Hub: hubA, Addr: "127.0.0.1:0"})
	routerA := serve(t, app, a)
	appB := testapp.New(t)
	b := sse.New(appB, sse.Config{Hub: hubB, Addr: "127.0.0.1:0"})
	serve(t, appB, b)

	onB := open(t, "http://"+b.Addr()+"/events")
	// Redis drops messages published before B's subscription is in
	// place: probe until one arrives, then the link is known to work.
	for i := 0; ; i++ {
		payload, _ := json.Marshal(changes.Change{Collection: "probe", Action: changes.Update, ID: "probe",
			Notices: []changes.Notice{{Model: "Probe", ID: fmt.Sprint(i)}}})
		if err := hubA.Publish(context.Background(), changes.Topic, payload); err != nil {
			t.Fatal(err)
		}
		if _, ok := onB.nextWithin(250*time.Millisecond, func(e event) bool { return strings.Contains(e.Data, "Probe") }); ok {
			break
		}
		if i > int(wait/(250*time.Millisecond)) {
			t.Fatal("no message crossed Redis")
		}
	}
	onA := open(t, routerA+"/events")

	slideshow := apitest.Create(t, app, collections.Slideshows, map[string]any{"name": "welcome", "branch": ten.Branch["aarhus"]}).Id
	want := `{"model":"Slideshow","id":"` + slideshow + `"}`
	onA.expect(t, want)
	onB.expect(t, want)
}

func TestClientThatLeavesIsForgotten(t *testing.T) {
	app := testapp.New(t)
	s := sse.New(app, sse.Config{Hub: hub.NewLocal(), Addr: "127.0.0.1:0"})
	routerURL := serve(t, app, s)
	c1 := open(t, routerURL+"/events")
	c2 := open(t, "http://"+s.Addr()+"/events")
	if n := s.Clients(); n != 2 {
		t.Fatalf("Clients() = %d", n)
	}
	c1.close()
	c2.close()
	eventually(t, "both streams are gone", func() bool { return s.Clients() == 0 })
}

func TestKeepAlive(t *testing.T) {
	app := testapp.New(t)
	s := sse.New(app, sse.Config{Hub: hub.NewLocal(), Addr: "127.0.0.1:0", KeepAlive: 20 * time.Millisecond})
	serve(t, app, s)
	c := open(t, "http://"+s.Addr()+"/events")
	e := c.next(t, func(event) bool { return true })
	if e.Name != "" || e.Data != "" || len(e.Comments) != 1 || e.Comments[0] != "keep-alive" {
		t.Fatalf("keep-alive block %+v", e)
	}
}

func TestCloseEndsStreamsPromptly(t *testing.T) {
	app := testapp.New(t)
	s := sse.New(app, sse.Config{Hub: hub.NewLocal(), Addr: "127.0.0.1:0"})
	routerURL := serve(t, app, s)
	addr := s.Addr()
	var clients []*sseClient
	for range 2 {
		clients = append(clients, open(t, routerURL+"/events"), open(t, "http://"+addr+"/events"))
	}
	start := time.Now()
	s.Close()
	t.Logf("Close took %s with readers attached", time.Since(start))
	for _, c := range clients {
		c.ended(t)
	}
	if n := s.Clients(); n != 0 {
		t.Fatalf("Clients() = %d after Close", n)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Fatal("the listener still accepts connections")
	}
	resp, err := http.Get(routerURL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a stream opened after Close: %s", resp.Status)
	}
	s.Close() // twice is fine
}

// A client that does not read is dropped once its queue is full; the
// publisher never waits for it, and the client that reads gets every
// event. Close then leaves no goroutine behind.
func TestSlowClientIsDropped(t *testing.T) {
	app := testapp.New(t)
	h := hub.NewLocal()
	before := runtime.NumGoroutine()

	const queue = 256 << 10
	s := sse.New(app, sse.Config{Hub: h, Addr: "127.0.0.1:0", QueueBytes: queue, KeepAlive: time.Hour})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close()
		}
	})
	fast := open(t, "http://"+s.Addr()+"/events")
	slow, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := io.WriteString(slow, "GET /events HTTP/1.1\r\nHost: sse\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the slow client is connected", func() bool { return s.Clients() == 2 })

	big := strings.Repeat("x", 16<<10)
	published, received, slowest := 0, 0, time.Duration(0)
	receive := func() {
		t.Helper()
		e := fast.next(t, notice)
		var n changes.Notice
		if err := json.Unmarshal([]byte(e.Data), &n); err != nil || n.ID != fmt.Sprint(received) {
			t.Fatalf("event %d: %.80s", received, e.Data)
		}
		received++
	}
	deadline := time.Now().Add(wait)
	for s.Clients() == 2 {
		// The reading client stays within a few events of the publisher
		// (well inside its queue), whatever the scheduler does; the other
		// one reads nothing.
		for published-received > 4 {
			receive()
		}
		if time.Now().After(deadline) || published > 100000 {
			t.Fatalf("the slow client was not dropped after %d events", published)
		}
		payload, _ := json.Marshal(changes.Change{Collection: collections.Slideshows, Action: changes.Update, ID: "x",
			Notices: []changes.Notice{{Model: "Slideshow", ID: fmt.Sprint(published), SlideshowID: big}}})
		start := time.Now()
		if err := h.Publish(context.Background(), changes.Topic, payload); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
		published++
	}
	t.Logf("slow client dropped after %d events of 16 KiB; slowest publish %s", published, slowest)
	if slowest > 2*time.Second {
		t.Errorf("a publish took %s", slowest)
	}
	if s.Clients() != 1 {
		t.Fatalf("Clients() = %d, want the reading client only", s.Clients())
	}
	for received < published {
		receive()
	}
	if published*len(big) < queue {
		t.Fatalf("dropped after %d events, before its queue can have filled", published)
	}

	// The slow client's connection was closed: what it has not read ends.
	_ = slow.SetReadDeadline(time.Now().Add(wait))
	if _, err := io.Copy(io.Discard, slow); err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the slow client's connection stays open")
		}
	}

	s.Close()
	closed = true
	fast.ended(t)
	fast.close()
	slow.Close()
	deadline = time.Now().Add(wait)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// PocketBase's server has a 5-minute WriteTimeout and ReadTimeout; a
// stream clears both for its connection. Here they are 200ms, and the
// stream outlives them many times over.
func TestStreamOutlivesServerTimeouts(t *testing.T) {
	app := testapp.New(t)
	h := hub.NewLocal()
	s := sse.New(app, sse.Config{Hub: h, KeepAlive: 50 * time.Millisecond})
	t.Cleanup(s.Close)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/events", s.Serve)
		return se.Next()
	})
	ts := httptest.NewUnstartedServer(testapp.Handler(t, app))
	ts.Config.WriteTimeout = 200 * time.Millisecond
	ts.Config.ReadTimeout = 200 * time.Millisecond
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(s.Close)

	c := open(t, ts.URL+"/events")
	start := time.Now()
	for time.Since(start) < 5*ts.Config.WriteTimeout {
		c.next(t, func(e event) bool { return len(e.Comments) == 1 && e.Comments[0] == "keep-alive" })
	}
	payload, _ := json.Marshal(changes.Change{Collection: collections.Slideshows, Action: changes.Update, ID: "7",
		Notices: []changes.Notice{{Model: "Slideshow", ID: "7"}}})
	if err := h.Publish(context.Background(), changes.Topic, payload); err != nil {
		t.Fatal(err)
	}
	c.expect(t, `{"model":"Slideshow","id":"7"}`)
}

// PocketBase cancels every request's context on shutdown (its server's
// BaseContext): that alone ends the streams.
func TestRequestContextEndsStream(t *testing.T) {
	app := testapp.New(t)
	s := sse.New(app, sse.Config{Hub: hub.NewLocal()})
	t.Cleanup(s.Close)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/events", s.Serve)
		return se.Next()
	})
	base, shutdown := context.WithCancel(context.Background())
	defer shutdown()
	ts := httptest.NewUnstartedServer(testapp.Handler(t, app))
	ts.Config.BaseContext = func(net.Listener) context.Context { return base }
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(s.Close)

	c := open(t, ts.URL+"/events")
	shutdown()
	c.ended(t)
	eventually(t, "the stream is forgotten", func() bool { return s.Clients() == 0 })
}

// Close does not hang on a client whose writes block (it reads nothing
// and its queue is large enough not to get it dropped first).
func TestCloseCutsBlockedStreams(t *testing.T) {
	app := testapp.New(t)
	h := hub.NewLocal()
	s := sse.New(app, sse.Config{Hub: h, Addr: "127.0.0.1:0", QueueBytes: 256 << 20, KeepAlive: time.Hour})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	stuck, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	if _, err := io.WriteString(stuck, "GET /events HTTP/1.1\r\nHost: sse\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the client is connected", func() bool { return s.Clients() == 1 })
	big := strings.Repeat("x", 64<<10)
	for i := range 256 { // 16 MiB: more than any socket buffers hold
		payload, _ := json.Marshal(changes.Change{Collection: collections.Slideshows, Action: changes.Update, ID: "x",
			Notices: []changes.Notice{{Model: "Slideshow", ID: fmt.Sprint(i), SlideshowID: big}}})
		if err := h.Publish(context.Background(), changes.Topic, payload); err != nil {
			t.Fatal(err)
		}
	}
	if s.Clients() != 1 {
		t.Fatal("the client was dropped")
	}
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %s", d)
	}
	if n := s.Clients(); n != 0 {
		t.Fatalf("Clients() = %d after Close", n)
	}
	_ = stuck.SetReadDeadline(time.Now().Add(wait))
	if _, err := io.Copy(io.Discard, stuck); err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the connection stays open")
		}
	}
}

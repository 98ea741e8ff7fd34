package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
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

	c := newClient("key", false)
	c.timeout = 5 * time.Second
	var screens []*screen
	for i := range 20 {
		screens = append(screens, &screen{id: "s", inst: i % 2})
	}
	c.connectAll(screens, []string{url, url}, 4, nil)
	if n := count(screens, (*screen).hasContent); n != 20 {
		t.Fatalf("connected %d of 20: %v", n, failures(screens))
	}
	c.arm(screens, emergencyOn)
	t0 := time.Now()
	f.emergency()
	r := collect(screens, 15*time.Second)
	d := merge([]report{r}, t0)
	if d.Screens != 20 || d.Received != 20 || d.Lost != 0 || d.Max <= 0 || d.P50 > d.P99 || d.P99 > d.Max {
		t.Fatalf("%+v", d)
	}
	// A round whose mark never comes loses every screen, and says so.
	c.arm(screens, emergencyOff)
	if r := collect(screens, 50*time.Millisecond); r.OK != 20 || r.Lost != 20 || len(r.At) != 0 {
		t.Fatalf("%+v", r)
	}
	for _, s := range screens {
		s.close()
	}

	bad := newClient("wrong", false)
	s := &screen{id: "s"}
	if err := bad.connect(s, url); err == nil || !strings.Contains(s.Failure(), "4001") {
		t.Fatalf("err %v, failure %q", err, s.Failure())
	}
	lost := &screen{id: "lost"}
	if err := c.connect(lost, url); err == nil || lost.contentAt.Load() != 0 {
		t.Fatalf("err %v", err)
	}
}

// The client process's line protocol, end to end against the fake server.
func TestChildProtocol(t *testing.T) {
	f := &fakeScreens{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/screens/"
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- runChild(inR, outW); outW.Close() }()
	enc, dec := json.NewEncoder(inW), json.NewDecoder(outR)
	ask := func(v any) report {
		t.Helper()
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		var r report
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if err := enc.Encode(childConfig{URLs: []string{url}, Key: "key", IDs: []string{"a", "b", "lost"}, Inst: []int{0, 0, 0}, Pool: 3}); err != nil {
		t.Fatal(err)
	}
	if r := ask(command{Cmd: "connect"}); r.Event != "connected" || r.OK != 2 || r.Bytes == 0 || len(r.Failures) != 1 {
		t.Fatalf("%+v", r)
	}
	if r := ask(command{Cmd: "arm", Mark: string(emergencyOn)}); r.Event != "armed" {
		t.Fatalf("%+v", r)
	}
	f.emergency()
	if r := ask(command{Cmd: "collect", WaitMS: 15000}); r.Event != "collected" || r.OK != 2 || len(r.At) != 2 || r.Lost != 0 {
		t.Fatalf("%+v", r)
	}
	if r := ask(command{Cmd: "nonsense"}); r.Error == "" {
		t.Fatalf("%+v", r)
	}
	if r := ask(command{Cmd: "close"}); r.Event != "closed" {
		t.Fatalf("%+v", r)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestGoals(t *testing.T) {
	for _, c := range []struct {
		row  goalRow
		want bool
	}{
		{goalRow{values: []float64{100, 240, 250}, goal: 250, atMost: true}, true},
		{goalRow{values: []float64{100, 251}, goal: 250, atMost: true}, false},
		{goalRow{values: []float64{10000}, goal: 10000}, true},
		{goalRow{values: []float64{9999}, goal: 10000}, false},
		{goalRow{goal: 10, atMost: true}, false}, // nothing measured is not met
		{goalRow{values: []float64{1e9}, info: true}, true},
	} {
		if got := c.row.met(); got != c.want {
			t.Errorf("%+v: met %v, want %v", c.row, got, c.want)
		}
	}
	if lo, mid, hi := spread([]float64{5, 1, 3, 2}); lo != 1 || mid != 2.5 || hi != 5 {
		t.Fatal(lo, mid, hi)
	}
	if lo, mid, hi := spread([]float64{7, 1, 3}); lo != 1 || mid != 3 || hi != 7 {
		t.Fatal(lo, mid, hi)
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
	sd, err := seed(dir, 7, 3, 2, contentRealistic)
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.Groups) != 3 || len(sd.Screens) != 7 || len(sd.Editors) != 2 || sd.Key == "" || sd.Emergency == "" || sd.Slideshow == "" {
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
	raw := show.GetString("slideshow_data")
	if err := json.Unmarshal([]byte(raw), &data); err != nil || len(data.Slides) != 20 || len(raw) < 36<<10 || len(raw) > 40<<10 {
		t.Fatalf("%v: %d slides, %d bytes, want 20 slides of about 38 KB", err, len(data.Slides), len(raw))
	}
	// The editors' tokens open the editors' door: they are users' tokens.
	for _, token := range sd.Editors {
		u, err := app.FindAuthRecordByToken(token, core.TokenTypeAuth)
		if err != nil || !u.GetBool("is_active") {
			t.Fatalf("editor token: %v", err)
		}
	}
}

func TestParseCPU(t *testing.T) {
	stat := "123 (open stream) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 12 0 100 0 0"
	d, err := parseCPU(stat)
	if err != nil || d != 3*time.Second {
		t.Fatal(d, err)
	}
}

func TestParseRedisCPU(t *testing.T) {
	for info, want := range map[string]time.Duration{
		"# CPU\r\nused_cpu_sys:1.250000\r\nused_cpu_user:0.500000\r\nused_cpu_sys_children:9.0\r\n": 1750 * time.Millisecond,
		"# CPU\r\n":                             0,
		"used_cpu_sys:x\r\nused_cpu_user:2\r\n": 2 * time.Second,
	} {
		if got := parseRedisCPU(info); got != want {
			t.Errorf("%q: %v, want %v", info, got, want)
		}
	}
}

func TestContentVersion(t *testing.T) {
	for msg, want := range map[string]string{
		`{"type":"content","version":"3cf4d5a0","data":{}}`:                             "3cf4d5a0",
		`{"type":"content","version":"none","data":null,"detail":"No default content"}`: "none",
		`{"type":"content","version":"","data":{}}`:                                     "",
		`{"type":"authenticated"}`:                                                      "",
		`{"error":"x","code":4007}`:                                                     "",
		`{"type":"content","version":"unterminated`:                                     "",
	} {
		if got := contentVersion([]byte(msg)); got != want {
			t.Errorf("%s: %q, want %q", msg, got, want)
		}
	}
}

// The goal table judges every round; a round whose acks never all came
// counts as the whole wait.
func TestGoalTable(t *testing.T) {
	o := options{n: 10000, content: contentRealistic, acks: true, wait: 15 * time.Second}
	rounds := []delivery{
		{P99: 200 * time.Millisecond, AckedAll: time.Second, Received: 10000, AcksAfter: 10000, AckMax: 700 * time.Millisecond},
		{P99: 300 * time.Millisecond, Received: 10000, AcksAfter: 9999, AckMax: 800 * time.Millisecond},
	}
	rows := goalTable(o, 10000, 3, rounds, []float64{10, 13}, stormResult{})
	got := map[string]goalRow{}
	for _, r := range rows {
		got[r.what] = r
	}
	if r := got["fan-out p99"]; r.goal != 250 || r.met() || len(r.values) != 2 {
		t.Errorf("p99 row %+v", r)
	}
	if r := got["every screen acknowledged (delivery report)"]; !slices.Equal(r.values, []float64{1, 15}) || r.met() {
		t.Errorf("acks row %+v", r)
	}
	if r := got["last ack from the change (acknowledged_at)"]; !slices.Equal(r.values, []float64{0.7, 15}) || r.met() {
		t.Errorf("last ack row %+v", r)
	}
	if r := got["connect burst: screens with content"]; !r.met() {
		t.Errorf("connect row %+v", r)
	}
	if len(rows) != 11 { // no editors: no editor rows
		t.Errorf("%d rows", len(rows))
	}
}

// An ack counts from the change when the server read it in the change's
// millisecond or later; older acks (of an earlier round) and screens
// that never acked do not count.
func TestAckTimes(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 400_700_000, time.UTC)
	report := `{"summary":{"screens":4,"acknowledged":3},"screens":[
		{"id":1,"acknowledged_at":"2026-12-06T10:00:00.400000+01:00"},
		{"id":2,"acknowledged_at":"2026-12-06T10:00:00.650000+01:00"},
		{"id":3,"acknowledged_at":"2026-12-06T09:59:58.100000+01:00"},
		{"id":4,"acknowledged_at":null}]}`
	got, err := ackTimes([]byte(report), t0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{0, 249300 * time.Microsecond}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := ackTimes([]byte(`{"screens":[{"acknowledged_at":"yesterday"}]}`), t0); err == nil {
		t.Error("an unreadable time is not an error")
	}
}

// A round's receipts and its acks are summarised alike, whatever order
// they came in; none gives zeros.
func TestQuantiles(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		in                 []time.Duration
		lo, p50, p99, high time.Duration
	}{
		{nil, 0, 0, 0, 0},
		{[]time.Duration{30 * ms, 10 * ms, 20 * ms}, 10 * ms, 20 * ms, 30 * ms, 30 * ms},
	} {
		lo, p50, p99, hi := quantiles(slices.Clone(c.in))
		if lo != c.lo || p50 != c.p50 || p99 != c.p99 || hi != c.high {
			t.Errorf("%v: %v %v %v %v", c.in, lo, p50, p99, hi)
		}
		var d delivery
		d.ackLatencies(c.in)
		if d.AcksAfter != len(c.in) || d.AckP50 != c.p50 || d.AckP99 != c.p99 || d.AckMax != c.high {
			t.Errorf("acks %v: %+v", c.in, d)
		}
	}
}

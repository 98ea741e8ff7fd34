package realtime_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/api"
	"github.com/openstream-go/openstream/cmd/metrics"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/internal/testenv"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/realtime/alerts"
	"github.com/openstream-go/openstream/realtime/changes"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/hub/hubtest"
	"github.com/openstream-go/openstream/realtime/screens"
	"github.com/openstream-go/openstream/realtime/sse"
	"github.com/openstream-go/openstream/settings"
)

// clock is the tests' time: it moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// instance is one `openstream serve` of the test: its own hub, caches,
// sockets, event stream, alerts and metrics over the shared database and
// Redis.
type instance struct {
	url     string
	mgr     *screens.Manager
	monitor *alerts.Monitor
}

// webhook is the alerts' receiver.
type webhook struct {
	mu     sync.Mutex
	bodies []map[string]any
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	w.mu.Lock()
	w.bodies = append(w.bodies, m)
	w.mu.Unlock()
}

func (w *webhook) received() []map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]map[string]any(nil), w.bodies...)
}

func startInstance(t *testing.T, app core.App, h hub.Hub, rc *redis.Client, prefix string, clk *clock, hook string) *instance {
	t.Helper()
	loc := settings.Default().TimeZone
	player := playback.NewPlayer(app, loc)
	health := playback.NewHealth(app, 0)
	store := delivery.New(app, rc, prefix+"delivery:")
	mgr := screens.New(app, screens.Config{Hub: h, Player: player, Health: health, Delivery: store, Now: clk.Now,
		Expire: func(now time.Time) (time.Time, error) { return playback.ExpireEmergencies(app, now) }})
	mgr.Start()
	t.Cleanup(mgr.Close)
	events := sse.New(app, sse.Config{Hub: h})
	t.Cleanup(events.Close)
	met := metrics.New(metrics.Config{Token: "scrape", Screens: mgr.Connected, Sent: mgr.Sent, Unacknowledged: mgr.Unacknowledged})
	mgr.Observe(met)
	mon := alerts.New(app, alerts.Config{
		Hub: h, Events: events, Redis: rc, Prefix: prefix + "alerts:", Now: clk.Now,
		Reporter: &delivery.Reporter{App: app, Player: player, Store: store},
		Webhook:  alerts.NewWebhook(alerts.WebhookConfig{URL: hook, Backoff: 10 * time.Millisecond}),
	})
	t.Cleanup(mon.Close)
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	api.Mount(router, api.Config{Settings: settings.Default(), Now: clk.Now, Player: player, Health: health, Delivery: store})
	router.GET("/ws/screens/", mgr.Serve)
	router.GET("/events", events.Serve)
	met.Mount(router)
	mux, err := router.BuildMux()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &instance{url: srv.URL, mgr: mgr, monitor: mon}
}

// The done-when: an emergency for screens on two instances, two
// acknowledging, one never acknowledging, one offline, one REST player.
// The delivery report, the webhook, the event stream and /metrics agree;
// expiry switches it off on time; the audit trail shows every step.
func TestEmergencyDeliveryAcrossInstances(t *testing.T) {
	app := testapp.New(t)
	tenants := apitest.NewTenants(t, app)
	links := hubtest.Linked(t, 2)
	rc, prefix := testenv.Redis(t)
	clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
	receiver := &webhook{}
	hookSrv := httptest.NewServer(receiver)
	t.Cleanup(hookSrv.Close)

	inst := []*instance{
		startInstance(t, app, links[0], rc, prefix, clk, hookSrv.URL),
		startInstance(t, app, links[1], rc, prefix, clk, hookSrv.URL),
	}
	// Instance 0 commits the changes; instance 1 hears them through Redis.
	// As in the program, the players' caches are dropped first (their
	// hooks are bound before the publishing one).
	changes.Watch(app, links[0])

	sig := rttest.NewSignage(t, app, tenants.Branch["aarhus"], "aarhus")
	screen := func(name string) string {
		return apitest.Create(t, app, collections.DisplayWebsites, map[string]any{
			"name": name, "branch": sig.Branch, "display_website_group": sig.Group,
		}).Id
	}
	acker0, silent, acker1, offline, poller := sig.Screen, screen("silent"), screen("acker1"), screen("offline"), screen("poller")
	// The offline screen played on a socket ten minutes ago.
	if _, err := app.DB().Update(collections.DisplayWebsites, dbx.Params{
		"last_seen": delivery.Stamp(clk.Now().Add(-10 * time.Minute)), delivery.FieldDeliveredVia: delivery.ViaSocket,
	}, dbx.HashExp{"id": offline}).Execute(); err != nil {
		t.Fatal(err)
	}

	connect := func(in *instance, id string) *rttest.Client {
		c := rttest.Dial(t, rttest.WSURL(in.url, "/ws/screens/"), nil)
		c.Send(map[string]any{"type": "authenticate", "apiKey": sig.Key, "displayWebsiteId": id})
		if m := c.Next(); m["type"] != "authenticated" {
			t.Fatalf("screen %s: %v", id, m)
		}
		if m := c.Next(); m["type"] != "content" {
			t.Fatalf("screen %s: %v", id, m)
		}
		return c
	}
	a0, s0, a1 := connect(inst[0], acker0), connect(inst[0], silent), connect(inst[1], acker1)
	events := rttest.OpenEvents(t, inst[1].url+"/events")

	// Alice activates the emergency through instance 0.
	alice := apitest.Bearer(t, app, tenants.Users["alice"].Id)
	res := call(t, inst[0].url, http.MethodPost, "/api/emergency-slideshows/", alice, map[string]any{
		"slideshow_id": sig.Other, "display_website_group_ids": []string{sig.Group}, "is_active": true, "duration_minutes": 2,
	})
	if res.status != http.StatusCreated {
		t.Fatalf("activate: %d %s", res.status, res.body)
	}
	emergency := jsonString(res.json["id"])

	emergencyContent := func(c *rttest.Client) string {
		for {
			m := c.Next()
			if data, ok := m["data"].(map[string]any); ok && m["type"] == "content" && data["emergency_active"] == true {
				return m["version"].(string)
			}
		}
	}
	v := emergencyContent(a0)
	if emergencyContent(s0) != v || emergencyContent(a1) != v {
		t.Fatal("the screens of one group got different emergency content")
	}
	a0.Send(map[string]any{"type": "ack", "version": v})
	a1.Send(map[string]any{"type": "ack", "version": v})
	// The REST player polls instance 1: delivered, never acknowledged.
	req, _ := http.NewRequest(http.MethodGet, inst[1].url+"/api/display-website/get-active-content?id="+poller, nil)
	req.Header.Set("X-API-KEY", sig.Key)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("poll: %v %v", r, err)
	} else {
		r.Body.Close()
	}

	// The report, from either instance, once the acks are flushed.
	want := delivery.Summary{Screens: 5, Online: 4, Delivered: 4, Acknowledged: 2, Offline: 1}
	var report map[string]any
	for _, in := range inst {
		report = waitReport(t, in.url, emergency, alice, want)
	}
	if report["is_active"] != true || report["activated_at"] == nil || jsonString(report["emergency_id"]) != emergency {
		t.Fatalf("report %v", report)
	}
	rows := map[string]map[string]any{}
	for _, s := range report["screens"].([]any) {
		row := s.(map[string]any)
		rows[jsonString(row["id"])] = row
	}
	for id, w := range map[string][3]bool{ // online, delivered, acknowledged
		acker0: {true, true, true}, acker1: {true, true, true}, silent: {true, true, false},
		poller: {true, true, false}, offline: {false, false, false},
	} {
		row := rows[id]
		if row["online"] != w[0] || (row["delivered_at"] != nil) != w[1] || (row["acknowledged_at"] != nil) != w[2] {
			t.Fatalf("screen %s: %v, want online/delivered/acknowledged %v", id, row, w)
		}
		if w[1] && row["version"] != v {
			t.Fatalf("screen %s version %v, want %s", id, row["version"], v)
		}
	}
	// Another organisation's admin gets what GET of the emergency answers.
	olga := apitest.Bearer(t, app, tenants.Users["olga"].Id)
	got := call(t, inst[1].url, http.MethodGet, "/api/emergency-slideshows/"+emergency+"/delivery/", olga, nil)
	if same := call(t, inst[1].url, http.MethodGet, "/api/emergency-slideshows/"+emergency+"/", olga, nil); got.status != same.status ||
		string(got.body) != string(same.body) || got.status < 400 {
		t.Fatalf("cross-tenant: delivery %d %s, emergency %d %s", got.status, got.body, same.status, same.body)
	}

	// 45 s after the activation both instances run their round: the offline
	// screen and the screen that never acknowledged are alerted once.
	activated, err := app.FindRecordById(collections.EmergencySlideshows, emergency)
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(activated.GetDateTime(delivery.FieldActivatedAt).Time().Add(45 * time.Second))
	for _, in := range inst {
		if err := in.monitor.Check(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	hooks := waitHooks(t, receiver, 2)
	byKind := map[string]map[string]any{}
	for _, h := range hooks {
		if byKind[h["event"].(string)] != nil {
			t.Fatalf("alerted twice: %v", hooks)
		}
		byKind[h["event"].(string)] = h
	}
	if off := byKind[alerts.KindOffline]; off == nil || off["id"] != offline {
		t.Fatalf("offline alert %v", hooks)
	}
	un := byKind[alerts.KindUnacknowledged]
	if un == nil || un["id"] != emergency || len(un["screens"].([]any)) != 1 || un["screens"].([]any)[0].(map[string]any)["id"] != silent {
		t.Fatalf("unacknowledged alert %v", hooks)
	}
	// The alert's numbers are the report's (the poller, seen 45 s ago, is
	// online still and cannot acknowledge, so it is not missing).
	var alerted delivery.Summary
	if raw, _ := json.Marshal(un["summary"]); json.Unmarshal(raw, &alerted) != nil || alerted != want {
		t.Fatalf("alert summary %s, report %+v", raw, want)
	}
	// A second round alerts nothing more.
	for _, in := range inst {
		if err := in.monitor.Check(t.Context()); err != nil {
			t.Fatal(err)
		}
	}

	// The event stream of instance 1 showed the live numbers and both alerts.
	seen := map[string]bool{}
	for !seen[alerts.ModelDelivery] || !seen[alerts.KindOffline] || !seen[alerts.KindUnacknowledged] {
		m := events.Next()
		switch {
		case m["model"] == alerts.ModelDelivery && m["id"] == emergency:
			s := m["summary"].(map[string]any)
			if s["acknowledged"] == float64(2) && s["delivered"] == float64(4) {
				seen[alerts.ModelDelivery] = true
			}
		case m["event"] == alerts.KindOffline && m["id"] == offline:
			seen[alerts.KindOffline] = true
		case m["event"] == alerts.KindUnacknowledged && m["id"] == emergency:
			seen[alerts.KindUnacknowledged] = true
		}
	}
	if n := len(receiver.received()); n != 2 {
		t.Fatalf("%d webhook posts after the second round", n)
	}

	// /metrics of each instance: its own sockets' acks and the silent one.
	for i, want := range []map[string]string{
		{"openstream_screens_connected": "2", "openstream_screens_unacknowledged": "1", "openstream_screen_ack_latency_seconds_count": "1"},
		{"openstream_screens_connected": "1", "openstream_screens_unacknowledged": "0", "openstream_screen_ack_latency_seconds_count": "1"},
	} {
		text := scrape(t, inst[i].url)
		for name, value := range want {
			if !strings.Contains(text, "\n"+name+" "+value+"\n") {
				t.Fatalf("instance %d: want %s %s in\n%s", i, name, value, grepMetrics(text))
			}
		}
		if strings.Contains(text, "\nopenstream_screen_push_latency_seconds_count 0\n") {
			t.Fatalf("instance %d measured no push latency:\n%s", i, grepMetrics(text))
		}
	}

	// The emergency expires: the clock passes expires_at and the schedule
	// timer's recompute (which a moved clock does not fire by itself)
	// switches it off. The report then counts the screens back on normal
	// content; the poller, unseen for two minutes now, and the marked
	// screen are offline.
	rec, err := app.FindRecordById(collections.EmergencySlideshows, emergency)
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(rec.GetDateTime("expires_at").Time().Add(time.Second))
	inst[0].mgr.Recompute(false)
	for _, c := range []*rttest.Client{a0, s0, a1} {
		for m := c.Next(); m["data"].(map[string]any)["emergency_active"] == true; m = c.Next() {
		}
	}
	back := waitReport(t, inst[1].url, emergency, alice, delivery.Summary{Screens: 5, Online: 3, Delivered: 3, Acknowledged: 0, Offline: 2})
	if back["is_active"] != false {
		t.Fatalf("after: %v", back)
	}
	// The audit trail has every step: alice's activation, the system's expiry.
	res = call(t, inst[1].url, http.MethodGet, "/api/audit-events/?org_id="+tenants.Org["aarhus"]+"&target_id="+emergency, alice, nil)
	var steps []string
	for _, e := range res.json["results"].([]any) {
		ev := e.(map[string]any)
		steps = append(steps, ev["action"].(string)+" by "+ev["actor"].(string))
	}
	if want := []string{"emergency.expire by system", "emergency.activate by " + tenants.Users["alice"].Id}; strings.Join(steps, ", ") != strings.Join(want, ", ") {
		t.Fatalf("audit %v, want %v", steps, want)
	}
}

type response struct {
	status int
	body   []byte
	json   map[string]any
}

func call(t *testing.T, base, method, path, token string, body any) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = strings.NewReader(string(raw))
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{status: res.StatusCode, body: raw}
	_ = json.Unmarshal(raw, &out.json)
	return out
}

// waitReport reads the delivery report until its summary is want (the
// instances flush their acks about once a second).
func waitReport(t *testing.T, base, emergency, token string, want delivery.Summary) map[string]any {
	t.Helper()
	deadline := time.Now().Add(rttest.Wait)
	for {
		res := call(t, base, http.MethodGet, "/api/emergency-slideshows/"+emergency+"/delivery/", token, nil)
		if res.status != http.StatusOK {
			t.Fatalf("delivery: %d %s", res.status, res.body)
		}
		raw, _ := json.Marshal(res.json["summary"])
		var got delivery.Summary
		_ = json.Unmarshal(raw, &got)
		if got == want {
			return res.json
		}
		if time.Now().After(deadline) {
			t.Fatalf("summary %+v, want %+v\n%s", got, want, res.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitHooks(t *testing.T, w *webhook, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(rttest.Wait)
	for {
		got := w.received()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d webhook posts, want %d: %v", len(got), n, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func scrape(t *testing.T, base string) string {
	t.Helper()
	res := call(t, base, http.MethodGet, "/metrics", "Bearer scrape", nil)
	if res.status != http.StatusOK {
		t.Fatalf("/metrics: %d %s", res.status, res.body)
	}
	return "\n" + string(res.body)
}

func grepMetrics(text string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "openstream_screen") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func jsonString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		raw, _ := json.Marshal(x)
		return string(raw)
	}
	return ""
}

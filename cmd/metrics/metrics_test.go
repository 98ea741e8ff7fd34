package metrics_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openstream-go/openstream/cmd/metrics"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/realtime/hub"
)

// statusHub is an in-process hub whose link status the test reports.
type statusHub struct {
	hub.Hub
	listeners []func(error)
}

func (h *statusHub) OnStatus(fn func(error)) { h.listeners = append(h.listeners, fn) }
func (h *statusHub) report(err error) {
	for _, fn := range h.listeners {
		fn(err)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	app := testapp.New(t)
	h := &statusHub{Hub: hub.NewLocal()}
	m := metrics.New(metrics.Config{
		Token: "scrape-secret", Hub: h, Redis: true,
		Screens:        func() int { return 3 },
		Sent:           func() (uint64, uint64) { return 7, 4096 },
		Unacknowledged: func() int { return 2 },
	})
	metrics.Register(app, m)
	m.Pushed(30 * time.Millisecond)
	m.Acked(1500 * time.Millisecond)
	srv := testapp.Handler(t, app)

	for _, c := range []struct{ name, token string }{{"no token", ""}, {"another token", "Bearer guess"}, {"not bearer", "Basic scrape-secret"}} {
		res := testapp.Do(t, srv, "GET", "/metrics", nil, c.token)
		if res.Status != 401 || res.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("%s: %d %s", c.name, res.Status, res.Body)
		}
	}
	// Some traffic of other classes.
	testapp.Do(t, srv, "GET", "/api/health", nil, "")
	testapp.Do(t, srv, "GET", "/api/collections/organisations/records", nil, "")
	h.report(errors.New("redis gone"))

	res := testapp.Do(t, srv, "GET", "/metrics", nil, "Bearer scrape-secret")
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	body := string(res.Body)
	for _, want := range []string{
		"openstream_screens_connected 3",
		"openstream_screen_pushes_total 7",
		"openstream_screen_push_bytes_total 4096",
		"openstream_screens_unacknowledged 2",
		`openstream_screen_push_latency_seconds_bucket{le="0.05"} 1`,
		`openstream_screen_push_latency_seconds_bucket{le="0.025"} 0`,
		"openstream_screen_push_latency_seconds_count 1",
		`openstream_screen_ack_latency_seconds_bucket{le="2"} 1`,
		`openstream_screen_ack_latency_seconds_bucket{le="1"} 0`,
		"openstream_screen_ack_latency_seconds_count 1",
		"openstream_editors_connected 0",
		"openstream_hub_up 0",
		"openstream_hub_redis 1",
		"openstream_hub_outages_total 1",
		`openstream_http_requests_total{class="metrics",status="401"} 3`,
		`openstream_http_requests_total{class="pocketbase",status="200"} 2`,
		`openstream_http_in_flight{class="metrics"} 1`,
		"go_goroutines ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want+"\n") && !strings.Contains(body, want) {
			t.Errorf("missing %q", want)
		}
	}
	if t.Failed() {
		t.Logf("%s", body)
	}
	h.report(nil)
	if res := testapp.Do(t, srv, "GET", "/metrics", nil, "Bearer scrape-secret"); !strings.Contains(string(res.Body), "openstream_hub_up 1\n") {
		t.Fatal("the hub is back but not up")
	}
}

func TestMetricsOffWithoutToken(t *testing.T) {
	app := testapp.New(t)
	metrics.Register(app, metrics.New(metrics.Config{}))
	res := testapp.Do(t, testapp.Handler(t, app), "GET", "/metrics", nil, "Bearer anything")
	if res.Status != 404 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
}

func TestClassify(t *testing.T) {
	for path, want := range map[string]string{
		"/metrics": metrics.ClassMetrics, "/ws/screens/": metrics.ClassScreens, "/ws/slideshows/12/": metrics.ClassEditors,
		"/events": metrics.ClassEvents, "/_/": metrics.ClassDashboard, "/api/collections/users/records": metrics.ClassPocketBase,
		"/api/health": metrics.ClassPocketBase, "/api/display-website/get-active-content": metrics.ClassPlayer,
		"/api/slideshows/": metrics.ClassAPI, "/auth/signin/": metrics.ClassAuth, "/aarhus/sign-in": metrics.ClassStatic,
		"/api/realtimex": metrics.ClassAPI,
	} {
		if got := metrics.Classify(path); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
}

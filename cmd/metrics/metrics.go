// Package metrics serves GET /metrics in Prometheus' text format for the
// instance that answers: sockets, screen pushes, the hub, the mirror's
// outbox, HTTP requests by route class and status, and the Go runtime.
// It answers only with Authorization: Bearer $METRICS_TOKEN (401 without
// or with another token) and is a 404 while METRICS_TOKEN is unset.
package metrics

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/openstream-go/openstream/pgsync/outbox"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/rest"
)

// EnvToken names the variable holding the scrape token.
const EnvToken = "METRICS_TOKEN"

// Path is where the metrics are served.
const Path = "/metrics"

// Config is what the metrics read; nil parts are left out.
type Config struct {
	// Token is METRICS_TOKEN; empty: /metrics is a 404.
	Token string
	// Screens is the number of authenticated screen sockets.
	Screens func() int
	// Sent is the content frames written to screens and their bytes.
	Sent func() (frames, bytes uint64)
	// Unacknowledged is the number of connected screens whose newest
	// content frame is not acknowledged.
	Unacknowledged func() int
	// Hub is the realtime hub; Redis tells whether it goes through Redis.
	Hub   hub.Hub
	Redis bool
	// Outbox: the Postgres mirror is on, so its outbox exists.
	Outbox bool
	// Now is the clock of the outbox lag (time.Now).
	Now func() time.Time
}

// Route classes of openstream_http_requests_total.
const (
	ClassAPI        = "api"
	ClassPlayer     = "player"
	ClassPocketBase = "pocketbase"
	ClassDashboard  = "dashboard"
	ClassAuth       = "auth"
	ClassScreens    = "ws_screens"
	ClassEditors    = "ws_editors"
	ClassEvents     = "events"
	ClassMetrics    = "metrics"
	ClassStatic     = "static"
)

var classes = []string{ClassAPI, ClassPlayer, ClassPocketBase, ClassDashboard, ClassAuth, ClassScreens,
	ClassEditors, ClassEvents, ClassMetrics, ClassStatic}

// Classify names the route class of a request path.
func Classify(path string) string {
	has := func(prefix string) bool {
		return path == strings.TrimSuffix(prefix, "/") || strings.HasPrefix(path, prefix)
	}
	switch {
	case path == Path:
		return ClassMetrics
	case has("/ws/screens/"):
		return ClassScreens
	case has("/ws/slideshows/"):
		return ClassEditors
	case has("/events/"):
		return ClassEvents
	case has("/_/"):
		return ClassDashboard
	case has("/api/display-website/get-active-content/"), has("/api/branch/get-active-content/"), has("/api/branch/get-upcoming-content/"):
		return ClassPlayer
	case has("/api/collections/"), has("/api/realtime/"), has("/api/files/"), has("/api/settings/"), has("/api/logs/"),
		has("/api/backups/"), has("/api/crons/"), has("/api/health/"), has("/api/batch/"):
		return ClassPocketBase
	case has("/api/"):
		return ClassAPI
	case has("/auth/"):
		return ClassAuth
	}
	return ClassStatic
}

// Metrics is one instance's registry.
type Metrics struct {
	cfg      Config
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	inFlight map[string]*atomic.Int64
	hubUp    atomic.Bool
	outages  prometheus.Counter
	push     prometheus.Histogram
	ack      prometheus.Histogram
}

// latencyBuckets span a local push (milliseconds) to a slow player's ack.
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10, 30}

// Pushed observes a push latency: commit of a change to its content frame
// written (screens.Observer).
func (m *Metrics) Pushed(d time.Duration) { m.push.Observe(d.Seconds()) }

// Acked observes an ack latency: content frame written to its ack.
func (m *Metrics) Acked(d time.Duration) { m.ack.Observe(d.Seconds()) }

// New builds the registry.
func New(cfg Config) *Metrics {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Metrics{cfg: cfg, reg: prometheus.NewRegistry(), inFlight: map[string]*atomic.Int64{}}
	m.hubUp.Store(true)
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "openstream_http_requests_total", Help: "HTTP requests answered, by route class and status code.",
	}, []string{"class", "status"})
	inFlight := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "openstream_http_in_flight", Help: "Requests being answered, by route class (editor sockets and event streams included; screens' sockets are openstream_screens_connected).",
	}, []string{"class"})
	for _, c := range classes {
		m.inFlight[c] = &atomic.Int64{}
	}
	m.reg.MustRegister(m.requests, collectorFunc(func(ch chan<- prometheus.Metric) {
		for _, c := range classes {
			inFlight.WithLabelValues(c).Set(float64(m.inFlight[c].Load()))
		}
		inFlight.Collect(ch)
	}, inFlight))
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "openstream_editors_connected", Help: "Open sockets of the slideshow editors on this instance.",
	}, func() float64 { return float64(m.inFlight[ClassEditors].Load()) }))
	if cfg.Screens != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "openstream_screens_connected", Help: "Authenticated screen sockets on this instance.",
		}, func() float64 { return float64(cfg.Screens()) }))
	}
	if cfg.Sent != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "openstream_screen_pushes_total", Help: "Content frames written to screen sockets.",
		}, func() float64 { f, _ := cfg.Sent(); return float64(f) }))
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "openstream_screen_push_bytes_total", Help: "Bytes of the content frames written to screen sockets.",
		}, func() float64 { _, b := cfg.Sent(); return float64(b) }))
	}
	m.push = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "openstream_screen_push_latency_seconds", Help: "From the commit of a change to the content frame it caused written to a screen.",
		Buckets: latencyBuckets,
	})
	m.ack = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "openstream_screen_ack_latency_seconds", Help: "From a content frame written to a screen to the screen's acknowledgement.",
		Buckets: latencyBuckets,
	})
	m.reg.MustRegister(m.push, m.ack)
	if cfg.Unacknowledged != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "openstream_screens_unacknowledged", Help: "Connected screens whose newest content frame is not acknowledged (players that never ack included).",
		}, func() float64 { return float64(cfg.Unacknowledged()) }))
	}
	if cfg.Hub != nil {
		m.outages = prometheus.NewCounter(prometheus.CounterOpts{
			Name: "openstream_hub_outages_total", Help: "Times the link to the other instances (Redis) was lost.",
		})
		redis := 0.0
		if cfg.Redis {
			redis = 1
		}
		m.reg.MustRegister(m.outages,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "openstream_hub_up", Help: "1 while the realtime hub reaches the other instances (always 1 in process).",
			}, func() float64 {
				if m.hubUp.Load() {
					return 1
				}
				return 0
			}),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "openstream_hub_redis", Help: "1 when the realtime hub goes through Redis (REDIS_URL), 0 in process.",
			}, func() float64 { return redis }))
		cfg.Hub.OnStatus(func(err error) {
			m.hubUp.Store(err == nil)
			if err != nil {
				m.outages.Inc()
			}
		})
	}
	return m
}

// WithOutbox adds the mirror's outbox length and lag, read from app.
func (m *Metrics) WithOutbox(app core.App) {
	backlog := func() (outbox.Stats, bool) {
		s, err := outbox.Backlog(app)
		return s, err == nil
	}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "openstream_pgsync_outbox_length", Help: "Changes waiting in the outbox for the Postgres mirror.",
		}, func() float64 {
			if s, ok := backlog(); ok {
				return float64(s.Size)
			}
			return -1
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "openstream_pgsync_outbox_lag_seconds", Help: "Age of the oldest change waiting in the outbox (0 when empty).",
		}, func() float64 {
			if s, ok := backlog(); ok {
				return s.Lag(m.cfg.Now()).Seconds()
			}
			return -1
		}))
}

// Registry is the registry, for tests and further collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Register serves /metrics on app and counts every request.
func Register(app core.App, m *Metrics) {
	if m.cfg.Outbox {
		m.WithOutbox(app)
	}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		m.Mount(se.Router)
		return se.Next()
	})
}

// Mount counts every request of r and serves /metrics on it.
func (m *Metrics) Mount(r *router.Router[*core.RequestEvent]) {
	serve := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	r.Bind(&hook.Handler[*core.RequestEvent]{Id: "openstreamMetrics", Priority: -1999, Func: m.count})
	r.GET(Path, func(e *core.RequestEvent) error {
		if m.cfg.Token == "" {
			return rest.JSON(e, http.StatusNotFound, map[string]any{"detail": "Not found."})
		}
		if !m.authorized(e.Request) {
			e.Response.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			return rest.JSON(e, http.StatusUnauthorized, map[string]any{"detail": "Authentication credentials were not provided."})
		}
		serve.ServeHTTP(e.Response, e.Request)
		return nil
	})
}

func (m *Metrics) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") &&
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(m.cfg.Token)) == 1
}

// count is the router middleware: in flight while it runs, then one
// request of its class and status.
func (m *Metrics) count(e *core.RequestEvent) error {
	class := Classify(e.Request.URL.Path)
	n := m.inFlight[class]
	n.Add(1)
	err := e.Next()
	n.Add(-1)
	m.requests.WithLabelValues(class, strconv.Itoa(status(e, err))).Inc()
	return err
}

// status is what the request was answered with: the written status, or
// the one its error will be rendered with.
func status(e *core.RequestEvent, err error) int {
	if err != nil {
		var apiErr *router.ApiError
		if errors.As(err, &apiErr) {
			return apiErr.Status
		}
		return http.StatusInternalServerError
	}
	if s := e.Status(); s != 0 {
		return s
	}
	return http.StatusOK
}

// collectorFunc is a collector that refreshes describe's metrics first.
type collectorFuncT struct {
	collect func(chan<- prometheus.Metric)
	desc    prometheus.Collector
}

func collectorFunc(collect func(chan<- prometheus.Metric), desc prometheus.Collector) prometheus.Collector {
	return collectorFuncT{collect: collect, desc: desc}
}

func (c collectorFuncT) Describe(ch chan<- *prometheus.Desc) { c.desc.Describe(ch) }
func (c collectorFuncT) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }

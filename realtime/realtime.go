// Package realtime serves the live parts of OpenStream: the editors'
// collaboration socket (/ws/slideshows/<id>/), the screens' content socket
// (/ws/screens/) and the frontend's custom-event stream (/events, also on
// a second port where the unchanged frontend looks for it). Every event
// goes through one hub, in-process or Redis, so several instances behave
// as one server.
package realtime

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/realtime/alerts"
	"github.com/openstream-go/openstream/realtime/changes"
	"github.com/openstream-go/openstream/realtime/editors"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/lease"
	"github.com/openstream-go/openstream/realtime/screens"
	"github.com/openstream-go/openstream/realtime/sse"
	"github.com/openstream-go/openstream/settings"
)

// Config is what the realtime layer needs.
type Config struct {
	Settings settings.Settings
	// Hub carries events between instances; nil builds one from RedisURL
	// (in-process when that is empty).
	Hub      hub.Hub
	RedisURL string
	// RedisPrefix starts every key and channel in Redis (REDIS_PREFIX;
	// "" is settings.DefaultRedisPrefix).
	RedisPrefix string
	// Player and Health are shared with the REST API.
	Player *playback.Player
	Health *playback.Health
	// Delivery records what screens were delivered and acknowledged,
	// shared with the REST API (nil: in process).
	Delivery *delivery.Store
	// EditorAuthTimeout is how long an editor socket may stay
	// unauthenticated (default 5s, upstream's).
	EditorAuthTimeout time.Duration
	// ScreenAuthTimeout is the same for screen sockets (default 10s).
	ScreenAuthTimeout time.Duration
	// PingInterval is how often screens are pinged; their pongs are the
	// heartbeat that keeps last_seen fresh (default 30s).
	PingInterval time.Duration
	// EventsAddr is the second listener of the custom-event stream
	// (default ":3000", "off" for none).
	EventsAddr string
	// WebhookURL is where alerts are posted (ALERT_WEBHOOK_URL; "": none).
	WebhookURL string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Env names read by ConfigFromEnv.
const (
	EnvRedisURL          = "REDIS_URL"
	EnvEventsAddr        = "OPENSTREAM_EVENTS_ADDR"
	EnvPingInterval      = "SCREEN_PING_INTERVAL"
	EnvEditorAuthTimeout = "WS_AUTH_TIMEOUT"
	EnvAlertWebhook      = alerts.EnvWebhook
)

// DefaultEventsAddr is where the unchanged frontend looks for /events.
const DefaultEventsAddr = ":3000"

// ConfigFromEnv reads REDIS_URL, REDIS_PREFIX, OPENSTREAM_EVENTS_ADDR,
// SCREEN_PING_INTERVAL and WS_AUTH_TIMEOUT.
func ConfigFromEnv(site settings.Settings, getenv func(string) string) Config {
	cfg := Config{Settings: site, RedisURL: getenv(EnvRedisURL), RedisPrefix: settings.RedisPrefix(getenv),
		EventsAddr: DefaultEventsAddr, WebhookURL: getenv(EnvAlertWebhook)}
	if v := getenv(EnvEventsAddr); v != "" {
		cfg.EventsAddr = v
	}
	if d, err := time.ParseDuration(getenv(EnvPingInterval)); err == nil && d > 0 {
		cfg.PingInterval = d
	}
	if d, err := time.ParseDuration(getenv(EnvEditorAuthTimeout)); err == nil && d > 0 {
		cfg.EditorAuthTimeout = d
	}
	return cfg
}

// Server is the running realtime layer of one instance.
type Server struct {
	Hub     hub.Hub
	Screens *screens.Manager
	Editors *editors.Editors
	Events  *sse.Stream
	Alerts  *alerts.Monitor

	alertsLease *lease.Lease // which instance runs the alert rounds
}

// alertsLeaseTTL is how long the alert rounds pause when the instance
// running them dies without stopping.
const alertsLeaseTTL = 3 * time.Second

// alertDelay bounds how long an alert round waits for a fan-out to end.
const alertDelay = 5 * time.Second

// Register wires the realtime layer into app: the change hooks, the
// sockets and the event stream are mounted on every serve, and stopped on
// terminate. Player and Health must be the REST API's. An unusable
// REDIS_URL is an error: silently running alone would split the screens
// of a multi-instance setup.
func Register(app core.App, cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Player == nil {
		cfg.Player = playback.NewPlayer(app, cfg.Settings.TimeZone)
	}
	if cfg.Health == nil {
		cfg.Health = playback.NewHealth(app, cfg.Settings.ScreenOnlineWindow)
	}
	if cfg.RedisPrefix == "" {
		cfg.RedisPrefix = settings.DefaultRedisPrefix
	}
	if cfg.Hub == nil {
		h, err := NewHub(cfg.RedisURL, cfg.RedisPrefix, app.Logger())
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		cfg.Hub = h
	}
	s := &Server{
		Hub: cfg.Hub,
		Screens: screens.New(app, screens.Config{
			Hub: cfg.Hub, Player: cfg.Player, Health: cfg.Health, Delivery: cfg.Delivery,
			AuthTimeout: cfg.ScreenAuthTimeout, PingInterval: cfg.PingInterval, Now: cfg.Now,
			Expire: func(now time.Time) (time.Time, error) { return playback.ExpireEmergencies(app, now) },
		}),
		Editors: editors.New(app, editors.Config{
			Hub: cfg.Hub, Origins: cfg.Settings.CORSOrigins, Location: cfg.Settings.TimeZone,
			AuthTimeout: cfg.EditorAuthTimeout,
		}),
		Events: sse.New(app, sse.Config{Hub: cfg.Hub, Addr: cfg.EventsAddr}),
	}
	var claims *redis.Client
	if opts, err := redis.ParseURL(cfg.RedisURL); err == nil {
		claims = redis.NewClient(opts)
	}
	s.alertsLease = lease.New(claims, alerts.Prefix(cfg.RedisPrefix)+"lease", alertsLeaseTTL, app.Logger())
	s.Alerts = alerts.New(app, alerts.Config{
		Hub: cfg.Hub, Events: s.Events, Redis: claims, Prefix: alerts.Prefix(cfg.RedisPrefix), Now: cfg.Now, Location: cfg.Settings.TimeZone,
		Quiet:    func(ctx context.Context) { s.Screens.WaitQuiet(ctx, alertDelay) },
		Lease:    s.alertsLease,
		Reporter: &delivery.Reporter{App: app, Player: cfg.Player, Store: s.Screens.Delivery(), OfflineAfter: cfg.Settings.ScreenOfflineAfter},
		Webhook:  alerts.NewWebhook(alerts.WebhookConfig{URL: cfg.WebhookURL, Log: app.Logger()}),
	})
	// The screens' manager drops the shared content cache on another
	// instance's change and after an outage, before it recomputes.
	changes.Watch(app, cfg.Hub)

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "openstreamRealtime",
		Func: func(se *core.ServeEvent) error {
			// Long-lived connections: a log row per socket of ten thousand
			// screens is noise (failures are still logged).
			quiet := apis.SkipSuccessActivityLog()
			se.Router.GET("/ws/slideshows/{id}/", s.Editors.Serve).Bind(quiet)
			se.Router.GET("/ws/screens/", s.Screens.Serve).Bind(quiet)
			se.Router.GET("/events", s.Events.Serve).Bind(quiet)
			se.Router.OPTIONS("/events", s.Events.Serve).Bind(quiet)
			if err := s.Events.Listen(); err != nil {
				// The main port serves /events too; only the frontend's
				// default address is missing, so say so loudly and go on.
				app.Logger().Error("realtime: the live-event listener is not running", "addr", cfg.EventsAddr, "error", err)
			} else if addr := s.Events.Addr(); addr != "" {
				app.Logger().Info("realtime: live events", "addr", addr)
			}
			s.Screens.Start()
			s.alertsLease.Start()
			s.Alerts.Start()
			return se.Next()
		},
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		s.Close()
		return e.Next()
	})
	return s, nil
}

// Close ends every socket and stream (close code 1001) and the hub.
func (s *Server) Close() {
	s.Alerts.Close()
	s.alertsLease.Close() // another instance takes the rounds over at once
	s.Events.Close()
	s.Screens.Close()
	s.Editors.Close()
	_ = s.Hub.Close()
}

// NewHub is the Redis hub for a redis:// URL, its channel and keys under
// prefix (the deployment's REDIS_PREFIX), the in-process one for "".
func NewHub(redisURL, prefix string, log *slog.Logger) (hub.Hub, error) {
	if redisURL == "" {
		return hub.NewLocal(), nil
	}
	if log == nil {
		log = slog.Default()
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, err
	}
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		// Not fatal: the hub keeps retrying and delivers locally meanwhile.
		log.Warn("realtime: Redis not reachable yet", "url", opts.Addr, "error", err)
	}
	return hub.NewRedis(client, hub.RedisOptions{Prefix: prefix, Logger: log}), nil
}

// Package edge is `openstream edge`: a stateless server for screens that
// needs nothing but Redis. It serves what screens use, with the bodies,
// status codes and close codes of `serve`, from its copy of the state the
// primary publishes (mirror, state, publish): get-active-content with
// X-API-KEY, the screens' socket (the same manager as serve's, fed by the
// mirror), and /api/health; anything else is a JSON 421 naming the primary.
package edge

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/realtime/edge/mirror"
	"github.com/openstream-go/openstream/realtime/edge/state"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/screens"
	"github.com/openstream-go/openstream/rest"
)

// Config is what an edge needs.
type Config struct {
	// RedisURL is the primary's Redis (required).
	RedisURL string
	// RedisPrefix is the primary's REDIS_PREFIX ("" is the default).
	RedisPrefix string
	// Primary is the primary's public URL, named in the answers to what
	// an edge does not serve ("" names none).
	Primary string
	// Origins are the CORS origins allowed (CORS_ALLOWED_ORIGINS, as serve).
	Origins []string
	// PingInterval and AuthTimeout tune the screens' socket (serve's defaults).
	PingInterval, AuthTimeout time.Duration
	Logger                    *slog.Logger
}

// heartbeat is how quiet the link to Redis may be before the edge pings
// it: a partition is told to the screens (4007) within two of them.
const heartbeat = 3 * time.Second

// Server is a running edge.
type Server struct {
	cfg       Config
	app       core.App // never bootstrapped: the handlers' logger only
	hub       hub.Hub
	redis     *redis.Client
	sightings *playback.Health
	Mirror    *mirror.Mirror
	Screens   *screens.Manager
}

// New connects to Redis (retrying in the background while it is away)
// and returns the edge; Start begins loading the state.
func New(cfg Config) (*Server, error) {
	if cfg.RedisURL == "" {
		return nil, errors.New("REDIS_URL is required: the edge reads the primary's state from Redis")
	}
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, app: core.NewBaseApp(core.BaseAppConfig{}), redis: redis.NewClient(opts)}
	s.hub = hub.NewRedis(redis.NewClient(opts), hub.RedisOptions{Prefix: cfg.RedisPrefix, Logger: cfg.Logger, Heartbeat: heartbeat})
	store := state.NewStore(s.redis, state.Prefix(cfg.RedisPrefix))
	s.Mirror = mirror.New(s.hub, store, cfg.Logger, func(force bool) { s.Screens.Reload(force) })
	// What the screens are seen doing goes to the primary through Redis;
	// while Redis is away that is said once, not every second.
	var failing atomic.Bool
	s.sightings = playback.NewRemoteHealth(0, func(rows playback.Sightings) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := store.AddSeen(ctx, rows)
		if failing.Swap(err != nil) && err != nil {
			return nil
		}
		return err
	})
	// Deliveries and acks go to Redis only, where the primary's delivery
	// reports read them (an edge has no rows to write).
	s.Screens = screens.New(s.app, screens.Config{
		Hub: s.hub, Source: s.Mirror, Health: s.sightings, PingInterval: cfg.PingInterval, AuthTimeout: cfg.AuthTimeout,
		Delivery: delivery.New(nil, s.redis, delivery.Prefix(cfg.RedisPrefix)),
	})
	return s, nil
}

// Start loads the state and starts the sockets' goroutines.
func (s *Server) Start() {
	s.Screens.Start()
	s.Mirror.Start()
}

// Close ends every socket (1001) and the links to Redis.
func (s *Server) Close() {
	s.Mirror.Close()
	s.Screens.Close()
	_ = s.hub.Close()
	_ = s.redis.Close()
}

// Handler serves the edge's routes.
func (s *Server) Handler() (http.Handler, error) {
	r := router.NewRouter(func(w http.ResponseWriter, req *http.Request) (*core.RequestEvent, router.EventCleanupFunc) {
		e := new(core.RequestEvent)
		e.Response, e.Request, e.App = w, req, s.app
		return e, nil
	})
	rest.UseCORS(r, s.cfg.Origins)
	r.GET("/api/health", s.health)
	rest.Route(r, "/api/display-website/get-active-content", rest.Methods{http.MethodGet: s.ready(s.activeContent)})
	r.GET("/ws/screens/", rest.Handler(s.ready(s.Screens.Serve)))
	r.Any("/{path...}", rest.Handler(s.elsewhere))
	return r.BuildMux()
}

const msgNoState = "This edge has no screen state yet; it is waiting for the primary's snapshot in Redis."

// health is PocketBase's body; 503 until the state is loaded, so a
// balancer sends no screen to an edge with nothing to serve.
func (s *Server) health(e *core.RequestEvent) error {
	status, msg := http.StatusOK, "API is healthy."
	if !s.Mirror.Loaded() {
		status, msg = http.StatusServiceUnavailable, msgNoState
	}
	return rest.JSON(e, status, struct {
		Message string         `json:"message"`
		Code    int            `json:"code"`
		Data    map[string]any `json:"data"`
	}{msg, status, map[string]any{}})
}

func (s *Server) ready(fn func(e *core.RequestEvent) error) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		if !s.Mirror.Loaded() {
			return rest.Detail(http.StatusServiceUnavailable, msgNoState)
		}
		return fn(e)
	}
}

// elsewhere names the primary: an edge serves screens only.
func (s *Server) elsewhere(*core.RequestEvent) error {
	body := map[string]any{
		"detail":  "This is an OpenStream edge: it serves screens only. Send this request to the primary.",
		"primary": nil,
	}
	if s.cfg.Primary != "" {
		body["primary"] = s.cfg.Primary
	}
	return &rest.Error{Status: http.StatusMisdirectedRequest, Body: body}
}

// activeContent is serve's answer to a screen's key (api/player.go); a
// call without a valid key is a signed-in user's, which only the primary
// can check.
func (s *Server) activeContent(e *core.RequestEvent) error {
	branch, keyErr := "", apikey.ErrInvalid
	if raw := e.Request.Header.Get("X-Api-Key"); raw != "" {
		_, branch, keyErr = s.Mirror.KeyBranch(raw)
	}
	if keyErr != nil {
		if e.Request.Header.Get("Authorization") != "" {
			return s.elsewhere(e)
		}
		return rest.NotAuthenticated()
	}
	q := e.Request.URL.Query()
	if q.Has("at") {
		return rest.Detail(http.StatusForbidden, rest.MsgAtForUsers)
	}
	id, err := rest.ScreenID(q.Get("id"))
	if err != nil {
		return err
	}
	row, err := s.Mirror.Screen(id, "", "")
	if err != nil {
		return rest.NotFound("DisplayWebsite")
	}
	if branch != row.Branch {
		return rest.Detail(http.StatusForbidden, apikey.ErrWrongBranch.Error())
	}
	now := time.Now()
	content, _, err := s.Mirror.Content(row.Group, row.Branch, now)
	if err == nil {
		if herr := s.sightings.Seen(row.ID, now, content); herr != nil {
			e.App.Logger().Warn("screen health", "screen", row.ID, "error", herr)
		}
	}
	var body []byte
	if err == nil {
		body = content.JSON
	}
	return rest.ActiveContent(e, body, err)
}

// Serve listens on addr until ctx ends, then closes every socket.
func (s *Server) Serve(ctx context.Context, addr string) error {
	h, err := s.Handler()
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.Start()
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe() }()
	s.cfg.Logger.Info("edge: serving screens", "addr", addr, "primary", s.cfg.Primary)
	select {
	case err = <-done:
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = srv.Shutdown(shut)
	}
	s.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

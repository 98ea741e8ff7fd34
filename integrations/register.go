// Package integrations serves the server-side proxies that feed the slide
// types (docs/api.md, "Slide-type data sources"): DDB library events, DR news,
// weather, WinKAS and KMD bookings, and SpeedAdmin. Each lives in its own
// sub-package; this one reads the configuration and mounts them.
//
// Upstream's faults are fixed here: every outbound call has a deadline (a
// timeout is a 503 with a JSON body), failures are cached only briefly,
// the cache is shared between instances when REDIS_URL is set, and
// anonymous callers of the protected proxies get 401, not 500.
package integrations

import (
	"errors"
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/integrations/cache"
	"github.com/openstream-go/openstream/integrations/ddb"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/integrations/kmd"
	"github.com/openstream-go/openstream/integrations/news"
	"github.com/openstream-go/openstream/integrations/speedadmin"
	"github.com/openstream-go/openstream/integrations/weather"
	"github.com/openstream-go/openstream/integrations/winkas"
)

// HookID names the OnServe handler that mounts the routes.
const HookID = "openstreamIntegrations"

// Register mounts the integration routes on every server app starts. A
// configuration ConfigFromEnv could not read stops the server from
// starting, with the reason.
func Register(app core.App, cfg Config) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: HookID,
		Func: func(se *core.ServeEvent) error {
			c := cfg.withDefaults()
			deps, err := c.deps(se.App)
			if err != nil {
				return err
			}
			mount(se.Router, c, deps)
			return se.Next()
		},
	})
}

func mount(r *router.Router[*core.RequestEvent], cfg Config, d *upstream.Deps) {
	ddb.Mount(r, d, cfg.DDBBaseURLs)
	news.Mount(r, d, cfg.DRFeedsURL)
	weather.Mount(r, d, cfg.WeatherURL)
	winkas.Mount(r, d, cfg.WinKASURL, winkas.Credentials(cfg.WinKAS))
	kmd.Mount(r, d, cfg.KMDURL, cfg.KMDAPIKey)
	speedadmin.Mount(r)
}

// deps builds the shared means of a defaulted Config; a Redis client is
// closed with the app.
func (c Config) deps(app core.App) (*upstream.Deps, error) {
	if len(c.invalid) > 0 {
		return nil, fmt.Errorf("integrations configuration: %w", errors.Join(c.invalid...))
	}
	store := c.Cache
	if store == nil && c.RedisURL != "" {
		opts, err := redis.ParseURL(c.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("integrations: %s: %w", EnvRedisURL, err)
		}
		client := redis.NewClient(opts)
		app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
			_ = client.Close()
			return e.Next()
		})
		store = cache.NewRedis(client, c.RedisPrefix, c.Now)
	}
	if store == nil {
		store = cache.NewMemory(c.Now)
	}
	return &upstream.Deps{
		Client:   c.Client,
		Timeout:  c.Timeout,
		Cache:    store,
		ErrorTTL: c.ErrorTTL,
		Now:      c.Now,
		Log:      app.Logger().Warn,
	}, nil
}

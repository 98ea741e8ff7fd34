// Package cmd assembles the openstream program: PocketBase with the
// OpenStream hooks, migrations and operator commands.
package cmd

import (
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/pocketbase/pocketbase"
	pbcmd "github.com/pocketbase/pocketbase/cmd"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"

	"github.com/openstream-go/openstream/api"
	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/auth/keycloak"
	"github.com/openstream-go/openstream/auth/loginlimit"
	"github.com/openstream-go/openstream/cmd/metrics"
	"github.com/openstream-go/openstream/hooks"
	"github.com/openstream-go/openstream/integrations"
	"github.com/openstream-go/openstream/media"
	_ "github.com/openstream-go/openstream/pb_migrations" // registers the schema migrations
	"github.com/openstream-go/openstream/pgsync"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/realtime"
	"github.com/openstream-go/openstream/realtime/edge/publish"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/settings"
	"github.com/openstream-go/openstream/static"
)

// DefaultHTTPAddr is where the OpenStream frontend expects its backend.
const DefaultHTTPAddr = "0.0.0.0:8000"

// Environment variables read here (the README lists every variable).
const (
	EnvHTTPAddr  = "OPENSTREAM_HTTP"     // serve's listen address
	EnvDataDir   = "OPENSTREAM_DATA_DIR" // PocketBase data directory
	EnvDjangoEnv = "DJANGO_ENV"          // "development" turns on dev mode
)

// New returns the openstream program, ready for Execute; public is the
// content of pb_public the binary was built with, served at /.
func New(public fs.FS) *pocketbase.PocketBase {
	app := pocketbase.NewWithConfig(pocketbase.Config{
		DefaultDev:     os.Getenv(EnvDjangoEnv) == "development",
		DefaultDataDir: os.Getenv(EnvDataDir),
		DBConnect:      openSQLite,
	})
	app.RootCmd.Use = "openstream"
	app.RootCmd.Short = "OpenStream digital-signage backend (PocketBase)"

	site := settings.FromEnv(os.Getenv)
	hooks.Register(app, site.TimeZone)
	Wire(app, site, keycloak.ConfigFromEnv(os.Getenv))
	static.Register(app, public, os.Getenv(static.EnvPublicDir))

	// Schema changes are Go migrations in pb_migrations; the dashboard only
	// writes new ones while developing, never in production.
	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{
		Dir:          "pb_migrations",
		TemplateLang: migratecmd.TemplateLangGo,
		Automigrate:  app.IsDev(),
	})

	app.RootCmd.AddCommand(
		newServeCommand(app),
		pbcmd.NewSuperuserCommand(app),
		newCreateOrganisationCommand(app),
		newKeycloakCommand(app),
		newBranchAPIKeyCommand(app),
		newPgsyncCommand(app),
		newImportCommand(app),
		newEdgeCommand(), // run by Run through RunEdge, outside PocketBase; listed here for --help
	)
	return app
}

// Wire connects the environment-driven parts to app: the OpenStream REST
// API, the realtime sockets and event stream (Redis with REDIS_URL), the
// Keycloak sign-in, the EMAIL_* mail server, the media storage (S3 or
// local), the slide-type data sources, the Postgres mirror and the sign-in
// limits (shared through REDIS_URL too).
func Wire(app core.App, site settings.Settings, kc keycloak.Config) {
	wire(app, site, kc, time.Now)
}

// wire is Wire with the clock the sign-in limits count by (tests move it).
func wire(app core.App, site settings.Settings, kc keycloak.Config, now func() time.Time) {
	app.OnBootstrap().BindFunc(func(e *core.BootstrapEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		settings.ApplyEmail(e.App, site.Email)
		return nil
	})
	storage := media.ConfigFromEnv(os.Getenv)
	media.Register(app, storage)
	// The REST player endpoints and the screen sockets share one content
	// cache and one health recorder.
	player := playback.NewPlayer(app, site.TimeZone)
	apikey.EnableCache(app, apikey.DefaultCacheAge, nil)
	health := playback.NewHealth(app, site.ScreenOnlineWindow)
	limitsCfg := loginlimit.ConfigFromEnv(os.Getenv)
	limitsCfg.Now = now
	limits, err := loginlimit.New(limitsCfg)
	if err != nil {
		err = fmt.Errorf("REDIS_URL: %w", err)
		app.OnServe().BindFunc(func(*core.ServeEvent) error { return err })
	}
	loginlimit.Register(app, limits)
	live := realtime.ConfigFromEnv(site, os.Getenv)
	deliveries, err := delivery.FromURL(app, live.RedisURL, live.RedisPrefix)
	if err != nil {
		err = fmt.Errorf("REDIS_URL: %w", err)
		app.OnServe().BindFunc(func(*core.ServeEvent) error { return err })
	}
	api.Register(app, api.Config{Settings: site, Tokens: authtoken.DefaultLifetimes, Media: storage, Player: player, Health: health,
		Limits: limits, Delivery: deliveries, OfflineAfter: site.ScreenOfflineAfter})
	live.Player, live.Health, live.Delivery = player, health, deliveries
	server, liveErr := realtime.Register(app, live)
	if liveErr != nil {
		// Refuse to serve rather than run without the shared hub.
		app.OnServe().BindFunc(func(*core.ServeEvent) error { return liveErr })
	}
	if server != nil && live.RedisURL != "" {
		// The edges (openstream edge) serve screens from this state.
		if _, err := publish.Register(app, server.Hub, live.RedisURL, live.RedisPrefix, site.TimeZone, player); err != nil {
			app.OnServe().BindFunc(func(*core.ServeEvent) error { return err })
		}
	}
	keycloak.NewLogin(kc, site, authtoken.DefaultLifetimes).Register(app)
	integrations.Register(app, integrations.ConfigFromEnv(os.Getenv))
	mirror := pgsync.ConfigFromEnv(os.Getenv)
	pgsync.Register(app, mirror)
	measured := metrics.Config{Token: os.Getenv(metrics.EnvToken), Redis: live.RedisURL != "", Outbox: mirror.URL != ""}
	if server != nil {
		measured.Hub, measured.Screens, measured.Sent = server.Hub, server.Screens.Connected, server.Screens.Sent
		measured.Unacknowledged = server.Screens.Unacknowledged
	}
	measures := metrics.New(measured)
	if server != nil {
		server.Screens.Observe(measures)
	}
	metrics.Register(app, measures)
	logPolicy, logErr := rest.RequestLogFromEnv(os.Getenv)
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		if logErr != nil {
			return logErr
		}
		rest.UseRequestLog(e.Router, logPolicy)
		return e.Next()
	})
}

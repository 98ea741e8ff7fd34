// Package api serves the OpenStream REST API (the DRF paths the frontend
// calls) next to PocketBase's own API, one file per area of docs/api.md.
package api

import (
	"net/mail"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/mailer"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/api/assets"
	"github.com/openstream-go/openstream/api/documents"
	"github.com/openstream-go/openstream/api/templates"
	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/auth/loginlimit"
	"github.com/openstream-go/openstream/media"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/settings"
)

// Config is what the handlers need from the environment.
type Config struct {
	Settings settings.Settings
	Tokens   authtoken.Lifetimes
	// Now is the clock (tests fix it); nil means time.Now.
	Now func() time.Time
	// Player computes and caches what screens play, Health records when
	// they were seen; Register creates both when nil.
	Player *playback.Player
	Health *playback.Health
	// Delivery records what screens were delivered and acknowledged
	// (Register creates an in-process one when nil); OfflineAfter is how
	// long an unseen screen still counts as online in the delivery report
	// (SCREEN_OFFLINE_AFTER, 0: the default).
	Delivery     *delivery.Store
	OfflineAfter time.Duration
	// Media is the storage (S3 or local) and upload configuration.
	Media media.Config
	// Limits counts sign-in attempts and mails (docs/api.md, "Sign-in
	// limits"); nil limits nothing.
	Limits *loginlimit.Limiter
}

// Register mounts the OpenStream REST API on every server app starts.
func Register(app core.App, cfg Config) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Player == nil {
		cfg.Player = playback.NewPlayer(app, cfg.Settings.TimeZone)
	}
	if cfg.Health == nil {
		cfg.Health = playback.NewHealth(app, cfg.Settings.ScreenOnlineWindow)
	}
	if cfg.Delivery == nil {
		cfg.Delivery = delivery.New(app, nil, "")
	}
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "openstreamAPI",
		Func: func(se *core.ServeEvent) error {
			Mount(se.Router, cfg)
			return se.Next()
		},
	})
}

// Mount adds the routes, upstream's CORS policy and the JSON 404 to r;
// cfg must be complete (Register fills in Player and Health).
func Mount(r *router.Router[*core.RequestEvent], cfg Config) {
	h := &handlers{cfg: cfg, throttle: newThrottle(cfg.Settings.CreateScreenRate, time.Minute, cfg.Now)}
	rest.UseCORS(r, cfg.Settings.CORSOrigins)
	dropInactiveUsers(r)
	h.tokenRoutes(r)
	h.passwordRoutes(r)
	h.apiKeyRoutes(r)
	h.organisationRoutes(r)
	h.userRoutes(r)
	h.membershipRoutes(r)
	h.slideshowRoutes(r)
	h.playlistRoutes(r)
	h.latestRoutes(r)
	h.wayfindingRoutes(r)
	h.displayRoutes(r)
	h.groupRoutes(r)
	h.scheduleRoutes(r)
	h.emergencyRoutes(r)
	h.auditRoutes(r)
	h.playerRoutes(r)
	h.registrationRoutes(r)
	templates.Mount(r, templates.Config{Settings: cfg.Settings})
	assets.Mount(r, assets.Config{Settings: cfg.Settings})
	documents.Mount(r, documents.Config{Settings: cfg.Settings, Media: cfg.Media})
	rest.NotFoundUnder(r, "/api/")
}

type handlers struct {
	cfg      Config
	throttle *throttle // create-screen requests per API key
}

// sendMail sends a plain-text mail through PocketBase's mailer (SMTP from
// the EMAIL_* variables or the dashboard).
func (h *handlers) sendMail(app core.App, to, subject, text string) error {
	return app.NewMailClient().Send(&mailer.Message{
		From:    mail.Address{Name: app.Settings().Meta.SenderName, Address: app.Settings().Meta.SenderAddress},
		To:      []mail.Address{{Address: to}},
		Subject: subject,
		Text:    text,
		HTML:    "",
	})
}

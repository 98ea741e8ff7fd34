// Package settings reads the upstream OpenStream environment variables that
// more than one package needs (frontend address, CORS, mail), once, into a
// plain struct. Each package takes the struct, so tests build their own.
package settings

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Copenhagen must load on minimal images too
)

// Defaults as upstream's settings.py has them.
var DefaultCORSOrigins = []string{"http://localhost:5173", "http://localhost:4173", "http://localhost:4174"}

const (
	DefaultTimeZone     = "Europe/Copenhagen"
	DefaultFrontendHost = "https://openstream.dk"
	DefaultFromEmail    = "noreply@openstream.dk"
)

// Settings is the environment the REST API, the Keycloak login and the mails read.
type Settings struct {
	// Production is true unless DJANGO_ENV=development; absolute URLs then
	// honour X-Forwarded-Host and X-Forwarded-Proto (docs/api.md,
	// "Absolute URLs").
	Production bool
	// CORSOrigins are the exact scheme://host[:port] origins a browser may call from.
	CORSOrigins []string
	// FrontendHost is where SSO redirects and mail links send the browser.
	FrontendHost string
	// BackendBaseURL, when set, is the public address of this server; else it
	// is worked out per request.
	BackendBaseURL string
	// PasswordResetURL is the reset link template ({token} or a token query parameter).
	PasswordResetURL string
	// FrontdeskAPIKey is handed out by /api/frontdesk_ltk_borgerservice_api_key.
	FrontdeskAPIKey string
	// TimeZone is where local times shown to users live (TIME_ZONE).
	TimeZone *time.Location
	// Email is the SMTP server; Host "" leaves PocketBase's own mail settings alone.
	Email Email
	// ScreenOnlineWindow is how recently a screen must have been seen to be
	// shown online (SCREEN_ONLINE_WINDOW, a Go duration such as "35m"; 0
	// means the default of the playback package).
	ScreenOnlineWindow time.Duration
	// ScreenOfflineAfter is how long a screen may stay unseen before it is
	// marked offline and alerted (SCREEN_OFFLINE_AFTER, default 2m; 0
	// means the default of the playback/delivery package).
	ScreenOfflineAfter time.Duration
	// CreateScreenRate is how many create-screen requests one API key may
	// make per minute (CREATE_SCREEN_RATE, default upstream's 100).
	CreateScreenRate int
}

// DefaultRedisPrefix starts the deployment's Redis keys when REDIS_PREFIX is unset.
const DefaultRedisPrefix = "openstream:"

// RedisPrefix reads REDIS_PREFIX, which starts every key and channel a
// deployment uses in Redis, so deployments and test runs can share one
// Redis. Each package that keeps something in Redis reads it with its
// REDIS_URL. Unset is DefaultRedisPrefix; a prefix not ending in ':' gets
// one, so the packages' own names ("delivery:", "alerts:") stay apart.
func RedisPrefix(getenv func(string) string) string {
	p := strings.TrimSpace(getenv("REDIS_PREFIX"))
	if p == "" {
		return DefaultRedisPrefix
	}
	if !strings.HasSuffix(p, ":") {
		p += ":"
	}
	return p
}

// RedisPrefixOf starts the keys a package names name ("delivery:") under a
// deployment's prefix ("" is DefaultRedisPrefix).
func RedisPrefixOf(deployment, name string) string {
	if deployment == "" {
		deployment = DefaultRedisPrefix
	}
	return deployment + name
}

// DefaultCreateScreenRate is upstream's throttle of create-screen per key.
const DefaultCreateScreenRate = 100

// Email holds upstream's EMAIL_* variables.
type Email struct {
	Host     string
	Port     int
	UseTLS   bool
	User     string
	Password string
	From     string
}

// FromEnv reads the settings through getenv (os.Getenv in the program).
func FromEnv(getenv func(string) string) Settings {
	s := Settings{
		Production:       getenv("DJANGO_ENV") != "development",
		CORSOrigins:      DefaultCORSOrigins,
		FrontendHost:     strings.TrimRight(orDefault(getenv("FRONTEND_HOST"), DefaultFrontendHost), "/"),
		BackendBaseURL:   strings.TrimRight(getenv("BACKEND_BASE_URL"), "/"),
		PasswordResetURL: getenv("FRONTEND_PASSWORD_RESET_URL"),
		FrontdeskAPIKey:  getenv("FRONTDESK_API_KEY"),
	}
	s.TimeZone, _ = time.LoadLocation(DefaultTimeZone)
	if tz, err := time.LoadLocation(getenv("TIME_ZONE")); err == nil && getenv("TIME_ZONE") != "" {
		s.TimeZone = tz
	}
	if v := getenv("CORS_ALLOWED_ORIGINS"); strings.TrimSpace(v) != "" {
		s.CORSOrigins = splitList(v)
	}
	s.Email = Email{
		Host:     getenv("EMAIL_HOST"),
		Port:     587,
		UseTLS:   true,
		User:     getenv("EMAIL_HOST_USER"),
		Password: getenv("EMAIL_HOST_PASSWORD"),
	}
	if p, err := strconv.Atoi(getenv("EMAIL_PORT")); err == nil && p > 0 {
		s.Email.Port = p
	}
	if v := getenv("EMAIL_USE_TLS"); v != "" {
		s.Email.UseTLS = strings.EqualFold(v, "true")
	}
	s.Email.From = orDefault(getenv("DEFAULT_FROM_EMAIL"), orDefault(s.Email.User, DefaultFromEmail))
	if d, err := time.ParseDuration(getenv("SCREEN_ONLINE_WINDOW")); err == nil && d > 0 {
		s.ScreenOnlineWindow = d
	}
	if d, err := time.ParseDuration(getenv("SCREEN_OFFLINE_AFTER")); err == nil && d > 0 {
		s.ScreenOfflineAfter = d
	}
	s.CreateScreenRate = DefaultCreateScreenRate
	if n, err := strconv.Atoi(getenv("CREATE_SCREEN_RATE")); err == nil && n > 0 {
		s.CreateScreenRate = n
	}
	return s
}

// ResetLink builds the password-reset link for token as upstream does:
// a {token} placeholder is substituted, otherwise the token query parameter
// is set; without a template the frontend's own reset page is used.
func (s Settings) ResetLink(token string) string {
	tmpl := s.PasswordResetURL
	if tmpl == "" {
		// Upstream falls back to a backend path that exists nowhere; the
		// frontend's page is /reset-password?token=.
		tmpl = s.FrontendHost + "/reset-password"
	}
	if strings.Contains(tmpl, "{token}") {
		return strings.ReplaceAll(tmpl, "{token}", url.QueryEscape(token))
	}
	u, err := url.Parse(tmpl)
	if err != nil {
		return tmpl + "?token=" + url.QueryEscape(token)
	}
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	return u.String()
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}

func splitList(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, strings.TrimRight(part, "/"))
		}
	}
	return out
}

// Default is the settings of an empty environment.
func Default() Settings { return FromEnv(func(string) string { return "" }) }

// Package pgsync mirrors every change of the OpenStream collections into
// Postgres tables shaped like the upstream Django schema (docs/operations.md,
// "The Postgres mirror"): an outbox written in the same SQLite transaction as
// each change (pgsync/outbox), a worker that drains it (pgsync/mirror), the
// table mapping (pgsync/schema), and the import of an old OpenStream
// database or Django dump (pgsync/importer).
package pgsync

import (
	"net"
	"net/url"
)

// Environment variables, as upstream's settings.py reads them.
const (
	EnvURL      = "DATABASE_URL"
	EnvHost     = "DATABASE_HOST"
	EnvPort     = "DATABASE_PORT"
	EnvName     = "DATABASE_NAME"
	EnvUser     = "DATABASE_USERNAME"
	EnvPassword = "DATABASE_PASSWORD"
)

// Config says where the mirror writes. An empty URL turns it off.
type Config struct {
	URL string
}

// Enabled reports whether the mirror is on.
func (c Config) Enabled() bool { return c.URL != "" }

// ConfigFromEnv reads DATABASE_URL or, when any of the DATABASE_HOST,
// _NAME, _USERNAME, _PASSWORD or _PORT variables is set, builds the URL
// from them with upstream's defaults (db / db / dbpassword / db / 5432).
func ConfigFromEnv(getenv func(string) string) Config {
	if u := getenv(EnvURL); u != "" {
		return Config{URL: u}
	}
	any := false
	get := func(name, def string) string {
		if v := getenv(name); v != "" {
			any = true
			return v
		}
		return def
	}
	host, port := get(EnvHost, "db"), get(EnvPort, "5432")
	name, user, password := get(EnvName, "db"), get(EnvUser, "db"), get(EnvPassword, "dbpassword")
	if !any {
		return Config{}
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: net.JoinHostPort(host, port), Path: "/" + name}
	return Config{URL: u.String()}
}

// Redacted is the URL without its password, for logs and status output.
func (c Config) Redacted() string {
	u, err := url.Parse(c.URL)
	if err != nil {
		return "(unparsable DATABASE_URL)"
	}
	return u.Redacted()
}

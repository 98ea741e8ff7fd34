// Package keycloak signs users in through the Keycloak realm of their
// organisation (one realm per organisation, named after its uri_name) and
// talks to Keycloak's admin REST API for the operator commands.
package keycloak

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultClientID is the client the create-realm command sets up.
const DefaultClientID = "openstream-api"

// Config says where Keycloak is. The browser is sent to PublicURL; the
// server talks to InternalURL (in compose, the container name).
type Config struct {
	PublicURL     string
	InternalURL   string
	ClientID      string
	AdminUsername string
	AdminPassword string
	// Timeout bounds every call this program makes to Keycloak
	// (upstream defined KEYCLOAK_TIMEOUT but never used it).
	Timeout time.Duration
}

// Enabled reports whether a Keycloak is configured at all.
func (c Config) Enabled() bool { return c.PublicURL != "" }

// RealmURL is the base of realm on the public (browser) address.
func (c Config) RealmURL(realm string) string {
	return c.PublicURL + "/realms/" + url.PathEscape(realm)
}

// InternalRealmURL is the base of realm on the back-channel address.
func (c Config) InternalRealmURL(realm string) string {
	return c.InternalURL + "/realms/" + url.PathEscape(realm)
}

// ConfigFromEnv reads either the clean KEYCLOAK_URL (and optional
// KEYCLOAK_INTERNAL_URL), or upstream's KEYCLOAK_HOST, KEYCLOAK_INTERNAL_HOST
// and KEYCLOAK_PORT with KEYCLOAK_SCHEME (default http, as upstream always
// ended up using). Neither set means Keycloak is off.
func ConfigFromEnv(getenv func(string) string) Config {
	c := Config{
		ClientID:      orDefault(getenv("KEYCLOAK_CLIENT_ID"), DefaultClientID),
		AdminUsername: orDefault(getenv("KEYCLOAK_ADMIN_USERNAME"), "admin"),
		AdminPassword: getenv("KEYCLOAK_ADMIN_PASSWORD"),
		Timeout:       5 * time.Second,
	}
	if s, err := strconv.ParseFloat(getenv("KEYCLOAK_TIMEOUT"), 64); err == nil && s > 0 {
		c.Timeout = time.Duration(s * float64(time.Second))
	}
	if u := strings.TrimRight(getenv("KEYCLOAK_URL"), "/"); u != "" {
		c.PublicURL = u
		c.InternalURL = orDefault(strings.TrimRight(getenv("KEYCLOAK_INTERNAL_URL"), "/"), u)
		return c
	}
	host := getenv("KEYCLOAK_HOST")
	if host == "" {
		return c
	}
	scheme := orDefault(getenv("KEYCLOAK_SCHEME"), "http")
	port := ""
	if p := getenv("KEYCLOAK_PORT"); p != "" {
		port = ":" + p
	}
	c.PublicURL = scheme + "://" + host + port
	c.InternalURL = scheme + "://" + orDefault(getenv("KEYCLOAK_INTERNAL_HOST"), host) + port
	return c
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}

package rest

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/settings"
)

// AbsoluteURL makes path absolute on this server's public address: the
// configured BACKEND_BASE_URL, else the request's host, trusting the proxy's
// X-Forwarded-Host and X-Forwarded-Proto in production (docs/api.md,
// "Absolute URLs").
func AbsoluteURL(e *core.RequestEvent, s settings.Settings, path string) string {
	if s.BackendBaseURL != "" {
		return s.BackendBaseURL + path
	}
	scheme, host := "http", e.Request.Host
	if e.Request.TLS != nil {
		scheme = "https"
	}
	if s.Production {
		if fh := firstValue(e.Request.Header.Get("X-Forwarded-Host")); fh != "" {
			host = fh
		}
		if strings.EqualFold(firstValue(e.Request.Header.Get("X-Forwarded-Proto")), "https") {
			scheme = "https"
		}
	}
	return scheme + "://" + host + path
}

// firstValue is the client-side entry of a comma-separated proxy header.
func firstValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

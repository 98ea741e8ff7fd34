package assets

import (
	"net"
	"net/url"
	"strings"
	"unicode"
)

// validURL approximates Django's URLValidator: an http, https, ftp or ftps
// URL whose host is localhost, an IP address or a domain name with a
// top-level domain, no white space anywhere.
func validURL(s string) bool {
	if s == "" || len(s) > 2048 || strings.ContainsFunc(s, unicode.IsSpace) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp", "ftps":
	default:
		return false
	}
	if p := u.Port(); p != "" && (len(p) > 5 || strings.Trim(p, "0123456789") != "") {
		return false
	}
	host := u.Hostname()
	if host == "localhost" || net.ParseIP(host) != nil {
		return host != ""
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' ||
			strings.ContainsFunc(l, func(r rune) bool { return r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			return false
		}
	}
	tld := labels[len(labels)-1]
	return len(tld) >= 2 && (strings.HasPrefix(tld, "xn--") || !strings.ContainsFunc(tld, func(r rune) bool { return !unicode.IsLetter(r) }))
}

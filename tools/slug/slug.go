// Package slug reproduces Django's slugify, so organisation uri_names (URL
// slugs and Keycloak realm names) stay identical to upstream's.
package slug

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Django returns slugify(value) exactly as Django 5 computes it:
// NFKD-normalise and drop non-ASCII, lowercase, remove everything but
// letters, digits, underscores, whitespace and hyphens, collapse runs of
// whitespace and hyphens into one hyphen, and trim hyphens and underscores.
// Letters without a decomposition vanish: "Brøndby" becomes "brndby".
func Django(value string) string {
	var kept strings.Builder
	for _, r := range norm.NFKD.String(value) {
		if r > unicode.MaxASCII {
			continue
		}
		r = unicode.ToLower(r)
		if isWord(r) || isSpace(r) || r == '-' {
			kept.WriteRune(r)
		}
	}
	var out strings.Builder
	pendingHyphen := false
	for _, r := range kept.String() {
		if isSpace(r) || r == '-' {
			pendingHyphen = true
			continue
		}
		if pendingHyphen {
			out.WriteByte('-')
			pendingHyphen = false
		}
		out.WriteRune(r)
	}
	if pendingHyphen {
		out.WriteByte('-')
	}
	return strings.Trim(out.String(), "-_")
}

func isWord(r rune) bool {
	return r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
}

// isSpace matches Python's \s on ASCII input, which includes the
// information separators \x1c-\x1f.
func isSpace(r rune) bool {
	return r == ' ' || ('\t' <= r && r <= '\r') || ('\x1c' <= r && r <= '\x1f')
}

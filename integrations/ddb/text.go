package ddb

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/openstream-go/openstream/integrations/internal/jsonx"
)

// fold is Unicode full case folding, Python's str.casefold().
var fold = cases.Fold()

// normalize is upstream's _normalize_text: str, int, float (and bool)
// values become their text, stripped, NFKC-normalised and case-folded;
// anything else is "". Names and filters are compared in this form.
func normalize(v any) string {
	s, ok := jsonx.Scalar(v)
	if !ok {
		return ""
	}
	return normalizeText(s)
}

func normalizeText(s string) string {
	s = pyStrip(s)
	if s == "" {
		return ""
	}
	return fold.String(norm.NFKC.String(s))
}

// pyStrip is Python's str.strip(): Unicode white space plus the
// information separators U+001C..U+001F.
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
	})
}

package ddb

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/openstream-go/openstream/integrations/internal/data"
	"github.com/openstream-go/openstream/integrations/internal/jsonx"
	"github.com/openstream-go/openstream/rest"
)

// maxDays is the largest day count Python's timedelta takes.
const maxDays = 999_999_999

// query is a validated GET /api/ddb/events/ request.
type query struct {
	kommune data.Kommune
	// days > 0 limits events to the next days; 0 means no upper bound.
	days int
	// libraries are the normalised names of the chosen libraries.
	libraries map[string]bool
	// categories are the raw requested categories; they are checked
	// against the fetched events (checkCategories).
	categories []string
	search     string
	eventIDs   map[string]bool
	extra      []extraFilter
}

// extraFilter is any other parameter: a substring the event's field must
// contain, ignoring case.
type extraFilter struct{ key, value string }

// knownParams are not field filters.
var knownParams = map[string]bool{
	"sort": true, "order": true, "kommune": true, "days": true,
	"libraries": true, "library": true, "branches": true,
	"categories": true, "category": true, "eventIds": true, "event_ids": true,
	"search": true, "selectionMode": true,
}

// parseQuery checks the parameters in upstream's order: kommune given,
// days, kommune known, libraries known.
func parseQuery(v url.Values, t data.Tables) (query, error) {
	var q query
	name := last(v, "kommune")
	if name == "" {
		return q, rest.Keyed(http.StatusBadRequest, "error", "kommune parameter is required")
	}
	days, ok := parseDays(last(v, "days"))
	if !ok {
		return q, rest.Keyed(http.StatusBadRequest, "error", "'days' parameter must be a positive integer.")
	}
	q.days = days
	k, known := t.Kommune(name)
	if !known {
		return q, rest.Keyed(http.StatusBadRequest, "error",
			name+" is an invalid kommune. Supported kommuner are: "+strings.Join(t.KommuneNames(), ", "))
	}
	q.kommune = k

	available := map[string]string{}
	var availableNames []string
	for _, lib := range k.Libraries {
		if n := normalizeText(lib.Name); n != "" {
			if _, seen := available[n]; !seen {
				availableNames = append(availableNames, lib.Name)
			}
			available[n] = lib.Name
		}
	}
	requested := firstList(v, "libraries", "branches", "library")
	q.libraries = map[string]bool{}
	for _, r := range requested {
		if n := normalizeText(r); available[n] != "" {
			q.libraries[n] = true
		}
	}
	if len(requested) > 0 && len(q.libraries) == 0 {
		return q, noneAvailable("libraries", requested, availableNames)
	}

	q.categories = firstList(v, "categories", "category")
	if s := last(v, "search"); s != "" {
		q.search = normalizeText(s)
	}
	q.eventIDs = map[string]bool{}
	for _, id := range firstList(v, "event_ids", "eventIds") {
		if n := normalizeText(id); n != "" {
			q.eventIDs[n] = true
		}
	}
	for key := range v {
		if !knownParams[key] {
			q.extra = append(q.extra, extraFilter{key: key, value: strings.ToLower(last(v, key))})
		}
	}
	return q, nil
}

// noneAvailable is the 400 for a library or category filter that names
// nothing the kommune has.
func noneAvailable(what string, requested, available []string) error {
	if available == nil {
		available = []string{}
	}
	return &rest.Error{Status: http.StatusBadRequest, Body: struct {
		Error     string   `json:"error"`
		Requested []string `json:"requested"`
		Available []string `json:"available"`
	}{"None of the requested " + what + " are available for the selected kommune.", requested, available}}
}

// last is Django's QueryDict.get: the last value of a repeated parameter.
func last(v url.Values, key string) string {
	vals := v[key]
	if len(vals) == 0 {
		return ""
	}
	return vals[len(vals)-1]
}

// firstList reads the first of keys that has values; each value may be a
// comma-separated list. Blank items are dropped.
func firstList(v url.Values, keys ...string) []string {
	for _, key := range keys {
		var out []string
		for _, raw := range v[key] {
			for _, item := range strings.Split(raw, ",") {
				if item = pyStrip(item); item != "" {
					out = append(out, item)
				}
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// parseDays reads days as Python's int() does; blank is 0. Negative
// values and values past timedelta's range are refused.
func parseDays(s string) (int, bool) {
	if pyStrip(s) == "" {
		return 0, true
	}
	n, ok := jsonx.PyInt(s, maxDays)
	if !ok || n < 0 {
		return 0, false
	}
	return int(n), true
}

package ddb

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openstream-go/openstream/integrations/internal/data"
)

// The query string is the client's input: parsing never panics, and what
// it accepts is in range.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"kommune=K%C3%B8benhavn&days=3&libraries=Hovedbiblioteket,Bibliotekshuset&category=Motion&search=yoga&eventIds=1,2&ticket=gratis",
		"kommune=Aalborg&days=+1_0&branches=%20&library=Hals%20Bibliotek",
		"kommune=&days=-0", "days=99999999999999999999", "kommune=Fredericia&days=1__0", "kommune=Brøndby&event_ids=,,,",
	} {
		f.Add(seed)
	}
	tables := data.Load()
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		q, err := parseQuery(v, tables)
		if err != nil {
			return
		}
		if q.days < 0 || q.days > maxDays || q.kommune.Name == "" {
			t.Fatalf("accepted %+v", q)
		}
		for name := range q.libraries {
			if name == "" || name != normalizeText(name) {
				t.Fatalf("library key %q not normalised", name)
			}
		}
		for _, f := range q.extra {
			if knownParams[f.key] {
				t.Fatalf("known parameter %q used as a filter", f.key)
			}
		}
	})
}

// parseDays agrees with strconv where both apply.
func FuzzParseDays(f *testing.F) {
	for _, seed := range []string{"", " 7 ", "+3", "-0", "-1", "1_000", "_1", "1_", "1__0", "abc", "٣", "999999999", "1000000000"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseDays(s)
		if ok && (n < 0 || n > maxDays) {
			t.Fatalf("%q -> %d", s, n)
		}
		trimmed := pyStrip(s)
		if strings.Contains(trimmed, "_") || trimmed == "" {
			return
		}
		want, err := strconv.Atoi(trimmed)
		if err == nil && want >= 0 && want <= maxDays && (!ok || n != want) {
			t.Fatalf("%q -> %d %v, strconv says %d", s, n, ok, want)
		}
	})
}

// The CMS's answer is outside input too: whatever it sends, storing,
// reading back and filtering never panic, and filtering only removes.
func FuzzEvents(f *testing.F) {
	f.Add([]byte(`[{"id":1,"title":"x","date_time":{"start":"2026-06-02T09:00:00+02:00"},"branches":["Hovedbiblioteket"],"categories":["A",1,true,null,{"a":1}],"tags":[["n"]]}]`), "kommune=K%C3%B8benhavn&categories=a&search=x&title=X")
	f.Add([]byte(`[1,"a",null,{"date_time":null},{"date_time":{"start":5}},{"address":"street","categories":2.50}]`), "kommune=K%C3%B8benhavn&address=s")
	f.Add([]byte(`{"not":"a list"}`), "kommune=K%C3%B8benhavn")
	tables := data.Load()
	now := time.Date(2026, 6, 2, 8, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, raw string) {
		list, err := objectsOnly(body)
		if err != nil {
			return
		}
		events, err := parseEvents(list)
		if err != nil {
			t.Fatalf("stored list does not read back: %v", err)
		}
		v, _ := url.ParseQuery(raw)
		v.Set("kommune", "København")
		q, err := parseQuery(v, tables)
		if err != nil {
			return
		}
		cats, err := checkCategories(q.categories, events)
		if err != nil {
			return
		}
		if out := filter(events, q, cats, now); len(out) > len(events) {
			t.Fatalf("filter added events")
		}
	})
}

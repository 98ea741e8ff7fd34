package ddb

import (
	"encoding/json"
	"time"

	"github.com/openstream-go/openstream/integrations/internal/jsonx"
)

// event is one DDB event: its bytes as upstream sent them (the answer
// repeats them unchanged) and its fields for filtering.
type event struct {
	raw json.RawMessage
	// fields are the decoded top-level values (numbers as json.Number);
	// rawFields their text, for Python's str() of nested values.
	fields    map[string]any
	rawFields map[string]json.RawMessage
	start     time.Time
	hasStart  bool
}

// parseEvents decodes the cached event list; entries that are not objects
// were dropped when it was stored.
func parseEvents(list []byte) ([]*event, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(list, &raws); err != nil {
		return nil, err
	}
	out := make([]*event, 0, len(raws))
	for _, raw := range raws {
		members, err := jsonx.Members(raw)
		if err != nil {
			continue
		}
		ev := &event{raw: raw, fields: map[string]any{}, rawFields: map[string]json.RawMessage{}}
		for _, m := range members {
			var v any
			if jsonx.Decode(m.Value, &v) == nil {
				ev.fields[m.Key] = v
				ev.rawFields[m.Key] = m.Value
			}
		}
		ev.start, ev.hasStart = ev.startTime()
		out = append(out, ev)
	}
	return out, nil
}

// startTime is date_time.start when it is an aware timestamp. Upstream
// skipped events whose start it could not compare with an aware "now"
// (missing, unparsable or without an offset), and so does this.
func (ev *event) startTime() (time.Time, bool) {
	s, ok := ev.dateTimeStart().(string)
	if !ok || s == "" {
		return time.Time{}, false
	}
	return parseAware(s)
}

func (ev *event) dateTimeStart() any {
	dt, _ := ev.fields["date_time"].(map[string]any)
	return dt["start"]
}

// awareLayouts are the timestamp forms with an offset that DDB CMSs send
// (ISO 8601, with "T" or a space, colon in the offset or not).
var awareLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05.999999999Z07",
}

func parseAware(s string) (time.Time, bool) {
	for _, layout := range awareLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// names adds the normalised scalar v, or each normalised scalar of the
// list v (one level deep, as upstream looked), to set.
func names(set map[string]bool, v any) {
	items, isList := v.([]any)
	if !isList {
		items = []any{v}
	}
	for _, item := range items {
		if n := normalize(item); n != "" {
			set[n] = true
		}
	}
}

// scalarName adds v to set when it is a scalar (lists do not count here).
func scalarName(set map[string]bool, v any) {
	if n := normalize(v); n != "" {
		set[n] = true
	}
}

// libraryNames are the names an event is held at: branches, branch,
// address.location, location and venue_name.
func (ev *event) libraryNames() map[string]bool {
	set := map[string]bool{}
	names(set, ev.fields["branches"])
	for _, k := range []string{"branch", "location", "venue_name"} {
		scalarName(set, ev.fields[k])
	}
	if addr, ok := ev.fields["address"].(map[string]any); ok {
		scalarName(set, addr["location"])
	}
	return set
}

// categoryNames are the event's normalised categories.
func (ev *event) categoryNames() map[string]bool {
	set := map[string]bool{}
	names(set, ev.fields["categories"])
	return set
}

// searchTexts are the values upstream's free-text search looks in.
func (ev *event) searchTexts() []string {
	var out []string
	scalar := func(v any) {
		if s, ok := jsonx.Scalar(v); ok {
			out = append(out, s)
		}
	}
	for _, k := range []string{"title", "subtitle", "body", "description", "summary", "teaser", "location", "venue_name", "branch"} {
		scalar(ev.fields[k])
	}
	if addr, ok := ev.fields["address"].(map[string]any); ok {
		for _, k := range []string{"location", "street", "city"} {
			scalar(addr[k])
		}
	}
	// Every element of the categories and tags lists counts, even objects,
	// in Python's str() form.
	for _, k := range []string{"categories", "tags"} {
		var items []json.RawMessage
		if json.Unmarshal(ev.rawFields[k], &items) == nil && ev.rawFields[k] != nil && string(ev.rawFields[k]) != "null" {
			for _, item := range items {
				out = append(out, jsonx.Str(item))
			}
		} else if k == "categories" {
			scalar(ev.fields[k])
		}
	}
	return out
}

// identifiers are the values an event can be picked by: its id-like
// fields, its url, and "title|start".
func (ev *event) identifiers() []string {
	var out []string
	for _, k := range []string{"id", "event_id", "eventId", "record_id", "recordId", "uuid", "slug"} {
		if s, ok := jsonx.Scalar(ev.fields[k]); ok {
			if s = pyStrip(s); s != "" {
				out = append(out, s)
			}
		}
	}
	if u, ok := ev.fields["url"].(string); ok {
		if u = pyStrip(u); u != "" {
			out = append(out, u)
		}
	}
	title, okT := jsonx.Scalar(ev.fields["title"])
	start, okS := jsonx.Scalar(ev.dateTimeStart())
	if okT && okS {
		if s := pyStrip(title + "|" + start); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// fieldText is Python's str(event.get(key, "")), for the extra filters.
func (ev *event) fieldText(key string) string {
	raw, ok := ev.rawFields[key]
	if !ok {
		return ""
	}
	return jsonx.Str(raw)
}

package schedule

import (
	"slices"
	"time"
)

// UpcomingLimit is the number of entries upstream's upcoming list keeps.
const UpcomingLimit = 10

// Occurrence is one entry of the upcoming list (docs/api.md,
// "Active and upcoming content").
type Occurrence struct {
	Type      string // "scheduled" or "recurring"
	ID        string // the row's id
	GroupID   string
	GroupName string  // "group"
	Content   Content // "content"; left out when zero
	// Start and End: UTC for scheduled rows, loc for recurring rows, so that
	// IsoFormat gives upstream's "+00:00" and "+01:00"/"+02:00" offsets. A
	// zero End is rendered as null.
	Start, End time.Time
}

// Upcoming is /api/branch/get-upcoming-content/ (docs/api.md,
// "Upcoming content") for the groups in in.Groups (the branch's groups):
//
//   - one-off rows with Start >= now (running ones are not included);
//   - for each recurring row active today (active_from <= today <=
//     active_until, today = the date in loc; rows that only start later are
//     left out, as upstream does): its next occurrence starting after now
//     (one running now shows next week), unless that date is past
//     active_until;
//   - sorted by start, ties in input order (scheduled before recurring),
//     the first limit entries (limit <= 0: all).
func Upcoming(in Input, now time.Time, loc *time.Location, limit int) ([]Occurrence, error) {
	loc = orUTC(loc)
	names := make(map[string]string, len(in.Groups))
	for _, g := range in.Groups {
		names[g.ID] = g.Name
	}
	out := make([]Occurrence, 0, len(in.OneOffs)+len(in.Recurring))
	for _, o := range in.OneOffs {
		name, ok := names[o.GroupID]
		if !ok || o.Start.Before(now) {
			continue
		}
		end := o.End
		if !end.IsZero() {
			end = end.UTC()
		}
		out = append(out, Occurrence{Type: "scheduled", ID: o.ID, GroupID: o.GroupID, GroupName: name,
			Content: o.Content, Start: o.Start.UTC(), End: end})
	}

	today := DateOf(now, loc)
	for i := range in.Recurring {
		r := &in.Recurring[i]
		name, ok := names[r.GroupID]
		if !ok {
			continue
		}
		c, err := compileRecurring(r)
		if err != nil {
			return nil, err
		}
		if today.Before(c.from) || (!c.open && today.After(c.until)) {
			continue
		}
		d := today.AddDays((r.Weekday - today.Weekday() + 7) % 7)
		start := wallTime(d, c.start, loc)
		if !start.After(now) {
			d = d.AddDays(7)
			start = wallTime(d, c.start, loc)
		}
		if !c.open && d.After(c.until) {
			continue
		}
		out = append(out, Occurrence{Type: "recurring", ID: r.ID, GroupID: r.GroupID, GroupName: name,
			Content: r.Content, Start: start, End: wallTime(d, c.end, loc)})
	}

	// Upstream: scheduled rows ordered by start in the query (ties: by id
	// here), recurring rows appended in database order, then a stable sort by
	// start. One sort with those tie-breakers gives the same order; indices
	// are sorted because moving the large structs dominated the cost.
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int {
		a, b := &out[i], &out[j]
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if a.Type != b.Type {
			if a.Type == "scheduled" {
				return -1
			}
			return 1
		}
		if a.Type == "scheduled" {
			if c := idCompare(a.ID, b.ID); c != 0 {
				return c
			}
		}
		return i - j
	})
	if limit > 0 && len(idx) > limit {
		idx = idx[:limit]
	}
	sorted := make([]Occurrence, len(idx))
	for k, i := range idx {
		sorted[k] = out[i]
	}
	return sorted, nil
}

// IsoFormat renders t like Python's datetime.isoformat(): microseconds only
// when non-zero, and a numeric offset ("+00:00" for UTC, never "Z").
func IsoFormat(t time.Time) string {
	if t.Nanosecond()/1000 != 0 {
		return t.Format("2006-01-02T15:04:05.000000-07:00")
	}
	return t.Format("2006-01-02T15:04:05-07:00")
}

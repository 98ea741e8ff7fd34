package schedule

import (
	"slices"
	"time"
)

// NextChange is the earliest instant after `after` at which a row of the
// group starts or stops being active, i.e. the first instant at which
// Active's answer can differ from its answer at `after`; ok is false when
// nothing will ever change again.
//
// Windows are closed ([start, end]), so a row stops being active one
// nanosecond after its end: that instant (end + 1ns) is what is returned for
// an end. An active emergency of the group changes things at its expiry
// (ExpiresAt); otherwise emergencies are not time-based (a record change
// re-evaluates them). That an active emergency hides the schedules is
// ignored, which only costs a spurious wake-up.
func NextChange(in Input, groupID string, after time.Time, loc *time.Location) (time.Time, bool, error) {
	loc = orUTC(loc)
	var next time.Time
	consider := func(t time.Time) {
		if t.After(after) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for i := range in.OneOffs {
		o := &in.OneOffs[i]
		if o.GroupID != groupID || o.End.Before(o.Start) {
			continue // start after end: never active
		}
		consider(o.Start)
		consider(o.End.Add(time.Nanosecond))
	}
	for i := range in.Emergencies {
		e := &in.Emergencies[i]
		if e.Active && !e.ExpiresAt.IsZero() && slices.Contains(e.GroupIDs, groupID) {
			consider(e.ExpiresAt)
		}
	}
	for i := range in.Recurring {
		r := &in.Recurring[i]
		if r.GroupID != groupID {
			continue
		}
		c, err := compileRecurring(r)
		if err != nil {
			return time.Time{}, false, err
		}
		if c.end < c.start {
			continue // never active
		}
		if t, ok := c.nextBoundary(after, loc); ok {
			consider(t)
		}
	}
	return next, !next.IsZero(), nil
}

// nextBoundary is the row's first start, or end + 1ns, after `after`.
func (c *rec) nextBoundary(after time.Time, loc *time.Location) (time.Time, bool) {
	// Yesterday as well: see activeRecurring.
	d := DateOf(after, loc).AddDays(-1)
	if d.Before(c.from) {
		d = c.from
	}
	for d = d.AddDays((c.src.Weekday - d.Weekday() + 7) % 7); c.open || !d.After(c.until); d = d.AddDays(7) {
		s, e := c.window(d, loc)
		if s.After(after) {
			return s, true
		}
		if e = e.Add(time.Nanosecond); e.After(after) {
			return e, true
		}
	}
	return time.Time{}, false
}

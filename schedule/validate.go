package schedule

import (
	"fmt"
	"slices"
	"time"
)

// Upstream's messages (docs/api.md, "Conflicts"). '%s' is the conflicting
// row's slideshow or playlist name, the second %s of the "on" messages the
// date (YYYY-MM-DD) of the conflicting recurring occurrence.
const (
	MsgOverrideOverScheduled        = "Cannot schedule an override as other content is already present: '%s'."
	MsgCombineOverScheduledOverride = "Cannot schedule content as an override is already present: '%s'."
	MsgOverrideOverRecurring        = "Cannot schedule an override as other recurring content is already present: '%s'."
	MsgCombineOverRecurringOverride = "Cannot schedule content as a recurring override is already present: '%s'."
	MsgRecurringOverrideOverContent = "Cannot schedule an override as other content is present: '%s' on %s."
	MsgRecurringCombineOverOverride = "Cannot schedule content as an override is present: '%s' on %s."

	MsgTimesRequired      = "Start and End times are required when scheduling content."
	MsgStartBeforeEnd     = "Start time must be before end time."
	MsgActiveFromBeforeTo = "Active from date must be before active until date."
)

// ValidationError is a refused create or update. The endpoint answers 400
// {"non_field_errors": [Message]} (upstream gives a 500 for the last three
// messages above; the issue asks for 400s).
type ValidationError struct {
	Message string
	// ConflictKind ("scheduled" or "recurring") and ConflictID name the row
	// in the way, when the refusal is a conflict.
	ConflictKind string
	ConflictID   string
}

func (e *ValidationError) Error() string { return e.Message }

// Validate checks a new or edited row against the other rows of its group
// (docs/api.md, "Conflicts"): an override (CombineWithDefault false) may not
// overlap anything, a combine row may not overlap an override, combine rows
// may overlap each other. Overlap is strict
// (a.start < b.end && a.end > b.start), so back-to-back rows are accepted. A
// row of the same kind with the candidate's ID is the row being edited and is
// skipped. When several rows conflict, the lowest id is named; against
// recurring rows, the earliest date first.
//
// candidate is a OneOff or a Recurring (or a pointer to one). Refusals are
// *ValidationError; a malformed field is a *FieldError. Content presence and
// aspect ratios are the caller's to check.
//
// Deliberate departures from upstream (both about recurring rows): an
// occurrence counts only on dates inside the row's active range (upstream
// tests every matching weekday of the one-off's span once the ranges touch),
// and an open-ended row is open forever (upstream stops looking 1825 days
// after active_from). Dates of one-off rows are taken in loc.
func Validate(in Input, candidate any, loc *time.Location) error {
	loc = orUTC(loc)
	switch c := candidate.(type) {
	case OneOff:
		return validateOneOff(&in, &c, loc)
	case *OneOff:
		return validateOneOff(&in, c, loc)
	case Recurring:
		return validateRecurring(&in, &c, loc)
	case *Recurring:
		return validateRecurring(&in, c, loc)
	}
	return fmt.Errorf("schedule: Validate needs a OneOff or a Recurring, got %T", candidate)
}

// overlaps is upstream's strict overlap test.
func overlaps(aStart, aEnd, bStart, bEnd time.Time) bool {
	return aStart.Before(bEnd) && aEnd.After(bStart)
}

func validateOneOff(in *Input, c *OneOff, loc *time.Location) error {
	if c.Start.IsZero() || c.End.IsZero() {
		return &ValidationError{Message: MsgTimesRequired}
	}
	var hit *OneOff
	for i := range in.OneOffs {
		o := &in.OneOffs[i]
		if o.GroupID != c.GroupID || (c.ID != "" && o.ID == c.ID) || (c.CombineWithDefault && o.CombineWithDefault) {
			continue
		}
		if overlaps(c.Start, c.End, o.Start, o.End) && (hit == nil || idLess(o.ID, hit.ID)) {
			hit = o
		}
	}
	if hit != nil {
		return conflict(c.CombineWithDefault, MsgOverrideOverScheduled, MsgCombineOverScheduledOverride, "scheduled", hit.ID, hit.Content.Name)
	}

	// Against recurring rows: the earliest conflicting date, then lowest id.
	first, last := DateOf(c.Start, loc), DateOf(c.End, loc)
	var hitRec *Recurring
	var hitDate Date
	for i := range in.Recurring {
		r := &in.Recurring[i]
		if r.GroupID != c.GroupID || (c.CombineWithDefault && r.CombineWithDefault) {
			continue
		}
		rc, err := compileRecurring(r)
		if err != nil {
			return err
		}
		d, ok := rc.firstOverlap(c.Start, c.End, first, last, loc)
		if !ok {
			continue
		}
		if hitRec == nil || d.Before(hitDate) || (d == hitDate && idLess(r.ID, hitRec.ID)) {
			hitRec, hitDate = r, d
		}
	}
	if hitRec != nil {
		return conflict(c.CombineWithDefault, MsgOverrideOverRecurring, MsgCombineOverRecurringOverride, "recurring", hitRec.ID, hitRec.Content.Name)
	}
	return nil
}

// firstOverlap is the first date in [first, last] on which the row occurs
// with a window strictly overlapping [start, end].
func (c *rec) firstOverlap(start, end time.Time, first, last Date, loc *time.Location) (Date, bool) {
	if first.Before(c.from) {
		first = c.from
	}
	if !c.open && last.After(c.until) {
		last = c.until
	}
	d := first.AddDays((c.src.Weekday - first.Weekday() + 7) % 7)
	for ; !d.After(last); d = d.AddDays(7) {
		if s, e := c.window(d, loc); overlaps(start, end, s, e) {
			return d, true
		}
	}
	return Date{}, false
}

func validateRecurring(in *Input, cand *Recurring, loc *time.Location) error {
	c, err := compileRecurring(cand)
	if err != nil {
		return err
	}
	if c.start >= c.end {
		return &ValidationError{Message: MsgStartBeforeEnd}
	}
	if !c.open && c.from.After(c.until) {
		return &ValidationError{Message: MsgActiveFromBeforeTo}
	}

	// Against recurring rows: same weekday, overlapping wall-clock times and
	// a common date on that weekday.
	var hit *Recurring
	for i := range in.Recurring {
		r := &in.Recurring[i]
		if r.GroupID != cand.GroupID || r.Weekday != cand.Weekday || (cand.ID != "" && r.ID == cand.ID) ||
			(cand.CombineWithDefault && r.CombineWithDefault) {
			continue
		}
		o, err := compileRecurring(r)
		if err != nil {
			return err
		}
		if o.start < c.end && o.end > c.start && c.sharesDate(&o) && (hit == nil || idLess(r.ID, hit.ID)) {
			hit = r
		}
	}
	if hit != nil {
		return conflict(cand.CombineWithDefault, MsgOverrideOverRecurring, MsgCombineOverRecurringOverride, "recurring", hit.ID, hit.Content.Name)
	}

	// Against one-off rows, lowest id first, each at its earliest date.
	ones := make([]*OneOff, 0, len(in.OneOffs))
	for i := range in.OneOffs {
		o := &in.OneOffs[i]
		if o.GroupID == cand.GroupID && !(cand.CombineWithDefault && o.CombineWithDefault) {
			ones = append(ones, o)
		}
	}
	slices.SortFunc(ones, func(a, b *OneOff) int { return idCompare(a.ID, b.ID) })
	for _, o := range ones {
		d, ok := c.firstOverlap(o.Start, o.End, DateOf(o.Start, loc), DateOf(o.End, loc), loc)
		if !ok {
			continue
		}
		msg := MsgRecurringOverrideOverContent
		if cand.CombineWithDefault {
			msg = MsgRecurringCombineOverOverride
		}
		return &ValidationError{Message: fmt.Sprintf(msg, o.Content.Name, d), ConflictKind: "scheduled", ConflictID: o.ID}
	}
	return nil
}

// sharesDate reports whether both rows (of the same weekday) are active on
// at least one common date.
func (c *rec) sharesDate(o *rec) bool {
	lo := c.from
	if o.from.After(lo) {
		lo = o.from
	}
	d := lo.AddDays((c.src.Weekday - lo.Weekday() + 7) % 7)
	return (c.open || !d.After(c.until)) && (o.open || !d.After(o.until))
}

// conflict is the refusal naming the row hit; the message depends on
// whether the candidate is an override or combines with the default.
func conflict(combine bool, overrideMsg, combineMsg, kind, id, name string) error {
	msg := overrideMsg
	if combine {
		msg = combineMsg
	}
	return &ValidationError{Message: fmt.Sprintf(msg, name), ConflictKind: kind, ConflictID: id}
}

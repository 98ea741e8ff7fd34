package schedule

import (
	"fmt"
	"strings"
	"time"
)

// Clock is a wall-clock time of day as the duration since midnight.
type Clock time.Duration

// ParseClock parses "HH:MM", "HH:MM:SS" or "HH:MM:SS.ffffff" (the forms
// Django's TimeField reads and writes; the hour may have one digit).
func ParseClock(s string) (Clock, error) {
	bad := func(why string) (Clock, error) {
		return 0, fmt.Errorf("time of day %q: %s", s, why)
	}
	parts := strings.Split(s, ":")
	if len(parts) != 2 && len(parts) != 3 {
		return bad("want HH:MM or HH:MM:SS")
	}
	h, ok := digits(parts[0], 1, 2)
	if !ok {
		return bad("want HH:MM or HH:MM:SS")
	}
	m, ok := digits(parts[1], 2, 2)
	if !ok {
		return bad("want HH:MM or HH:MM:SS")
	}
	var sec, nsec int
	if len(parts) == 3 {
		whole, frac, hasFrac := strings.Cut(parts[2], ".")
		if sec, ok = digits(whole, 2, 2); !ok {
			return bad("want HH:MM or HH:MM:SS")
		}
		if hasFrac {
			f, ok := digits(frac, 1, 9)
			if !ok {
				return bad("fraction of a second must be 1 to 9 digits")
			}
			nsec = f
			for i := len(frac); i < 9; i++ {
				nsec *= 10
			}
		}
	}
	switch {
	case h > 23:
		return bad("hour must be 0-23")
	case m > 59:
		return bad("minute must be 00-59")
	case sec > 59:
		return bad("second must be 00-59")
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(sec)*time.Second + time.Duration(nsec)
	return Clock(d), nil
}

// String formats c as "HH:MM:SS", with a fraction only when it has one.
func (c Clock) String() string {
	d := time.Duration(c)
	s := fmt.Sprintf("%02d:%02d:%02d", int(d/time.Hour), int(d/time.Minute%60), int(d/time.Second%60))
	if ns := int(d % time.Second); ns != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%09d", ns), "0")
	}
	return s
}

// digits parses an unsigned decimal of min to max digits.
func digits(s string, min, max int) (int, bool) {
	if len(s) < min || len(s) > max {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// Date is a calendar date without a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// ParseOptionalDate is ParseDate for nullable columns: "" gives ok=false.
func ParseOptionalDate(s string) (d Date, ok bool, err error) {
	if s == "" {
		return Date{}, false, nil
	}
	d, err = ParseDate(s)
	return d, err == nil, err
}

// DateOf is the calendar date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// String formats d as "YYYY-MM-DD" (the form used in validation messages).
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Weekday is d's day of the week with 0 = Monday (upstream's convention).
func (d Date) Weekday() int { return int(d.midnightUTC().Weekday()+6) % 7 }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date {
	y, m, dd := d.midnightUTC().AddDate(0, 0, n).Date()
	return Date{y, m, dd}
}

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int { return d.midnightUTC().Compare(o.midnightUTC()) }

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

func (d Date) midnightUTC() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// FieldError reports a malformed field of a row, e.g. a start_time that is
// not a time of day. Field is the upstream field name.
type FieldError struct {
	Kind  string // "recurring" or "scheduled"
	RowID string
	Field string
	Err   error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("schedule: %s row %q: %s: %v", e.Kind, e.RowID, e.Field, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// rec is a Recurring row with its strings parsed.
type rec struct {
	src         *Recurring
	start, end  Clock
	from, until Date
	open        bool // no active_until
}

// compileRecurring parses r's fields; errors are *FieldError.
func compileRecurring(r *Recurring) (rec, error) {
	fe := func(field string, err error) (rec, error) {
		return rec{}, &FieldError{Kind: "recurring", RowID: r.ID, Field: field, Err: err}
	}
	if r.Weekday < 0 || r.Weekday > 6 {
		return fe("weekday", fmt.Errorf("%d is not a weekday (0 = Monday ... 6 = Sunday)", r.Weekday))
	}
	c := rec{src: r}
	var err error
	if c.start, err = ParseClock(r.StartTime); err != nil {
		return fe("start_time", err)
	}
	if c.end, err = ParseClock(r.EndTime); err != nil {
		return fe("end_time", err)
	}
	if c.from, err = ParseDate(r.ActiveFrom); err != nil {
		return fe("active_from", err)
	}
	var has bool
	if c.until, has, err = ParseOptionalDate(r.ActiveUntil); err != nil {
		return fe("active_until", err)
	}
	c.open = !has
	return c, nil
}

// activeOn reports whether d is a date the row occurs on: its weekday,
// inside [active_from, active_until] (both inclusive).
func (c *rec) activeOn(d Date) bool {
	return d.Weekday() == c.src.Weekday && !d.Before(c.from) && (c.open || !d.After(c.until))
}

// window is the row's occurrence on date d as instants (see wallTime).
func (c *rec) window(d Date, loc *time.Location) (start, end time.Time) {
	return wallTime(d, c.start, loc), wallTime(d, c.end, loc)
}

package schedule

import "time"

// wallTime is the instant at which the clocks in loc show date d, time c.
//
// DST rule (the one place it lives):
//   - a wall time that occurs twice (the fall-back hour, 02:00-03:00 on the
//     last Sunday of October in Copenhagen) resolves to its FIRST occurrence,
//     for starts and ends alike (so 01:00-02:30 ends at the first 02:30);
//   - a wall time that does not exist (the spring-forward hour, 02:00-03:00
//     on the last Sunday of March) resolves to the first instant after the
//     gap, the transition itself, which the clocks show as 03:00. A window
//     lying wholly inside the gap therefore shrinks to that single instant.
//
// time.Date does not promise which side of a transition it picks, so the
// rule is implemented here explicitly. The result is non-decreasing in c,
// which keeps windows ordered. Zones that change offset more than once
// within two days are not handled specially.
func wallTime(d Date, c Clock, loc *time.Location) time.Time {
	// naive: the wall clock read as if it were UTC.
	naive := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Add(time.Duration(c))
	offBefore := offsetAt(naive.Add(-24*time.Hour), loc)
	offAfter := offsetAt(naive.Add(24*time.Hour), loc)
	if offBefore == offAfter {
		return naive.Add(-time.Duration(offBefore) * time.Second).In(loc)
	}
	var best time.Time
	for _, off := range [2]int{offBefore, offAfter} {
		t := naive.Add(-time.Duration(off) * time.Second)
		if offsetAt(t, loc) == off && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	if !best.IsZero() {
		return best.In(loc)
	}
	// In a gap: neither offset reproduces the wall time. Read with the
	// smaller offset the instant falls after the transition; the zone it
	// falls in started at the transition.
	later := naive.Add(-time.Duration(min(offBefore, offAfter)) * time.Second).In(loc)
	start, _ := later.ZoneBounds()
	if start.IsZero() || start.After(later) {
		return later // unreachable for real zones; stay monotone-ish
	}
	return start.In(loc)
}

func offsetAt(t time.Time, loc *time.Location) int {
	_, off := t.In(loc).Zone()
	return off
}

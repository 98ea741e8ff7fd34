// Package schedule is OpenStream's pure scheduling logic (docs/api.md,
// "Scheduling rules"): which content a display-website group plays at an
// instant, the upcoming list of a branch, conflict validation of new or edited
// schedules and the instant of the next change (for the screens' timer,
// docs/architecture.md, "From a save to a screen", step 5).
//
// It has no database and no PocketBase imports: callers pass plain structs
// (Input) and get plain results back. Ids are strings (numeric strings in
// OpenStream) and lists of ids come back sorted numerically.
//
// # Time
//
// One-off rows (ScheduledContent) are absolute instants. Recurring rows are
// wall-clock times in the *time.Location the caller passes (the program
// passes Europe/Copenhagen by default). Upstream compares recurring rows with
// the UTC clock; we deliberately do not: passing time.UTC reproduces upstream
// bit for bit, anything else is the evident intent. Weekday 0 is Monday. Dates
// of one-off rows (for validation) are taken in the same location.
//
// Daylight saving time is resolved by one rule, see wallTime: a wall time
// that does not exist (02:00-03:00 on the spring-forward day in Copenhagen)
// means the first instant after the gap (03:00 local); a wall time that
// occurs twice (02:00-03:00 on the fall-back day) means its first
// occurrence. The rule applies equally to start and end times.
//
// # Windows
//
// Both kinds of windows are closed intervals, [start, end], as upstream's
// `start <= now <= end`: back-to-back rows are both active at the shared
// boundary instant. Conflicts use strict overlap, so back-to-back rows are
// allowed. A recurring window never crosses midnight: its start must be before
// its end (upstream's model rule, enforced by Validate); a stored row with end
// before start is never active. A one-off row with start after end is accepted
// here and never active (hooks/schedules.go refuses it at write time).
package schedule

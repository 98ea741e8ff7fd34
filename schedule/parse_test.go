package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseClock(t *testing.T) {
	cases := []struct {
		in, want, err string
	}{
		{"10:00", "10:00:00", ""},
		{"9:05", "09:05:00", ""},
		{"23:59:59", "23:59:59", ""},
		{"00:00", "00:00:00", ""},
		{"12:30:15.25", "12:30:15.25", ""},
		{"12:30:15.123456", "12:30:15.123456", ""},
		{"24:00", "", "hour must be 0-23"},
		{"12:60", "", "minute must be 00-59"},
		{"12:00:61", "", "second must be 00-59"},
		{"12", "", "want HH:MM or HH:MM:SS"},
		{"12:5", "", "want HH:MM or HH:MM:SS"},
		{"12:00:00:00", "", "want HH:MM or HH:MM:SS"},
		{"ab:cd", "", "want HH:MM or HH:MM:SS"},
		{"", "", "want HH:MM or HH:MM:SS"},
		{"12:00:00.", "", "fraction"},
		{" 12:00", "", "want HH:MM"},
	}
	for _, c := range cases {
		got, err := ParseClock(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), c.in) {
				t.Errorf("ParseClock(%q) error = %v, want one mentioning %q and the input", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got.String() != c.want {
			t.Errorf("ParseClock(%q) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	d, err := ParseDate("2025-03-30")
	eq(t, "date", d, Date{2025, time.March, 30})
	if err != nil || d.String() != "2025-03-30" || d.Weekday() != 6 {
		t.Errorf("2025-03-30: %v %v weekday %d (want Sunday = 6)", d, err, d.Weekday())
	}
	for _, bad := range []string{"2025-02-30", "2025-3-30", "30-03-2025", "2025-03-30T00:00", "x"} {
		if _, err := ParseDate(bad); err == nil || !strings.Contains(err.Error(), "want YYYY-MM-DD") {
			t.Errorf("ParseDate(%q) error = %v", bad, err)
		}
	}
	if _, ok, err := ParseOptionalDate(""); ok || err != nil {
		t.Errorf(`ParseOptionalDate("") = %v, %v`, ok, err)
	}
	if _, ok, err := ParseOptionalDate("2025-13-01"); ok || err == nil {
		t.Errorf(`ParseOptionalDate("2025-13-01") = %v, %v`, ok, err)
	}
	if got := (Date{2025, time.December, 31}).AddDays(1); got != (Date{2026, time.January, 1}) {
		t.Errorf("AddDays across the year: %v", got)
	}
}

func TestMalformedRowsAreFieldErrors(t *testing.T) {
	in := Input{
		Groups:    []Group{{ID: "1", Default: slideshow("1")}},
		Recurring: []Recurring{{ID: "7", GroupID: "1", Weekday: 0, StartTime: "10:00", EndTime: "25:00", ActiveFrom: "2025-01-01"}},
	}
	_, err := Active(in, "1", local("2025-01-06 10:00"), cph)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "end_time" || fe.RowID != "7" {
		t.Fatalf("Active with a bad row: %v", err)
	}
	if !strings.Contains(err.Error(), `recurring row "7": end_time: time of day "25:00"`) {
		t.Errorf("message: %v", err)
	}
	// The bad row is only parsed on its own weekday and the day after.
	if _, err := Active(in, "1", local("2025-01-08 10:00"), cph); err != nil {
		t.Errorf("Wednesday: %v", err)
	}
	for field, r := range map[string]Recurring{
		"weekday":      {Weekday: 7, StartTime: "10:00", EndTime: "11:00", ActiveFrom: "2025-01-01"},
		"start_time":   {StartTime: "10", EndTime: "11:00", ActiveFrom: "2025-01-01"},
		"active_from":  {StartTime: "10:00", EndTime: "11:00"},
		"active_until": {StartTime: "10:00", EndTime: "11:00", ActiveFrom: "2025-01-01", ActiveUntil: "01/02/2025"},
	} {
		r.GroupID = "1"
		err := Validate(in, r, cph)
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: Validate = %v", field, err)
		}
	}
}

package schedule

import (
	"errors"
	"testing"
	"time"
)

func TestNextChange(t *testing.T) {
	in := baseInput()
	in.OneOffs = []OneOff{
		oneOff("1", local("2025-01-06 10:00"), local("2025-01-06 11:00"), false, slideshow("11")),
		oneOff("2", local("2025-01-06 12:00"), local("2025-01-06 08:00"), false, slideshow("12")), // inverted: never active
		{ID: "3", GroupID: "2", Start: local("2025-01-06 09:30"), End: local("2025-01-06 09:45")}, // other group
	}
	in.Recurring = []Recurring{
		recurring("1", 0, "14:00", "15:00", "2025-01-01", "2025-01-13", false, slideshow("21")),
		recurring("2", 2, "09:00", "10:00", "2025-02-05", "", false, slideshow("22")), // starts in February
		recurring("3", 6, "02:30", "04:00", "2025-03-30", "2025-03-30", false, slideshow("23")),
		recurring("4", 6, "01:00", "02:30", "2025-10-26", "2025-10-26", false, slideshow("24")),
		recurring("5", 3, "12:00", "10:00", "2025-01-01", "", false, slideshow("25")), // end < start: never active
	}
	in.Emergencies = []Emergency{{ID: "1", SlideshowID: "9", GroupIDs: []string{"1"}, Active: true}} // ignored
	ns := time.Nanosecond
	cases := []struct {
		name  string
		after time.Time
		want  time.Time // zero: none
	}{
		{"before a one-off", local("2025-01-06 09:00"), local("2025-01-06 10:00")},
		{"at its start", local("2025-01-06 10:00"), local("2025-01-06 11:00").Add(ns)},
		{"at its end", local("2025-01-06 11:00"), local("2025-01-06 11:00").Add(ns)},
		{"just after its end", local("2025-01-06 11:00").Add(ns), local("2025-01-06 14:00")},
		{"inside a recurring window", local("2025-01-06 14:30"), local("2025-01-06 15:00").Add(ns)},
		{"after today's occurrence: next week", local("2025-01-06 15:00:01"), local("2025-01-13 14:00")},
		{"after the last occurrence: a row starting later", local("2025-01-13 16:00"), local("2025-02-05 09:00")},
		{"spring gap start", local("2025-03-29 12:00"), utc("2025-03-30 01:00")},
		{"spring window end", utc("2025-03-30 01:00"), local("2025-03-30 04:00").Add(ns)},
		{"autumn fold: the first 02:30", utc("2025-10-26 00:00"), utc("2025-10-26 00:30").Add(ns)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok, err := NextChange(in, "1", c.after, cph)
			if err != nil {
				t.Fatal(err)
			}
			if ok != !c.want.IsZero() || !got.Equal(c.want) {
				t.Errorf("NextChange(%v) = %v, %v; want %v", c.after, got, ok, c.want)
			}
		})
	}
	// Nothing ever changes again once the open row is removed.
	in.Recurring = in.Recurring[:1]
	if got, ok, _ := NextChange(in, "1", local("2025-01-13 16:00"), cph); ok {
		t.Errorf("NextChange after everything = %v", got)
	}
	in.Recurring = append(in.Recurring, recurring("9", 0, "1:00", "x", "2025-01-01", "", false, slideshow("9")))
	var fe *FieldError
	if _, _, err := NextChange(in, "1", local("2025-01-13 16:00"), cph); !errors.As(err, &fe) {
		t.Errorf("malformed row: %v", err)
	}
}

package schedule

import (
	"errors"
	"testing"
	"time"
)

func named(kind ContentKind, id, name string) Content { return Content{Kind: kind, ID: id, Name: name} }

// validateInput: in group 1, on Monday 2025-01-06,
//
//	one-off 10  10:00-12:00 override "Morning news"
//	one-off 11  14:00-16:00 combine  "Afternoon mix"
//	recurring 20  Mondays 18:00-20:00 override "Evening loop", from 2025-01-01, open
//	recurring 21  Tuesdays 08:00-09:00 combine "Breakfast", January 2025
//
// and in group 2 one-off 12 09:00-13:00 override.
func validateInput() Input {
	return Input{
		Groups: []Group{{ID: "1", Default: slideshow("100")}, {ID: "2", Default: slideshow("100")}},
		OneOffs: []OneOff{
			oneOff("10", local("2025-01-06 10:00"), local("2025-01-06 12:00"), false, named(KindSlideshow, "1", "Morning news")),
			oneOff("11", local("2025-01-06 14:00"), local("2025-01-06 16:00"), true, named(KindPlaylist, "2", "Afternoon mix")),
			{ID: "12", GroupID: "2", Content: slideshow("3"), Start: local("2025-01-06 09:00"), End: local("2025-01-06 13:00")},
		},
		Recurring: []Recurring{
			recurring("20", 0, "18:00", "20:00", "2025-01-01", "", false, named(KindSlideshow, "4", "Evening loop")),
			recurring("21", 1, "08:00", "09:00", "2025-01-01", "2025-01-31", true, named(KindPlaylist, "5", "Breakfast")),
		},
	}
}

func TestValidate(t *testing.T) {
	one := func(start, end string, combine bool) OneOff {
		return oneOff("", local(start), local(end), combine, slideshow("9"))
	}
	rec := func(weekday int, start, end, from, until string, combine bool) Recurring {
		return recurring("", weekday, start, end, from, until, combine, slideshow("9"))
	}
	cases := []struct {
		name      string
		candidate any
		want      string // "" = accepted
	}{
		// one-off against one-offs
		{"override over an override", one("2025-01-06 11:00", "2025-01-06 13:00", false),
			"Cannot schedule an override as other content is already present: 'Morning news'."},
		{"combine over an override", one("2025-01-06 11:00", "2025-01-06 13:00", true),
			"Cannot schedule content as an override is already present: 'Morning news'."},
		{"combine over a combine", one("2025-01-06 15:00", "2025-01-06 17:00", true), ""},
		{"override over a combine", one("2025-01-06 15:00", "2025-01-06 17:00", false),
			"Cannot schedule an override as other content is already present: 'Afternoon mix'."},
		{"back-to-back on both sides", one("2025-01-06 12:00", "2025-01-06 14:00", false), ""},
		{"only the same group counts", one("2025-01-06 08:00", "2025-01-06 09:30", false), ""},
		{"editing a row does not conflict with itself",
			oneOff("10", local("2025-01-06 10:30"), local("2025-01-06 12:30"), false, slideshow("9")), ""},
		{"pointer candidate", &OneOff{GroupID: "1", Start: local("2025-01-06 11:00"), End: local("2025-01-06 11:30")},
			"Cannot schedule an override as other content is already present: 'Morning news'."},
		{"times required", OneOff{GroupID: "1", Start: local("2025-01-06 11:00")},
			"Start and End times are required when scheduling content."},

		// one-off against recurring rows
		{"override over a recurring override", one("2025-01-06 19:00", "2025-01-06 21:00", false),
			"Cannot schedule an override as other recurring content is already present: 'Evening loop'."},
		{"combine over a recurring override", one("2025-01-06 19:00", "2025-01-06 21:00", true),
			"Cannot schedule content as a recurring override is already present: 'Evening loop'."},
		{"override over a recurring combine", one("2025-01-07 08:30", "2025-01-07 08:45", false),
			"Cannot schedule an override as other recurring content is already present: 'Breakfast'."},
		{"combine over a recurring combine", one("2025-01-07 08:30", "2025-01-07 08:45", true), ""},
		{"after the recurring row's active_until", one("2025-02-04 08:30", "2025-02-04 08:45", false), ""},
		{"back-to-back with a recurring row", one("2025-01-06 17:00", "2025-01-06 18:00", false), ""},
		{"a long window names the earliest date", one("2025-01-20 00:00", "2025-02-10 00:00", false),
			"Cannot schedule an override as other recurring content is already present: 'Evening loop'."},
		{"a long window starting on a Tuesday", one("2025-01-21 00:00", "2025-02-10 00:00", false),
			"Cannot schedule an override as other recurring content is already present: 'Breakfast'."},

		// recurring against recurring rows
		{"recurring override over a recurring override", rec(0, "19:30", "21:00", "2025-01-01", "", false),
			"Cannot schedule an override as other recurring content is already present: 'Evening loop'."},
		{"recurring combine over a recurring override", rec(0, "19:30", "21:00", "2025-01-01", "", true),
			"Cannot schedule content as a recurring override is already present: 'Evening loop'."},
		{"recurring combine over a recurring combine", rec(1, "08:30", "09:30", "2025-01-01", "", true), ""},
		{"recurring override over a recurring combine", rec(1, "08:30", "09:30", "2025-01-01", "", false),
			"Cannot schedule an override as other recurring content is already present: 'Breakfast'."},
		{"disjoint date ranges", rec(1, "08:30", "09:30", "2025-02-01", "", false), ""},
		{"another weekday", rec(2, "08:30", "09:30", "2025-01-01", "", false), ""},
		{"recurring back-to-back", rec(0, "20:00", "22:00", "2025-01-01", "", false), ""},
		{"editing the recurring row itself",
			recurring("20", 0, "19:00", "21:00", "2025-01-01", "", false, slideshow("9")), ""},

		// recurring against one-offs
		{"recurring override over a one-off", rec(0, "11:00", "11:30", "2025-01-01", "", false),
			"Cannot schedule an override as other content is present: 'Morning news' on 2025-01-06."},
		{"recurring combine over a one-off override", rec(0, "11:00", "11:30", "2025-01-01", "", true),
			"Cannot schedule content as an override is present: 'Morning news' on 2025-01-06."},
		{"recurring combine over a one-off combine", rec(0, "15:00", "15:30", "2025-01-01", "", true), ""},
		{"recurring override over a one-off combine", rec(0, "15:00", "15:30", "2025-01-01", "", false),
			"Cannot schedule an override as other content is present: 'Afternoon mix' on 2025-01-06."},
		{"recurring starting after the one-off", rec(0, "11:00", "11:30", "2025-01-07", "", false), ""},
		{"recurring back-to-back with both one-offs", rec(0, "12:00", "14:00", "2025-01-01", "", false), ""},
		{"pointer recurring candidate", func() *Recurring { r := rec(0, "11:00", "11:30", "2025-01-01", "", false); return &r }(),
			"Cannot schedule an override as other content is present: 'Morning news' on 2025-01-06."},

		// the model's own rules
		{"start equal to end", rec(3, "10:00", "10:00", "2025-01-01", "", false), "Start time must be before end time."},
		{"start after end", rec(3, "23:00", "01:00", "2025-01-01", "", false), "Start time must be before end time."},
		{"active_from after active_until", rec(3, "10:00", "11:00", "2025-02-01", "2025-01-31", false),
			"Active from date must be before active until date."},
		{"active_from equal to active_until", rec(0, "06:00", "07:00", "2025-01-13", "2025-01-13", false), ""},
	}
	in := validateInput()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eq(t, "message", validationMessage(Validate(in, c.candidate, cph)), c.want)
		})
	}
}

func TestValidateNamesTheLowestID(t *testing.T) {
	in := validateInput()
	in.OneOffs = []OneOff{
		oneOff("100", local("2025-01-06 10:00"), local("2025-01-06 12:00"), false, named(KindSlideshow, "1", "Hundred")),
		oneOff("9", local("2025-01-06 11:00"), local("2025-01-06 13:00"), false, named(KindSlideshow, "2", "Nine")),
	}
	err := Validate(in, oneOff("", local("2025-01-06 11:30"), local("2025-01-06 11:45"), false, slideshow("3")), cph)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.ConflictKind != "scheduled" || ve.ConflictID != "9" ||
		ve.Message != "Cannot schedule an override as other content is already present: 'Nine'." {
		t.Fatalf("err = %#v", err)
	}
	// Recurring candidate against two one-offs: the lowest id, even when a
	// higher id conflicts on an earlier date.
	in.OneOffs = []OneOff{
		oneOff("30", local("2025-01-06 10:00"), local("2025-01-06 12:00"), false, named(KindSlideshow, "1", "Early")),
		oneOff("4", local("2025-01-13 10:00"), local("2025-01-13 12:00"), false, named(KindSlideshow, "2", "Later")),
	}
	eq(t, "recurring vs one-offs", validationMessage(Validate(in, recurring("", 0, "11:00", "11:30", "2025-01-01", "", false, slideshow("3")), cph)),
		"Cannot schedule an override as other content is present: 'Later' on 2025-01-13.")
	// One-off candidate against recurring rows: the earliest date first,
	// then the lowest id.
	in.OneOffs = nil
	in.Recurring = []Recurring{
		recurring("7", 1, "10:00", "11:00", "2025-01-01", "", false, named(KindSlideshow, "1", "Tuesday")),
		recurring("50", 0, "10:00", "11:00", "2025-01-01", "", false, named(KindSlideshow, "2", "Monday fifty")),
		recurring("8", 0, "10:30", "11:30", "2025-01-01", "", false, named(KindSlideshow, "3", "Monday eight")),
	}
	err = Validate(in, oneOff("", local("2025-01-06 00:00"), local("2025-01-08 00:00"), false, slideshow("3")), cph)
	if !errors.As(err, &ve) || ve.ConflictID != "8" || ve.ConflictKind != "recurring" {
		t.Fatalf("err = %#v", err)
	}
}

// Where we knowingly depart from upstream (see Validate's comment).
func TestValidateDepartures(t *testing.T) {
	in := validateInput()
	in.OneOffs, in.Recurring = nil, []Recurring{
		recurring("30", 1, "08:00", "09:00", "2025-01-01", "2025-01-31", false, named(KindSlideshow, "1", "January Tuesdays")),
	}
	// Upstream refuses this (Tuesday 4 February lies in the span and the
	// ranges touch on 31 January), though the row never plays on it.
	span := oneOff("", local("2025-01-31 00:00"), local("2025-02-05 00:00"), false, slideshow("9"))
	eq(t, "occurrence outside the active range", validationMessage(Validate(in, span, cph)), "")

	// Upstream stops looking 1825 days after an open row's active_from.
	far := Date{2031, time.January, 2} // a Thursday
	in.Recurring = []Recurring{recurring("31", far.Weekday(), "08:00", "09:00", far.String(), "", false, named(KindSlideshow, "1", "Later years"))}
	eq(t, "open-ended is open forever",
		validationMessage(Validate(in, recurring("", far.Weekday(), "08:30", "09:30", "2025-01-02", "", false, slideshow("9")), cph)),
		"Cannot schedule an override as other recurring content is already present: 'Later years'.")
	in.Recurring = nil
	in.OneOffs = []OneOff{oneOff("32", local("2031-01-02 08:30"), local("2031-01-02 08:45"), false, named(KindSlideshow, "1", "Far one-off"))}
	eq(t, "open-ended against a far one-off",
		validationMessage(Validate(in, recurring("", far.Weekday(), "08:00", "09:00", "2025-01-02", "", false, slideshow("9")), cph)),
		"Cannot schedule an override as other content is present: 'Far one-off' on 2031-01-02.")
}

// Dates and windows of recurring rows are local: a one-off on Monday 00:30
// CEST (Sunday in UTC) meets a Monday row.
func TestValidateUsesLocalDates(t *testing.T) {
	in := Input{Recurring: []Recurring{recurring("1", 0, "00:00", "01:00", "2025-01-01", "", false, named(KindSlideshow, "1", "Midnight"))}}
	c := oneOff("", local("2025-06-02 00:15"), local("2025-06-02 00:45"), false, slideshow("9"))
	eq(t, "Copenhagen", validationMessage(Validate(in, c, cph)),
		"Cannot schedule an override as other recurring content is already present: 'Midnight'.")
	eq(t, "UTC compat", validationMessage(Validate(in, c, time.UTC)), "")
}

func TestValidateDSTWindows(t *testing.T) {
	in := Input{Recurring: []Recurring{recurring("1", 6, "01:00", "02:30", "2025-01-01", "", false, named(KindSlideshow, "1", "Night"))}}
	// Autumn: the row ends at the first 02:30, so a one-off in the repeated
	// hour after it is fine, one in the first pass is not.
	eq(t, "second pass", validationMessage(Validate(in, oneOff("", utc("2025-10-26 01:00"), utc("2025-10-26 01:30"), false, slideshow("9")), cph)), "")
	eq(t, "first pass", validationMessage(Validate(in, oneOff("", utc("2025-10-26 00:00"), utc("2025-10-26 00:20"), false, slideshow("9")), cph)),
		"Cannot schedule an override as other recurring content is already present: 'Night'.")
	// Spring: the row ends at 03:00 CEST; a one-off from 03:00 is back-to-back.
	eq(t, "spring back-to-back", validationMessage(Validate(in, oneOff("", utc("2025-03-30 01:00"), utc("2025-03-30 02:00"), false, slideshow("9")), cph)), "")
}

func TestValidateRejectsOtherTypes(t *testing.T) {
	err := Validate(Input{}, Group{}, cph)
	var ve *ValidationError
	if err == nil || errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
}

package schedule

import (
	"errors"
	"testing"
	"time"
)

// baseInput: group 1 ("Lobby", default slideshow 100), group 2 ("Cafe",
// default playlist 200) and group 3 ("Hall", default deleted); playlist 200
// has two items given out of order, 300 has one, 400 is empty.
func baseInput() Input {
	return Input{
		Groups: []Group{
			{ID: "1", Name: "Lobby", Default: slideshow("100"), AspectRatio: "16:9"},
			{ID: "2", Name: "Cafe", Default: playlist("200"), AspectRatio: "16:9"},
			{ID: "3", Name: "Hall", AspectRatio: "16:9"},
		},
		PlaylistItems: map[string][]PlaylistItem{
			"200": {{ID: "21", Position: 2, SlideshowID: "202"}, {ID: "20", Position: 1, SlideshowID: "201"}},
			"300": {{ID: "30", Position: 1, SlideshowID: "301"}},
		},
	}
}

type activeCase struct {
	name string
	loc  *time.Location
	at   time.Time
	want []string // activeRows
}

func runActiveCases(t *testing.T, in Input, group string, cases []activeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eq(t, "active rows", activeRows(t, in, group, c.at, c.loc), c.want)
		})
	}
}

func recurring(id string, weekday int, start, end, from, until string, combine bool, content Content) Recurring {
	return Recurring{ID: id, GroupID: "1", Content: content, Weekday: weekday, StartTime: start, EndTime: end,
		ActiveFrom: from, ActiveUntil: until, CombineWithDefault: combine}
}

func oneOff(id string, start, end time.Time, combine bool, content Content) OneOff {
	return OneOff{ID: id, GroupID: "1", Content: content, Start: start, End: end, CombineWithDefault: combine}
}

// Edge case 1 (docs/api.md, "Scheduling rules › Edge cases"), with our
// decision: recurring rows are Copenhagen wall clock; UTC (a nil or UTC loc)
// reproduces upstream.
func TestEdge01_RecurringRowsAreLocalWallClock(t *testing.T) {
	in := baseInput()
	in.Recurring = []Recurring{
		recurring("1", 0, "10:00", "12:00", "2025-01-01", "", false, slideshow("11")),
		recurring("2", 0, "00:00", "01:00", "2025-01-01", "", false, slideshow("12")),
	}
	none := []string{}
	runActiveCases(t, in, "1", []activeCase{
		{"winter start inclusive", cph, local("2025-01-06 10:00"), []string{"r1"}},
		{"winter end inclusive", cph, local("2025-01-06 12:00"), []string{"r1"}},
		{"winter after end", cph, local("2025-01-06 12:00:01"), none},
		{"winter before start", cph, local("2025-01-06 09:59:59"), none},
		{"summer is still 10-12 local", cph, local("2025-06-02 10:00"), []string{"r1"}},
		{"summer 12:00 local", cph, local("2025-06-02 12:00"), []string{"r1"}},
		{"Monday 00:30 CEST is Monday here", cph, local("2025-06-02 00:30"), []string{"r2"}},
		{"Sunday 23:30 local is not Monday", cph, local("2025-06-01 23:30"), none},
		{"UTC compat: winter 10:00 local is 09:00 UTC", time.UTC, local("2025-01-06 10:00"), none},
		{"UTC compat: winter plays 11-13 local", time.UTC, local("2025-01-06 11:00"), []string{"r1"}},
		{"UTC compat: winter 13:00 local", time.UTC, local("2025-01-06 13:00"), []string{"r1"}},
		{"UTC compat: summer plays 12-14 local", time.UTC, local("2025-06-02 14:00"), []string{"r1"}},
		{"UTC compat: summer 10:30 local", time.UTC, local("2025-06-02 10:30"), none},
		{"UTC compat: Monday 00:30 CEST is Sunday 22:30 UTC", time.UTC, local("2025-06-02 00:30"), none},
		{"UTC compat: Monday 02:30 CEST is 00:30 UTC", time.UTC, local("2025-06-02 02:30"), []string{"r2"}},
		{"nil loc means UTC", nil, local("2025-06-02 02:30"), []string{"r2"}},
	})
}

// Edge case 2 (docs/api.md, "Scheduling rules › Edge cases"): both ends are
// inclusive, so back-to-back rows share an instant.
func TestEdge02_ScheduledWindowsIncludeBothEnds(t *testing.T) {
	in := baseInput()
	a := oneOff("1", local("2025-01-06 10:00"), local("2025-01-06 11:00"), false, slideshow("11"))
	b := oneOff("2", local("2025-01-06 11:00"), local("2025-01-06 12:00"), false, slideshow("12"))
	in.OneOffs = []OneOff{a}
	if err := Validate(in, b, cph); err != nil {
		t.Fatalf("back-to-back override refused: %v", err)
	}
	in.OneOffs = append(in.OneOffs, b)
	r := mustActive(t, in, "1", local("2025-01-06 11:00"), cph)
	eq(t, "items at the shared instant", itemIDs(r.Items), []string{"11", "12"})
	eq(t, "scheduled ids", r.ScheduledContentIDs, []string{"1", "2"})
	runActiveCases(t, in, "1", []activeCase{
		{"start of the first", cph, local("2025-01-06 10:00"), []string{"s1"}},
		{"a nanosecond after the shared instant", cph, local("2025-01-06 11:00").Add(time.Nanosecond), []string{"s2"}},
		{"end of the second", cph, local("2025-01-06 12:00"), []string{"s2"}},
		{"after", cph, local("2025-01-06 12:00").Add(time.Nanosecond), []string{}},
	})
}

// Edge case 3 (docs/api.md, "Scheduling rules › Edge cases"):
// hooks/schedules.go refuses start > end at write time; here such a row is
// accepted, never active, but still conflicts with a window covering both of
// its times.
func TestEdge03_StartAfterEndIsNeverActiveButConflicts(t *testing.T) {
	in := baseInput()
	inverted := oneOff("3", local("2025-01-06 12:00"), local("2025-01-06 10:00"), false, slideshow("13"))
	if err := Validate(in, inverted, cph); err != nil {
		t.Fatalf("inverted row refused: %v", err)
	}
	in.OneOffs = []OneOff{inverted}
	for _, at := range []string{"2025-01-06 10:00", "2025-01-06 11:00", "2025-01-06 12:00"} {
		eq(t, "active at "+at, activeRows(t, in, "1", local(at), cph), []string{})
	}
	if _, ok, _ := NextChange(in, "1", local("2025-01-06 09:00"), cph); ok {
		t.Errorf("NextChange sees the inverted row")
	}
	covering := oneOff("", local("2025-01-06 09:00"), local("2025-01-06 13:00"), false, slideshow("14"))
	eq(t, "covering window", validationMessage(Validate(in, covering, cph)),
		"Cannot schedule an override as other content is already present: 'Slideshow 13'.")
	inside := oneOff("", local("2025-01-06 10:30"), local("2025-01-06 11:30"), false, slideshow("14"))
	eq(t, "window between its times", validationMessage(Validate(in, inside, cph)), "")
}

// Edge case 4 (docs/api.md, "Scheduling rules › Edge cases"): an active
// playlist with no items falls back to the default, but its row and playlist
// are still listed.
func TestEdge04_EmptyPlaylistFallsBackToDefault(t *testing.T) {
	in := baseInput()
	in.OneOffs = []OneOff{oneOff("4", local("2025-01-06 10:00"), local("2025-01-06 11:00"), false, playlist("400"))}
	r := mustActive(t, in, "1", local("2025-01-06 10:30"), cph)
	eq(t, "items", itemIDs(r.Items), []string{"100"})
	eq(t, "ids", idsOf(r), ids{
		Slideshows: []string{"100"}, Playlists: []string{"400"}, Scheduled: []string{"4"},
		Recurring: []string{}, Emergencies: []string{},
	})
	// A group whose default is a playlist: its items by position.
	in.OneOffs[0].GroupID = "2"
	r = mustActive(t, in, "2", local("2025-01-06 10:30"), cph)
	eq(t, "group 2 items", itemIDs(r.Items), []string{"200/20", "200/21"})
	eq(t, "group 2 ids", idsOf(r), ids{
		Slideshows: []string{"201", "202"}, Playlists: []string{"200", "400"}, Scheduled: []string{"4"},
		Recurring: []string{}, Emergencies: []string{},
	})
	if r.Items[0] != (Item{ID: "20", Position: 1, PlaylistID: "200", SlideshowID: "201"}) {
		t.Errorf("playlist item: %#v", r.Items[0])
	}
}

// Edge case 5 (docs/api.md, "Scheduling rules › Edge cases"): scheduled rows
// by start, then recurring rows by start; the default once, when any active
// row combines.
func TestEdge05_SeveralActiveRowsAreConcatenated(t *testing.T) {
	in := baseInput()
	in.OneOffs = []OneOff{
		oneOff("7", local("2025-01-06 10:00"), local("2025-01-06 12:00"), true, playlist("300")),
		oneOff("3", local("2025-01-06 09:00"), local("2025-01-06 12:00"), false, slideshow("13")),
	}
	in.Recurring = []Recurring{
		recurring("5", 0, "10:30", "12:00", "2025-01-01", "", true, slideshow("15")),
		recurring("4", 0, "08:00", "12:00", "2025-01-01", "", false, slideshow("14")),
	}
	r := mustActive(t, in, "1", local("2025-01-06 11:00"), cph)
	eq(t, "items", itemIDs(r.Items), []string{"13", "300/30", "14", "15", "100"})
	eq(t, "ids", idsOf(r), ids{
		Slideshows: []string{"13", "14", "15", "100", "301"}, Playlists: []string{"300"},
		Scheduled: []string{"3", "7"}, Recurring: []string{"4", "5"}, Emergencies: []string{},
	})
	if !r.Items[0].Wrapped || r.Items[0] != (Item{ID: "13", Position: 0, PlaylistID: "1", SlideshowID: "13", Wrapped: true}) {
		t.Errorf("wrapped item: %#v", r.Items[0])
	}
	// Only overrides active: no default, and the default is not listed.
	r = mustActive(t, in, "1", local("2025-01-06 09:30"), cph)
	eq(t, "overrides only", itemIDs(r.Items), []string{"13", "14"})
	eq(t, "overrides only slideshows", r.SlideshowIDs, []string{"13", "14"})
}

// Edge case 6 (docs/api.md, "Scheduling rules › Edge cases"): the highest-id
// active emergency of the group wins and hides everything; the branch variant
// ignores emergencies.
func TestEdge06_EmergencyWins(t *testing.T) {
	in := baseInput()
	in.OneOffs = []OneOff{oneOff("1", local("2025-01-06 10:00"), local("2025-01-06 12:00"), true, slideshow("11"))}
	in.Emergencies = []Emergency{
		{ID: "5", SlideshowID: "55", GroupIDs: []string{"1"}, Active: true},
		{ID: "12", SlideshowID: "66", GroupIDs: []string{"2", "1"}, Active: true}, // 12 > 5 numerically
		{ID: "20", SlideshowID: "77", GroupIDs: []string{"1"}},                    // inactive
		{ID: "30", SlideshowID: "88", GroupIDs: []string{"2"}, Active: true},      // other group
	}
	r := mustActive(t, in, "1", local("2025-01-06 11:00"), cph)
	eq(t, "emergency result", r, Result{
		GroupID: "1", Items: []Item{{ID: "66", PlaylistID: "1", SlideshowID: "66", Wrapped: true}}, EmergencyActive: true,
		SlideshowIDs: []string{"66"}, PlaylistIDs: []string{}, ScheduledContentIDs: []string{},
		RecurringContentIDs: []string{}, EmergencyIDs: []string{"12"},
	})
	// Not active at all: no EmergencyActive and an empty emergency list.
	in.Emergencies = in.Emergencies[2:3]
	r = mustActive(t, in, "1", local("2025-01-06 11:00"), cph)
	if r.EmergencyActive || len(r.EmergencyIDs) != 0 || r.EmergencyIDs == nil {
		t.Errorf("inactive emergency shows: %#v", r)
	}
	in.Emergencies[0].Active = true
	branch, err := ActiveForBranch(in, local("2025-01-06 11:00"), cph)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "branch variant ignores emergencies", itemIDs(branch[0].Items), []string{"11", "100"})
}

// Edge case 7 (docs/api.md, "Scheduling rules › Edge cases"): a deleted
// default with nothing scheduled is a 404.
func TestEdge07_DeletedDefaultAndNothingScheduled(t *testing.T) {
	in := baseInput()
	_, err := Active(in, "3", local("2025-01-06 11:00"), cph)
	if !errors.Is(err, ErrNoDefaultContent) || err.Error() != "No default content found." {
		t.Fatalf("err = %v", err)
	}
	in.OneOffs = []OneOff{{ID: "1", GroupID: "3", Content: slideshow("11"), Start: local("2025-01-06 10:00"), End: local("2025-01-06 12:00")}}
	r := mustActive(t, in, "3", local("2025-01-06 11:00"), cph)
	eq(t, "scheduled content still plays", itemIDs(r.Items), []string{"11"})
	branch, err := ActiveForBranch(in, local("2025-01-06 13:00"), cph)
	if err != nil {
		t.Fatal(err)
	}
	if branch[2].Group.ID != "3" || branch[2].Items == nil || len(branch[2].Items) != 0 {
		t.Errorf("branch variant for a group with nothing: %#v", branch[2])
	}
}

// Edge case 8 (docs/api.md, "Scheduling rules › Edge cases"): a screen without
// a group.
func TestEdge08_NoGroup(t *testing.T) {
	for _, g := range []string{"", "99"} {
		_, err := Active(baseInput(), g, local("2025-01-06 11:00"), cph)
		if !errors.Is(err, ErrNoGroup) || err.Error() != "No display_website_group found." {
			t.Errorf("group %q: err = %v", g, err)
		}
	}
}

// Edge case 9 (docs/api.md, "Scheduling rules › Edge cases"), API keys of
// other branches, belongs to the endpoint, not here.

// Edge case 10 (docs/api.md, "Scheduling rules › Edge cases"): any slideshow
// can be scheduled directly or be a default; the player reads the mode from
// items[0], which is the scheduled slideshow.
func TestEdge10_ScheduledSlideshowIsFirstItem(t *testing.T) {
	in := baseInput()
	in.Groups[0].Default = slideshow("901") // say, an interactive one
	interactive := oneOff("1", local("2025-01-06 10:00"), local("2025-01-06 12:00"), true, slideshow("900"))
	if err := Validate(in, interactive, cph); err != nil {
		t.Fatal(err)
	}
	in.OneOffs = []OneOff{interactive}
	r := mustActive(t, in, "1", local("2025-01-06 11:00"), cph)
	eq(t, "items", itemIDs(r.Items), []string{"900", "901"})
	r = mustActive(t, in, "1", local("2025-01-06 13:00"), cph)
	eq(t, "default", itemIDs(r.Items), []string{"901"})
}

// Edge case 12 (docs/api.md, "Scheduling rules › Edge cases"), with our rule:
// a start inside the spring-forward gap starts at the first instant after it
// (03:00 CEST), not at 03:30 as Python's fold=0.
func TestEdge12_SpringGapStartsAtTransition(t *testing.T) {
	in := baseInput()
	in.Recurring = []Recurring{recurring("1", 6, "02:30", "04:00", "2025-01-01", "", false, slideshow("11"))}
	runActiveCases(t, in, "1", []activeCase{
		{"01:59:59 CET", cph, utc("2025-03-30 00:59:59"), []string{}},
		{"03:00 CEST", cph, utc("2025-03-30 01:00"), []string{"r1"}},
		{"03:29 CEST (fold=0 would not play yet)", cph, utc("2025-03-30 01:29"), []string{"r1"}},
		{"04:00 CEST", cph, utc("2025-03-30 02:00"), []string{"r1"}},
		{"04:00:01 CEST", cph, utc("2025-03-30 02:00:01"), []string{}},
	})
}

func TestDSTSpringDay(t *testing.T) {
	in := baseInput()
	in.Recurring = []Recurring{
		recurring("1", 6, "02:30", "04:00", "2025-01-01", "", false, slideshow("11")),
		recurring("2", 6, "01:00", "02:30", "2025-01-01", "", false, slideshow("12")),
		recurring("3", 6, "02:10", "02:20", "2025-01-01", "", false, slideshow("13")), // wholly in the gap
	}
	runActiveCases(t, in, "1", []activeCase{
		{"01:00 CET", cph, utc("2025-03-30 00:00"), []string{"r2"}},
		{"01:59:59 CET", cph, utc("2025-03-30 00:59:59"), []string{"r2"}},
		{"the transition: end of 2, the whole of 3, start of 1", cph, utc("2025-03-30 01:00"), []string{"r1", "r2", "r3"}},
		{"just after the transition", cph, utc("2025-03-30 01:00").Add(time.Nanosecond), []string{"r1"}},
		{"a week later the gap rows are normal", cph, local("2025-04-06 02:15"), []string{"r2", "r3"}},
	})
	r := mustActive(t, in, "1", utc("2025-03-30 01:00"), cph)
	eq(t, "order by start time", itemIDs(r.Items), []string{"12", "13", "11"})
}

func TestDSTAutumnDay(t *testing.T) {
	in := baseInput()
	in.Recurring = []Recurring{
		recurring("4", 6, "01:00", "02:30", "2025-01-01", "", false, slideshow("14")),
		recurring("5", 6, "02:30", "04:00", "2025-01-01", "", false, slideshow("15")),
	}
	runActiveCases(t, in, "1", []activeCase{
		{"01:00 CEST", cph, utc("2025-10-25 23:00"), []string{"r4"}},
		{"first 02:30 (CEST): end of 4, start of 5", cph, utc("2025-10-26 00:30"), []string{"r4", "r5"}},
		{"second 02:10 (CET): 4 has ended, wall clock notwithstanding", cph, utc("2025-10-26 01:10"), []string{"r5"}},
		{"second 02:30 (CET)", cph, utc("2025-10-26 01:30"), []string{"r5"}},
		{"04:00 CET: 5 lasted 2.5 real hours", cph, utc("2025-10-26 03:00"), []string{"r5"}},
		{"04:00:01 CET", cph, utc("2025-10-26 03:00:01"), []string{}},
		{"00:59:59 CEST", cph, utc("2025-10-25 22:59:59"), []string{}},
	})
	in.Recurring = []Recurring{recurring("6", 6, "02:00", "02:45", "2025-01-01", "", false, slideshow("16"))}
	runActiveCases(t, in, "1", []activeCase{
		{"first 02:00", cph, utc("2025-10-26 00:00"), []string{"r6"}},
		{"first 02:45", cph, utc("2025-10-26 00:45"), []string{"r6"}},
		{"second 02:20 does not replay", cph, utc("2025-10-26 01:20"), []string{}},
	})
}

func TestMidnightCrossings(t *testing.T) {
	in := baseInput()
	night := oneOff("1", local("2025-01-06 23:00"), local("2025-01-07 01:00"), false, slideshow("11"))
	in.OneOffs = []OneOff{night}
	in.Recurring = []Recurring{
		recurring("2", 0, "22:00", "23:59:59", "2025-01-01", "", true, slideshow("12")),
		recurring("3", 0, "00:00", "01:00", "2025-01-01", "", true, slideshow("13")),
		// Refused by Validate, but if such a row is stored it never plays.
		recurring("9", 0, "23:00", "01:00", "2025-01-01", "", true, slideshow("19")),
	}
	eq(t, "a recurring window may not cross midnight",
		validationMessage(Validate(Input{}, in.Recurring[2], cph)), "Start time must be before end time.")
	runActiveCases(t, in, "1", []activeCase{
		{"one-off before midnight", cph, local("2025-01-06 23:59:59"), []string{"s1", "r2"}},
		{"one-off after midnight", cph, local("2025-01-07 00:30"), []string{"s1"}},
		{"recurring up to 23:59:59 stops at midnight", cph, local("2025-01-07 00:00"), []string{"s1"}},
		{"recurring from 00:00", cph, local("2025-01-06 00:00"), []string{"r3"}},
		{"not on Sunday evening", cph, local("2025-01-05 23:59:59"), []string{}},
		{"stored crossing row, evening", cph, local("2025-01-13 23:30"), []string{"r2"}},
		{"stored crossing row, night", cph, local("2025-01-14 00:30"), []string{}},
	})
}

func TestActiveRangeIsInclusive(t *testing.T) {
	in := baseInput()
	in.Recurring = []Recurring{recurring("1", 0, "10:00", "12:00", "2025-01-06", "2025-01-13", false, slideshow("11"))}
	runActiveCases(t, in, "1", []activeCase{
		{"the Monday before active_from", cph, local("2024-12-30 11:00"), []string{}},
		{"active_from itself", cph, local("2025-01-06 10:00"), []string{"r1"}},
		{"active_until itself (last day)", cph, local("2025-01-13 12:00"), []string{"r1"}},
		{"the Monday after active_until", cph, local("2025-01-20 11:00"), []string{}},
	})
}

func TestBackToBackRecurring(t *testing.T) {
	in := baseInput()
	first := recurring("1", 0, "08:00", "10:00", "2025-01-01", "", false, slideshow("11"))
	second := recurring("2", 0, "10:00", "12:00", "2025-01-01", "", false, slideshow("12"))
	in.Recurring = []Recurring{first}
	if err := Validate(in, second, cph); err != nil {
		t.Fatalf("back-to-back refused: %v", err)
	}
	in.Recurring = append(in.Recurring, second)
	runActiveCases(t, in, "1", []activeCase{
		{"shared instant", cph, local("2025-01-06 10:00"), []string{"r1", "r2"}},
		{"just after", cph, local("2025-01-06 10:00:00.001"), []string{"r2"}},
	})
}

func TestActiveForBranchOrderAndItems(t *testing.T) {
	in := baseInput()
	in.Groups[0], in.Groups[1] = in.Groups[1], in.Groups[0] // "database order" is the input order
	in.Recurring = []Recurring{recurring("1", 0, "10:00", "12:00", "2025-01-01", "", false, playlist("300"))}
	got, err := ActiveForBranch(in, local("2025-01-06 11:00"), cph)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, g := range got {
		order = append(order, g.Group.Name+":"+joinIDs(itemIDs(g.Items)))
	}
	eq(t, "grouped", order, []string{"Cafe:200/20,200/21", "Lobby:300/30", "Hall:"})
}

func joinIDs(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

func TestUnknownContentKind(t *testing.T) {
	in := baseInput()
	in.Groups[0].Default = Content{Kind: "video", ID: "5"}
	if _, err := Active(in, "1", local("2025-01-06 11:00"), cph); err == nil {
		t.Fatal("unknown kind accepted")
	}
}

package schedule

import (
	"testing"
	"time"
)

func upcomingRows(t *testing.T, in Input, now time.Time, limit int) []string {
	t.Helper()
	got, err := Upcoming(in, now, cph, limit)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, o := range got {
		end := "null"
		if !o.End.IsZero() {
			end = IsoFormat(o.End)
		}
		out = append(out, o.Type+" "+o.ID+" "+o.GroupName+" "+IsoFormat(o.Start)+" "+end)
	}
	return out
}

func TestUpcoming(t *testing.T) {
	in := baseInput()
	now := local("2025-01-06 11:00") // a Monday
	in.OneOffs = []OneOff{
		oneOff("1", local("2025-01-06 10:00"), local("2025-01-06 12:00"), false, slideshow("11")), // running: left out
		oneOff("2", local("2025-01-07 09:00"), local("2025-01-07 10:00"), false, slideshow("12")),
		oneOff("3", now, local("2025-01-06 11:30"), false, slideshow("13")),                        // starts now: included
		{ID: "4", GroupID: "99", Start: local("2025-01-06 12:00"), End: local("2025-01-06 13:00")}, // not in the branch
		{ID: "5", GroupID: "2", Start: local("2025-01-08 12:00:00.5")},                             // no end
	}
	in.Recurring = []Recurring{
		recurring("1", 0, "10:00", "12:00", "2025-01-01", "", false, slideshow("21")),           // running: next week
		recurring("2", 1, "09:00", "10:00", "2025-01-01", "", false, slideshow("22")),           // ties with one-off 2
		recurring("3", 0, "12:00", "13:00", "2025-01-10", "", false, slideshow("23")),           // starts later: omitted
		recurring("4", 0, "10:00", "12:00", "2025-01-01", "2025-01-10", false, slideshow("24")), // next is past until
		recurring("5", 0, "12:00", "13:00", "2025-01-01", "2025-01-06", false, slideshow("25")), // later today, last day
	}
	eq(t, "upcoming", upcomingRows(t, in, now, UpcomingLimit), []string{
		"scheduled 3 Lobby 2025-01-06T10:00:00+00:00 2025-01-06T10:30:00+00:00",
		"recurring 5 Lobby 2025-01-06T12:00:00+01:00 2025-01-06T13:00:00+01:00",
		"scheduled 2 Lobby 2025-01-07T08:00:00+00:00 2025-01-07T09:00:00+00:00",
		"recurring 2 Lobby 2025-01-07T09:00:00+01:00 2025-01-07T10:00:00+01:00",
		"scheduled 5 Cafe 2025-01-08T11:00:00.500000+00:00 null",
		"recurring 1 Lobby 2025-01-13T10:00:00+01:00 2025-01-13T12:00:00+01:00",
	})
	eq(t, "limit", len(upcomingRows(t, in, now, 2)), 2)
	got, _ := Upcoming(in, now, cph, 1)
	eq(t, "content", got[0].Content, slideshow("13"))
}

// Edge case 11 (docs/api.md, "Scheduling rules › Edge cases"), with our
// decision: "today" is the local date, so a row whose active_from is today is
// shown right after local midnight (upstream waits until 00:00 UTC).
func TestEdge11_UpcomingUsesLocalToday(t *testing.T) {
	in := baseInput()
	in.Recurring = []Recurring{
		recurring("1", 0, "08:00", "09:00", "2025-06-02", "", false, slideshow("21")),
		recurring("2", 0, "00:00", "00:10", "2025-05-01", "", false, slideshow("22")), // already started today
	}
	eq(t, "just after local midnight", upcomingRows(t, in, local("2025-06-02 00:30"), 0), []string{
		"recurring 1 Lobby 2025-06-02T08:00:00+02:00 2025-06-02T09:00:00+02:00",
		"recurring 2 Lobby 2025-06-09T00:00:00+02:00 2025-06-09T00:10:00+02:00",
	})
	utcRows, err := Upcoming(in, local("2025-06-02 00:30"), time.UTC, 0)
	if err != nil || len(utcRows) != 1 || utcRows[0].ID != "2" {
		t.Errorf("UTC compat should omit row 1 before 00:00 UTC: %+v %v", utcRows, err)
	}
}

func TestUpcomingAcrossDST(t *testing.T) {
	in := baseInput()
	in.Recurring = []Recurring{recurring("1", 6, "02:30", "04:00", "2025-03-01", "", false, slideshow("21"))}
	eq(t, "spring gap", upcomingRows(t, in, local("2025-03-29 12:00"), 0), []string{
		"recurring 1 Lobby 2025-03-30T03:00:00+02:00 2025-03-30T04:00:00+02:00",
	})
	eq(t, "autumn fold", upcomingRows(t, in, local("2025-10-25 12:00"), 0), []string{
		"recurring 1 Lobby 2025-10-26T02:30:00+02:00 2025-10-26T04:00:00+01:00",
	})
}

func TestIsoFormat(t *testing.T) {
	cases := map[string]string{
		IsoFormat(utc("2025-01-06 10:00")):                                       "2025-01-06T10:00:00+00:00",
		IsoFormat(local("2025-06-02 10:00")):                                     "2025-06-02T10:00:00+02:00",
		IsoFormat(utc("2025-01-06 10:00").Add(1500 * time.Microsecond)):          "2025-01-06T10:00:00.001500+00:00",
		IsoFormat(utc("2025-01-06 10:00").Add(999 * time.Nanosecond)):            "2025-01-06T10:00:00+00:00",
		IsoFormat(time.Date(2025, 1, 6, 10, 0, 0, 0, time.FixedZone("", -9000))): "2025-01-06T10:00:00-02:30",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %s want %s", got, want)
		}
	}
}

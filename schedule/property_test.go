package schedule

import (
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// Property tests over random schedule sets, built by offering candidates one
// by one to Validate:
//
//  1. no two accepted rows of a group that may not overlap (not both
//     combine rows) have strictly overlapping occurrences, and every refusal
//     names a row that really overlaps;
//  2. Active agrees with refActive, a brute-force evaluation that finds
//     recurring windows by walking the minutes of each local day;
//  3. NextChange is never later than the first minute at which the set of
//     active rows differs, and something does change at it.
//
// TestProperties runs seeded math/rand scenarios; FuzzSchedule derives them
// from fuzz bytes.

// source is where scenarios get their choices from.
type source interface{ intn(n int) int }

type randSource struct{ r *rand.Rand }

func (s randSource) intn(n int) int { return s.r.Intn(n) }

// byteSource reads choices from fuzz input; exhausted input reads as zeros.
type byteSource struct {
	data []byte
	i    int
}

func (s *byteSource) intn(n int) int {
	if n <= 1 {
		return 0
	}
	v := 0
	for k := 0; k < 2 && s.i < len(s.data); k++ {
		v = v<<8 | int(s.data[s.i])
		s.i++
		if n <= 256 {
			break
		}
	}
	return v % n
}

type scenario struct {
	loc     *time.Location
	base    time.Time // local midnight of the first day one-offs may start
	in      Input
	world   *refWorld
	windows map[string][][2]time.Time // "s<id>" / "r<id>" -> occurrences in the world
}

var scenarioBases = []Date{{2025, time.March, 27}, {2025, time.October, 23}, {2025, time.June, 10}}

func genScenario(t *testing.T, s source) *scenario {
	loc := cph
	if s.intn(5) == 0 {
		loc = time.UTC
	}
	b := scenarioBases[s.intn(len(scenarioBases))]
	sc := &scenario{loc: loc, base: time.Date(b.Year, b.Month, b.Day, 0, 0, 0, 0, loc)}
	sc.world = worldFor(loc, b)
	defaults := []Content{slideshow("100"), playlist("300"), playlist("302"), {}}
	sc.in = Input{
		Groups: []Group{{ID: "1", Name: "A", Default: defaults[s.intn(len(defaults))]}, {ID: "2", Name: "B", Default: slideshow("100")}},
		PlaylistItems: map[string][]PlaylistItem{
			"300": {{ID: "31", Position: 2, SlideshowID: "12"}, {ID: "30", Position: 1, SlideshowID: "13"}},
			"301": {{ID: "32", Position: 1, SlideshowID: "14"}},
		},
	}
	if s.intn(6) == 0 {
		sc.in.Emergencies = []Emergency{
			{ID: "2", SlideshowID: "50", GroupIDs: []string{"1"}, Active: s.intn(2) == 0},
			{ID: "10", SlideshowID: "51", GroupIDs: []string{"2", "1"}, Active: s.intn(2) == 0},
		}
	}
	contents := []Content{slideshow("10"), slideshow("11"), playlist("300"), playlist("301"), playlist("302")}
	n := s.intn(14)
	for i := 0; i < n; i++ {
		group := "1"
		if s.intn(6) == 0 {
			group = "2"
		}
		combine := s.intn(2) == 0
		content := contents[s.intn(len(contents))]
		var cand any
		if s.intn(2) == 0 {
			start := sc.base.Add(time.Duration(s.intn(8*24*4)) * 15 * time.Minute)
			end := start.Add(time.Duration(s.intn(72)) * 5 * time.Minute)
			if s.intn(15) == 0 {
				start, end = end, start
			}
			cand = OneOff{ID: strconv.Itoa(len(sc.in.OneOffs) + 1), GroupID: group, Content: content, Start: start, End: end, CombineWithDefault: combine}
		} else {
			startMin := pickMinute(s)
			endMin := min(startMin+(1+s.intn(36))*5, 23*60+59)
			if s.intn(10) == 0 {
				endMin = max(startMin-s.intn(60), 0) // refused
			}
			from := b.AddDays(s.intn(11) - 3)
			until := ""
			if s.intn(2) == 0 {
				until = from.AddDays(s.intn(12)).String()
			}
			cand = Recurring{ID: strconv.Itoa(len(sc.in.Recurring) + 1), GroupID: group, Content: content, Weekday: s.intn(7),
				StartTime: hhmm(startMin), EndTime: hhmm(endMin), ActiveFrom: from.String(), ActiveUntil: until, CombineWithDefault: combine}
		}
		// The candidate's id is new, so it cannot be mistaken for a row being edited.
		err := Validate(sc.in, cand, loc)
		if err == nil {
			switch c := cand.(type) {
			case OneOff:
				sc.in.OneOffs = append(sc.in.OneOffs, c)
			case Recurring:
				sc.in.Recurring = append(sc.in.Recurring, c)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("Validate(%+v): unexpected error %v", cand, err)
		}
		sc.checkRefusal(t, cand, ve)
	}
	sc.windows = map[string][][2]time.Time{}
	for _, o := range sc.in.OneOffs {
		sc.windows["s"+o.ID] = [][2]time.Time{{o.Start, o.End}}
	}
	for _, r := range sc.in.Recurring {
		sc.windows["r"+r.ID] = sc.world.occurrences(r)
	}
	return sc
}

// pickMinute favours the small hours, where the DST transitions are.
func pickMinute(s source) int {
	switch s.intn(3) {
	case 0:
		return 120 + s.intn(12)*5
	case 1:
		return s.intn(4)*60 + s.intn(12)*5
	}
	return s.intn(24*12) * 5
}

func hhmm(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// checkRefusal: a refusal must name a row that really overlaps the
// candidate (recurring-vs-recurring is compared on naive wall times, which
// can be stricter inside a DST gap, so it is checked only in UTC).
func (sc *scenario) checkRefusal(t *testing.T, cand any, ve *ValidationError) {
	t.Helper()
	var mine [][2]time.Time
	switch c := cand.(type) {
	case OneOff:
		mine = [][2]time.Time{{c.Start, c.End}}
	case Recurring:
		if c.StartTime >= c.EndTime {
			if ve.Message != MsgStartBeforeEnd {
				t.Fatalf("%+v refused with %q", c, ve.Message)
			}
			return
		}
		if ve.ConflictKind == "recurring" && sc.loc != time.UTC {
			return
		}
		mine = sc.world.occurrences(c)
	}
	var theirs [][2]time.Time
	switch ve.ConflictKind {
	case "scheduled":
		for _, o := range sc.in.OneOffs {
			if o.ID == ve.ConflictID {
				theirs = [][2]time.Time{{o.Start, o.End}}
			}
		}
	case "recurring":
		for _, r := range sc.in.Recurring {
			if r.ID == ve.ConflictID {
				theirs = sc.world.occurrences(r)
			}
		}
	default:
		t.Fatalf("refusal without a conflict: %+v for %+v", ve, cand)
	}
	for _, a := range mine {
		for _, b := range theirs {
			if a[0].Before(b[1]) && a[1].After(b[0]) {
				return
			}
		}
	}
	t.Fatalf("%+v refused (%q) but does not overlap %s %s", cand, ve.Message, ve.ConflictKind, ve.ConflictID)
}

// property 1
func (sc *scenario) checkNoOverlaps(t *testing.T) {
	t.Helper()
	type row struct {
		key, group string
		combine    bool
	}
	var rows []row
	for _, o := range sc.in.OneOffs {
		rows = append(rows, row{"s" + o.ID, o.GroupID, o.CombineWithDefault})
	}
	for _, r := range sc.in.Recurring {
		rows = append(rows, row{"r" + r.ID, r.GroupID, r.CombineWithDefault})
	}
	for i, a := range rows {
		for _, b := range rows[i+1:] {
			if a.group != b.group || (a.combine && b.combine) {
				continue
			}
			for _, x := range sc.windows[a.key] {
				for _, y := range sc.windows[b.key] {
					if x[0].Before(y[1]) && x[1].After(y[0]) {
						t.Fatalf("accepted overlapping rows %s %v and %s %v", a.key, x, b.key, y)
					}
				}
			}
		}
	}
}

// property 2 at one instant
func (sc *scenario) checkActive(t *testing.T, at time.Time) {
	t.Helper()
	got, gotErr := Active(sc.in, "1", at, sc.loc)
	want, wantErr := sc.refActive(at)
	if !errors.Is(gotErr, wantErr) || !reflect.DeepEqual(got, want) {
		t.Fatalf("Active at %v (%s):\n got %+v %v\nwant %+v %v\ninput %+v", at, at.In(sc.loc), got, gotErr, want, wantErr, sc.in)
	}
}

// property 3 from one instant
func (sc *scenario) checkNextChange(t *testing.T, after time.Time) {
	t.Helper()
	next, ok, err := NextChange(sc.in, "1", after, sc.loc)
	if err != nil {
		t.Fatal(err)
	}
	if ok && !next.After(after) {
		t.Fatalf("NextChange(%v) = %v, not after", after, next)
	}
	cur := sc.activeSet(after)
	first := after.Truncate(time.Minute).Add(time.Minute)
	for m := first; !m.After(after.Add(8 * 24 * time.Hour)); m = m.Add(time.Minute) {
		if sc.activeSet(m) != cur {
			if !ok || next.After(m) {
				t.Fatalf("active rows change at %v (%s) but NextChange(%v) = %v, %v", m, m.In(sc.loc), after, next, ok)
			}
			break
		}
	}
	// Tight: the rows do change at the instant returned.
	if ok && next.Before(sc.world.end.Add(-48*time.Hour)) && sc.activeSet(next) == cur {
		t.Fatalf("NextChange(%v) = %v but nothing changes there", after, next)
	}
}

// checkScenario runs the three properties; step is the sampling stride in
// minutes for property 2 (boundaries are always sampled).
func checkScenario(t *testing.T, sc *scenario, s source, step int, afters int) {
	t.Helper()
	sc.checkNoOverlaps(t)

	from := sc.base.Add(-24 * time.Hour)
	to := sc.base.Add(10 * 24 * time.Hour)
	for at := from.Add(time.Duration(s.intn(step)) * time.Minute); at.Before(to); at = at.Add(time.Duration(step) * time.Minute) {
		sc.checkActive(t, at)
	}
	for _, ws := range sc.windows {
		for _, w := range ws {
			for _, at := range []time.Time{w[0].Add(-time.Minute), w[0], w[0].Add(30 * time.Second), w[1], w[1].Add(time.Nanosecond), w[1].Add(time.Minute)} {
				sc.checkActive(t, at)
			}
		}
	}
	for i := 0; i < afters; i++ {
		after := from.Add(time.Duration(s.intn(4*24*60))*time.Minute + time.Duration(s.intn(3))*20*time.Second)
		sc.checkNextChange(t, after)
	}
}

func TestProperties(t *testing.T) {
	n := 150
	if testing.Short() {
		n = 20
	}
	for seed := int64(1); seed <= int64(n); seed++ {
		s := randSource{rand.New(rand.NewSource(seed))}
		sc := genScenario(t, s)
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) { checkScenario(t, sc, s, 17, 4) })
	}
}

// The generator must actually produce interesting sets: accepted rows of
// both kinds, refusals, and DST days.
func TestPropertyGeneratorCoverage(t *testing.T) {
	var ones, recs, dst int
	for seed := int64(1); seed <= 150; seed++ {
		sc := genScenario(t, randSource{rand.New(rand.NewSource(seed))})
		ones += len(sc.in.OneOffs)
		recs += len(sc.in.Recurring)
		if sc.loc == cph && sc.base.Month() != time.June {
			dst++
		}
	}
	if ones < 200 || recs < 200 || dst < 50 {
		t.Errorf("weak generator: %d one-offs, %d recurring, %d DST scenarios", ones, recs, dst)
	}
}

func FuzzSchedule(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 8, 0, 0, 1, 1, 0, 0, 3, 0, 0, 1, 1, 0, 30, 5, 7})
	f.Add([]byte("spring forward at two, fall back at three; overrides may not overlap"))
	f.Add([]byte{4, 1, 0, 12, 0, 1, 0, 1, 6, 0, 24, 2, 3, 1, 6, 0, 1, 1, 0, 6, 0, 28, 3, 3, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &byteSource{data: data}
		sc := genScenario(t, s)
		checkScenario(t, sc, s, 97, 2)
	})
}

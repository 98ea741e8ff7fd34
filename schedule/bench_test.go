package schedule

import (
	"math/rand"
	"strconv"
	"testing"
	"time"
)

// benchInput: 20 groups, 200 one-offs over four weeks, 100 recurring rows,
// 10 playlists of 8 items and two emergencies (one active, elsewhere).
func benchInput() (Input, time.Time) {
	r := rand.New(rand.NewSource(1))
	base := local("2025-03-24 00:00")
	in := Input{PlaylistItems: map[string][]PlaylistItem{}}
	content := func() Content {
		if r.Intn(2) == 0 {
			return slideshow(strconv.Itoa(1000 + r.Intn(50)))
		}
		return playlist(strconv.Itoa(500 + r.Intn(10)))
	}
	for p := 0; p < 10; p++ {
		id := strconv.Itoa(500 + p)
		for i := 0; i < 8; i++ {
			in.PlaylistItems[id] = append(in.PlaylistItems[id], PlaylistItem{ID: strconv.Itoa(p*100 + i), Position: 8 - i, SlideshowID: strconv.Itoa(1000 + r.Intn(50))})
		}
	}
	for g := 1; g <= 20; g++ {
		in.Groups = append(in.Groups, Group{ID: strconv.Itoa(g), Name: "Group " + strconv.Itoa(g), Default: content()})
	}
	for i := 1; i <= 200; i++ {
		start := base.Add(time.Duration(r.Intn(28*24*4)) * 15 * time.Minute)
		in.OneOffs = append(in.OneOffs, OneOff{ID: strconv.Itoa(i), GroupID: strconv.Itoa(1 + r.Intn(20)), Content: content(),
			Start: start, End: start.Add(time.Duration(1+r.Intn(16)) * 15 * time.Minute), CombineWithDefault: r.Intn(2) == 0})
	}
	for i := 1; i <= 100; i++ {
		h := 6 + r.Intn(12)
		in.Recurring = append(in.Recurring, Recurring{ID: strconv.Itoa(i), GroupID: strconv.Itoa(1 + r.Intn(20)), Content: content(),
			Weekday: r.Intn(7), StartTime: hhmm(h * 60), EndTime: hhmm((h + 1 + r.Intn(4)) * 60),
			ActiveFrom: "2025-01-01", ActiveUntil: []string{"", "2025-12-31"}[r.Intn(2)], CombineWithDefault: r.Intn(2) == 0})
	}
	in.Emergencies = []Emergency{
		{ID: "1", SlideshowID: "900", GroupIDs: []string{"19", "20"}, Active: true},
		{ID: "2", SlideshowID: "901", GroupIDs: []string{"1", "2"}},
	}
	return in, base
}

func BenchmarkActive(b *testing.B) {
	in, base := benchInput()
	instants := make([]time.Time, 64)
	for i := range instants {
		instants[i] = base.Add(time.Duration(i) * 7 * time.Hour)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := Active(in, strconv.Itoa(1+i%18), instants[i%len(instants)], cph); err != nil && err != ErrNoDefaultContent {
			b.Fatal(err)
		}
	}
}

func BenchmarkNextChange(b *testing.B) {
	in, base := benchInput()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, _, err := NextChange(in, strconv.Itoa(1+i%20), base.Add(time.Duration(i%64)*7*time.Hour), cph); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	in, base := benchInput()
	cands := []any{
		OneOff{GroupID: "3", Start: base.Add(50 * time.Hour), End: base.Add(53 * time.Hour)},
		Recurring{GroupID: "3", Weekday: 2, StartTime: "09:00", EndTime: "10:00", ActiveFrom: "2025-03-01"},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = Validate(in, cands[i%2], cph)
	}
}

func BenchmarkUpcoming(b *testing.B) {
	in, base := benchInput()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Upcoming(in, base.Add(100*time.Hour), cph, UpcomingLimit); err != nil {
			b.Fatal(err)
		}
	}
}

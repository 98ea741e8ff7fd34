package schedule

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// The brute-force reference for the property tests: recurring windows come
// from walking the minutes of each local day, and docs/api.md,
// "Active content of a group", is written out directly, without the package's
// helpers.

// activeSet is the set of group 1 rows whose windows contain t, as a string.
func (sc *scenario) activeSet(t time.Time) string {
	var keys []string
	for _, o := range sc.in.OneOffs {
		if o.GroupID == "1" && !t.Before(o.Start) && !t.After(o.End) {
			keys = append(keys, "s"+o.ID)
		}
	}
	for _, r := range sc.in.Recurring {
		if r.GroupID != "1" {
			continue
		}
		for _, w := range sc.windows["r"+r.ID] {
			if !t.Before(w[0]) && !t.After(w[1]) {
				keys = append(keys, "r"+r.ID)
				break
			}
		}
	}
	return fmt.Sprint(keys)
}

// refActive is docs/api.md, "Active content of a group", written out directly
// for group 1, with recurring windows taken from the minute walk.
func (sc *scenario) refActive(t time.Time) (Result, error) {
	in := sc.in
	var em *Emergency
	for i, e := range in.Emergencies {
		if e.Active && slices.Contains(e.GroupIDs, "1") && (em == nil || atoi(e.ID) > atoi(em.ID)) {
			em = &in.Emergencies[i]
		}
	}
	if em != nil {
		return Result{GroupID: "1", EmergencyActive: true,
			Items:        []Item{{ID: em.SlideshowID, PlaylistID: "1", SlideshowID: em.SlideshowID, Wrapped: true}},
			SlideshowIDs: []string{em.SlideshowID}, PlaylistIDs: []string{}, ScheduledContentIDs: []string{},
			RecurringContentIDs: []string{}, EmergencyIDs: []string{em.ID}}, nil
	}
	type hit struct {
		start   time.Time // one-offs: start instant
		clock   string    // recurring: start time of day
		id      int
		content Content
		combine bool
	}
	var ones, recs []hit
	for _, o := range in.OneOffs {
		if o.GroupID == "1" && !t.Before(o.Start) && !t.After(o.End) {
			ones = append(ones, hit{start: o.Start, id: atoi(o.ID), content: o.Content, combine: o.CombineWithDefault})
		}
	}
	for _, r := range in.Recurring {
		if r.GroupID != "1" {
			continue
		}
		for _, w := range sc.windows["r"+r.ID] {
			if !t.Before(w[0]) && !t.After(w[1]) {
				recs = append(recs, hit{clock: r.StartTime, id: atoi(r.ID), content: r.Content, combine: r.CombineWithDefault})
				break
			}
		}
	}
	slices.SortFunc(ones, func(a, b hit) int {
		if !a.start.Equal(b.start) {
			return a.start.Compare(b.start)
		}
		return a.id - b.id
	})
	slices.SortFunc(recs, func(a, b hit) int {
		if a.clock != b.clock {
			if a.clock < b.clock { // "HH:MM" strings sort as times
				return -1
			}
			return 1
		}
		return a.id - b.id
	})
	sets := map[string]map[string]bool{"ss": {}, "pl": {}, "sc": {}, "rc": {}}
	itemsOf := func(c Content) []Item {
		switch c.Kind {
		case KindSlideshow:
			sets["ss"][c.ID] = true
			return []Item{{ID: c.ID, PlaylistID: "1", SlideshowID: c.ID, Wrapped: true}}
		case KindPlaylist:
			sets["pl"][c.ID] = true
			var out []Item
			for pos := 0; pos < 10; pos++ {
				for _, p := range in.PlaylistItems[c.ID] {
					if p.Position == pos {
						out = append(out, Item{ID: p.ID, Position: pos, PlaylistID: c.ID, SlideshowID: p.SlideshowID})
						sets["ss"][p.SlideshowID] = true
					}
				}
			}
			return out
		}
		return nil
	}
	var items []Item
	combine := false
	for _, h := range ones {
		sets["sc"][strconv.Itoa(h.id)] = true
		items = append(items, itemsOf(h.content)...)
		combine = combine || h.combine
	}
	for _, h := range recs {
		sets["rc"][strconv.Itoa(h.id)] = true
		items = append(items, itemsOf(h.content)...)
		combine = combine || h.combine
	}
	if len(items) == 0 || combine {
		items = append(items, itemsOf(in.Groups[0].Default)...)
	}
	if len(items) == 0 {
		return Result{}, ErrNoDefaultContent
	}
	sorted := func(m map[string]bool) []string {
		out := []string{}
		for k := range m {
			out = append(out, k)
		}
		slices.SortFunc(out, func(a, b string) int { return atoi(a) - atoi(b) })
		return out
	}
	return Result{GroupID: "1", Items: items, SlideshowIDs: sorted(sets["ss"]), PlaylistIDs: sorted(sets["pl"]),
		ScheduledContentIDs: sorted(sets["sc"]), RecurringContentIDs: sorted(sets["rc"]), EmergencyIDs: []string{}}, nil
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// refWorld lists every minute of a stretch of local days, so recurring
// windows can be found without time.Date or wallTime: a wall time on a day
// is the first minute of that day whose clock reads it or later (which is
// the first occurrence in a fold and the end of a gap).
type refWorld struct {
	end     time.Time
	days    []string // local dates, "YYYY-MM-DD", in order
	minutes map[string][]refMinute
	weekday map[string]int // 0 = Monday
}

type refMinute struct {
	t    time.Time
	wall int // minutes since local midnight, as the clock reads
}

var (
	worldsMu sync.Mutex
	worlds   = map[string]*refWorld{}
)

// worldFor covers base-5 to base+20 days, enough for every generated row
// (active_from >= base-3, one-offs within base+9, until <= base+18).
func worldFor(loc *time.Location, base Date) *refWorld {
	key := loc.String() + base.String()
	worldsMu.Lock()
	defer worldsMu.Unlock()
	if w, ok := worlds[key]; ok {
		return w
	}
	from := time.Date(base.Year, base.Month, base.Day-5, 0, 0, 0, 0, loc) // not a DST day
	to := time.Date(base.Year, base.Month, base.Day+20, 0, 0, 0, 0, loc)
	w := &refWorld{end: to, minutes: map[string][]refMinute{}, weekday: map[string]int{}}
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		lt := t.In(loc)
		day := lt.Format(time.DateOnly)
		if _, ok := w.minutes[day]; !ok {
			w.days = append(w.days, day)
			w.weekday[day] = (int(lt.Weekday()) + 6) % 7
		}
		w.minutes[day] = append(w.minutes[day], refMinute{t, lt.Hour()*60 + lt.Minute()})
	}
	worlds[key] = w
	return w
}

func (w *refWorld) occurrences(r Recurring) [][2]time.Time {
	var sh, sm, eh, em int
	fmt.Sscanf(r.StartTime, "%d:%d", &sh, &sm)
	fmt.Sscanf(r.EndTime, "%d:%d", &eh, &em)
	start, end := sh*60+sm, eh*60+em
	if end < start {
		return nil
	}
	var out [][2]time.Time
	for _, day := range w.days {
		if w.weekday[day] != r.Weekday || day < r.ActiveFrom || (r.ActiveUntil != "" && day > r.ActiveUntil) {
			continue
		}
		out = append(out, [2]time.Time{w.at(day, start), w.at(day, end)})
	}
	return out
}

func (w *refWorld) at(day string, wall int) time.Time {
	for _, m := range w.minutes[day] {
		if m.wall >= wall {
			return m.t
		}
	}
	panic("no minute " + hhmm(wall) + " on " + day)
}

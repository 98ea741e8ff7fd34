package schedule

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Active is get-active-content for one group at instant at (docs/api.md,
// "Active content of a group"):
//
//  1. no group (groupID "" or not in in.Groups): ErrNoGroup;
//  2. the highest-id active emergency linked to the group that has not
//     expired by at wins and hides everything else (EmergencyActive);
//  3. one-off rows with Start <= at <= End, by start;
//  4. recurring rows whose occurrence (wall clock in loc) contains at, by
//     start time;
//  5. their items, concatenated (playlists expand to their items, slideshows
//     are wrapped); every active row's id is listed even if it yields no
//     item;
//  6. the group default is appended when any active row combines with it,
//     or used alone when the rows yield no item;
//  7. nothing at all: ErrNoDefaultContent.
//
// A nil loc means UTC (upstream's behaviour).
func Active(in Input, groupID string, at time.Time, loc *time.Location) (Result, error) {
	loc = orUTC(loc)
	g := findGroup(&in, groupID)
	if g == nil {
		return Result{}, ErrNoGroup
	}
	res := Result{GroupID: g.ID}
	if e := winningEmergency(&in, g.ID, at); e != nil {
		res.EmergencyActive = true
		res.Items = []Item{wrap(e.SlideshowID)}
		res.EmergencyIDs = []string{e.ID}
		res.SlideshowIDs = []string{e.SlideshowID}
		res.fill()
		return res, nil
	}
	ev, err := evaluate(&in, g, at, loc)
	if err != nil {
		return Result{}, err
	}
	if len(ev.items) == 0 {
		return Result{}, ErrNoDefaultContent
	}
	res.Items = ev.items
	res.SlideshowIDs = sortUnique(ev.slideshows)
	res.PlaylistIDs = sortUnique(ev.playlists)
	res.ScheduledContentIDs = sortUnique(ev.scheduled)
	res.RecurringContentIDs = sortUnique(ev.recurring)
	res.fill()
	return res, nil
}

// GroupItems is one entry of the branch variant's "grouped" list.
type GroupItems struct {
	Group Group
	Items []Item // never nil; empty when the group has nothing
}

// ActiveForBranch is the branch variant (/api/branch/get-active-content/):
// steps 3-6 of Active for every group in in.Groups, in that order (the
// caller passes the branch's groups in database order). Emergencies are
// ignored and a group with nothing gets an empty list instead of an error.
func ActiveForBranch(in Input, at time.Time, loc *time.Location) ([]GroupItems, error) {
	loc = orUTC(loc)
	out := make([]GroupItems, 0, len(in.Groups))
	for i := range in.Groups {
		ev, err := evaluate(&in, &in.Groups[i], at, loc)
		if err != nil {
			return nil, err
		}
		items := ev.items
		if items == nil {
			items = []Item{}
		}
		out = append(out, GroupItems{Group: in.Groups[i], Items: items})
	}
	return out, nil
}

// evaluation is steps 3-6 of Active for one group, before sorting the ids.
type evaluation struct {
	items                                       []Item
	slideshows, playlists, scheduled, recurring []string
}

func evaluate(in *Input, g *Group, at time.Time, loc *time.Location) (evaluation, error) {
	var ev evaluation
	var ones []*OneOff
	for i := range in.OneOffs {
		o := &in.OneOffs[i]
		if o.GroupID == g.ID && !at.Before(o.Start) && !at.After(o.End) {
			ones = append(ones, o)
		}
	}
	slices.SortFunc(ones, func(a, b *OneOff) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return idCompare(a.ID, b.ID)
	})
	recs, err := activeRecurring(in, g.ID, at, loc)
	if err != nil {
		return ev, err
	}

	var sched []Item
	combine := false
	for _, o := range ones {
		ev.scheduled = append(ev.scheduled, o.ID)
		items, err := ev.expand(in, o.Content)
		if err != nil {
			return ev, err
		}
		sched = append(sched, items...)
		combine = combine || o.CombineWithDefault
	}
	for _, r := range recs {
		ev.recurring = append(ev.recurring, r.src.ID)
		items, err := ev.expand(in, r.src.Content)
		if err != nil {
			return ev, err
		}
		sched = append(sched, items...)
		combine = combine || r.src.CombineWithDefault
	}
	// Upstream records the default's ids only when the default is used.
	if len(sched) == 0 || combine {
		def, err := ev.expand(in, g.Default)
		if err != nil {
			return ev, err
		}
		sched = append(sched, def...)
	}
	ev.items = sched
	return ev, nil
}

// activeRecurring is step 4: the group's recurring rows whose occurrence
// contains at, ordered by start time (then id; upstream leaves ties to the
// database).
func activeRecurring(in *Input, groupID string, at time.Time, loc *time.Location) ([]rec, error) {
	today := DateOf(at, loc)
	// Windows do not cross midnight, but a DST gap spanning midnight could
	// push yesterday's window to today, so yesterday is checked as well.
	days := [2]Date{today, today.AddDays(-1)}
	wds := [2]int{days[0].Weekday(), days[1].Weekday()}
	var out []rec
	for i := range in.Recurring {
		r := &in.Recurring[i]
		if r.GroupID != groupID || (r.Weekday != wds[0] && r.Weekday != wds[1]) {
			continue
		}
		c, err := compileRecurring(r)
		if err != nil {
			return nil, err
		}
		if c.end < c.start {
			continue // never active; Validate refuses such rows
		}
		for _, d := range days {
			if !c.activeOn(d) {
				continue
			}
			if s, e := c.window(d, loc); !at.Before(s) && !at.After(e) {
				out = append(out, c)
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b rec) int {
		if a.start != b.start {
			return cmp.Compare(a.start, b.start)
		}
		return idCompare(a.src.ID, b.src.ID)
	})
	return out, nil
}

// expand turns content into player items and records its ids in the
// metadata: a slideshow is wrapped, a playlist gives its items by position.
func (ev *evaluation) expand(in *Input, c Content) ([]Item, error) {
	if c.IsZero() {
		return nil, nil
	}
	switch c.Kind {
	case KindSlideshow:
		ev.slideshows = append(ev.slideshows, c.ID)
		return []Item{wrap(c.ID)}, nil
	case KindPlaylist:
		ev.playlists = append(ev.playlists, c.ID)
		src := in.PlaylistItems[c.ID]
		items := make([]Item, 0, len(src))
		for _, p := range src {
			items = append(items, Item{ID: p.ID, Position: p.Position, PlaylistID: c.ID, SlideshowID: p.SlideshowID})
			ev.slideshows = append(ev.slideshows, p.SlideshowID)
		}
		slices.SortStableFunc(items, func(a, b Item) int { return a.Position - b.Position })
		return items, nil
	}
	return nil, fmt.Errorf("schedule: content %q has unknown kind %q", c.ID, c.Kind)
}

func wrap(slideshowID string) Item {
	return Item{ID: slideshowID, Position: 0, PlaylistID: WrappedPlaylistID, SlideshowID: slideshowID, Wrapped: true}
}

func winningEmergency(in *Input, groupID string, at time.Time) *Emergency {
	var best *Emergency
	for i := range in.Emergencies {
		e := &in.Emergencies[i]
		if e.PlaysAt(at) && slices.Contains(e.GroupIDs, groupID) && (best == nil || idLess(best.ID, e.ID)) {
			best = e
		}
	}
	return best
}

func findGroup(in *Input, id string) *Group {
	if id == "" {
		return nil
	}
	for i := range in.Groups {
		if in.Groups[i].ID == id {
			return &in.Groups[i]
		}
	}
	return nil
}

// fill turns nil lists into empty ones, so that they serialise as [].
func (r *Result) fill() {
	for _, p := range []*[]string{&r.SlideshowIDs, &r.PlaylistIDs, &r.ScheduledContentIDs, &r.RecurringContentIDs, &r.EmergencyIDs} {
		if *p == nil {
			*p = []string{}
		}
	}
	if r.Items == nil {
		r.Items = []Item{}
	}
}

func sortUnique(ids []string) []string {
	slices.SortFunc(ids, idCompare)
	return slices.Compact(ids)
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

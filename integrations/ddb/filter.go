package ddb

import (
	"sort"
	"strings"
	"time"
)

// checkCategories matches the requested categories against the kommune's
// (known only once its events are fetched); none matching is a 400.
func checkCategories(requested []string, events []*event) (map[string]bool, error) {
	available := map[string]bool{}
	all := categories(events)
	for _, c := range all {
		available[normalizeText(c)] = true
	}
	chosen := map[string]bool{}
	for _, r := range requested {
		if n := normalizeText(r); available[n] {
			chosen[n] = true
		}
	}
	if len(requested) > 0 && len(chosen) == 0 {
		return nil, noneAvailable("categories", requested, all)
	}
	return chosen, nil
}

// filter applies upstream's steps in order: the time window (from today
// 00:00 UTC, until now + days when days > 0), sorting by start, then the
// library, category, search, id and field filters.
func filter(events []*event, q query, cats map[string]bool, now time.Time) []*event {
	now = now.UTC()
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	until := now.AddDate(0, 0, q.days)
	var out []*event
	for _, ev := range events {
		if ev.hasStart && !ev.start.Before(from) && (q.days == 0 || !ev.start.After(until)) {
			out = append(out, ev)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].start.Before(out[j].start) })

	keep := func(pred func(*event) bool) {
		kept := out[:0]
		for _, ev := range out {
			if pred(ev) {
				kept = append(kept, ev)
			}
		}
		out = kept
	}
	if len(q.libraries) > 0 {
		keep(func(ev *event) bool { return intersects(ev.libraryNames(), q.libraries) })
	}
	if len(cats) > 0 {
		keep(func(ev *event) bool { return intersects(ev.categoryNames(), cats) })
	}
	if q.search != "" {
		keep(func(ev *event) bool {
			for _, text := range ev.searchTexts() {
				if n := normalizeText(text); n != "" && strings.Contains(n, q.search) {
					return true
				}
			}
			return false
		})
	}
	if len(q.eventIDs) > 0 {
		keep(func(ev *event) bool {
			for _, id := range ev.identifiers() {
				if q.eventIDs[normalizeText(id)] {
					return true
				}
			}
			return false
		})
	}
	if len(q.extra) > 0 {
		keep(func(ev *event) bool {
			for _, f := range q.extra {
				if !strings.Contains(strings.ToLower(ev.fieldText(f.key)), f.value) {
					return false
				}
			}
			return true
		})
	}
	return out
}

func intersects(a, b map[string]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}

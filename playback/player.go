package playback

import (
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/shape"
	"github.com/openstream-go/openstream/tools/recent"
)

// Watched are the collections whose records can change what a screen plays
// (or how its content renders: category and tag names are embedded).
var Watched = []string{
	collections.Slideshows, collections.Playlists, collections.PlaylistItems,
	collections.DisplayWebsiteGroups, collections.DisplayWebsites,
	collections.ScheduledContents, collections.RecurringScheduledContents, collections.EmergencySlideshows,
	collections.Categories, collections.Tags, collections.Organisations,
	collections.Suborganisations, collections.Branches,
}

// Player serves what screens play, from a cache that is dropped whenever a
// watched record changes and that expires at the next schedule boundary.
// A change anywhere drops every entry: edits are rare next to player
// requests. Entries are kept per group and branch, not per screen: every
// screen of a group plays the same thing, so a change costs one rendering
// per group however many screens are connected.
type Player struct {
	app core.App
	loc *time.Location

	generation atomic.Uint64
	mu         sync.Mutex
	cache      map[string]cached  // by contentKey
	flights    map[string]*flight // renderings under way, by contentKey
	renders    atomic.Uint64      // Compute calls, for tests
	screens    *recent.Cache

	// The slideshows rendered in generation slidesGen, encoded, by id:
	// one emergency shown by fifty groups is loaded and encoded once per
	// change, not once per group (a third of a group's rendering, and
	// most of its garbage, was its 38 KB slideshow).
	slides    map[string]json.RawMessage
	slidesGen uint64
}

// flight is a rendering under way: a second Lookup of the same group in
// the same generation waits for it rather than rendering it again (after
// a change the screens' manager, the edge publisher and the delivery
// reports all ask for every group at once).
type flight struct {
	generation uint64
	done       chan struct{}
	entry      cached
	fail       error // an error that is not one of the two player errors
}

// maxScreenAge bounds how long a screen row is trusted without a change
// notice: the key check compares the screen's branch, and a move made by
// a process that told nobody (no REDIS_URL) must still land, as for keys.
const maxScreenAge = 2 * time.Second

// maxScreens bounds the screen cache; more screens than this only cost
// lookups again.
const maxScreens = 100_000

type cached struct {
	generation uint64
	content    *Content
	until      time.Time // zero: valid until the next change
	err        error     // the two 404s are cached too
}

// NewPlayer binds the cache invalidation to app's model hooks.
func NewPlayer(app core.App, loc *time.Location) *Player {
	p := &Player{app: app, loc: loc, cache: map[string]cached{}, flights: map[string]*flight{}, slides: map[string]json.RawMessage{}, screens: recent.New(maxScreenAge, maxScreens, nil)}
	bump := func(e *core.ModelEvent) error {
		p.Changed()
		return e.Next()
	}
	app.OnModelAfterCreateSuccess(Watched...).BindFunc(bump)
	app.OnModelAfterUpdateSuccess(Watched...).BindFunc(bump)
	app.OnModelAfterDeleteSuccess(Watched...).BindFunc(bump)
	return p
}

// Location is the zone recurring schedules are read in.
func (p *Player) Location() *time.Location { return p.loc }

// Changed drops every cached answer.
func (p *Player) Changed() {
	p.generation.Add(1)
	p.mu.Lock()
	clear(p.cache)
	clear(p.slides)
	p.mu.Unlock()
	p.screens.Forget()
}

// Screen is the screen record of a canonical id, from the cache while no
// watched record changed: players poll with their id every few seconds,
// and reading the row was almost half of a poll's cost. The record is
// shared: callers only read it. Unknown ids are not kept.
func (p *Player) Screen(id string) (*core.Record, error) {
	return p.screens.Get(id, func() (*core.Record, error) {
		return p.app.FindRecordById(collections.DisplayWebsites, id)
	})
}

// contentKey is what a screen's content depends on: its group and its
// branch (the ids at the end of the body).
func contentKey(screen *core.Record) string {
	return screen.GetString("display_website_group") + "/" + screen.GetString("branch")
}

// Content is what screen plays at instant at, from the cache when still
// valid. The generation is read before loading, so an answer computed
// while a change commits is never kept past that change.
func (p *Player) Content(screen *core.Record, at time.Time) (*Content, error) {
	content, _, err := p.Lookup(screen, at)
	return content, err
}

// Lookup is Content that also tells, for the two player errors, until when
// the error holds (zero: until a data change), so a waiting screen can be
// woken when a schedule starts.
func (p *Player) Lookup(screen *core.Record, at time.Time) (*Content, time.Time, error) {
	key := contentKey(screen)
	gen := p.generation.Load()
	p.mu.Lock()
	c, ok := p.cache[key]
	if ok && c.generation == gen && (c.until.IsZero() || at.Before(c.until)) {
		p.mu.Unlock()
		return c.content, c.until, c.err
	}
	f, flying := p.flights[key]
	if !flying || f.generation != gen {
		f = &flight{generation: gen, done: make(chan struct{})}
		p.flights[key] = f
		p.mu.Unlock()
		p.fly(f, key, screen, at)
	} else {
		p.mu.Unlock()
		<-f.done
	}
	if f.fail != nil {
		return nil, time.Time{}, f.fail
	}
	if !f.entry.until.IsZero() && !at.Before(f.entry.until) {
		// Rendered for an instant before a boundary this one is past.
		return p.render(key, screen, at, gen)
	}
	return f.entry.content, f.entry.until, f.entry.err
}

// errNotRendered is what a flight's waiters get when its rendering ended
// without an answer.
var errNotRendered = errors.New("playback: the content was not rendered")

// fly renders f's group and lands it: cached, and handed to its waiters.
func (p *Player) fly(f *flight, key string, screen *core.Record, at time.Time) {
	defer func() {
		p.mu.Lock()
		if p.flights[key] == f {
			delete(p.flights, key)
		}
		p.mu.Unlock()
		close(f.done)
	}()
	f.fail = errNotRendered // until it is: a panic in Compute leaves it
	content, until, err := p.render(key, screen, at, f.generation)
	f.fail = nil
	if err != nil && !isPlayerError(err) {
		f.fail = err
		return
	}
	f.entry = cached{generation: f.generation, content: content, until: until, err: err}
}

// render computes a group's content and caches it unless a change came
// meanwhile; an error other than the two player errors is not cached.
func (p *Player) render(key string, screen *core.Record, at time.Time, gen uint64) (*Content, time.Time, error) {
	p.renders.Add(1)
	content, err := compute(p.app, screen, at, p.loc, func(s *shape.Shaper, id string) (any, error) {
		return p.slideshow(s, id, gen)
	})
	if err != nil && !isPlayerError(err) {
		return nil, time.Time{}, err
	}
	entry := cached{generation: gen, content: content, err: err}
	if content != nil {
		entry.until = content.Until
	}
	if err != nil {
		entry.content, content = nil, nil
	}
	p.mu.Lock()
	if p.generation.Load() == gen {
		p.cache[key] = entry
	}
	p.mu.Unlock()
	return content, entry.until, err
}

// slideshow is slideshow id rendered and encoded, from the slides of
// generation gen when it is there. Two groups rendered at once may both
// encode it; the bytes are the same.
func (p *Player) slideshow(s *shape.Shaper, id string, gen uint64) (any, error) {
	p.mu.Lock()
	raw, ok := p.slides[id]
	ok = ok && p.slidesGen == gen
	p.mu.Unlock()
	if ok {
		return raw, nil
	}
	v, err := s.SlideshowByID(id)
	if err != nil {
		return nil, err
	}
	if raw, err = marshal(v); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.generation.Load() == gen { // not kept past a change
		if p.slidesGen != gen {
			clear(p.slides)
			p.slidesGen = gen
		}
		p.slides[id] = raw
	}
	p.mu.Unlock()
	return raw, nil
}

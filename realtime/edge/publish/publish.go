// Package publish is the primary's side of the edges: it keeps the screen
// state in Redis (package state) equal to what the database says, writing
// a full snapshot when it starts and after every Redis outage, and the
// difference after every change and at every schedule boundary, each
// followed by a change notice on the hub.
package publish

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/realtime/changes"
	"github.com/openstream-go/openstream/realtime/edge/state"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/lease"
	"github.com/openstream-go/openstream/schedule"
)

// Config is what the publisher needs.
type Config struct {
	// Hub carries the change notices, and tells of changes and outages.
	Hub hub.Hub
	// Redis holds the state.
	Redis *redis.Client
	// Prefix of the state's keys ("" is state.DefaultPrefix).
	Prefix string
	// Location is the zone recurring schedules are read in.
	Location *time.Location
	// Now is the clock (time.Now).
	Now func() time.Time
	// Player, when set, is the content cache this instance's screens
	// share (realtime.Register's): a group is then rendered once for the
	// screens' sockets and the edges. It must be dropped on every change
	// before this publisher's hub handler runs, as realtime.Register's
	// handlers do, subscribed before it (the hub runs a topic's handlers
	// in subscription order). Nil: a cache of its own, dropped here.
	Player *playback.Player
	// Lease, when set, elects the one instance that writes: every serve
	// writing the same state rendered every group once per instance after
	// each change (nil: this one writes).
	Lease *lease.Lease
}

// retryAfter is how soon a failed write is tried again.
const retryAfter = 2 * time.Second

// Publisher writes the state of one primary.
type Publisher struct {
	app    core.App
	cfg    Config
	store  *state.Store
	player *playback.Player // Config.Player, or its own cache
	log    *slog.Logger

	wake   chan struct{}
	full   atomic.Bool // the next write is a full snapshot
	timer  *time.Timer
	last   *state.Snapshot // what Redis holds (the loop's goroutine only)
	unsub  func()
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	start  sync.Once

	writes atomic.Uint64 // successful writes, for tests

	// reread: the next compute reads the screens and keys from the
	// database. Otherwise it takes them from the last snapshot written
	// (unless the next write is a full one): an emergency switched on
	// for ten thousand screens reread every screen's row on the instance
	// fanning out to its own sockets.
	reread atomic.Bool
}

// New returns a publisher; Start writes the first snapshot.
func New(app core.App, cfg Config) *Publisher {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Publisher{
		app: app, cfg: cfg, store: state.NewStore(cfg.Redis, cfg.Prefix),
		player: cfg.Player, log: app.Logger(),
		wake: make(chan struct{}, 1), timer: time.NewTimer(time.Hour), ctx: ctx, cancel: cancel,
	}
	if cfg.Player == nil {
		p.player = playback.NewPlayer(app, cfg.Location)
	}
	p.timer.Stop()
	p.full.Store(true)
	p.unsub = cfg.Hub.Subscribe(changes.Topic, func(msg hub.Message) {
		// Whether this instance or another committed it, its own cache
		// may hold what it changed: dropped before the recompute is
		// woken. A shared one is dropped by its owner (Config.Player).
		if cfg.Player == nil {
			p.player.Changed()
		}
		if c, err := changes.Decode(msg.Payload); err != nil ||
			c.Collection == collections.DisplayWebsites || c.Collection == collections.BranchAPIKeys {
			p.reread.Store(true)
		}
		p.Wake()
	})
	cfg.Hub.OnStatus(func(err error) {
		if err == nil { // Redis may have restarted empty, and changes were missed
			p.full.Store(true)
			p.player.Changed()
			p.Wake()
		}
	})
	if cfg.Lease != nil {
		cfg.Lease.OnGain(func() {
			// The last holder may have stopped halfway, and this one
			// skipped every change meanwhile.
			p.full.Store(true)
			p.player.Changed()
			p.Wake()
		})
	}
	return p
}

// Start launches the loop, which writes the full snapshot at once.
func (p *Publisher) Start() {
	p.start.Do(func() {
		p.wg.Add(2)
		go func() { defer p.wg.Done(); p.loop() }()
		go func() { defer p.wg.Done(); p.collect() }()
		p.Wake()
	})
}

// Wake asks for the state to be worked out and written again.
func (p *Publisher) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Writes is the number of writes that reached Redis.
func (p *Publisher) Writes() uint64 { return p.writes.Load() }

// Close stops the loop (a write under way is finished).
func (p *Publisher) Close() {
	p.unsub()
	p.cancel()
	p.wg.Wait()
	p.timer.Stop()
}

func (p *Publisher) loop() {
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-p.wake:
		case <-p.timer.C:
			// A boundary, or a retry: rows changed by a process that told
			// no one (no hub) are read then too.
			p.reread.Store(true)
		}
		p.publish()
	}
}

// publish works the state out and writes what changed; it sets the timer
// to the next schedule boundary, or to a retry.
func (p *Publisher) publish() {
	if p.cfg.Lease != nil && !p.cfg.Lease.Held() {
		p.full.Store(true) // the holder writes; on taking over, all of it
		p.timer.Stop()
		return
	}
	now := p.cfg.Now()
	next, until, err := p.compute(now)
	if err != nil {
		p.log.Error("edge state: not computed", "error", err)
		p.reread.Store(true) // what it read is not written: read again
		p.retry()
		return
	}
	prev := p.last
	if p.full.Swap(false) {
		prev = nil
	}
	notice, err := p.store.Write(p.ctx, prev, next)
	if err != nil {
		if p.ctx.Err() == nil {
			p.log.Warn("edge state: not written to Redis; retrying", "error", err)
		}
		p.full.Store(true) // what Redis holds is unknown now
		p.retry()
		return
	}
	p.last = next
	p.writes.Add(1)
	if !notice.Empty() {
		if err := p.cfg.Hub.Publish(p.ctx, state.Topic, notice.Encode()); err != nil {
			p.log.Warn("edge state: change notice not sent", "error", err)
		}
	}
	p.timer.Stop()
	if !until.IsZero() {
		p.timer.Reset(max(until.Sub(p.cfg.Now()), time.Millisecond))
	}
}

func (p *Publisher) retry() {
	p.timer.Stop()
	p.timer.Reset(retryAfter)
}

// compute is the state at now and the next instant it may change by
// itself (zero: none).
func (p *Publisher) compute(now time.Time) (*state.Snapshot, time.Time, error) {
	snap := state.NewSnapshot()
	// A full write (the first, after an outage or a failed write, on
	// taking the lease) reads them too.
	if p.reread.Swap(false) || p.full.Load() || p.last == nil {
		if err := p.readRows(snap); err != nil {
			return nil, time.Time{}, err
		}
	} else {
		// Shared with the last snapshot: neither is written to.
		snap.Screens, snap.Keys = p.last.Screens, p.last.Keys
	}
	col, err := p.app.FindCachedCollectionByNameOrId(collections.DisplayWebsites)
	if err != nil {
		return nil, time.Time{}, err
	}
	var todo []*core.Record
	for _, s := range snap.Screens {
		name := state.ContentName(s.Group, s.Branch)
		if _, ok := snap.Contents[name]; ok || s.Group == "" {
			continue
		}
		snap.Contents[name] = state.Content{}
		row := core.NewRecord(col) // all a rendering depends on
		row.Set("branch", s.Branch)
		row.Set("display_website_group", s.Group)
		todo = append(todo, row)
	}
	until, err := p.render(snap, todo, now)
	return snap, until, err
}

// readRows fills snap's screens and keys from the database.
func (p *Publisher) readRows(snap *state.Snapshot) error {
	var screens []struct {
		ID     string `db:"id"`
		Branch string `db:"branch"`
		Group  string `db:"display_website_group"`
		UID    string `db:"uid"`
	}
	var keys []struct {
		Key    string `db:"key"`
		Branch string `db:"branch"`
		Active bool   `db:"is_active"`
	}
	db := p.app.ConcurrentDB()
	if err := db.Select("id", "branch", "display_website_group", "uid").From(collections.DisplayWebsites).All(&screens); err != nil {
		return err
	}
	if err := db.Select("key", "branch", "is_active").From(collections.BranchAPIKeys).All(&keys); err != nil {
		return err
	}
	for _, s := range screens {
		snap.Screens[s.ID] = state.Screen{Branch: s.Branch, Group: s.Group, UID: s.UID}
	}
	for _, k := range keys {
		if hash, ok := state.HashKey(k.Key); ok {
			snap.Keys[hash] = state.Key{Branch: k.Branch, Active: k.Active}
		}
	}
	return nil
}

// render fills snap's contents, a few groups at a time, and returns the
// earliest boundary; an error is returned after every group was tried.
func (p *Publisher) render(snap *state.Snapshot, rows []*core.Record, now time.Time) (time.Time, error) {
	type result struct {
		name    string
		content state.Content
		until   time.Time
		err     error
	}
	work, results := make(chan *core.Record), make(chan result)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(rows)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for row := range work {
				r := result{name: state.ContentName(row.GetString("display_website_group"), row.GetString("branch"))}
				r.content, r.until, r.err = p.renderOne(row, now)
				results <- r
			}
		}()
	}
	go func() {
		for _, row := range rows {
			work <- row
		}
		close(work)
		wg.Wait()
		close(results)
	}()
	var earliest time.Time
	var firstErr error
	for r := range results {
		if r.err != nil {
			firstErr = r.err
			continue
		}
		snap.Contents[r.name] = r.content
		if !r.until.IsZero() && (earliest.IsZero() || r.until.Before(earliest)) {
			earliest = r.until
		}
	}
	return earliest, firstErr
}

func (p *Publisher) renderOne(row *core.Record, now time.Time) (state.Content, time.Time, error) {
	content, until, err := p.player.Lookup(row, now)
	switch {
	case err == nil:
		last, err := content.LastContentJSON()
		return state.Content{Version: content.Version, Body: content.JSON, Last: last}, until, err
	case errors.Is(err, schedule.ErrNoGroup):
		return state.Content{Status: state.StatusNoGroup}, until, nil
	case errors.Is(err, schedule.ErrNoDefaultContent):
		return state.Content{Status: state.StatusNoDefault, Version: "none"}, until, nil
	}
	return state.Content{}, time.Time{}, err
}

// collectEvery is how often the screens' sightings on the edges are
// written into the database.
const collectEvery = time.Second

// collect writes what the edges saw of their screens (last_seen,
// last_content) into the database, as the primary's own sockets do.
func (p *Publisher) collect() {
	t := time.NewTicker(collectEvery)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		}
		rows, err := p.store.TakeSeen(p.ctx)
		if err == nil {
			err = playback.WriteHealth(p.app, rows)
		}
		if err != nil && !failing && p.ctx.Err() == nil { // once per outage
			p.log.Warn("edge state: screen health from the edges not written", "error", err)
		}
		failing = err != nil
	}
}

// Package delivery records, per screen, the last content version it was
// delivered and the last one it acknowledged (docs/screens-websocket.md,
// "Acknowledgements"), and reports an emergency's delivery from them.
//
// The hot path (a content frame written, an ack read) only updates a map
// in memory. Flush, called about once a second, writes what changed since
// the last one to Redis (one hash per screen, shared by every instance)
// and to the screens' rows (one transaction), so a thousand acks cost one
// pipeline and one write. Instances on one data directory also share the
// rows, which Of reads too, so a Redis outage only delays what the others
// see by a flush; without Redis the rows are all that is shared.
package delivery

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/settings"
)

// redisName follows the deployment's prefix in the store's keys.
const redisName = "delivery:"

// RedisPrefix starts every key the store writes in Redis when the
// deployment's REDIS_PREFIX is the default.
const RedisPrefix = settings.DefaultRedisPrefix + redisName

// Prefix is the store's prefix under a deployment's Redis prefix
// (REDIS_PREFIX; "" is RedisPrefix).
func Prefix(deployment string) string { return settings.RedisPrefixOf(deployment, redisName) }

// redisTTL is how long a screen's hash outlives its last change: the
// rows keep the state for longer.
const redisTTL = 30 * 24 * time.Hour

// Fields of display_websites the store persists.
const (
	FieldDeliveredVersion = "delivered_version"
	FieldDeliveredAt      = "delivered_at"
	FieldDeliveredVia     = "delivered_via"
	FieldAckedVersion     = "acknowledged_version"
	FieldAckedAt          = "acknowledged_at"
)

// Ways content is delivered (delivered_via).
const (
	ViaSocket = "socket"
	ViaREST   = "rest"
)

// State is what one screen was last delivered and last acknowledged.
type State struct {
	DeliveredVersion string
	DeliveredAt      time.Time
	Via              string
	AckedVersion     string
	AckedAt          time.Time
}

// newer is s with every part of o that is as recent or more (on a tie o,
// the later news, wins).
func (s State) newer(o State) State {
	if !o.DeliveredAt.IsZero() && !o.DeliveredAt.Before(s.DeliveredAt) {
		s.DeliveredVersion, s.DeliveredAt, s.Via = o.DeliveredVersion, o.DeliveredAt, o.Via
	}
	if !o.AckedAt.IsZero() && !o.AckedAt.Before(s.AckedAt) {
		s.AckedVersion, s.AckedAt = o.AckedVersion, o.AckedAt
	}
	return s
}

// Store is one instance's view of the screens' deliveries.
type Store struct {
	app    core.App
	redis  *redis.Client
	prefix string

	mu sync.Mutex
	// local is this instance's writes (all of them without Redis), each
	// with the parts that changed since the last Share and the last Flush.
	// One map, and the ids to visit: a map of changes for Redis and
	// another for the rows took twice the memory of the states they
	// named, per screen, and grew anew every round of a fan-out.
	local map[string]entry
	// toShare and toWrite are the screens with a part to share, or to
	// write to the rows: a screen's delivery, its ack and its sighting a
	// moment later make one UPDATE when Flush comes after them.
	toShare, toWrite []string
	// news: since the last Share, a screen was given or acknowledged a
	// version it had not been (or was forgotten); the next Share moves
	// the generation on.
	news bool
	gen  atomic.Int64 // the generation without Redis
}

// entry is a screen's state and its parts not shared or written yet.
type entry struct {
	State
	share, write parts
}

// parts of a State.
type parts uint8

const (
	partDelivered parts = 1 << iota
	partAcked
)

// partsOf are the parts st sets.
func partsOf(st State) parts {
	var p parts
	if !st.DeliveredAt.IsZero() {
		p |= partDelivered
	}
	if !st.AckedAt.IsZero() {
		p |= partAcked
	}
	return p
}

// only is st with just the parts p.
func (st State) only(p parts) State {
	if p&partDelivered == 0 {
		st.DeliveredVersion, st.DeliveredAt, st.Via = "", time.Time{}, ""
	}
	if p&partAcked == 0 {
		st.AckedVersion, st.AckedAt = "", time.Time{}
	}
	return st
}

// pending is a screen's parts to share or write.
type pending struct {
	id string
	State
}

// generationKey holds the generation in Redis (no screen id is
// "generation").
const generationKey = "generation"

// New returns a store; client nil keeps the state in this process, app
// nil keeps it out of the rows (an edge, which has no database: Redis is
// where the primary's reports find it). prefix "" is RedisPrefix.
func New(app core.App, client *redis.Client, prefix string) *Store {
	if prefix == "" {
		prefix = RedisPrefix
	}
	return &Store{app: app, redis: client, prefix: prefix, local: map[string]entry{}}
}

// FromURL is a store shared through the Redis of redisURL ("": in
// process), under the deployment's prefix ("" is RedisPrefix's); an
// unparsable URL is an error.
func FromURL(app core.App, redisURL, deploymentPrefix string) (*Store, error) {
	if redisURL == "" {
		return New(app, nil, ""), nil
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return New(app, nil, ""), err
	}
	return New(app, redis.NewClient(opts), Prefix(deploymentPrefix)), nil
}

// A nil *Store records nothing and knows only the rows.

// Delivered records that screen was given version at at.
func (s *Store) Delivered(screen, version string, at time.Time, via string) {
	s.update(screen, State{DeliveredVersion: version, DeliveredAt: at, Via: via})
}

// Acked records that screen acknowledged version at at.
func (s *Store) Acked(screen, version string, at time.Time) {
	s.update(screen, State{AckedVersion: version, AckedAt: at})
}

// refreshEvery is the most often the same version's delivery or ack is
// recorded again: a player polling every second must not cost a row write
// a second (as for last_seen).
const refreshEvery = 10 * time.Second

func (s *Store) update(screen string, st State) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.local[screen]
	prev := e.State
	if !st.DeliveredAt.IsZero() && st.DeliveredVersion == prev.DeliveredVersion && st.Via == prev.Via &&
		st.DeliveredAt.Sub(prev.DeliveredAt) < refreshEvery {
		return // the same delivery, recorded a moment ago
	}
	if !st.AckedAt.IsZero() && st.AckedVersion == prev.AckedVersion && st.AckedAt.Sub(prev.AckedAt) < refreshEvery {
		return
	}
	if (!st.DeliveredAt.IsZero() && st.DeliveredVersion != prev.DeliveredVersion) ||
		(!st.AckedAt.IsZero() && st.AckedVersion != prev.AckedVersion) {
		s.news = true
	}
	e.State = prev.newer(st)
	share := partsOf(st)
	if s.redis == nil {
		share = 0 // nothing to share it with: the rows are all there is
	}
	s.mark(screen, &e, share, partsOf(st))
	s.local[screen] = e
}

// mark flags parts of e (screen's) to share and to write (the caller
// holds mu and stores e).
func (s *Store) mark(screen string, e *entry, share, write parts) {
	if e.share == 0 && share != 0 {
		s.toShare = append(s.toShare, screen)
	}
	if e.write == 0 && write != 0 {
		s.toWrite = append(s.toWrite, screen)
	}
	e.share |= share
	e.write |= write
}

// take hands over the flagged parts of the screens in ids (share or
// write) and clears their flags (the caller holds mu).
func (s *Store) take(ids []string, forRedis bool) []pending {
	out := make([]pending, 0, len(ids))
	for _, id := range ids {
		e, ok := s.local[id]
		if !ok {
			continue // forgotten meanwhile
		}
		flags := &e.write
		if forRedis {
			flags = &e.share
		}
		if *flags != 0 {
			out = append(out, pending{id: id, State: e.State.only(*flags)})
			*flags = 0
			s.local[id] = e
		}
	}
	return out
}

// Forget drops what this instance remembers of screen (it was deleted).
func (s *Store) Forget(screen string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.local, screen) // its ids in toShare and toWrite are skipped
	s.news = true
}

// NoGeneration stands for a generation that could not be read.
const NoGeneration int64 = -1

// Generation moves on with every Share (or Flush), on any instance sharing
// the Redis, that recorded news: a screen given or acknowledging a version it
// had not been. A report worked out at one generation still counts the
// same deliveries and acks while it holds; what it cannot tell is screens
// coming and going (sightings are not news) or content changed by the
// clock before any screen gets it.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	if s == nil {
		return 0, nil
	}
	if s.redis == nil {
		return s.gen.Load(), nil
	}
	n, err := s.redis.Get(ctx, s.key(generationKey)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

// Share writes what changed since the last Share to Redis, where every
// instance's reports read it, and moves the generation on when that is
// news. The rows get it with the next Flush. A Redis outage only delays
// what other instances see (the rows hold the state too, and Of reads
// them), so what Redis refused is not sent again.
func (s *Store) Share(ctx context.Context) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	dirty, news := s.take(s.toShare, true), s.news
	s.toShare, s.news = nil, false
	s.mu.Unlock()
	if len(dirty) == 0 && !news {
		return nil
	}
	if s.redis == nil {
		if news {
			s.gen.Add(1)
		}
		return nil
	}
	err := s.flushRedis(ctx, dirty, news)
	if err != nil && news {
		s.mu.Lock()
		s.news = true // the generation is moved on by a later Share
		s.mu.Unlock()
	}
	return err
}

// Flush shares (Share), then writes what changed since the last Flush to
// the rows, with sightings (playback.Health.Take; nil: none) in the same
// UPDATE of each row. Deliveries that could not be written are kept for
// the next one; sightings are not (the next sighting writes last_seen
// again).
func (s *Store) Flush(ctx context.Context, sightings playback.Sightings) error {
	if s == nil {
		return nil
	}
	shareErr := s.Share(ctx)
	s.mu.Lock()
	unwritten := s.take(s.toWrite, false)
	s.toWrite = nil
	s.mu.Unlock()
	if len(unwritten) == 0 && len(sightings) == 0 {
		return shareErr
	}
	rowsErr := s.flushRows(unwritten, sightings)
	if rowsErr != nil {
		// Flagged again: the next Flush writes the newest state of them.
		s.mu.Lock()
		for _, p := range unwritten {
			if e, ok := s.local[p.id]; ok {
				s.mark(p.id, &e, 0, partsOf(p.State))
				s.local[p.id] = e
			}
		}
		s.mu.Unlock()
	}
	return errors.Join(shareErr, rowsErr)
}

func (s *Store) key(screen string) string { return s.prefix + screen }

// flushRedis writes dirty, then moves the generation on when there is
// news (after the states: a report reading the new generation reads them).
func (s *Store) flushRedis(ctx context.Context, dirty []pending, news bool) error {
	if s.redis == nil || (len(dirty) == 0 && !news) {
		return nil
	}
	_, err := s.redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, st := range dirty {
			id := st.id
			var fields []any
			if !st.DeliveredAt.IsZero() {
				fields = append(fields, "dv", st.DeliveredVersion, "da", st.DeliveredAt.UnixMilli(), "via", st.Via)
			}
			if !st.AckedAt.IsZero() {
				fields = append(fields, "av", st.AckedVersion, "aa", st.AckedAt.UnixMilli())
			}
			p.HSet(ctx, s.key(id), fields...)
			p.Expire(ctx, s.key(id), redisTTL)
		}
		if news {
			p.Incr(ctx, s.key(generationKey))
		}
		return nil
	})
	return err
}

func (s *Store) flushRows(dirty []pending, sightings playback.Sightings) error {
	if s.app == nil {
		return nil
	}
	rows := make(map[string]dbx.Params, len(dirty)+len(sightings))
	for id, cols := range sightings {
		rows[id] = cols
	}
	for _, st := range dirty {
		id := st.id
		cols := rows[id]
		if cols == nil {
			cols = dbx.Params{}
		}
		if !st.DeliveredAt.IsZero() {
			cols[FieldDeliveredVersion], cols[FieldDeliveredAt], cols[FieldDeliveredVia] = st.DeliveredVersion, Stamp(st.DeliveredAt), st.Via
		}
		if !st.AckedAt.IsZero() {
			cols[FieldAckedVersion], cols[FieldAckedAt] = st.AckedVersion, Stamp(st.AckedAt)
		}
		if len(cols) > 0 {
			rows[id] = cols
		}
	}
	return s.app.RunInTransaction(func(tx core.App) error {
		return playback.UpdateRows(tx, collections.DisplayWebsites, rows)
	})
}

// Stamp is t as a date field stores it (UTC text that sorts as time does).
func Stamp(t time.Time) string {
	dt, _ := types.ParseDateTime(t) // a time.Time always parses
	return dt.String()
}

// Of is the state of each screen, in the order of screens: the newest of
// its row, Redis (every instance's flushed writes) and this instance's
// unflushed ones.
func (s *Store) Of(ctx context.Context, screens []Row) ([]State, error) {
	out := make([]State, len(screens))
	for i, r := range screens {
		out[i] = r.State()
	}
	if s == nil {
		return out, nil
	}
	if s.redis != nil {
		if err := s.fromRedis(ctx, screens, out); err != nil {
			// The rows are at most a flush behind: report from them.
			if s.app != nil {
				s.app.Logger().Warn("delivery: Redis not reachable; reporting from the rows", "error", err)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range screens {
		if e, ok := s.local[r.ID]; ok {
			out[i] = out[i].newer(e.State)
		}
	}
	return out, nil
}

// ofChunk is how many screens' hashes one pipeline reads: a report of
// twenty thousand screens held all their answers at once, and the peak
// set the instance's heap size (and RSS) long after.
const ofChunk = 1000

// hashFields are the fields of a screen's hash, in the order fromFields
// reads them: an HMGET of these answers a list, where HGETALL built a map
// of names and values for each of ten thousand screens. (One Lua script
// per chunk allocated less still, but cost Redis half as much again.)
var hashFields = []string{"dv", "da", "via", "av", "aa"}

// fromRedis merges every screen's hash into out, a pipeline per chunk.
func (s *Store) fromRedis(ctx context.Context, screens []Row, out []State) error {
	cmds := make([]*redis.SliceCmd, 0, min(len(screens), ofChunk))
	for start := 0; start < len(screens); start += ofChunk {
		chunk := screens[start:min(start+ofChunk, len(screens))]
		cmds = cmds[:0]
		_, err := s.redis.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, r := range chunk {
				cmds = append(cmds, p.HMGet(ctx, s.key(r.ID), hashFields...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i := range chunk {
			out[start+i] = out[start+i].newer(fromFields(cmds[i].Val()))
		}
	}
	return nil
}

// fromFields is the state in the values of hashFields (nil: not set).
func fromFields(v []any) State {
	str := func(i int) string {
		if i < len(v) {
			if s, ok := v[i].(string); ok {
				return s
			}
		}
		return ""
	}
	ms := func(i int) time.Time {
		n, err := strconv.ParseInt(str(i), 10, 64)
		if err != nil || n <= 0 {
			return time.Time{}
		}
		return time.UnixMilli(n).UTC()
	}
	return State{DeliveredVersion: str(0), DeliveredAt: ms(1), Via: str(2), AckedVersion: str(3), AckedAt: ms(4)}
}

// Package alerts watches the screens and the active emergencies once a
// second, from the one instance holding the lease (docs/operations.md,
// "Alerts"):
//
//   - a socket screen unseen for longer than OfflineAfter is marked
//     offline (offline_since on its row) once, and online again only after
//     it has stayed back for BackAfter, so a flapping screen is not
//     alerted again and again;
//   - an active emergency not acknowledged by every online screen of its
//     groups within AckWithin of its activation is alerted once per
//     activation;
//   - while an emergency is active, its delivery summary goes to every
//     instance's event-stream clients whenever it changes.
//
// A transition is claimed by one instance only (a conditional update of
// the row; for emergencies a Redis SET NX, or this process without Redis),
// which then publishes it on the event stream of every instance (hub
// topic sse.Topic) and posts it to ALERT_WEBHOOK_URL. Posting runs on a
// goroutine of its own from a bounded queue, with retries and backoff, so
// a slow or absent receiver never holds anything up.
package alerts

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/lease"
	"github.com/openstream-go/openstream/realtime/sse"
	"github.com/openstream-go/openstream/settings"
)

// redisName follows the deployment's prefix in the alerts' keys.
const redisName = "alerts:"

// Prefix is the alerts' prefix under a deployment's Redis prefix
// (REDIS_PREFIX; "" is the default one).
func Prefix(deployment string) string { return settings.RedisPrefixOf(deployment, redisName) }

// EnvWebhook names the webhook's variable.
const EnvWebhook = "ALERT_WEBHOOK_URL"

// DefaultAckWithin is how soon every online screen must acknowledge an
// activated emergency.
const DefaultAckWithin = 30 * time.Second

// Kinds of alert (the webhook's "event", the custom-event's "model").
const (
	KindOffline        = "screen_offline"
	KindOnline         = "screen_online"
	KindUnacknowledged = "emergency_unacknowledged"
	// ModelDelivery is the custom-event of an emergency's live numbers.
	ModelDelivery = "EmergencyDelivery"
)

// Config is what a Monitor needs; zero values take the defaults.
type Config struct {
	Hub      hub.Hub
	Reporter *delivery.Reporter
	// Events is this instance's event stream (live delivery numbers).
	Events *sse.Stream
	// Redis, when set, decides which instance alerts an emergency.
	Redis *redis.Client
	// Prefix starts the Redis keys ("openstream:alerts:").
	Prefix string
	// Webhook is ALERT_WEBHOOK_URL ("": no posts).
	Webhook *Webhook
	// BackAfter is how long a screen marked offline must stay back before
	// it is online again (OfflineAfter/2).
	BackAfter time.Duration
	// AckWithin: DefaultAckWithin.
	AckWithin time.Duration
	// Interval between rounds (1s).
	Interval time.Duration
	// Now is the clock (time.Now).
	Now func() time.Time
	// Location renders the times of the events (UTC).
	Location *time.Location
	// Quiet, when set, returns once this instance's screens are not being
	// sent content (screens.Manager.WaitQuiet): a round waits for it, so a
	// report of ten thousand screens never competes with the fan-out it
	// reports on.
	Quiet func(ctx context.Context)
	// Lease, when set, elects the one instance that runs the rounds and
	// sends the live numbers to every instance's event stream: each
	// instance reporting on ten thousand screens once a second multiplied
	// the work by the instances (nil: this one runs them).
	Lease *lease.Lease
}

// Alert is what the event stream and the webhook receive.
type Alert struct {
	Kind string `json:"event"`
	// Model and ID make it a custom-event the frontend can filter.
	Model   string            `json:"model"`
	ID      string            `json:"id"`
	At      string            `json:"at"`
	Screen  *ScreenInfo       `json:"screen,omitempty"`
	Summary *delivery.Summary `json:"summary,omitempty"`
	// Screens are the online screens that did not acknowledge.
	Screens []ScreenInfo `json:"screens,omitempty"`
}

// ScreenInfo names a screen in an alert.
type ScreenInfo struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Branch   string `json:"branch"`
	Group    string `json:"group"`
	LastSeen string `json:"last_seen,omitempty"`
}

// roundShare bounds what the rounds cost: the next round waits at least
// roundShare times as long as the last one took. An active emergency over
// ten thousand screens made each round read every screen's row and Redis
// hash once a second on every instance, which slowed the very fan-out it
// reported on; now its live numbers come every second or two.
const roundShare = 20

// summaryEvery is the longest an active emergency's numbers go without
// being worked out again while no delivery or ack changed anywhere
// (delivery.Store.Generation) and no screen was marked offline or back:
// REST players and screens not yet marked change them without news.
// Working out ten thousand screens every second of an emergency kept
// the instance doing it busy and its heap a report larger than the others'.
const summaryEvery = 10 * time.Second

// summarized is what an emergency's numbers were last worked out from.
type summarized struct {
	gen          int64
	at           time.Time
	emergency    string // what of its record the numbers depend on (recordKey)
	pastDeadline bool   // AckWithin had passed since its activation
}

// recordKey is what of an emergency's record its numbers depend on
// beyond the deliveries: which screens it covers, what they should show
// and since when.
func recordKey(e *core.Record) string {
	return e.GetString("slideshow") + "|" + strings.Join(e.GetStringSlice("display_website_groups"), ",") + "|" +
		e.GetDateTime(delivery.FieldActivatedAt).String()
}

// Monitor runs the rounds of one instance.
type Monitor struct {
	app core.App
	cfg Config

	mu         sync.Mutex
	back       map[string]time.Time  // screen marked offline -> first sighting since
	sent       map[string]string     // active emergency -> its last summary sent
	claimed    map[string]bool       // emergency alerts claimed (without Redis)
	summarized map[string]summarized // active emergency -> its last numbers' sources
	moved      bool                  // this round marked a screen offline or back
	reports    atomic.Int64

	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	started sync.Once
	running bool
}

// New returns a monitor; Start runs it.
func New(app core.App, cfg Config) *Monitor {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Reporter.OfflineAfter <= 0 {
		cfg.Reporter.OfflineAfter = delivery.DefaultOfflineAfter
	}
	if cfg.BackAfter <= 0 {
		cfg.BackAfter = cfg.Reporter.OfflineAfter / 2
	}
	if cfg.AckWithin <= 0 {
		cfg.AckWithin = DefaultAckWithin
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Prefix == "" {
		cfg.Prefix = Prefix("")
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	return &Monitor{app: app, cfg: cfg, back: map[string]time.Time{}, sent: map[string]string{}, claimed: map[string]bool{},
		summarized: map[string]summarized{}, stop: make(chan struct{}), done: make(chan struct{})}
}

// Start runs a round every Interval until Close.
func (m *Monitor) Start() {
	m.started.Do(m.run)
}

func (m *Monitor) run() {
	m.mu.Lock()
	m.running = true
	m.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-m.stop
		cancel()
	}()
	go func() {
		defer close(m.done)
		t := time.NewTimer(m.cfg.Interval)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				if m.cfg.Lease != nil && !m.cfg.Lease.Held() {
					t.Reset(m.cfg.Interval)
					continue
				}
				if m.cfg.Quiet != nil {
					m.cfg.Quiet(ctx)
				}
				start := time.Now()
				if err := m.Check(context.Background()); err != nil {
					m.app.Logger().Warn("alerts: round failed; retried", "error", err)
				}
				t.Reset(max(m.cfg.Interval, roundShare*time.Since(start)))
			}
		}
	}()
}

// Close stops the rounds (a Start's) and the webhook's sender.
func (m *Monitor) Close() {
	m.once.Do(func() {
		close(m.stop)
	})
	m.mu.Lock()
	running := m.running
	m.mu.Unlock()
	if running {
		<-m.done // a round in progress finishes first
	}
	if m.cfg.Webhook != nil {
		m.cfg.Webhook.Close()
	}
}

// Check runs one round at the monitor's clock.
func (m *Monitor) Check(ctx context.Context) error {
	now := m.cfg.Now()
	m.mu.Lock()
	m.moved = false
	m.mu.Unlock()
	if err := m.screens(ctx, now); err != nil {
		return err
	}
	return m.emergencies(ctx, now)
}

// screens marks socket screens offline and back online.
func (m *Monitor) screens(ctx context.Context, now time.Time) error {
	after := m.cfg.Reporter.OfflineAfter
	// Only the screens marked offline or unseen for too long: a round
	// reads nothing of ten thousand screens that are fine. A delivery is a
	// sighting too: its row may be written a flush before last_seen is.
	// (Stored times are UTC text that sorts as time does.) A screen whose
	// row names no delivery but that was seen may be on an edge, which
	// writes no rows: socketScreens asks the store.
	rows, err := delivery.FindRows(m.app, dbx.And(
		dbx.NewExp("(COALESCE("+delivery.FieldDeliveredVia+", '') = {:socket} OR (COALESCE("+delivery.FieldDeliveredVia+", '') = '' AND COALESCE(last_seen, '') != ''))",
			dbx.Params{"socket": delivery.ViaSocket}),
		dbx.NewExp("(COALESCE(offline_since, '') != '' OR MAX(COALESCE(last_seen, ''), COALESCE("+delivery.FieldDeliveredAt+", '')) < {:cutoff})",
			dbx.Params{"cutoff": delivery.Stamp(now.Add(-after))})))
	if err != nil {
		return err
	}
	if rows, err = m.socketScreens(ctx, rows); err != nil {
		return err
	}
	for _, r := range rows {
		seen, since := r.Sighted(), r.OfflineSince
		fresh := !seen.IsZero() && now.Sub(seen.Time()) <= after
		switch {
		case since.IsZero() && !fresh:
			if m.transition(r, "", delivery.Stamp(now)) {
				m.markMoved()
				m.alert(Alert{Kind: KindOffline, Model: "DisplayWebsite", ID: r.ID, At: m.at(now), Screen: m.info(r)})
			}
		case !since.IsZero() && fresh && seen.Time().After(since.Time()):
			m.mu.Lock()
			first, ok := m.back[r.ID]
			if !ok || seen.Time().Before(first) {
				first = seen.Time()
				m.back[r.ID] = first
			}
			m.mu.Unlock()
			if seen.Time().Sub(first) >= m.cfg.BackAfter && m.transition(r, since.String(), "") {
				m.mu.Lock()
				delete(m.back, r.ID)
				m.moved = true
				m.mu.Unlock()
				m.alert(Alert{Kind: KindOnline, Model: "DisplayWebsite", ID: r.ID, At: m.at(now), Screen: m.info(r)})
			}
		case !since.IsZero():
			m.mu.Lock()
			delete(m.back, r.ID) // gone again: the hold starts over
			m.mu.Unlock()
		}
	}
	return nil
}

// socketScreens keeps the rows of screens that play on a socket: those
// whose row says so, and those whose row names no delivery but whose last
// delivery in the store (Redis, where edges record theirs) came through a
// socket, with that delivery's time as a sighting.
func (m *Monitor) socketScreens(ctx context.Context, rows []delivery.Row) ([]delivery.Row, error) {
	var unknown []delivery.Row
	for _, r := range rows {
		if r.Via == "" {
			unknown = append(unknown, r)
		}
	}
	if len(unknown) == 0 {
		return rows, nil
	}
	states, err := m.cfg.Reporter.Store.Of(ctx, unknown)
	if err != nil {
		return nil, err
	}
	out, next := rows[:0], 0 // next: the state of the next unknown row
	for _, r := range rows {
		if r.Via == "" {
			st := states[next]
			next++
			if st.Via != delivery.ViaSocket {
				continue
			}
			r.Via = st.Via
			if dt, err := types.ParseDateTime(st.DeliveredAt); err == nil && dt.Time().After(r.DeliveredAt.Time()) {
				r.DeliveredAt = dt
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func (m *Monitor) markMoved() {
	m.mu.Lock()
	m.moved = true
	m.mu.Unlock()
}

// Reports is how many emergency reports the rounds worked out.
func (m *Monitor) Reports() int64 { return m.reports.Load() }

// unchanged reports whether the numbers of emergency id worked out from
// last still hold for a round about to work them out from next.
func (m *Monitor) unchanged(id string, next summarized) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	last, ok := m.summarized[id]
	return ok && !m.moved && last.gen == next.gen && last.emergency == next.emergency &&
		last.pastDeadline == next.pastDeadline && next.at.Sub(last.at) < summaryEvery
}

// transition sets offline_since from one value to another; only the
// instance whose update matched the row alerts.
func (m *Monitor) transition(r delivery.Row, from, to string) bool {
	res, err := m.app.NonconcurrentDB().Update(collections.DisplayWebsites, dbx.Params{delivery.FieldOfflineSince: to},
		dbx.And(dbx.HashExp{"id": r.ID}, dbx.Or(dbx.HashExp{delivery.FieldOfflineSince: from}, nullWhen(from)))).Execute()
	if err != nil {
		m.app.Logger().Warn("alerts: screen state not stored", "screen", r.ID, "error", err)
		return false
	}
	n, err := res.RowsAffected()
	return err == nil && n == 1
}

func nullWhen(from string) dbx.Expression {
	if from == "" {
		return dbx.NewExp(delivery.FieldOfflineSince + " IS NULL")
	}
	return dbx.NewExp("0")
}

// emergencies sends the live numbers of the active emergencies and
// alerts the ones not acknowledged in time.
func (m *Monitor) emergencies(ctx context.Context, now time.Time) error {
	active, err := m.app.FindAllRecords(collections.EmergencySlideshows, dbx.HashExp{"is_active": true})
	if err != nil {
		return err
	}
	// Read before the reports: news flushed while they are worked out
	// moves it on, and the next round works them out again.
	gen, err := m.cfg.Reporter.Store.Generation(ctx)
	if err != nil {
		gen = delivery.NoGeneration // worked out from Redis every round
	}
	seen := map[string]bool{}
	for _, e := range active {
		seen[e.Id] = true
		activated := e.GetDateTime(delivery.FieldActivatedAt)
		pastDeadline := !activated.IsZero() && now.Sub(activated.Time()) >= m.cfg.AckWithin
		from := summarized{gen: gen, at: now, emergency: recordKey(e), pastDeadline: pastDeadline}
		if gen != delivery.NoGeneration && m.unchanged(e.Id, from) {
			continue
		}
		rep, err := m.cfg.Reporter.Summarize(ctx, e, now, gen)
		if err != nil {
			return err
		}
		m.reports.Add(1)
		m.mu.Lock()
		m.summarized[e.Id] = from
		m.mu.Unlock()
		m.live(rep)
		if !pastDeadline {
			continue // not a copy of ten thousand unacknowledged screens every round
		}
		missing := rep.Unacknowledged()
		if len(missing) == 0 {
			continue
		}
		if !m.claim(ctx, "unacknowledged:"+e.Id+":"+activated.String()) {
			continue
		}
		a := Alert{Kind: KindUnacknowledged, Model: "EmergencySlideshow", ID: e.Id, At: m.at(now), Summary: &rep.Summary}
		for _, s := range missing {
			a.Screens = append(a.Screens, *m.info(s.Row))
		}
		m.alert(a)
	}
	// A switched-off emergency gets its last numbers once.
	m.mu.Lock()
	var ended []string
	for id := range m.sent {
		if !seen[id] {
			ended = append(ended, id)
		}
	}
	for id := range m.summarized {
		if !seen[id] {
			delete(m.summarized, id)
		}
	}
	m.mu.Unlock()
	for _, id := range ended {
		if e, err := m.app.FindRecordById(collections.EmergencySlideshows, id); err == nil {
			if rep, err := m.cfg.Reporter.Summarize(ctx, e, now, gen); err == nil {
				m.live(rep)
			}
		}
		m.mu.Lock()
		delete(m.sent, id)
		m.mu.Unlock()
	}
	return nil
}

// LiveEvent is the custom-event of an emergency's delivery numbers.
type LiveEvent struct {
	Model       string           `json:"model"`
	ID          string           `json:"id"`
	EmergencyID string           `json:"emergency_id"`
	IsActive    bool             `json:"is_active"`
	Summary     delivery.Summary `json:"summary"`
}

// live sends rep's summary to every instance's clients (this one's
// without a hub) when it changed.
func (m *Monitor) live(rep *delivery.Report) {
	ev := LiveEvent{Model: ModelDelivery, ID: rep.Emergency.Id, EmergencyID: rep.Emergency.Id, IsActive: rep.Active, Summary: rep.Summary}
	raw, err := json.Marshal(ev)
	if err != nil {
		return
	}
	m.mu.Lock()
	last, ok := m.sent[rep.Emergency.Id]
	m.sent[rep.Emergency.Id] = string(raw)
	m.mu.Unlock()
	if ok && last == string(raw) {
		return
	}
	switch {
	case m.cfg.Hub != nil:
		if err := m.cfg.Hub.Publish(context.Background(), sse.Topic, raw); err != nil {
			m.app.Logger().Warn("alerts: live numbers not published to the other instances", "error", err)
		}
	case m.cfg.Events != nil:
		m.cfg.Events.Send(raw)
	}
}

// claim reports whether this instance is the first to take key.
func (m *Monitor) claim(ctx context.Context, key string) bool {
	if m.cfg.Redis != nil {
		ok, err := m.cfg.Redis.SetNX(ctx, m.cfg.Prefix+key, "1", 7*24*time.Hour).Result()
		if err != nil {
			m.app.Logger().Warn("alerts: Redis not reachable; alerting from this instance", "error", err)
		} else {
			return ok
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.claimed[key] {
		return false
	}
	m.claimed[key] = true
	return true
}

// alert publishes a on every instance's event stream and posts it.
func (m *Monitor) alert(a Alert) {
	raw, err := json.Marshal(a)
	if err != nil {
		return
	}
	m.app.Logger().Warn("alert", "event", a.Kind, "id", a.ID)
	if m.cfg.Hub != nil {
		if err := m.cfg.Hub.Publish(context.Background(), sse.Topic, raw); err != nil {
			m.app.Logger().Warn("alerts: not published to the other instances", "error", err)
		}
	}
	if m.cfg.Webhook != nil {
		m.cfg.Webhook.Post(raw)
	}
}

func (m *Monitor) info(r delivery.Row) *ScreenInfo {
	i := &ScreenInfo{ID: r.ID, Name: r.Name, Branch: r.Branch, Group: r.Group}
	if !r.LastSeen.IsZero() {
		i.LastSeen = m.at(r.LastSeen.Time())
	}
	return i
}

func (m *Monitor) at(t time.Time) string { return t.In(m.cfg.Location).Format(time.RFC3339) }

// Package screens serves /ws/screens/: a player authenticates with its
// branch API key and screen id, then receives what it should play at once
// and again whenever that changes (an edit of anything it shows, a
// schedule, default or emergency change, or a schedule boundary passing).
//
// One manager goroutine recomputes after each change, once per group
// rather than per screen (playback.Player caches by group), and a small
// pool of senders writes to the sockets, so ten thousand idle screens cost
// one reader goroutine each and nothing else.
package screens

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"

	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/realtime/changes"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/wsconn"
)

// handshakeSlots is how many handshakes may query the database at once.
const handshakeSlots = 4

// Config tunes the manager; zero values take the defaults.
type Config struct {
	Hub    hub.Hub
	Player *playback.Player
	Health *playback.Health
	// Delivery records what each screen was delivered and acknowledged
	// (nil: an in-process store of its own).
	Delivery *delivery.Store
	// AuthTimeout is how long a socket may stay unauthenticated (10s).
	AuthTimeout time.Duration
	// PingInterval is how often screens are pinged (30s); a screen that
	// answers nothing for two and a half intervals is dropped.
	PingInterval time.Duration
	// MaxMessage is the largest message a screen may send (4 KiB).
	MaxMessage int64
	// Senders is the number of goroutines writing to sockets (16).
	Senders int
	// Now is the clock of content and health (time.Now).
	Now func() time.Time
	// Expire, when set, is called on every recompute: it does what is due
	// at now (switching off expired emergencies) and returns the next
	// instant it is due again (zero: none), which the schedule timer wakes
	// at too, whether or not any screen is connected.
	Expire func(now time.Time) (time.Time, error)
	// Source, when set, is where keys, screens and content come from
	// instead of the app's database through Player; its owner then tells
	// the manager of changes (Reload), and Health may be nil.
	Source Source
}

func (c *Config) defaults() {
	if c.AuthTimeout <= 0 {
		c.AuthTimeout = 10 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 30 * time.Second
	}
	if c.MaxMessage <= 0 {
		c.MaxMessage = 4 << 10
	}
	if c.Senders <= 0 {
		c.Senders = 16
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Observer hears the latencies the manager measures (cmd/metrics).
type Observer interface {
	// Pushed: a content frame was written this long after the commit of
	// the change that caused it.
	Pushed(time.Duration)
	// Acked: a screen acknowledged a content frame this long after it was
	// written.
	Acked(time.Duration)
}

// Manager owns the screen sockets of one instance.
type Manager struct {
	app core.App
	cfg Config
	up  *websocket.Upgrader

	mu          sync.Mutex
	screens     map[*screen]struct{}
	handshaking map[*wsconn.Conn]struct{}
	closed      bool

	wake    chan struct{}  // a recompute is due (capacity 1: requests coalesce)
	force   atomic.Bool    // the next recompute resends to every screen
	reload  atomic.Bool    // the next recompute rereads the screens' rows first
	dbSlots chan struct{}  // bounds the handshakes doing database work at once
	sendq   chan []*screen // batches of screens with something to send
	timerMu sync.Mutex
	timer   *time.Timer // fires at the earliest schedule boundary, wakeAt
	wakeAt  time.Time
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	conns   sync.WaitGroup // one per open socket
	unsub   func()
	start   sync.Once

	settle      *time.Timer  // fires when no handshake happened for a while
	settledConn int          // Connected() at the last release (settle's goroutine only)
	unsettled   atomic.Int64 // content frames written since the last release

	busy  atomic.Int64  // recomputes and send batches under way (WaitQuiet)
	ended chan struct{} // a fan-out's last batch was written (capacity 1)

	pushes, pushBytes atomic.Uint64 // content frames written, and their bytes
	changedAt         atomic.Int64  // earliest commit (Unix ms) not recomputed yet; 0: none
	observer          atomic.Pointer[Observer]
}

// Observe makes o hear the push and ack latencies.
func (m *Manager) Observe(o Observer) { m.observer.Store(&o) }

func (m *Manager) observe(fn func(Observer)) {
	if o := m.observer.Load(); o != nil {
		fn(*o)
	}
}

// Unacknowledged is the number of this instance's screens whose newest
// content frame is not acknowledged (players that never ack included).
func (m *Manager) Unacknowledged() int {
	n := 0
	for _, s := range m.snapshot() {
		if s.unacknowledged() {
			n++
		}
	}
	return n
}

// Delivery is the store of what screens were delivered and acknowledged.
func (m *Manager) Delivery() *delivery.Store { return m.cfg.Delivery }

// changed notes the commit instant of a change (Unix ms), keeping the
// earliest one not recomputed yet.
func (m *Manager) changed(at int64) {
	for at > 0 {
		old := m.changedAt.Load()
		if (old != 0 && old <= at) || m.changedAt.CompareAndSwap(old, at) {
			return
		}
	}
}

// Sent is the number of content frames written to screens and their bytes.
func (m *Manager) Sent() (frames, bytes uint64) {
	return m.pushes.Load(), m.pushBytes.Load()
}

// A reconnect storm (every screen of an instance at once, after a deploy
// or a network blip) leaves megabytes of handshake garbage that the Go
// runtime returns to the system only slowly (a fan-out of real content to
// as many screens does too). When the storm has settled and the number of
// screens moved by stormSize, or stormSize frames were written, it is
// returned at once, so the instance's RSS reflects its screens rather
// than its last storm.
const (
	stormQuiet = 2 * time.Second
	stormSize  = 500
)

// screenUpgrader accepts any origin (players run on any host: the key is
// the credential) and permessage-deflate when the player offers it, as
// browsers do: a content frame is compressed once for every screen that
// gets it (a PreparedMessage keeps one compressed copy), and a slideshow's
// JSON shrinks to a fraction, which is what a fan-out to thousands of
// screens spends its time on.
func screenUpgrader() *websocket.Upgrader {
	up := wsconn.NewUpgrader(nil, 256)
	up.EnableCompression = true
	return up
}

// New returns a manager; Start launches its goroutines (Register does it
// when the server starts).
func New(app core.App, cfg Config) *Manager {
	cfg.defaults()
	if cfg.Delivery == nil {
		cfg.Delivery = delivery.New(app, nil, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{
		app:         app,
		cfg:         cfg,
		up:          screenUpgrader(),
		screens:     map[*screen]struct{}{},
		handshaking: map[*wsconn.Conn]struct{}{},
		wake:        make(chan struct{}, 1),
		sendq:       make(chan []*screen, 256),
		ended:       make(chan struct{}, 1),
		dbSlots:     make(chan struct{}, handshakeSlots),
		timer:       time.NewTimer(time.Hour),
		ctx:         ctx,
		cancel:      cancel,
	}
	m.timer.Stop()
	m.settle = time.AfterFunc(time.Hour, m.settled)
	m.settle.Stop()
	if cfg.Source != nil {
		m.watchOutages()
		return m
	}
	m.cfg.Source = dbSource{app: app, player: cfg.Player}
	m.unsub = cfg.Hub.Subscribe(changes.Topic, func(msg hub.Message) {
		// Only a screen's own row says which group and branch it is in;
		// anything else changes what the groups play.
		c, err := changes.Decode(msg.Payload)
		if err != nil || c.Collection == collections.DisplayWebsites {
			m.reload.Store(true)
		}
		if err == nil {
			m.changed(c.At)
		}
		if msg.Remote {
			// Another instance committed it, so this one's model hooks never
			// dropped the cached content. It must be dropped before the
			// recompute is woken; another subscriber doing it would race
			// with the recompute (hub handlers run in no set order), and a
			// screen would keep the old content. The caches are shared with
			// the REST API, which this serves too.
			cfg.Player.Changed()
			apikey.Forget(app)
		}
		m.Recompute(false)
	})
	cfg.Hub.OnStatus(func(err error) {
		if err != nil {
			// Off the hub's goroutine: queueing for thousands of screens
			// may wait for busy senders.
			go m.notifyAll(wsconn.Error{Error: msgRedisLost, Code: wsconn.CodeRedis})
			return
		}
		// Messages were lost meanwhile: forget every cached answer (here,
		// for the same reason as above), and everyone gets a fresh snapshot.
		cfg.Player.Changed()
		apikey.Forget(app)
		m.reload.Store(true)
		m.Recompute(true)
	})
	return m
}

// Start launches the recompute loop, the senders and the pinger.
func (m *Manager) Start() {
	m.start.Do(func() {
		m.wg.Add(3 + m.cfg.Senders)
		go func() { defer m.wg.Done(); m.loop() }()
		go func() { defer m.wg.Done(); m.pinger() }()
		go func() { defer m.wg.Done(); m.flusher() }()
		for range m.cfg.Senders {
			go func() { defer m.wg.Done(); m.sender() }()
		}
		if m.cfg.Expire != nil {
			m.Recompute(false) // arm the timer for expiries due before any change
		}
	})
}

// Recompute asks for every connected screen's content to be worked out
// again; force resends it even when unchanged.
func (m *Manager) Recompute(force bool) {
	if force {
		m.force.Store(true)
	}
	select {
	case m.wake <- struct{}{}:
	default: // one is pending already; it will see this change too
	}
}

// Connected is the number of authenticated screens on this instance.
func (m *Manager) Connected() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.screens)
}

// Close ends every socket with 1001 and stops the goroutines.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	all := make([]*wsconn.Conn, 0, len(m.screens)+len(m.handshaking))
	for s := range m.screens {
		all = append(all, s.conn)
	}
	for c := range m.handshaking {
		all = append(all, c)
	}
	m.mu.Unlock()
	m.settle.Stop()
	m.unsub()
	m.cancel()
	for _, c := range all {
		c.Close(websocket.CloseGoingAway, msgShuttingDown)
	}
	m.wg.Wait()
	m.conns.Wait()
}

// handshakeStarted records a socket not authenticated yet, so that Close
// ends it too and waits for it (counted under the lock Close takes, so
// never after Close began waiting); false when the manager is closed.
func (m *Manager) handshakeStarted(c *wsconn.Conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.handshaking[c] = struct{}{}
	m.conns.Add(1)
	return true
}

func (m *Manager) handshakeEnded(c *wsconn.Conn) {
	m.mu.Lock()
	delete(m.handshaking, c)
	m.mu.Unlock()
}

func (m *Manager) add(s *screen) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.screens[s] = struct{}{}
	m.settle.Reset(stormQuiet)
	return true
}

// settled returns the memory of a finished reconnect storm or fan-out
// (see stormQuiet).
func (m *Manager) settled() {
	n := m.Connected()
	pushed := m.unsettled.Swap(0)
	if n-m.settledConn >= stormSize || m.settledConn-n >= stormSize || pushed >= stormSize {
		m.settledConn = n
		debug.FreeOSMemory()
	}
}

func (m *Manager) remove(s *screen) {
	m.mu.Lock()
	delete(m.screens, s)
	m.mu.Unlock()
}

func (m *Manager) snapshot() []*screen {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*screen, 0, len(m.screens))
	for s := range m.screens {
		out = append(out, s)
	}
	return out
}

// loop recomputes on every change and at every schedule boundary; it never
// polls.
func (m *Manager) loop() {
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-m.wake:
		case <-m.timer.C:
		}
		var cause time.Time
		if at := m.changedAt.Swap(0); at > 0 {
			cause = time.UnixMilli(at)
		}
		m.busy.Add(1)
		m.recomputeAll(m.force.Swap(false), m.reload.Swap(false), cause)
		m.busy.Add(-1)
	}
}

// quietPoll is how often WaitQuiet looks whether a fan-out is over.
const quietPoll = 10 * time.Millisecond

// WaitQuiet returns once no fan-out is under way on this instance (no
// recompute running, no frame waiting for a sender), after most at the
// latest, or when ctx ends; it reports whether it is quiet. The
// once-a-second bookkeeping waits for it: the health and delivery flush
// and the alert rounds, run in the middle of a fan-out to thousands of
// screens, took the CPU the writes needed and delayed the last screens by
// their own length (pprof of the realtime bench: a quarter of an
// instance's CPU during a round). Nothing they do is wanted sooner than
// the last frame is written.
func (m *Manager) WaitQuiet(ctx context.Context, most time.Duration) bool {
	deadline := time.Now().Add(most)
	t := time.NewTimer(quietPoll)
	defer t.Stop()
	for m.busy.Load() > 0 {
		if !time.Now().Before(deadline) {
			return false
		}
		t.Reset(quietPoll)
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}

// setWake sets the timer to next, the earliest boundary of every screen's
// content (zero: none).
func (m *Manager) setWake(next time.Time) {
	m.timerMu.Lock()
	defer m.timerMu.Unlock()
	m.wakeAt = next
	m.timer.Stop()
	if !next.IsZero() {
		m.timer.Reset(max(next.Sub(m.cfg.Now()), time.Millisecond))
	}
}

// NextWake is when the schedule timer fires next (zero: not set).
func (m *Manager) NextWake() time.Time {
	m.timerMu.Lock()
	defer m.timerMu.Unlock()
	return m.wakeAt
}

// wakeBy moves the timer earlier when next comes before it.
func (m *Manager) wakeBy(next time.Time) {
	m.timerMu.Lock()
	defer m.timerMu.Unlock()
	if next.IsZero() || (!m.wakeAt.IsZero() && !next.Before(m.wakeAt)) {
		return
	}
	m.wakeAt = next
	m.timer.Reset(max(next.Sub(m.cfg.Now()), time.Millisecond))
}

// pinger pings every screen each interval; pongs are the heartbeat.
func (m *Manager) pinger() {
	t := time.NewTicker(m.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
			for _, s := range m.snapshot() {
				if err := s.conn.Ping(); err != nil {
					s.conn.Close(websocket.CloseGoingAway, "")
				}
			}
		}
	}
}

// flushDelay bounds how long a flush waits for a fan-out to end: a
// reconnect storm keeps the senders busy for seconds.
const flushDelay = 3 * time.Second

// ackSettle is how long after a fan-out ends its acks are shared: most
// arrive within a few milliseconds of their frame.
const ackSettle = 200 * time.Millisecond

// flusher writes the screens' last_seen, last_content, deliveries and
// acks about once a second, between fan-outs. Just after a fan-out it
// also shares the deliveries and acks through Redis, so an operator
// waiting for every screen to confirm an emergency sees the other
// instances' acks in the report a moment later, not at the next tick;
// the rows wait for that tick, which writes each screen's sighting,
// delivery and ack of the change in one UPDATE instead of two (an UPDATE
// costs an instance more than the socket write of the change, by a CPU
// profile of ten thousand screens).
func (m *Manager) flusher() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var last time.Time
	for {
		rows := true
		select {
		case <-m.ctx.Done():
			m.flushHealth()
			return
		case <-t.C:
		case <-m.ended:
			rows = false
			// Not after every new socket of a reconnect storm: at most
			// one flush per ackSettle.
			select {
			case <-time.After(ackSettle):
			case <-m.ctx.Done():
				continue
			}
			if time.Since(last) < ackSettle {
				continue
			}
		}
		m.WaitQuiet(m.ctx, flushDelay)
		if rows {
			m.flushHealth()
		} else {
			m.shareDeliveries()
		}
		last = time.Now()
	}
}

// shareDeliveries hands the deliveries and acks to the other instances.
func (m *Manager) shareDeliveries() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.cfg.Delivery.Share(ctx); err != nil {
		m.app.Logger().Warn("screen delivery not shared through Redis; the rows get it with the next flush", "error", err)
	}
}

// flushHealth writes the sightings and the deliveries together: one
// UPDATE per screen rather than one for each (a fan-out gives every
// screen both).
func (m *Manager) flushHealth() {
	sightings := m.cfg.Health.Take()
	if err := m.cfg.Health.Flush(); err != nil { // a remote Health sends its own
		m.app.Logger().Warn("screen health", "error", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.cfg.Delivery.Flush(ctx, sightings); err != nil {
		m.app.Logger().Warn("screen delivery not stored; retried", "error", err)
	}
}

// notifyAll queues an error frame for every screen (it does not close).
func (m *Manager) notifyAll(frame wsconn.Error) {
	raw, err := rest.Marshal(frame)
	if err != nil {
		return
	}
	all := m.snapshot()
	for _, s := range all {
		s.queueNotice(raw)
	}
	m.enqueue(all...)
}

// sendBatch is how many screens a sender takes at once: handing over
// thousands of screens one by one would cost more than the writes.
const sendBatch = 64

// enqueue hands the screens that are not queued yet to the senders.
func (m *Manager) enqueue(screens ...*screen) {
	batch := make([]*screen, 0, min(len(screens), sendBatch))
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		m.busy.Add(1) // until a sender has written the batch
		select {
		case m.sendq <- batch:
			batch = make([]*screen, 0, sendBatch)
			return true
		case <-m.ctx.Done():
			m.busy.Add(-1)
			return false
		}
	}
	for _, s := range screens {
		if !s.markQueued() {
			continue
		}
		if batch = append(batch, s); len(batch) == sendBatch && !flush() {
			return
		}
	}
	flush()
}

// sender writes whatever is pending for the screens it is handed.
func (m *Manager) sender() {
	for {
		select {
		case <-m.ctx.Done():
			return
		case batch := <-m.sendq:
			for _, s := range batch {
				for more := true; more; {
					var f frame
					var err error
					f, more, err = s.flush()
					if err != nil && !errors.Is(err, errClosed) {
						s.conn.Close(websocket.CloseGoingAway, "")
					}
					if f.size > 0 {
						m.written(s, f)
					}
				}
			}
			if m.busy.Add(-1) == 0 {
				select {
				case m.ended <- struct{}{}:
				default:
				}
			}
		}
	}
}

// written records a content frame written to s: counted, delivered, and
// its push latency when the change that caused it is known. Latencies are
// measured on the wall clock, whatever the manager's clock.
func (m *Manager) written(s *screen, f frame) {
	// A fan-out to thousands of screens leaves its garbage (renderings,
	// the health and delivery batches) like a reconnect storm does.
	if m.unsettled.Add(1) == stormSize {
		m.settle.Reset(stormQuiet)
	}
	m.pushes.Add(1)
	m.pushBytes.Add(uint64(f.size))
	wall := time.Now()
	m.cfg.Delivery.Delivered(s.id, f.version, m.cfg.Now(), delivery.ViaSocket)
	if !f.cause.IsZero() {
		m.observe(func(o Observer) { o.Pushed(max(wall.Sub(f.cause), 0)) })
	}
}

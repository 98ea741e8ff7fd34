// Package mirror is an edge's copy of the screen state the primary
// publishes (package state): loaded whole at start and after every Redis
// outage, brought up to date by the change notices, and kept as it is
// while Redis or the primary are away, so screens go on playing. It
// answers the screens' socket manager (screens.Source) and the REST
// player from memory.
package mirror

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/realtime/edge/state"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/screens"
	"github.com/openstream-go/openstream/schedule"
)

// retryAfter is how soon a failed load or read is tried again.
const retryAfter = time.Second

// Mirror is the state as last read from Redis.
type Mirror struct {
	store    *state.Store
	log      *slog.Logger
	onChange func(force bool)

	mu    sync.RWMutex
	snap  *state.Snapshot
	byUID map[string]string // branch + "\n" + uid -> screen id

	loaded  atomic.Bool
	full    atomic.Bool // the next step is a full load
	force   atomic.Bool // and it resends to every screen (notices were lost)
	pending chan state.Notice
	kick    chan struct{}
	unsub   func()
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New follows the notices on h; onChange is called after every change
// applied, with force after the full load that follows a Redis outage
// (changes may have been missed, so every screen gets its content again).
func New(h hub.Hub, store *state.Store, log *slog.Logger, onChange func(force bool)) *Mirror {
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Mirror{
		store: store, log: log, onChange: onChange, snap: state.NewSnapshot(), byUID: map[string]string{},
		pending: make(chan state.Notice, 1024), kick: make(chan struct{}, 1), ctx: ctx, cancel: cancel,
	}
	m.full.Store(true)
	m.unsub = h.Subscribe(state.Topic, func(msg hub.Message) {
		n := state.DecodeNotice(msg.Payload)
		if n.Full {
			m.reloadAll()
			return
		}
		select {
		case m.pending <- n:
		default: // too far behind: read everything
			m.reloadAll()
		}
	})
	h.OnStatus(func(err error) {
		if err == nil { // notices were lost meanwhile
			m.force.Store(true)
			m.reloadAll()
		}
	})
	return m
}

func (m *Mirror) reloadAll() {
	m.full.Store(true)
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// Start loads the state and follows the notices until Close.
func (m *Mirror) Start() {
	m.wg.Add(1)
	go func() { defer m.wg.Done(); m.loop() }()
}

// Close stops following.
func (m *Mirror) Close() {
	m.unsub()
	m.cancel()
	m.wg.Wait()
}

// Loaded reports whether a snapshot was ever read (before, the edge has
// nothing to serve).
func (m *Mirror) Loaded() bool { return m.loaded.Load() }

func (m *Mirror) loop() {
	retry := time.NewTimer(0)
	defer retry.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-retry.C:
		case <-m.kick:
		case n := <-m.pending:
			if !m.full.Load() {
				if err := m.apply(m.merge(n)); err != nil {
					m.log.Warn("edge: state not read; reading all of it again", "error", err)
					m.full.Store(true)
				}
			}
		}
		if m.full.Swap(false) {
			if err := m.loadAll(); err != nil {
				if !errors.Is(err, state.ErrNoSnapshot) || m.Loaded() {
					m.log.Warn("edge: state not loaded; serving what it had", "error", err)
				}
				m.full.Store(true)
				retry.Reset(retryAfter)
			}
		}
	}
}

// merge adds the notices queued behind n to it.
func (m *Mirror) merge(n state.Notice) state.Notice {
	for {
		select {
		case more := <-m.pending:
			n.Screens = append(n.Screens, more.Screens...)
			n.Contents = append(n.Contents, more.Contents...)
			n.Keys = append(n.Keys, more.Keys...)
		default:
			return n
		}
	}
}

// loadAll replaces the copy with what Redis holds. Notices queued before
// are covered by it.
func (m *Mirror) loadAll() error {
	for drained := false; !drained; {
		select {
		case <-m.pending:
		default:
			drained = true
		}
	}
	snap, err := m.store.Load(m.ctx)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.snap = snap
	m.index()
	m.mu.Unlock()
	m.loaded.Store(true)
	m.onChange(m.force.Swap(false))
	return nil
}

// apply reads what n names into the copy.
func (m *Mirror) apply(n state.Notice) error {
	fresh := state.NewSnapshot()
	if err := m.store.Read(m.ctx, fresh, n); err != nil {
		return err
	}
	m.mu.Lock()
	copyNamed(m.snap.Screens, fresh.Screens, n.Screens)
	copyNamed(m.snap.Contents, fresh.Contents, n.Contents)
	copyNamed(m.snap.Keys, fresh.Keys, n.Keys)
	if len(n.Screens) > 0 {
		m.index()
	}
	m.mu.Unlock()
	m.onChange(false)
	return nil
}

// copyNamed sets names in dst from src, deleting those src lacks.
func copyNamed[V any](dst, src map[string]V, names []string) {
	for _, name := range names {
		if v, ok := src[name]; ok {
			dst[name] = v
		} else {
			delete(dst, name)
		}
	}
}

// index rebuilds byUID (under the write lock).
func (m *Mirror) index() {
	m.byUID = make(map[string]string, len(m.snap.Screens))
	for id, s := range m.snap.Screens {
		if s.UID != "" {
			m.byUID[s.Branch+"\n"+s.UID] = id
		}
	}
}

var _ screens.Source = (*Mirror)(nil)

// KeyBranch is the branch of an active key.
func (m *Mirror) KeyBranch(raw string) (string, string, error) {
	key, ok := apikey.Normalize(raw)
	if !ok {
		return "", "", apikey.ErrInvalid
	}
	hash, _ := state.HashKey(key)
	m.mu.RLock()
	k, found := m.snap.Keys[hash]
	m.mu.RUnlock()
	if !found || !k.Active {
		return "", "", apikey.ErrInvalid
	}
	return key, k.Branch, nil
}

var errNoScreen = errors.New("edge: no such screen")

// Screen finds a screen by id, or by uid in branch when id is "".
func (m *Mirror) Screen(id, uid, branch string) (screens.Row, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if id == "" {
		id = m.byUID[branch+"\n"+uid]
	} else if canonical, ok := collections.ParseID(id); ok {
		id = canonical
	} else {
		return screens.Row{}, errNoScreen
	}
	s, ok := m.snap.Screens[id]
	if !ok {
		return screens.Row{}, errNoScreen
	}
	return screens.Row{ID: id, Branch: s.Branch, Group: s.Group}, nil
}

// Rows are the screens of ids that exist.
func (m *Mirror) Rows(ids []string) (map[string]screens.Row, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[string]screens.Row, len(ids))
	for _, id := range ids {
		if s, ok := m.snap.Screens[id]; ok {
			out[id] = screens.Row{ID: id, Branch: s.Branch, Group: s.Group}
		}
	}
	return out, nil
}

// Content is what the group plays, as the primary last published it; it
// changes by notices only (the primary wakes at the boundaries).
func (m *Mirror) Content(group, branch string, _ time.Time) (*playback.Content, time.Time, error) {
	m.mu.RLock()
	c, ok := m.snap.Contents[state.ContentName(group, branch)]
	m.mu.RUnlock()
	if group == "" || !ok {
		return nil, time.Time{}, schedule.ErrNoGroup
	}
	if err := c.Err(); err != nil {
		return nil, time.Time{}, err
	}
	return playback.Rendered(c.Body, c.Version, group, c.Last), time.Time{}, nil
}

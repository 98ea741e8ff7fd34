// Package editors serves the collaborative slideshow editing socket
// /ws/slideshows/<id>/?branch=<branch id> (docs/editors-websocket.md, the
// bachelor fork's SlideshowConsumer): authenticate with an access token,
// receive the slideshow, send updates that are saved through the REST
// validation and broadcast to every editor of the slideshow on every
// instance (through the hub), and see who else is editing.
package editors

import (
	"crypto/rand"
	"encoding/hex"
	"hash/fnv"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/gorilla/websocket"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/wsconn"
)

// Config is what the editors' socket needs.
type Config struct {
	Hub hub.Hub
	// Origins are CORS_ALLOWED_ORIGINS: the handshake's Origin must be one
	// of them exactly, else HTTP 403. A missing Origin is refused, and so is
	// every Origin when the list is empty.
	Origins []string
	// Location is the site's time zone (slideshow validation and shapes).
	Location *time.Location
	// AuthTimeout is how long a socket may stay unauthenticated (default 5s).
	AuthTimeout time.Duration
	// MaxMessage is the largest message accepted (default 8 MiB); a larger
	// one is answered with a 4006 error and the socket closed with 1009.
	MaxMessage int64
	// PresenceDelay gathers a slideshow's presence changes into one frame
	// (default DefaultPresenceDelay).
	PresenceDelay time.Duration
}

// Defaults of Config.
const (
	DefaultAuthTimeout = 5 * time.Second
	DefaultMaxMessage  = 8 << 20
)

// Editors is the editors' socket of one instance.
type Editors struct {
	app    core.App
	cfg    Config
	up     *websocket.Upgrader
	prefix string // makes connection ids unique beyond this process
	seq    atomic.Uint64
	locks  [64]sync.Mutex // per slideshow (striped): a save and its broadcast stay in order

	mu       sync.Mutex
	closed   bool
	sessions map[*session]struct{}
	wg       sync.WaitGroup // running sessions
	bg       sync.WaitGroup // resynchronisations after a hub outage

	presenceMu      sync.Mutex
	presenceBatches map[string]*presenceBatch // open windows by slideshow
	presenceStopped bool                      // Close ended them: open no more
	// presenceChecks are the pending rebuilds of a slideshow's list for
	// this instance's editors after another instance's (presenceCheck).
	presenceChecks map[string]*time.Timer
}

// New builds the editors' socket of app and binds its model hooks: a
// slideshow saved any other way (REST, dashboard, hooks) is broadcast to its
// editors, and a deleted one is announced to them.
func New(app core.App, cfg Config) *Editors {
	if cfg.Hub == nil {
		cfg.Hub = hub.NewLocal()
	}
	if cfg.AuthTimeout <= 0 {
		cfg.AuthTimeout = DefaultAuthTimeout
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = DefaultMaxMessage
	}
	if cfg.PresenceDelay <= 0 {
		cfg.PresenceDelay = DefaultPresenceDelay
	}
	origins := slices.DeleteFunc(append([]string{}, cfg.Origins...), func(o string) bool { return o == "" })
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	ed := &Editors{
		app:      app,
		cfg:      cfg,
		up:       wsconn.NewUpgrader(origins, 4096),
		prefix:   hex.EncodeToString(b) + "-",
		sessions: map[*session]struct{}{},

		presenceBatches: map[string]*presenceBatch{},
		presenceChecks:  map[string]*time.Timer{},
	}
	app.OnModelAfterUpdateSuccess(collections.Slideshows).BindFunc(ed.onSaved)
	app.OnModelAfterDeleteSuccess(collections.Slideshows).BindFunc(ed.onDeleted)
	cfg.Hub.OnStatus(ed.onStatus)
	return ed
}

// Serve is GET /ws/slideshows/{id}/: the handshake, then the socket until
// it closes.
func (ed *Editors) Serve(e *core.RequestEvent) error {
	id := e.Request.PathValue("id")
	if !validPath(e.Request.URL.Path, id) {
		return e.NotFoundError("", nil)
	}
	if ed.isClosed() {
		return e.Error(http.StatusServiceUnavailable, "Server shutting down.", nil)
	}
	conn, err := wsconn.Upgrade(ed.up, e.Response, e.Request)
	if err != nil {
		return nil // the upgrader answered (403 for a foreign origin)
	}
	s := newSession(ed, conn, id, e.Request.URL.Query()["branch"])
	if !ed.add(s) {
		conn.Close(websocket.CloseGoingAway, "server shutting down")
		conn.Drain()
		_ = conn.WS().Close()
		return nil
	}
	defer ed.remove(s)
	s.run()
	return nil
}

// validPath is upstream's route ws/slideshows/(\w+)/$: the id is one path
// segment of word characters, followed by the required trailing slash.
func validPath(path, id string) bool {
	if id == "" || !strings.HasSuffix(path, "/"+id+"/") {
		return false
	}
	if !strings.HasSuffix(strings.TrimSuffix(path, id+"/"), "/slideshows/") {
		return false
	}
	for _, r := range id {
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// Close closes every socket with 1001 "server shutting down" and waits
// (boundedly) for them to leave presence. Later handshakes get 503.
func (ed *Editors) Close() {
	ed.mu.Lock()
	if ed.closed {
		ed.mu.Unlock()
		return
	}
	ed.closed = true
	list := make([]*session, 0, len(ed.sessions))
	for s := range ed.sessions {
		list = append(list, s)
	}
	ed.mu.Unlock()
	for _, s := range list {
		s.shutdown()
	}
	ed.stopPresence()
	done := make(chan struct{})
	go func() {
		ed.wg.Wait()
		ed.bg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(wsconn.WriteTimeout + 5*time.Second):
		ed.app.Logger().Warn("realtime: editor sockets did not close in time")
	}
}

func (ed *Editors) isClosed() bool {
	ed.mu.Lock()
	defer ed.mu.Unlock()
	return ed.closed
}

func (ed *Editors) add(s *session) bool {
	ed.mu.Lock()
	defer ed.mu.Unlock()
	if ed.closed {
		return false
	}
	ed.sessions[s] = struct{}{}
	ed.wg.Add(1)
	return true
}

func (ed *Editors) remove(s *session) {
	ed.mu.Lock()
	delete(ed.sessions, s)
	ed.mu.Unlock()
	ed.wg.Done()
}

// active is the number of open sockets (for tests).
func (ed *Editors) active() int {
	ed.mu.Lock()
	defer ed.mu.Unlock()
	return len(ed.sessions)
}

// joinedSessions are the local sockets that have joined a slideshow, by its id.
func (ed *Editors) joinedSessions() map[string][]*session {
	ed.mu.Lock()
	list := make([]*session, 0, len(ed.sessions))
	for s := range ed.sessions {
		list = append(list, s)
	}
	ed.mu.Unlock()
	out := map[string][]*session{}
	for _, s := range list {
		if id := s.joinedID(); id != "" {
			out[id] = append(out[id], s)
		}
	}
	return out
}

func (ed *Editors) lockFor(slideshowID string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(slideshowID))
	return &ed.locks[h.Sum32()%uint32(len(ed.locks))]
}

func topicOf(slideshowID string) string { return "slideshow:" + slideshowID }

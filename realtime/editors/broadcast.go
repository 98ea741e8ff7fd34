package editors

import (
	"context"
	"errors"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/realtime/wsconn"
)

// savedHereKey marks the context of a save made by an editor socket: its
// broadcast is the socket's, after the sender's "Slideshow updated".
type savedHereKey struct{}

// onSaved broadcasts a slideshow saved by anything but an editor socket.
func (ed *Editors) onSaved(e *core.ModelEvent) error {
	r, ok := e.Model.(*core.Record)
	if ok && !ed.isClosed() && (e.Context == nil || e.Context.Value(savedHereKey{}) == nil) {
		raw, err := ed.snapshot(r)
		if err == nil {
			err = ed.cfg.Hub.Publish(context.Background(), topicOf(r.Id), raw)
		}
		if err != nil {
			ed.app.Logger().Warn("realtime: slideshow change not sent to its editors", "id", r.Id, "error", err)
		}
	}
	return e.Next()
}

// onDeleted tells a deleted slideshow's editors; their sockets stay open.
func (ed *Editors) onDeleted(e *core.ModelEvent) error {
	if r, ok := e.Model.(*core.Record); ok && !ed.isClosed() {
		raw := marshalFrame(wsErr(wsconn.CodeNotFound, errNoSlideshow))
		if err := ed.cfg.Hub.Publish(context.Background(), topicOf(r.Id), raw); err != nil {
			ed.app.Logger().Warn("realtime: slideshow deletion not sent to its editors", "id", r.Id, "error", err)
		}
	}
	return e.Next()
}

// onStatus hears the hub's link to the other instances: on a loss every
// local editor is warned; when it is back, each gets the current slideshow
// (what it missed) and presence is broadcast again. It runs on the hub's
// goroutine, so the slow part runs on its own.
func (ed *Editors) onStatus(err error) {
	joined := ed.joinedSessions()
	if err != nil {
		frame := marshalFrame(wsErr(wsconn.CodeRedis, errRedisLost))
		for _, list := range joined {
			for _, s := range list {
				s.send(frame)
			}
		}
		return
	}
	ed.mu.Lock()
	if ed.closed {
		ed.mu.Unlock()
		return
	}
	ed.bg.Add(1)
	ed.mu.Unlock()
	go func() {
		defer ed.bg.Done()
		ed.resync(joined)
	}()
}

func (ed *Editors) resync(joined map[string][]*session) {
	presence := map[string]*presenceBatch{}
	defer func() {
		// One window for all of them, not one after the other.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for id, b := range presence {
			if err := b.wait(ctx); err != nil && !errors.Is(err, context.Canceled) {
				ed.app.Logger().Warn("realtime: presence not re-broadcast", "slideshow", id, "error", err)
			}
		}
	}()
	for id, list := range joined {
		var frame []byte
		r, err := ed.app.FindRecordById(collections.Slideshows, id)
		if err == nil {
			frame, err = ed.snapshot(r)
		}
		if err != nil {
			frame = marshalFrame(wsErr(wsconn.CodeNotFound, errNoSlideshow))
		}
		for _, s := range list {
			if s.joinedID() == id {
				s.send(frame)
			}
		}
		presence[id] = ed.presenceSoon(id)
	}
}

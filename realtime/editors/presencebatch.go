package editors

import (
	"context"
	"errors"
	"time"
)

// DefaultPresenceDelay is how long presence requests of one slideshow are
// gathered into one frame. A burst of joins then costs a frame per editor
// per window instead of one per editor per join (N²/2 for N joins: a
// thousand editors joining at once filled every send queue).
const DefaultPresenceDelay = 100 * time.Millisecond

// presenceBatch is one window of a slideshow's presence requests: every
// request in it is answered by the one frame published at its end, built
// from the members at that moment, so the latest list always wins.
type presenceBatch struct {
	done  chan struct{}
	err   error // of the publish; read after done is closed
	timer *time.Timer
}

// presenceSoon returns the open window of slideshowID, opening one when
// there is none.
func (ed *Editors) presenceSoon(slideshowID string) *presenceBatch {
	if ed.isClosed() { // the sockets that leave while shutting down
		b := &presenceBatch{done: make(chan struct{}), err: errPresenceStopped}
		close(b.done)
		return b
	}
	ed.presenceMu.Lock()
	defer ed.presenceMu.Unlock()
	if ed.presenceStopped { // Close came between the check above and the lock
		b := &presenceBatch{done: make(chan struct{}), err: errPresenceStopped}
		close(b.done)
		return b
	}
	if b, ok := ed.presenceBatches[slideshowID]; ok {
		return b
	}
	b := &presenceBatch{done: make(chan struct{})}
	ed.presenceBatches[slideshowID] = b
	b.timer = time.AfterFunc(ed.cfg.PresenceDelay, func() {
		// Closed first: a request from now on opens the next window,
		// so nobody waits for a frame built before it joined.
		ed.presenceMu.Lock()
		if ed.presenceBatches[slideshowID] != b { // stopPresence took it
			ed.presenceMu.Unlock()
			return
		}
		delete(ed.presenceBatches, slideshowID)
		ed.presenceMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b.err = ed.publishPresence(ctx, slideshowID)
		close(b.done)
	})
	return b
}

// errPresenceStopped answers the requests of windows open at shutdown.
var errPresenceStopped = errors.New("editors: shut down before presence was sent")

// stopPresence ends every open window without publishing (Close).
func (ed *Editors) stopPresence() {
	ed.presenceMu.Lock()
	defer ed.presenceMu.Unlock()
	ed.presenceStopped = true
	for id, b := range ed.presenceBatches {
		b.timer.Stop()
		b.err = errPresenceStopped
		close(b.done)
		delete(ed.presenceBatches, id)
	}
	for id, t := range ed.presenceChecks {
		t.Stop()
		delete(ed.presenceChecks, id)
	}
}

// presenceCheck rebuilds, one window after another instance's presence
// frame arrived, the slideshow's list for this instance's editors alone.
// Frames built by different instances a moment apart may arrive in
// either order, so the last one here could be the older list (seen in a
// join storm of a thousand editors: 23 kept a list without the last
// joins). A list read after the last frame arrived is never older. It is
// not published: the other instances do the same on their own.
func (ed *Editors) presenceCheck(slideshowID string) {
	ed.presenceMu.Lock()
	defer ed.presenceMu.Unlock()
	if ed.presenceStopped || ed.presenceChecks[slideshowID] != nil {
		return
	}
	ed.presenceChecks[slideshowID] = time.AfterFunc(ed.cfg.PresenceDelay, func() {
		ed.presenceMu.Lock()
		delete(ed.presenceChecks, slideshowID)
		stopped := ed.presenceStopped
		ed.presenceMu.Unlock()
		if stopped {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		raw, err := ed.presenceFrame(ctx, slideshowID)
		if err != nil {
			ed.app.Logger().Warn("realtime: presence not rebuilt; the next change sends it", "slideshow", slideshowID, "error", err)
			return
		}
		for _, s := range ed.joinedSessions()[slideshowID] {
			s.setPresence(raw)
		}
	})
}

// wait returns the window's publish error, or ctx's.
func (b *presenceBatch) wait(ctx context.Context) error {
	select {
	case <-b.done:
		return b.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

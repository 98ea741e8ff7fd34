package editors

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/api/slideshowform"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/realtime/wsconn"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

// saveTimeout bounds one update's save.
const saveTimeout = 30 * time.Second

// check runs the load checks (docs/editors-websocket.md, "Loading") for the
// socket's user: the slideshow, or the error to send (a final with a close
// code only when the user is gone or was deactivated meanwhile).
func (s *session) check() (*core.Record, *final) {
	app := s.ed.app
	fail := func(code int, msg string) (*core.Record, *final) { return nil, &final{frame: wsErr(code, msg)} }
	user, err := s.find(collections.Users, s.userID, true)
	if err != nil {
		return fail(wsconn.CodeGeneric, errGeneric)
	}
	if user == nil || !user.GetBool("is_active") {
		return nil, closing(wsErr(wsconn.CodeUnauthorized, errMissingAuth))
	}
	if s.branch == "" {
		return fail(wsconn.CodeNotFound, errNoBranchID)
	}
	branchID, ok := collections.ParseID(s.branch)
	if !ok && !digits(s.branch) { // upstream's ORM refuses it past the existence check
		return fail(wsconn.CodeUnauthorized, errPermission(user.GetString("username"), s.branch))
	}
	branch, err := s.find(collections.Branches, branchID, ok)
	if err != nil {
		return fail(wsconn.CodeGeneric, errGeneric)
	}
	if branch == nil {
		return fail(wsconn.CodeNotFound, errUnknownBranch)
	}
	allowed, err := access.CanAccessBranch(app, user.Id, branch.Id)
	if err != nil {
		s.log().Error("realtime: branch access check failed", "error", err)
		return fail(wsconn.CodeGeneric, errGeneric)
	}
	if !allowed {
		return fail(wsconn.CodeUnauthorized, errPermission(user.GetString("username"), s.branch))
	}
	slideshowID, ok := collections.ParseID(s.param)
	r, err := s.find(collections.Slideshows, slideshowID, ok)
	if err != nil {
		return fail(wsconn.CodeGeneric, errGeneric)
	}
	if r == nil || r.GetString("branch") != branch.Id {
		return fail(wsconn.CodeNotFound, errNoSlideshow)
	}
	return r, nil
}

// find loads a record by a parsed id: nil when there is none (or the id
// was not one, !ok), an error only when the database failed.
func (s *session) find(collection, id string, ok bool) (*core.Record, error) {
	if !ok {
		return nil, nil
	}
	r, err := s.ed.app.FindRecordById(collection, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		s.log().Error("realtime: "+collection+" lookup failed", "error", err)
		return nil, err
	}
	return r, nil
}

func digits(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && strings.Trim(v, "0123456789") == ""
}

// load is what follows a successful authentication: the slideshow and the
// join, or the check's error (the socket stays open, in no group, unless
// the user is gone).
func (s *session) load() *final {
	r, f := s.check()
	if f != nil {
		if f.close != 0 {
			return f
		}
		s.sendError(f.frame)
		return nil
	}
	s.join(r, true)
	return nil
}

// join subscribes the socket to its slideshow's topic, sends the snapshot
// (withSnapshot), records presence and broadcasts it. Joining twice is a no-op.
func (s *session) join(r *core.Record, withSnapshot bool) {
	id := r.Id
	lock := s.ed.lockFor(id)
	lock.Lock()
	s.mu.Lock()
	if s.joined != "" {
		s.mu.Unlock()
		lock.Unlock()
		return
	}
	s.joined = id
	s.unsub = s.ed.cfg.Hub.Subscribe(topicOf(id), s.deliver)
	s.mu.Unlock()
	if withSnapshot {
		// Rendered after subscribing and under the save lock: no local save
		// falls between the snapshot and the broadcasts that follow it.
		fresh, err := s.ed.app.FindRecordById(collections.Slideshows, id)
		var raw []byte
		if err == nil {
			raw, err = s.ed.snapshot(fresh)
		}
		if err != nil {
			s.log().Error("realtime: slideshow not rendered", "error", err)
			s.sendError(wsErr(wsconn.CodeGeneric, errGeneric))
		} else {
			s.send(raw)
		}
	}
	lock.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.ed.cfg.Hub.Presence().Join(ctx, topicOf(id), s.connID, s.userID); err != nil {
		s.log().Warn("realtime: presence join failed", "error", err)
		s.sendError(wsErr(wsconn.CodeRedis, errPresenceJoin))
	}
	if err := s.ed.broadcastPresence(ctx, id); err != nil && !errors.Is(err, errPresenceStopped) {
		s.log().Warn("realtime: presence broadcast failed", "error", err)
		s.sendError(wsErr(wsconn.CodeRedis, errPresenceBroadcast))
	}
}

// leave undoes join: unsubscribe, leave presence, broadcast it to the rest.
func (s *session) leave() {
	s.mu.Lock()
	id, unsub := s.joined, s.unsub
	s.joined, s.unsub = "", nil
	s.mu.Unlock()
	if id == "" {
		return
	}
	unsub()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.ed.cfg.Hub.Presence().Leave(ctx, topicOf(id), s.connID); err != nil {
		s.log().Warn("realtime: presence leave failed", "error", err)
	}
	// A window that shutdown ended is no failure: every socket is closing.
	if err := s.ed.broadcastPresence(ctx, id); err != nil && !errors.Is(err, errPresenceStopped) {
		s.log().Warn("realtime: presence broadcast failed", "error", err)
	}
}

// update is {"type":"update","data":{...}}: the checks again (a socket
// whose checks now pass joins; one whose checks now fail leaves), then the
// REST PATCH validation and save, "Slideshow updated" to the sender and
// the new slideshow to every editor. Invalid data saves nothing; an update
// based on an older revision saves nothing and gets the current slideshow;
// one that changes nothing is acknowledged and neither saved nor sent.
// fields are data as the editor wrote it: its slideshow_data is stored,
// and so sent to every editor, as written.
func (s *session) update(data rest.Body, fields rest.RawFields) *final {
	r, f := s.check()
	if f != nil {
		s.leave()
		if f.close != 0 {
			return f
		}
		s.sendError(f.frame)
		return nil
	}
	s.join(r, false)
	lock := s.ed.lockFor(r.Id)
	lock.Lock()
	defer lock.Unlock()
	// Re-read under the lock: the save writes every field, so it must
	// start from the latest row.
	fresh, err := s.ed.app.FindRecordById(collections.Slideshows, r.Id)
	if err != nil {
		s.sendError(wsErr(wsconn.CodeNotFound, errNoSlideshow))
		return nil
	}
	form := rest.FormOf(s.ed.app, data, s.ed.cfg.Location).WithRaw(fields)
	s.rebase(form)
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), savedHereKey{}, s.connID), saveTimeout)
	defer cancel()
	saved, err := slideshowform.Apply(ctx, s.ed.app, fresh, form, false)
	if err != nil {
		var re *rest.Error
		switch {
		case errors.As(err, new(*slideshowform.StaleRevisionError)):
			s.sendConflict(fresh.Id)
		case errors.As(err, &re):
			s.sendError(&wsconn.Error{Error: errInvalidUpdate, Code: wsconn.CodeGeneric, Detail: re.Body})
		default:
			s.log().Error("realtime: slideshow update failed", "error", err)
			s.sendError(wsErr(wsconn.CodeGeneric, errGeneric))
		}
		return nil
	}
	s.send(frameUpdated)
	if !saved {
		return nil
	}
	s.saved(fresh.GetInt(collections.RevisionField))
	raw, err := s.ed.snapshot(fresh)
	if err == nil {
		err = s.ed.cfg.Hub.Publish(context.Background(), topicOf(fresh.Id), raw)
	}
	if err != nil {
		s.log().Warn("realtime: slideshow update not broadcast", "error", err)
	}
	return nil
}

// rebase lets an update build on this socket's own saves. An editor that
// sends its next update before the echo of the previous one arrived still
// carries the revision it started from; when every save since then was
// made by this socket, nothing of anyone else's would be undone, so the
// update is based on the latest of them instead.
func (s *session) rebase(f *rest.Form) {
	v, _ := f.Body.String(collections.RevisionField)
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err == nil && n >= s.ownFrom && n < s.ownTo {
		f.Body[collections.RevisionField] = float64(s.ownTo)
	}
}

// saved records that this socket's save made revision n: the run of
// consecutive revisions made by this socket's saves alone grows, or a new
// one starts after someone else's save.
func (s *session) saved(n int) {
	if s.ownTo != n-1 {
		s.ownFrom = n - 1
	}
	s.ownTo = n
}

// sendConflict answers an update based on an older revision with the
// current slideshow: {"error": ..., "code": 4009, "data": <Slideshow>}.
func (s *session) sendConflict(id string) {
	current, err := s.ed.app.FindRecordById(collections.Slideshows, id)
	if err != nil {
		s.sendError(wsErr(wsconn.CodeNotFound, errNoSlideshow))
		return
	}
	obj, err := s.ed.slideshow(current)
	if err != nil {
		s.log().Error("realtime: slideshow not rendered", "error", err)
		s.sendError(wsErr(wsconn.CodeGeneric, errGeneric))
		return
	}
	s.send(marshalFrame(conflictFrame{Error: errStaleRevision, Code: wsconn.CodeConflict, Data: obj}))
}

// conflictFrame is the error frame of an update based on an older revision.
type conflictFrame struct {
	Error string       `json:"error"`
	Code  int          `json:"code"`
	Data  shape.Object `json:"data"`
}

// snapshot is the {"data": <Slideshow>} frame of r.
func (ed *Editors) snapshot(r *core.Record) ([]byte, error) {
	obj, err := ed.slideshow(r)
	if err != nil {
		return nil, err
	}
	return rest.Marshal(map[string]any{"data": obj})
}

// slideshow is r's Slideshow with the camelCase preview keys the editor
// reads (docs/editors-websocket.md, "Loading"); its slideshow_data is the
// stored text, as the editor that saved it wrote it.
func (ed *Editors) slideshow(r *core.Record) (shape.Object, error) {
	obj, err := shape.New(ed.app, ed.cfg.Location).Slideshow(r, true)
	if err != nil {
		return nil, err
	}
	obj["previewWidth"] = obj["preview_width"]
	obj["previewHeight"] = obj["preview_height"]
	obj["isCustomDimensions"] = obj["is_custom_dimensions"]
	return obj, nil
}

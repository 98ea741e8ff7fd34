// Package shape renders records in the JSON shapes of upstream's DRF
// serializers (docs/api.md, "Shapes"), shared by the REST handlers, the
// player's active content and the WebSockets.
//
// A Shaper remembers the categories, tags and organisations it has loaded,
// so a list of slideshows costs one lookup per distinct related record.
package shape

import (
	"encoding/json"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/schedule"
)

// Object is one serialized record. Key order does not matter to the
// frontend, so a map is enough.
type Object = map[string]any

// Shaper renders records of one app; datetimes are shown in Loc.
type Shaper struct {
	app  core.App
	loc  *time.Location
	memo map[string]*core.Record // "collection/id" -> record (nil = missing)
}

// New returns a Shaper for one request (its memo is not invalidated).
func New(app core.App, loc *time.Location) *Shaper {
	if loc == nil {
		loc = time.UTC
	}
	return &Shaper{app: app, loc: loc, memo: map[string]*core.Record{}}
}

// App is the app the Shaper reads from.
func (s *Shaper) App() core.App { return s.app }

// find loads a related record once; a missing one is nil, not an error,
// because a dangling optional relation renders as null.
func (s *Shaper) find(collection, id string) (*core.Record, error) {
	if id == "" {
		return nil, nil
	}
	key := collection + "/" + id
	if r, ok := s.memo[key]; ok {
		return r, nil
	}
	r, err := s.app.FindRecordById(collection, id)
	if err != nil {
		if isNotFound(err) {
			s.memo[key] = nil
			return nil, nil
		}
		return nil, err
	}
	s.memo[key] = r
	return r, nil
}

// DateTime is a serializer DateTimeField: ISO-8601 in the site's zone with
// its offset, or null when unset.
func (s *Shaper) DateTime(dt types.DateTime) any {
	if dt.IsZero() {
		return nil
	}
	return schedule.IsoFormat(dt.Time().In(s.loc))
}

// ID renders a record id as a JSON number, as upstream's integer keys.
func ID(id string) json.Number { return json.Number(id) }

// NullableID renders an optional relation as a number or null.
func NullableID(id string) any {
	if id == "" {
		return nil
	}
	return ID(id)
}

// NullableString renders "" as null (nullable CharFields).
func NullableString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

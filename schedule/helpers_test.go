package schedule

import (
	"errors"
	"reflect"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zoneinfo
)

var cph = mustLoad(DefaultLocation)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// utc parses "2006-01-02 15:04[:05]" as UTC.
func utc(s string) time.Time { return parseIn(s, time.UTC) }

// local parses "2006-01-02 15:04[:05]" in Copenhagen; use it only for wall
// times that exist once (DST tests spell instants in UTC).
func local(s string) time.Time { return parseIn(s, cph) }

func parseIn(s string, loc *time.Location) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t
		}
	}
	panic("bad time " + s)
}

func slideshow(id string) Content {
	return Content{Kind: KindSlideshow, ID: id, Name: "Slideshow " + id}
}
func playlist(id string) Content { return Content{Kind: KindPlaylist, ID: id, Name: "Playlist " + id} }

// ids pulls the id lists out of a result for compact comparisons.
type ids struct {
	Slideshows, Playlists, Scheduled, Recurring, Emergencies []string
}

func idsOf(r Result) ids {
	return ids{r.SlideshowIDs, r.PlaylistIDs, r.ScheduledContentIDs, r.RecurringContentIDs, r.EmergencyIDs}
}

// itemIDs lists "slideshowID" for wrapped items and "playlistID/itemID" for
// playlist items, in order.
func itemIDs(items []Item) []string {
	out := []string{}
	for _, it := range items {
		if it.Wrapped {
			out = append(out, it.SlideshowID)
		} else {
			out = append(out, it.PlaylistID+"/"+it.ID)
		}
	}
	return out
}

func mustActive(t *testing.T, in Input, g string, at time.Time, loc *time.Location) Result {
	t.Helper()
	r, err := Active(in, g, at, loc)
	if err != nil {
		t.Fatalf("Active(%s, %v): %v", g, at, err)
	}
	return r
}

// activeRows is "scheduled ids | recurring ids" at an instant, or the error.
func activeRows(t *testing.T, in Input, g string, at time.Time, loc *time.Location) []string {
	t.Helper()
	r, err := Active(in, g, at, loc)
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	out := []string{}
	for _, id := range r.ScheduledContentIDs {
		out = append(out, "s"+id)
	}
	for _, id := range r.RecurringContentIDs {
		out = append(out, "r"+id)
	}
	return out
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

func validationMessage(err error) string {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Message
	}
	if err != nil {
		return "other error: " + err.Error()
	}
	return ""
}

package hooks

import (
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/schedule"
)

// registerSchedules enforces upstream's save rules of one-off and recurring
// schedules and the conflict rules (docs/api.md, "Conflicts"), reading
// wall-clock times in loc. Upstream answered most of these with a 500; here
// they are field errors (400).
func registerSchedules(app core.App, loc *time.Location) {
	app.OnRecordValidate(collections.ScheduledContents, collections.RecurringScheduledContents).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return validateSchedule(e.App, e.Record, loc)
	})
}

func validateSchedule(app core.App, r *core.Record, loc *time.Location) error {
	group, err := app.FindRecordById(collections.DisplayWebsiteGroups, r.GetString("display_website_group"))
	if err != nil {
		return nil // the relation check has reported it
	}
	slideshowID, playlistID := r.GetString("slideshow"), r.GetString("playlist")
	if (slideshowID == "") == (playlistID == "") {
		return fieldError("slideshow", "validation_exactly_one_content", MsgExactlyOneContent)
	}
	field, collection, msg, id := "slideshow", collections.Slideshows, MsgSlideshowGroupAspt, slideshowID
	if playlistID != "" {
		field, collection, msg, id = "playlist", collections.Playlists, MsgPlaylistGroupAspt, playlistID
	}
	content, err := app.FindRecordById(collection, id)
	if err != nil {
		return nil
	}
	if have, want := content.GetString("aspect_ratio"), group.GetString("aspect_ratio"); have != want {
		return fieldError(field, "validation_aspect_ratio_mismatch", fmt.Sprintf(msg, have, want))
	}
	if err := sameOrganisation(app, field, group.GetString("branch"), content.GetString("branch"),
		fmt.Sprintf(MsgContentOtherOrg, field)); err != nil {
		return err
	}

	// Upstream stored one-off windows that end before they start (never
	// active, yet in the way of other rows); the issue asks for a 400.
	if start, end := r.GetDateTime("start_time"), r.GetDateTime("end_time"); r.Collection().Name == collections.ScheduledContents &&
		!start.IsZero() && !end.IsZero() && !start.Time().Before(end.Time()) {
		return fieldError("start_time", "validation_schedule", schedule.MsgStartBeforeEnd)
	}
	in, err := playback.LoadInput(app, []*core.Record{group})
	if err != nil {
		return err
	}
	c := schedule.Content{Kind: schedule.KindSlideshow, ID: id, Name: content.GetString("name")}
	if playlistID != "" {
		c.Kind = schedule.KindPlaylist
	}
	var candidate any = playback.Recurring(r, c)
	if r.Collection().Name == collections.ScheduledContents {
		candidate = playback.OneOff(r, c)
	}
	return scheduleError(schedule.Validate(in, candidate, loc))
}

// scheduleError keys the schedule package's refusals by field: times and
// dates on their fields, conflicts on start_time (the window in the way).
func scheduleError(err error) error {
	var verr *schedule.ValidationError
	var ferr *schedule.FieldError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &verr):
		field := "start_time"
		if verr.Message == schedule.MsgActiveFromBeforeTo {
			field = "active_from"
		}
		return fieldError(field, "validation_schedule", verr.Message)
	case errors.As(err, &ferr):
		return fieldError(ferr.Field, "validation_invalid_value", ferr.Err.Error())
	}
	return err
}

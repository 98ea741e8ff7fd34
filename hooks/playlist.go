package hooks

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// registerPlaylistItems enforces upstream's playlist item rules: no
// interactive slideshows, matching aspect ratios, a position assigned at the
// end when none is given, and the playlist's updated_at moved on every change.
func registerPlaylistItems(app core.App) {
	onSave(app, func(e *core.RecordEvent) error {
		if e.Record.GetInt("position") == 0 {
			next, err := nextPosition(e.App, e.Record.GetString("slideshow_playlist"))
			if err != nil {
				return err
			}
			e.Record.Set("position", next)
		}
		if err := e.Next(); err != nil {
			return err
		}
		return touchPlaylist(e.App, e.Record.GetString("slideshow_playlist"))
	}, collections.PlaylistItems)

	app.OnRecordDelete(collections.PlaylistItems).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return touchPlaylist(e.App, e.Record.GetString("slideshow_playlist"))
	})

	app.OnRecordValidate(collections.PlaylistItems).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		slideshow, err := e.App.FindRecordById(collections.Slideshows, e.Record.GetString("slideshow"))
		if err != nil {
			return nil // the relation check has reported the missing slideshow
		}
		playlist, err := e.App.FindRecordById(collections.Playlists, e.Record.GetString("slideshow_playlist"))
		if err != nil {
			return nil
		}
		if slideshow.GetString("mode") == collections.ModeInteractive {
			return fieldError("slideshow", "validation_interactive_in_playlist",
				"Interactive manage_content cannot be added to playlists.")
		}
		if have, want := slideshow.GetString("aspect_ratio"), playlist.GetString("aspect_ratio"); have != want {
			return fieldError("slideshow", "validation_aspect_ratio_mismatch", fmt.Sprintf(
				"Slideshow aspect ratio (%s) does not match playlist aspect ratio (%s). "+
					"Only slideshows with matching aspect ratios can be added to this playlist.", have, want))
		}
		return nil
	})
}

// nextPosition is one past the playlist's highest position (1 when empty).
func nextPosition(app core.App, playlistId string) (int, error) {
	var max sql.NullInt64
	err := app.ConcurrentDB().Select("MAX([[position]])").From(collections.PlaylistItems).
		Where(dbx.HashExp{"slideshow_playlist": playlistId}).Row(&max)
	if err != nil {
		return 0, err
	}
	return int(max.Int64) + 1, nil
}

// touchPlaylist moves the playlist's updated_at; a playlist already being
// deleted (cascade) is left alone.
func touchPlaylist(app core.App, playlistId string) error {
	playlist, err := app.FindRecordById(collections.Playlists, playlistId)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return app.SaveNoValidate(playlist)
}

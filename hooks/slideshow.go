package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/tools/aspect"
)

// registerSlideshows stores the aspect ratio derived from the preview size,
// so playlists, groups and both API faces can compare it without recomputing,
// and numbers every save (registerRevisions).
func registerSlideshows(app core.App) {
	registerRevisions(app)
	onSave(app, func(e *core.RecordEvent) error {
		e.Record.Set("aspect_ratio", aspect.Ratio(e.Record.GetInt("preview_width"), e.Record.GetInt("preview_height")))
		return e.Next()
	}, collections.Slideshows)
}

package playback

import (
	"database/sql"
	"errors"

	"github.com/openstream-go/openstream/schedule"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// isPlayerError reports the two 404 answers of get-active-content, which
// are answers (and cacheable), not failures.
func isPlayerError(err error) bool {
	return errors.Is(err, schedule.ErrNoGroup) || errors.Is(err, schedule.ErrNoDefaultContent)
}

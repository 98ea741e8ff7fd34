package playback

import (
	"context"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks/audit"
)

// ExpireEmergencies switches off every active emergency whose expires_at
// is not after now, through app's save (so the hooks push the screens, the
// mirror follows and the audit trail records it as the system's
// emergency.expire), and returns the earliest expiry still ahead (zero:
// none). Each is re-read in its own transaction first, so instances racing
// for the same emergency switch it off once.
func ExpireEmergencies(app core.App, now time.Time) (time.Time, error) {
	var rows []*core.Record
	err := app.RecordQuery(collections.EmergencySlideshows).
		AndWhere(dbx.HashExp{"is_active": true}).
		AndWhere(dbx.NewExp("[[expires_at]] != ''")).
		OrderBy("expires_at", "id").All(&rows)
	if err != nil {
		return time.Time{}, err
	}
	for _, r := range rows {
		at := r.GetDateTime("expires_at").Time()
		if at.After(now) {
			return at, nil
		}
		err := app.RunInTransaction(func(tx core.App) error {
			fresh, err := tx.FindRecordById(collections.EmergencySlideshows, r.Id)
			if err != nil || !fresh.GetBool("is_active") || fresh.GetDateTime("expires_at").Time().After(now) {
				return nil // gone, switched off or moved meanwhile
			}
			fresh.Set("is_active", false)
			return tx.SaveWithContext(audit.Expiry(context.Background()), fresh)
		})
		if err != nil {
			return time.Time{}, err
		}
		app.Logger().Info("emergency expired: switched off by the system", "emergency", r.Id, "expires_at", at)
	}
	return time.Time{}, nil
}

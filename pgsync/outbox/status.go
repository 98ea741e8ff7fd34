package outbox

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Status keys the worker keeps for `openstream pgsync status`, which runs
// in another process and can only see the database.
const (
	KeyLastError   = "last_error"
	KeyLastErrorAt = "last_error_at"
	// KeyLastErrorResolvedAt is when the worker first succeeded after the
	// last error; "" while that error is still current.
	KeyLastErrorResolvedAt = "last_error_resolved_at"
	KeyLastAppliedAt       = "last_applied_at"
	KeyAppliedTotal        = "applied_total"
	KeyInstance            = "instance"
)

// SetStatus stores values by key, all or none: the status command must
// never see a new error beside the resolution of the one before.
func SetStatus(app core.App, values map[string]string) error {
	return app.RunInTransaction(func(tx core.App) error {
		for k, v := range values {
			_, err := tx.NonconcurrentDB().NewQuery(`INSERT INTO ` + StatusTable + ` (key, value) VALUES ({:k}, {:v})
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`).Bind(dbx.Params{"k": k, "v": v}).Execute()
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// GetStatus returns the stored value of key ("" when unset).
func GetStatus(app core.App, key string) (string, error) {
	var v string
	err := app.ConcurrentDB().Select("value").From(StatusTable).Where(dbx.HashExp{"key": key}).Row(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

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
	KeyLastError     = "last_error"
	KeyLastErrorAt   = "last_error_at"
	KeyLastAppliedAt = "last_applied_at"
	KeyAppliedTotal  = "applied_total"
	KeyInstance      = "instance"
)

// SetStatus stores values by key.
func SetStatus(app core.App, values map[string]string) error {
	for k, v := range values {
		_, err := app.NonconcurrentDB().NewQuery(`INSERT INTO ` + StatusTable + ` (key, value) VALUES ({:k}, {:v})
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`).Bind(dbx.Params{"k": k, "v": v}).Execute()
		if err != nil {
			return err
		}
	}
	return nil
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

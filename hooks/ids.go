package hooks

import (
	"strconv"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// registerIds keeps given ids within what a JSON number carries exactly; the
// id field's pattern already guarantees digits without a leading zero.
func registerIds(app core.App, names []string) {
	app.OnRecordValidate(names...).BindFunc(func(e *core.RecordEvent) error {
		if id, err := strconv.ParseUint(e.Record.Id, 10, 64); err == nil && id > collections.MaxId {
			return fieldError(core.FieldNameId, "validation_id_too_large", "The id must be at most 9007199254740991 (2^53-1).")
		}
		return e.Next()
	})
}

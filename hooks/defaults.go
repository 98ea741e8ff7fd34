package hooks

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cast"

	"github.com/openstream-go/openstream/collections"
)

// registerDefaults fills upstream defaults on create. A request that omits a
// field gets its default (this is the only way to default a boolean to
// true); a non-boolean left empty by any caller gets it too, because an empty
// mode, size or aspect ratio is never valid upstream.
func registerDefaults(app core.App, names []string) {
	app.OnRecordCreateRequest(names...).BindFunc(func(e *core.RecordRequestEvent) error {
		info, err := e.RequestInfo()
		if err != nil {
			return err
		}
		for field, value := range collections.Defaults(e.Collection.Name) {
			if _, sent := info.Body[field]; !sent {
				e.Record.Set(field, value)
			}
		}
		return e.Next()
	})
	app.OnRecordCreate(names...).BindFunc(func(e *core.RecordEvent) error {
		for field, value := range collections.Defaults(e.Record.Collection().Name) {
			if _, isBool := value.(bool); !isBool && isEmpty(e.Record.Get(field)) {
				e.Record.Set(field, value)
			}
		}
		return e.Next()
	})
}

func isEmpty(v any) bool {
	switch cast.ToString(v) {
	case "", "0", "null":
		return true
	}
	return false
}

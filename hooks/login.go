package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/djangohash"
	"github.com/openstream-go/openstream/collections"
)

// registerLogin makes PocketBase's password login honour two upstream
// rules: inactive users cannot log in, and users imported with a Django
// password hash log in with their old password.
func registerLogin(app core.App) {
	app.OnRecordAuthWithPasswordRequest(collections.Users).BindFunc(func(e *core.RecordAuthWithPasswordRequestEvent) error {
		if e.Record == nil {
			return e.Next()
		}
		if !e.Record.GetBool("is_active") {
			// PocketBase answers a missing record with its generic
			// failure, so an inactive account is not revealed.
			e.Record = nil
			return e.Next()
		}
		if err := UpgradeDjangoPassword(e.App, e.Record, e.Password); err != nil {
			return err
		}
		return e.Next()
	})
}

// UpgradeDjangoPassword checks password against the user's imported Django
// hash; on a match it becomes the user's PocketBase password and the hash is
// cleared, so the next login is an ordinary one. A non-matching password
// changes nothing; the caller's own password check then fails as usual.
func UpgradeDjangoPassword(app core.App, user *core.Record, password string) error {
	hash := user.GetString(collections.DjangoPasswordField)
	if hash == "" || !djangohash.Check(password, hash) {
		return nil
	}
	user.SetPassword(password)
	user.Set(collections.DjangoPasswordField, "")
	// Not validated: an old Django password may be shorter than
	// PocketBase's minimum, and it is the password the user already has.
	return app.SaveNoValidate(user)
}

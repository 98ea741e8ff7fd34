package assets

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

const urlItemModel = "BranchURLCollectionItem"

// userBranch is the signed-in user and upstream's branch_from_request.
func userBranch(e *core.RequestEvent) (*core.Record, *core.Record, error) {
	user, err := rest.RequireUser(e)
	if err != nil {
		return nil, nil, err
	}
	branch, err := rest.BranchFromRequest(e, user)
	return user, branch, err
}

// branchItem is the URL item the path names in the request's branch.
func branchItem(e *core.RequestEvent) (*core.Record, *core.Record, error) {
	user, branch, err := userBranch(e)
	if err != nil {
		return nil, nil, err
	}
	id, err := rest.PathID(e, "pk")
	if err != nil {
		return nil, nil, err
	}
	item, err := e.App.FindRecordById(collections.BranchURLItems, id)
	if err != nil || item.GetString("branch") != branch.Id {
		return nil, nil, rest.NotFound(urlItemModel)
	}
	return user, item, nil
}

func (h *handlers) listURLItems(e *core.RequestEvent) error {
	_, branch, err := userBranch(e)
	if err != nil {
		return err
	}
	rs, err := e.App.FindAllRecords(collections.BranchURLItems, dbx.HashExp{"branch": branch.Id})
	if err != nil {
		return err
	}
	sortBy(rs)
	return rest.JSON(e, http.StatusOK, objects(rs, shape.URLItem))
}

func (h *handlers) getURLItem(e *core.RequestEvent) error {
	_, item, err := branchItem(e)
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, shape.URLItem(item))
}

// createURLItem saves the item in the request's branch; the body's branch
// (required, as upstream's serializer has it) must be one the user can
// access but is otherwise ignored.
func (h *handlers) createURLItem(e *core.RequestEvent) error {
	user, branch, err := userBranch(e)
	if err != nil {
		return err
	}
	item, err := collections.NewRecord(e.App, collections.BranchURLItems)
	if err != nil {
		return err
	}
	item.Set("branch", branch.Id)
	if err := saveURLItem(e, user, item, true); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusCreated, shape.URLItem(item))
}

// patchURLItem may move the item to another branch, but only to one the
// user can access (upstream does not check).
func (h *handlers) patchURLItem(e *core.RequestEvent) error {
	user, item, err := branchItem(e)
	if err != nil {
		return err
	}
	if err := saveURLItem(e, user, item, false); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, shape.URLItem(item))
}

func (h *handlers) deleteURLItem(e *core.RequestEvent) error {
	_, item, err := branchItem(e)
	if err != nil {
		return err
	}
	if err := e.App.Delete(item); err != nil {
		return err
	}
	return rest.NoContent(e)
}

func saveURLItem(e *core.RequestEvent, user, item *core.Record, create bool) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	if v, ok := urlField(f, "url", 255, create); ok {
		item.Set("url", v)
	}
	if v, ok := accessibleBranch(f, "branch", user.Id, create); ok && !create {
		item.Set("branch", v)
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := e.App.Save(item); err != nil {
		return rest.Invalid(err, nil)
	}
	return nil
}

// accessibleBranch is a branch pk the user can access; any other branch
// does not exist for them.
func accessibleBranch(f *rest.Form, key, userID string, required bool) (string, bool) {
	raw, present := f.Body[key]
	if !present || raw == nil {
		switch {
		case present:
			f.Fail(key, "This field may not be null.")
		case required:
			f.Fail(key, rest.MsgRequired)
		}
		return "", present
	}
	s, ok := f.Body.String(key)
	id, valid := collections.ParseID(s)
	if !ok || !valid {
		f.Fail(key, "Incorrect type. Expected pk value, received "+rest.JSONType(raw)+".")
		return "", true
	}
	if ok, err := access.CanAccessBranch(f.App(), userID, id); err != nil || !ok {
		f.Fail(key, `Invalid pk "`+s+`" - object does not exist.`)
		return "", true
	}
	return id, true
}

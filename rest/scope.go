package rest

import (
	"fmt"
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
)

// BranchFromRequest is upstream's branch_from_request: branch_id from the
// body, then the query; the caller must be able to access the branch.
func BranchFromRequest(e *core.RequestEvent, user *core.Record) (*core.Record, error) {
	return fromRequest(e, user, "branch_id", collections.Branches, "Branch", access.CanAccessBranch,
		"User '%s' does not have permission to access branch_id=%s.")
}

// SuborgFromRequest is the same with suborg_id and can_manage_suborg.
func SuborgFromRequest(e *core.RequestEvent, user *core.Record) (*core.Record, error) {
	return fromRequest(e, user, "suborg_id", collections.Suborganisations, "SubOrganisation", access.CanManageSuborg,
		"User '%s' is not org_admin, suborg_admin, or super_admin for suborg_id=%s.")
}

func fromRequest(e *core.RequestEvent, user *core.Record, param, collection, model string,
	allowed func(core.App, string, string) (bool, error), denied string) (*core.Record, error) {
	raw, err := Param(e, param)
	if err != nil {
		return nil, err
	}
	if raw == "" {
		return nil, Detail(http.StatusForbidden, param+" is required.")
	}
	id, ok := collections.ParseID(raw)
	if !ok {
		return nil, Detail(http.StatusForbidden, "Field 'id' expected a number but got '"+raw+"'.")
	}
	rec, err := e.App.FindRecordById(collection, id)
	if err != nil {
		return nil, NotFound(model)
	}
	ok, err = allowed(e.App, user.Id, rec.Id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, Detail(http.StatusForbidden, fmt.Sprintf(denied, user.GetString("username"), rec.Id))
	}
	return rec, nil
}

// PathID is the numeric id in path segment name, or a JSON 404 (upstream's
// <int:pk> routes did not match anything else).
func PathID(e *core.RequestEvent, name string) (string, error) {
	id, ok := collections.ParseID(e.Request.PathValue(name))
	if !ok {
		return "", Detail(http.StatusNotFound, MsgNotFound)
	}
	return id, nil
}

// UserAndRecord is the start of every handler on a /<pk>/ route: the
// signed-in user and the record the path names, or the 401, the JSON 404 for
// a non-numeric segment, or get_object_or_404's 404 with upstream's model name.
func UserAndRecord(e *core.RequestEvent, collection, model string) (*core.Record, *core.Record, error) {
	user, err := RequireUser(e)
	if err != nil {
		return nil, nil, err
	}
	id, err := PathID(e, "pk")
	if err != nil {
		return nil, nil, err
	}
	rec, err := e.App.FindRecordById(collection, id)
	if err != nil {
		return nil, nil, NotFound(model)
	}
	return user, rec, nil
}

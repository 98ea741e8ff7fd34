package rest

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// Param reads name from the body first, then the query string, as
// upstream's branch/suborg-from-request helpers do. Missing is "".
func Param(e *core.RequestEvent, name string) (string, error) {
	body, err := readBody(e)
	if err != nil {
		return "", err
	}
	if v, ok := body.String(name); ok && v != "" {
		return v, nil
	}
	return e.Request.URL.Query().Get(name), nil
}

// FindByID finds a record by an id from the outside world; a value that is
// not an id (not digits, too long) is simply not found.
func FindByID(app core.App, collection, id string) (*core.Record, error) {
	canonical, ok := collections.ParseID(id)
	if !ok {
		return nil, errNotAnID
	}
	return app.FindRecordById(collection, canonical)
}

type notAnIDError struct{}

func (notAnIDError) Error() string { return "not an id" }

var errNotAnID = notAnIDError{}

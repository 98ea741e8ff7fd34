package access

import (
	"database/sql"
	"errors"
	"strings"
	"unicode"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/tools/slug"
)

// BranchOrganisation is the id of the organisation branchID belongs to
// ("" when there is no such branch).
func BranchOrganisation(app core.App, branchID string) (string, error) {
	var org string
	err := app.DB().Select("s.organisation").
		From(collections.Branches+" b").
		InnerJoin(collections.Suborganisations+" s", dbx.NewExp("[[s.id]] = [[b.suborganisation]]")).
		Where(dbx.HashExp{"b.id": branchID}).
		Row(&org)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return org, err
}

// ErrNotFound is returned by ResolveOrganisation when no organisation
// matches; handlers answer it with their 404.
var ErrNotFound = errors.New("organisation not found")

// ResolveOrganisation finds the organisation an org_id / organisation_id /
// path identifier names (docs/api.md, "Requests, ids and paths"). The input is
// trimmed; all digits is a lookup by id and nothing else. Otherwise the first
// of these wins: uri_name = slugify(input), uri_name = lowercase(input), name
// equal to the input ignoring case. The frontend always sends the uri_name.
func ResolveOrganisation(app core.App, identifier string) (*core.Record, error) {
	identifier = strings.TrimFunc(identifier, isPythonSpace)
	if identifier == "" {
		return nil, ErrNotFound
	}
	if isDigits(identifier) {
		// Upstream converts with int(), so "007" names id 7; our ids carry
		// no leading zeros.
		id := strings.TrimLeft(identifier, "0")
		if id == "" {
			return nil, ErrNotFound
		}
		org, err := app.FindRecordById(collections.Organisations, id)
		return org, notFound(err)
	}

	slugged, lowered := slug.Django(identifier), strings.ToLower(identifier)
	var orgs []*core.Record
	err := app.RecordQuery(collections.Organisations).
		Where(dbx.In("uri_name", slugged, lowered)).
		All(&orgs)
	if err != nil {
		return nil, err
	}
	for _, want := range []string{slugged, lowered} {
		for _, org := range orgs {
			if org.GetString("uri_name") == want {
				return org, nil
			}
		}
	}

	// SQLite's LOWER() folds ASCII only, and names are Danish ("Ærø"), so
	// the case-insensitive name match is done in Go over all organisations:
	// they are few, and the frontend never gets here. Names that differ only
	// in case go to the lowest id; ids are digits without leading zeros, so
	// ordering by length, then text, is numeric order.
	var named []*core.Record
	err = app.RecordQuery(collections.Organisations).OrderBy("length(id)", "id").All(&named)
	if err != nil {
		return nil, err
	}
	for _, org := range named {
		if strings.EqualFold(org.GetString("name"), identifier) {
			return org, nil
		}
	}
	return nil, ErrNotFound
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// isPythonSpace is what Python's str.strip() removes: Unicode white space
// plus the information separators U+001C..U+001F.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

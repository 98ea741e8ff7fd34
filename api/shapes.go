package api

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/rest"
)

// The Org, Suborg and Branch shapes of docs/api.md,
// "Organisations, suborganisations and branches".

func orgJSON(org *core.Record) map[string]any {
	return map[string]any{"id": rest.ID(org.Id), "name": org.GetString("name"), "uri_name": org.GetString("uri_name")}
}

// suborgJSON: "organisation" is the organisation's NAME here (upstream's
// serializer), unlike memberships where it is the id.
func suborgJSON(app core.App, s *core.Record) (map[string]any, error) {
	org, err := app.FindRecordById(collections.Organisations, s.GetString("organisation"))
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id":                    rest.ID(s.Id),
		"name":                  s.GetString("name"),
		"organisation":          org.GetString("name"),
		"organisation_uri_name": org.GetString("uri_name"),
	}, nil
}

func branchJSON(app core.App, b *core.Record) (map[string]any, error) {
	s, err := app.FindRecordById(collections.Suborganisations, b.GetString("suborganisation"))
	if err != nil {
		return nil, err
	}
	sj, err := suborgJSON(app, s)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": rest.ID(b.Id), "name": b.GetString("name"), "suborganisation": sj}, nil
}

func branchesJSON(app core.App, bs []*core.Record) ([]any, error) {
	out := make([]any, 0, len(bs))
	for _, b := range bs {
		j, err := branchJSON(app, b)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

// nullableID renders an optional relation as a number or null.
func nullableID(id string) any {
	if id == "" {
		return nil
	}
	return rest.ID(id)
}

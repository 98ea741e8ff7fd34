// Package ddb serves the DDB (Danish library CMS) proxy (docs/api.md,
// "Slide-type data sources"): the kommuner and their libraries and categories,
// and a kommune's coming events, filtered. All routes are public, as
// upstream's are.
package ddb

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/integrations/internal/data"
	"github.com/openstream-go/openstream/integrations/internal/jsonx"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/rest"
)

// Mount adds the DDB routes. baseURLs replace the tables' CMS base URL of
// the kommuner they name.
func Mount(r *router.Router[*core.RequestEvent], d *upstream.Deps, baseURLs map[string]string) {
	s := &source{deps: d, tables: data.Load(), baseURLs: baseURLs}
	rest.Route(r, "/api/ddb/proxy/", rest.Methods{http.MethodGet: func(e *core.RequestEvent) error {
		return rest.JSON(e, http.StatusOK, map[string]string{"message": "Hello from DDB Proxy endpoint!"})
	}})
	rest.Route(r, "/api/ddb/options/", rest.Methods{http.MethodGet: s.options})
	rest.Route(r, "/api/ddb/events/", rest.Methods{http.MethodGet: s.eventsList})
}

type kommuneOption struct {
	BaseURL    string         `json:"base_url"`
	Libraries  []data.Library `json:"libraries"`
	Categories *[]string      `json:"categories,omitempty"` // only when asked for
}

// options lists the kommuner (or the one asked for) with their libraries,
// and with include_categories the categories of their current events; a
// CMS that cannot be read gives no categories rather than an error.
func (s *source) options(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	withCategories := map[string]bool{"true": true, "1": true, "yes": true}[strings.ToLower(last(q, "include_categories"))]
	kommuner := s.tables.Kommuner
	if name := last(q, "kommune"); name != "" {
		k, ok := s.tables.Kommune(name)
		if !ok {
			return &rest.Error{Status: http.StatusBadRequest, Body: jsonx.Object{
				{Key: "error", Value: name + " is an invalid kommune. Supported kommuner are: " + strings.Join(s.tables.KommuneNames(), ", ")},
				{Key: "validKommuner", Value: s.tables.KommuneNames()},
			}}
		}
		kommuner = []data.Kommune{k}
	}

	opts := make([]kommuneOption, len(kommuner))
	var wg sync.WaitGroup
	for i, k := range kommuner {
		opts[i] = kommuneOption{BaseURL: s.baseURL(k), Libraries: k.Libraries}
		if withCategories {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cats := s.categoriesOf(e.Request.Context(), k)
				opts[i].Categories = &cats
			}()
		}
	}
	wg.Wait()
	out := make(jsonx.Object, len(kommuner))
	for i, k := range kommuner {
		out[i] = jsonx.Member{Key: k.Name, Value: opts[i]}
	}
	return rest.JSON(e, http.StatusOK, jsonx.Object{
		{Key: "kommuner", Value: out},
		{Key: "opening_hours_path", Value: s.tables.OpeningHoursPath},
	})
}

func (s *source) categoriesOf(ctx context.Context, k data.Kommune) []string {
	events, err := s.events(ctx, k)
	if err != nil {
		s.deps.Warn("ddb events unavailable for options", "kommune", k.Name, "error", err)
		return []string{}
	}
	return categories(events)
}

// eventsList answers GET /api/ddb/events/: the raw events as the CMS sent
// them, in start order, filtered by the query.
func (s *source) eventsList(e *core.RequestEvent) error {
	q, err := parseQuery(e.Request.URL.Query(), s.tables)
	if err != nil {
		return err
	}
	events, err := s.events(e.Request.Context(), q.kommune)
	if err != nil {
		return fetchError(err)
	}
	cats, err := checkCategories(q.categories, events)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, ev := range filter(events, q, cats, s.deps.Now()) {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(ev.raw)
	}
	buf.WriteByte(']')
	return rest.JSON(e, http.StatusOK, json.RawMessage(buf.Bytes()))
}

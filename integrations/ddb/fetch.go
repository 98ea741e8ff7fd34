package ddb

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"time"

	"github.com/openstream-go/openstream/integrations/internal/data"
	"github.com/openstream-go/openstream/integrations/internal/jsonx"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/rest"
)

// source reads the kommuner's library CMSs.
type source struct {
	deps   *upstream.Deps
	tables data.Tables
	// baseURLs override the tables' base URL per kommune.
	baseURLs map[string]string
}

func (s *source) baseURL(k data.Kommune) string {
	if u := s.baseURLs[k.Name]; u != "" {
		return u
	}
	return k.BaseURL
}

// events returns the kommune's events (cached for 30 minutes), or a
// *upstream.Failure.
func (s *source) events(ctx context.Context, k data.Kommune) ([]*event, error) {
	list, err := s.deps.Load(ctx, "ddb:events:"+k.Name, func(ctx context.Context) ([]byte, time.Duration, error) {
		body, err := s.deps.Get(ctx, s.baseURL(k)+s.tables.EventsPath, nil)
		if err != nil {
			return nil, 0, err
		}
		list, err := objectsOnly(body)
		return list, s.tables.TTL.DDBEvents, err
	})
	if err != nil {
		return nil, err
	}
	return parseEvents(list)
}

// objectsOnly keeps the objects of the upstream's JSON array, as upstream
// kept only dicts.
func objectsOnly(body []byte) ([]byte, error) {
	var v any
	if err := jsonx.Decode(body, &v); err != nil {
		return nil, upstream.Invalidf("Failed to decode JSON: %v", err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, upstream.Invalidf("Unexpected error processing response: expected a JSON array")
	}
	kept := make([]json.RawMessage, 0, len(items))
	for _, item := range items {
		if len(item) > 0 && item[0] == '{' {
			kept = append(kept, item)
		}
	}
	return json.Marshal(kept)
}

// fetchError is the answer to a failed events fetch: the CMS could not be
// reached (or timed out) is 503, an unusable answer 500.
func fetchError(err error) error {
	f := upstream.AsFailure(err)
	if f.Invalid {
		return rest.Keyed(http.StatusInternalServerError, "error", f.Msg)
	}
	return rest.Keyed(http.StatusServiceUnavailable, "error", "Failed to fetch data from external API")
}

// categories are the distinct categories of events, first spelling kept,
// sorted ignoring case.
func categories(events []*event) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, ev := range events {
		v := ev.fields["categories"]
		items, isList := v.([]any)
		if !isList {
			items = []any{v}
		}
		for _, item := range items {
			n := normalize(item)
			if n == "" || seen[n] {
				continue
			}
			seen[n] = true
			label, _ := jsonx.Scalar(item)
			out = append(out, pyStrip(label))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return fold.String(out[i]) < fold.String(out[j]) })
	return out
}

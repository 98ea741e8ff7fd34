// Package winkas serves the WinKAS booking proxy (docs/api.md,
// "Slide-type data sources"): the bookable locations, and today's remaining
// bookings of one location. A screen key or a signed-in user is needed, and
// the caller's organisation must be granted "winkas".
package winkas

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/integrations/internal/jsonx"
	"github.com/openstream-go/openstream/integrations/internal/orgaccess"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/rest"
)

// Mount adds the WinKAS routes; apiURL is WinKAS's API root.
func Mount(r *router.Router[*core.RequestEvent], d *upstream.Deps, apiURL string, creds Credentials) {
	s := &service{deps: d, client: &client{deps: d, url: strings.TrimRight(apiURL, "/"), creds: creds}}
	rest.Route(r, "/api/winkas/locations/", rest.Methods{http.MethodGet: s.locationsList})
	rest.Route(r, "/api/winkas/bookings/", rest.Methods{http.MethodGet: s.bookingsList})
}

type service struct {
	deps   *upstream.Deps
	client *client
}

func (s *service) locationsList(e *core.RequestEvent) error {
	if err := orgaccess.RequireKeyOrUser(e, orgaccess.WinKAS); err != nil {
		return err
	}
	locs, err := s.client.locations(e.Request.Context())
	if err != nil {
		return failed("locations", err)
	}
	return rest.JSON(e, http.StatusOK, answer(locs))
}

// failed is upstream's 500 "Failed to get WinKAS …: reason", or a 503 when
// WinKAS did not answer in time.
func failed(what string, err error) error {
	f := upstream.AsFailure(err)
	status := http.StatusInternalServerError
	if f.Timeout {
		status = http.StatusServiceUnavailable
	}
	return rest.Keyed(status, "error", "Failed to get WinKAS "+what+": "+f.Msg)
}

// bookingsList answers ?location=<id>[&sub_locations=<id>,<id>]: the
// bookings of the location's resources (or of the listed ones), by start.
func (s *service) bookingsList(e *core.RequestEvent) error {
	if err := orgaccess.RequireKeyOrUser(e, orgaccess.WinKAS); err != nil {
		return err
	}
	q := e.Request.URL.Query()
	rawLoc := lastValue(q["location"])
	if rawLoc == "" {
		return rest.Keyed(http.StatusBadRequest, "error", "location parameter is required")
	}
	// Upstream's int() failures were 500s; they are the client's mistake.
	locID, ok := jsonx.PyInt(rawLoc, 1<<53)
	if !ok {
		return rest.Keyed(http.StatusBadRequest, "error", "location must be an integer")
	}
	subs, ok := parseIDs(lastValue(q["sub_locations"]))
	if !ok {
		return rest.Keyed(http.StatusBadRequest, "error", "sub_locations must be comma-separated integers")
	}

	ctx := e.Request.Context()
	locs, err := s.client.locations(ctx)
	if err != nil {
		return failed("bookings", err)
	}
	i := slices.IndexFunc(locs, func(l location) bool { return isInt(l.ID, locID) })
	if i < 0 {
		return rest.Keyed(http.StatusNotFound, "error", "Failed to get WinKAS bookings: no location "+strconv.FormatInt(locID, 10))
	}
	loc := locs[i]
	resources := loc.Bookables
	if subs != nil {
		resources = nil
		for _, b := range loc.Bookables {
			if slices.ContainsFunc(subs, func(id int64) bool { return isInt(b.ID, id) }) {
				resources = append(resources, b)
			}
		}
	}

	key := "winkas:bookings:" + s.client.creds.Username + ":" + strconv.FormatInt(locID, 10) + ":" + idsKey(subs)
	body, err := s.deps.Load(ctx, key, func(ctx context.Context) ([]byte, time.Duration, error) {
		var list []booking
		if len(resources) > 0 {
			var ferr error
			if list, ferr = s.client.bookings(ctx, resources, s.deps.Now()); ferr != nil {
				return nil, 0, ferr
			}
		}
		sort.SliceStable(list, func(a, b int) bool { return list[a].start < list[b].start })
		if list == nil {
			list = []booking{}
		}
		// Upstream's answer for a whole location still carried its id.
		out := jsonx.Object{{Key: "location_name", Value: loc.Name}, {Key: "bookings", Value: list}}
		if subs == nil {
			out = append(jsonx.Object{{Key: "id", Value: loc.ID}}, out...)
		}
		b, err := jsonx.Marshal(out)
		return b, bookingsTTL, err
	})
	if err != nil {
		return failed("bookings", err)
	}
	return rest.JSON(e, http.StatusOK, json.RawMessage(body))
}

// parseIDs reads "1,2,3"; blank is nil (no filter), as upstream's truth test.
func parseIDs(s string) ([]int64, bool) {
	if s == "" {
		return nil, true
	}
	var out []int64
	for _, part := range strings.Split(s, ",") {
		n, ok := jsonx.PyInt(part, 1<<53)
		if !ok {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// idsKey is the sub-location set in a stable form for the cache key.
func idsKey(ids []int64) string {
	if ids == nil {
		return "all"
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	parts := make([]string, len(sorted))
	for i, id := range sorted {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func lastValue(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

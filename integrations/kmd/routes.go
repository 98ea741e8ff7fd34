// Package kmd serves the KMD booking proxy (docs/api.md,
// "Slide-type data sources") of the "KMD Foreningsportalen" slide: today's
// remaining bookings of one of four Lyngby-Taarbæk sports facilities, and the
// facilities' rooms. A screen key or a signed-in user is needed, and the
// caller's organisation must be granted "kmd".
package kmd

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/integrations/internal/data"
	"github.com/openstream-go/openstream/integrations/internal/jsonx"
	"github.com/openstream-go/openstream/integrations/internal/orgaccess"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/rest"
)

// maxBody bounds the request body; the real one is a few dozen bytes.
const maxBody = 1 << 20

// Mount adds the KMD routes; apiURL is KMD's API root, apiKey its
// authenticationCode (KMD_API_KEY).
func Mount(r *router.Router[*core.RequestEvent], d *upstream.Deps, apiURL, apiKey string) {
	s := &service{deps: d, tables: data.Load(), url: strings.TrimRight(apiURL, "/"), key: apiKey}
	rest.Route(r, "/api/kmd/", rest.Methods{http.MethodPost: s.bookings})
	rest.Route(r, "/api/kmd/locations/", rest.Methods{http.MethodGet: s.locations})
}

type service struct {
	deps   *upstream.Deps
	tables data.Tables
	url    string
	key    string
}

// locations are the rooms of each facility, from the table upstream read
// out of its bundled spreadsheet.
func (s *service) locations(e *core.RequestEvent) error {
	if err := orgaccess.RequireKeyOrUser(e, orgaccess.KMD); err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, s.tables.KMDRooms)
}

func (s *service) bookings(e *core.RequestEvent) error {
	if err := orgaccess.RequireKeyOrUser(e, orgaccess.KMD); err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(e.Request.Body, maxBody))
	if err != nil {
		return rest.Keyed(http.StatusBadRequest, "error", "Invalid JSON")
	}
	req, err := parseRequest(body, s.tables)
	if err != nil {
		return err
	}
	records, err := s.records(e.Request.Context(), req.facility)
	if err != nil {
		f := upstream.AsFailure(err)
		if f.Timeout {
			return rest.Keyed(http.StatusServiceUnavailable, "error", "Failed to fetch data: "+f.Msg)
		}
		s.deps.Warn("kmd fetch failed", "facility", req.facility.Name, "error", f.Msg)
		return errInvalid()
	}
	return s.answer(e, req, current(records, s.deps.Now()))
}

// answer picks the facility's group, or the first group when KMD named the
// facility otherwise; with sub_locations, only the wanted rooms.
func (s *service) answer(e *core.RequestEvent, req request, groups []group) error {
	name := req.facility.Name
	for _, g := range groups {
		if g.name != name {
			continue
		}
		rows, isSub := g.records, false
		if req.subs != nil {
			rows, isSub = []record{}, true
			for _, r := range g.records {
				if req.wants(r.ObjectName) || req.wants(r.PartOfObjectName) {
					rows = append(rows, r)
				}
			}
		}
		return s.write(e, name, rows, isSub)
	}
	if len(groups) > 0 {
		return s.write(e, name, groups[0].records, false)
	}
	return rest.Keyed(http.StatusNotFound, "error", "No data found for location "+name)
}

func (s *service) write(e *core.RequestEvent, name string, rows []record, isSub bool) error {
	return rest.JSON(e, http.StatusOK, jsonx.Object{
		{Key: "loc_name", Value: name}, {Key: "data", Value: rows}, {Key: "is_sub_loc", Value: isSub},
	})
}

// records are the facility's bookings of today, kept 15 minutes. Ended
// bookings are dropped when answering, so the cache never shows them.
func (s *service) records(ctx context.Context, f data.Facility) ([]record, error) {
	body, err := s.deps.Load(ctx, "kmd:"+f.Name, func(ctx context.Context) ([]byte, time.Duration, error) {
		if s.key == "" {
			return nil, 0, &upstream.Failure{Msg: "KMD_API_KEY is not configured"}
		}
		today := s.deps.Now().In(upstream.Copenhagen).Format(time.DateOnly)
		u := s.url + "/Monitor/GetFilteredAccessControlRecords?facility=" + url.QueryEscape(f.Code) +
			"&dateTimeFrom=" + today + "&dateTimeTo=" + today + "&authenticationCode=" + url.QueryEscape(s.key)
		answer, err := s.deps.Get(ctx, u, http.Header{"Content-Type": {"application/json"}})
		if err != nil {
			return nil, 0, err
		}
		records, err := recordsOf(answer)
		if err != nil {
			return nil, 0, err
		}
		out, err := json.Marshal(records)
		return out, s.tables.TTL.KMD, err
	})
	if err != nil {
		return nil, err
	}
	var records []record
	return records, jsonx.Decode(body, &records)
}

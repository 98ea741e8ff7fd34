// Package weather serves the newsticker's weather (docs/api.md,
// "Slide-type data sources"): the current conditions of one of 17 Danish
// places from open-meteo's DMI model, as a temperature and two emoji.
package weather

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/openstream-go/openstream/integrations/internal/data"
	"github.com/openstream-go/openstream/integrations/internal/jsonx"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
	"github.com/openstream-go/openstream/rest"
)

// query is the fixed part of upstream's forecast URL.
const query = "&current=temperature_2m,precipitation,cloud_cover,relative_humidity_2m&models=dmi_seamless"

// Mount adds the weather routes; forecasts are read from forecastURL.
func Mount(r *router.Router[*core.RequestEvent], d *upstream.Deps, forecastURL string) {
	s := &service{deps: d, tables: data.Load(), url: forecastURL}
	rest.Route(r, "/api/rss/weather/", rest.Methods{http.MethodGet: s.weather})
	rest.Route(r, "/api/rss/weather/locations/", rest.Methods{http.MethodGet: s.locations})
}

type service struct {
	deps   *upstream.Deps
	tables data.Tables
	url    string
}

func (s *service) locations(e *core.RequestEvent) error {
	names := make([]string, len(s.tables.Places))
	for i, p := range s.tables.Places {
		names[i] = p.Name
	}
	return rest.JSON(e, http.StatusOK, map[string][]string{"locations": names})
}

// weather answers {"weather": {...}}. A failed forecast is {"weather":
// {"error": ...}} with status 200, as upstream answered it, except a
// timeout, which is a 503.
func (s *service) weather(e *core.RequestEvent) error {
	name := ""
	if vals := e.Request.URL.Query()["location"]; len(vals) > 0 {
		name = vals[len(vals)-1] // Django's QueryDict.get: the last one
	}
	if name == "" {
		return rest.Keyed(http.StatusBadRequest, "error", "location parameter is required")
	}
	place, ok := s.tables.Place(name)
	if !ok {
		return rest.Keyed(http.StatusBadRequest, "error", "Invalid location")
	}
	body, err := s.deps.Load(e.Request.Context(), "weather:"+place.Name, func(ctx context.Context) ([]byte, time.Duration, error) {
		return s.fetch(ctx, place)
	})
	if err != nil {
		f := upstream.AsFailure(err)
		status := http.StatusOK
		if f.Timeout {
			status = http.StatusServiceUnavailable
		}
		return rest.JSON(e, status, map[string]map[string]string{"weather": {"error": f.Msg}})
	}
	return rest.JSON(e, http.StatusOK, map[string]json.RawMessage{"weather": body})
}

func (s *service) fetch(ctx context.Context, p data.Place) ([]byte, time.Duration, error) {
	url := s.url + "?latitude=" + string(p.Latitude) + "&longitude=" + string(p.Longitude) + query
	body, err := s.deps.Get(ctx, url, nil)
	if err != nil {
		f := upstream.AsFailure(err)
		switch {
		case f.Status != 0:
			f.Msg = "HTTP error " + itoa(f.Status)
		default:
			f.Msg = "Request error: " + f.Msg
		}
		return nil, 0, f
	}
	w, err := current(body)
	if err != nil {
		return nil, 0, err
	}
	out, err := jsonx.Marshal(w)
	return out, s.tables.TTL.Weather, err
}

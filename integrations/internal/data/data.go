// Package data holds upstream's hard-coded integration tables (DDB
// kommuner, DR feeds, weather places, KMD facilities and rooms), embedded
// from integrations-data.json, copied from the tables the project's
// specification extracted from upstream. Tables keep that file's order: the
// editors show them in that order.
package data

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/openstream-go/openstream/integrations/internal/jsonx"
)

//go:embed integrations-data.json
var raw []byte

// Library is one DDB library (a "branch" in the DDB API).
type Library struct {
	Name     string      `json:"name"`
	BranchID json.Number `json:"branch_id"`
}

// Kommune is a municipality whose library CMS the DDB proxy reads.
type Kommune struct {
	Name      string
	BaseURL   string
	Libraries []Library
}

// Feed is one DR news feed; Slug is the last path segment of its URL.
type Feed struct {
	Name, URL, Slug string
}

// Place is a weather location. Coordinates keep their text so the forecast
// URL reads as upstream's f-string wrote it.
type Place struct {
	Name                string
	Latitude, Longitude json.Number
}

// Facility is a KMD sports facility and the code the KMD API knows it by.
type Facility struct {
	Name, Code string
}

// Tables is the whole data file.
type Tables struct {
	Kommuner         []Kommune
	EventsPath       string
	OpeningHoursPath string
	Feeds            []Feed
	Places           []Place
	Facilities       []Facility
	// KMDRooms is GET /api/kmd/locations/'s answer, verbatim.
	KMDRooms json.RawMessage
	// Default upstream addresses.
	WeatherURL, KMDURL, WinKASURL string
	TTL                           TTLs
}

// TTLs are the cache lifetimes of upstream's cache.set calls.
type TTLs struct {
	DDBEvents, News, Weather, KMD time.Duration
	// DDBTimeout is the only timeout upstream set on an outbound call.
	DDBTimeout time.Duration
}

// Load is the embedded tables; it panics on a malformed file, which a test
// catches before any build ships.
var Load = func() func() Tables {
	t, err := parse(raw)
	if err != nil {
		panic(fmt.Sprintf("integrations data: %v", err))
	}
	return func() Tables { return t }
}()

type file struct {
	DDBKommuner      json.RawMessage `json:"ddb_kommuner"`
	EventsPath       string          `json:"ddb_events_path"`
	OpeningHoursPath string          `json:"ddb_opening_hours_path"`
	Feeds            json.RawMessage `json:"dr_news_feeds"`
	Places           json.RawMessage `json:"weather_locations"`
	Facilities       json.RawMessage `json:"kmd_facilities"`
	KMDRooms         json.RawMessage `json:"kmd_rooms"`
	Weather          struct {
		BaseURL string `json:"base_url"`
	} `json:"weather_api"`
	KMD struct {
		BaseURL string `json:"base_url"`
	} `json:"kmd_api"`
	WinKAS struct {
		BaseURL string `json:"base_url"`
	} `json:"winkas_api"`
	TTL map[string]int `json:"cache_ttl_seconds"`
}

func parse(raw []byte) (Tables, error) {
	var f file
	if err := jsonx.Decode(raw, &f); err != nil {
		return Tables{}, err
	}
	t := Tables{
		EventsPath:       f.EventsPath,
		OpeningHoursPath: f.OpeningHoursPath,
		KMDRooms:         f.KMDRooms,
		WeatherURL:       f.Weather.BaseURL,
		KMDURL:           f.KMD.BaseURL,
		WinKASURL:        f.WinKAS.BaseURL,
		TTL: TTLs{
			DDBEvents:  seconds(f.TTL["ddb_events"]),
			News:       seconds(f.TTL["rss_news_data"]),
			Weather:    seconds(f.TTL["weather_data"]),
			KMD:        seconds(f.TTL["kmd_data"]),
			DDBTimeout: seconds(f.TTL["ddb_request_timeout"]),
		},
	}
	err := eachMember(f.DDBKommuner, func(name string, v json.RawMessage) error {
		var k struct {
			BaseURL   string    `json:"base_url"`
			Libraries []Library `json:"libraries"`
		}
		err := jsonx.Decode(v, &k)
		t.Kommuner = append(t.Kommuner, Kommune{Name: name, BaseURL: k.BaseURL, Libraries: k.Libraries})
		return err
	})
	if err == nil {
		err = eachMember(f.Feeds, func(name string, v json.RawMessage) error {
			var u string
			err := json.Unmarshal(v, &u)
			t.Feeds = append(t.Feeds, Feed{Name: name, URL: u, Slug: u[strings.LastIndex(u, "/")+1:]})
			return err
		})
	}
	if err == nil {
		err = eachMember(f.Places, func(name string, v json.RawMessage) error {
			var p struct{ Latitude, Longitude json.Number }
			err := jsonx.Decode(v, &p)
			t.Places = append(t.Places, Place{Name: name, Latitude: p.Latitude, Longitude: p.Longitude})
			return err
		})
	}
	if err == nil {
		err = eachMember(f.Facilities, func(name string, v json.RawMessage) error {
			var code string
			err := json.Unmarshal(v, &code)
			t.Facilities = append(t.Facilities, Facility{Name: name, Code: code})
			return err
		})
	}
	return t, err
}

func eachMember(raw json.RawMessage, fn func(string, json.RawMessage) error) error {
	members, err := jsonx.Members(raw)
	if err != nil {
		return err
	}
	for _, m := range members {
		if err := fn(m.Key, m.Value); err != nil {
			return fmt.Errorf("%s: %w", m.Key, err)
		}
	}
	return nil
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// Kommune returns the kommune named exactly name.
func (t Tables) Kommune(name string) (Kommune, bool) {
	for _, k := range t.Kommuner {
		if k.Name == name {
			return k, true
		}
	}
	return Kommune{}, false
}

// KommuneNames lists the kommuner in upstream's order.
func (t Tables) KommuneNames() []string {
	names := make([]string, len(t.Kommuner))
	for i, k := range t.Kommuner {
		names[i] = k.Name
	}
	return names
}

// Place returns the weather location named exactly name.
func (t Tables) Place(name string) (Place, bool) {
	for _, p := range t.Places {
		if p.Name == name {
			return p, true
		}
	}
	return Place{}, false
}

// Facility returns the KMD facility named exactly name.
func (t Tables) Facility(name string) (Facility, bool) {
	for _, f := range t.Facilities {
		if f.Name == name {
			return f, true
		}
	}
	return Facility{}, false
}

package data_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/openstream-go/openstream/integrations/internal/data"
)

func TestTables(t *testing.T) {
	d := data.Load()
	if got := d.KommuneNames(); !slices.Equal(got, []string{"Brøndby", "København", "Lyngby-Taarbaek", "Aalborg", "Fredericia"}) {
		t.Errorf("kommuner %v", got)
	}
	if k, ok := d.Kommune("København"); !ok || k.BaseURL != "https://bibliotek.kk.dk/api/v1" || len(k.Libraries) != 4 ||
		k.Libraries[0] != (data.Library{Name: "Hovedbiblioteket", BranchID: "230"}) {
		t.Errorf("København %+v", k)
	}
	if d.EventsPath != "/events" || d.OpeningHoursPath != "/opening_hours" {
		t.Errorf("paths %q %q", d.EventsPath, d.OpeningHoursPath)
	}
	if len(d.Feeds) != 13 || d.Feeds[0] != (data.Feed{Name: "Indland", URL: "https://www.dr.dk/nyheder/service/feeds/indland", Slug: "indland"}) ||
		d.Feeds[12].Name != "Alle nyheder" || d.Feeds[5].Slug != "senestesport" {
		t.Errorf("feeds %+v", d.Feeds)
	}
	if len(d.Places) != 17 || d.Places[0].Name != "København" || d.Places[0].Latitude != "55.614" || d.Places[16].Name != "Fredericia" {
		t.Errorf("places %+v", d.Places)
	}
	if f, ok := d.Facility("Lyngby Idrætsby"); !ok || f.Code != "LST" || len(d.Facilities) != 4 {
		t.Errorf("facilities %+v", d.Facilities)
	}
	var rooms map[string][]string
	if err := json.Unmarshal(d.KMDRooms, &rooms); err != nil || len(rooms) != 4 || rooms["Lundtoftehallen"][25] != "ikke i brug" {
		t.Errorf("rooms %v %v", err, rooms["Lundtoftehallen"])
	}
	want := data.TTLs{DDBEvents: 30 * time.Minute, News: 10 * time.Minute, Weather: 10 * time.Minute, KMD: 15 * time.Minute, DDBTimeout: 15 * time.Second}
	if d.TTL != want {
		t.Errorf("ttl %+v", d.TTL)
	}
	if d.WeatherURL != "https://api.open-meteo.com/v1/forecast" || d.KMDURL != "https://booking-ltk.kmd.dk/kmd_webapi/api" || d.WinKASURL != "https://air.winkas.net/api" {
		t.Errorf("urls %q %q %q", d.WeatherURL, d.KMDURL, d.WinKASURL)
	}
	if _, ok := d.Place("Atlantis"); ok {
		t.Error("unknown place found")
	}
}

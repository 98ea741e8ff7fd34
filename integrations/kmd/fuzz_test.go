package kmd

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/openstream-go/openstream/integrations/internal/data"
	"github.com/openstream-go/openstream/rest"
)

// The request body is the client's input: it is accepted or refused with
// a 400, never a panic, and an accepted one names a known facility.
func FuzzParseRequest(f *testing.F) {
	for _, seed := range []string{
		`{"location":"Engelsborghallerne","sub_locations":["Hal 1",null,1,[2],{"a":3}]}`,
		`{"location":"Lyngby Idrætsby","sub_locations":"all"}`, `{"location":"Virumhallerne","sub_locations":{"x":1}}`,
		`{"location":[1]}`, `{"location":true,"sub_locations":false}`, `[]`, `null`, `"x"`, ``, `{"location":"x"}{}`,
	} {
		f.Add([]byte(seed))
	}
	tables := data.Load()
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseRequest(body, tables)
		if err != nil {
			if e, ok := err.(*rest.Error); !ok || e.Status != 400 {
				t.Fatalf("refusal %v is not a 400", err)
			}
			return
		}
		if _, ok := tables.Facility(req.facility.Name); !ok {
			t.Fatalf("accepted unknown facility %q", req.facility.Name)
		}
		for _, v := range []any{nil, "Hal 1", json.Number("1"), []any{2}, map[string]any{}} {
			req.wants(v)
		}
	})
}

// KMD's answer is outside input too: read, grouped and filtered, it never
// panics, and only bookings with an "HH:MM" end get through.
func FuzzRecords(f *testing.F) {
	f.Add([]byte(`{"AccessControlRecords":{"OccasionRecords":[{"FacilityName":" A ","PartOfObjectName":"EBH - x","ObjectName":"ÆEBH - y","FomKlo":"9:5","TomKlo":"23:59"}]}}`))
	f.Add([]byte(`{"AccessControlRecords":{"OccasionRecords":[{"FacilityName":1,"TomKlo":"24:00"}]}}`))
	f.Add([]byte(`{"AccessControlRecords":null}`))
	now := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC) // the spring DST change
	f.Fuzz(func(t *testing.T, body []byte) {
		records, err := recordsOf(body)
		if err != nil {
			return
		}
		for _, g := range current(records, now) {
			for _, r := range g.records {
				if _, ok := clock(r.TomKlo); !ok || r.FacilityName != g.name {
					t.Fatalf("bad record %+v in group %q", r, g.name)
				}
			}
		}
	})
}

package api

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

// WriteDelivery streams the bytes that encoding the whole report as one
// object gives: keys in order, markup unescaped, nulls where unknown.
func TestWriteDeliveryIsTheReportEncodedWhole(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Copenhagen")
	at := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)
	stamp := func(t time.Time) types.DateTime { dt, _ := types.ParseDateTime(t); return dt }
	active := core.NewRecord(core.NewBaseCollection("emergency_slideshows"))
	active.Id = "417"
	active.Set(delivery.FieldActivatedAt, at)
	never := core.NewRecord(core.NewBaseCollection("emergency_slideshows"))
	never.Id = "418"
	screens := []delivery.Screen{
		{Row: delivery.Row{ID: "1", Name: `Lobby <b>"A"</b> & co`, Branch: "7", Group: "9", LastSeen: stamp(at)},
			Online: true, Delivered: true, Acked: true,
			State: delivery.State{DeliveredVersion: "v1", DeliveredAt: at, Via: delivery.ViaSocket, AckedVersion: "v1", AckedAt: at.Add(time.Second)}},
		{Row: delivery.Row{ID: "2", Name: "Bibliotek Ærø", Branch: "7", Group: "9"}},
		{Row: delivery.Row{ID: "3", Name: "Rådhus", Branch: "8", Group: "10", LastSeen: stamp(at)},
			Online: true, Delivered: false, State: delivery.State{DeliveredVersion: "old", DeliveredAt: at, Via: delivery.ViaREST}},
	}
	for name, rep := range map[string]*delivery.Report{
		"active":    {Emergency: active, Active: true, Summary: delivery.Summary{Screens: 3, Online: 2, Delivered: 1, Acknowledged: 1, Offline: 1}, Screens: screens},
		"no screen": {Emergency: never, Screens: nil},
	} {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			if err := WriteDelivery(&got, rep, loc); err != nil {
				t.Fatal(err)
			}
			s := shape.New(nil, loc)
			list := make([]deliveryScreen, 0, len(rep.Screens))
			for _, sc := range rep.Screens {
				list = append(list, deliveryScreenOf(s, sc))
			}
			want, err := rest.Marshal(map[string]any{
				"emergency_id": shape.ID(rep.Emergency.Id),
				"is_active":    rep.Active,
				"activated_at": s.DateTime(rep.Emergency.GetDateTime(delivery.FieldActivatedAt)),
				"summary":      rep.Summary,
				"screens":      list,
			})
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Fatalf("streamed:\n%s\nwhole:\n%s", got.String(), want)
			}
			var parsed map[string]any
			if err := json.Unmarshal(got.Bytes(), &parsed); err != nil {
				t.Fatal(err)
			}
		})
	}
}

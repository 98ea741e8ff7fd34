package delivery_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/internal/testenv"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/settings"
)

// BenchmarkReport is one delivery report of an emergency over 5,000
// screens, every one delivered and acknowledged through Redis: what the
// alert rounds work out every second of an active emergency, and what an
// operator's poll of the report costs.
func BenchmarkReport(b *testing.B) {
	const screens = 5000
	app := testapp.New(b)
	branch := apitest.NewTenants(b, app).Branch["aarhus"]
	show := apitest.Create(b, app, collections.Slideshows, map[string]any{"name": "s", "branch": branch}).Id
	group := apitest.Create(b, app, collections.DisplayWebsiteGroups, map[string]any{"name": "g", "branch": branch, "default_slideshow": show}).Id
	col, err := app.FindCollectionByNameOrId(collections.DisplayWebsites)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 0, screens)
	err = app.RunInTransaction(func(tx core.App) error {
		for i := range screens {
			r := core.NewRecord(col)
			r.Load(map[string]any{"name": fmt.Sprintf("screen %05d", i), "branch": branch, "display_website_group": group})
			if err := tx.SaveNoValidate(r); err != nil {
				return err
			}
			ids = append(ids, r.Id)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	emergency := apitest.Create(b, app, collections.EmergencySlideshows, map[string]any{
		"slideshow": show, "display_website_groups": []string{group}, "is_active": true,
	})
	client, prefix := testenv.Redis(b)
	store := delivery.New(app, client, prefix)
	now := time.Now()
	for _, id := range ids {
		store.Delivered(id, "v1", now, delivery.ViaSocket)
		store.Acked(id, "v1", now)
	}
	if err := store.Flush(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	rp := &delivery.Reporter{App: app, Player: playback.NewPlayer(app, settings.Default().TimeZone), Store: delivery.New(app, client, prefix)}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := rp.Report(context.Background(), emergency, now)
		if err != nil || rep.Summary.Screens != screens {
			b.Fatalf("%+v %v", rep.Summary, err)
		}
	}
}

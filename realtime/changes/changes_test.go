package changes_test

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/realtime/changes"
	"github.com/openstream-go/openstream/realtime/hub"
)

// recorder keeps every Change published on a hub's changes topic.
type recorder struct {
	mu  sync.Mutex
	got []changes.Change
}

func record(t *testing.T, h hub.Hub) *recorder {
	rec := &recorder{}
	cancel := h.Subscribe(changes.Topic, func(m hub.Message) {
		c, err := changes.Decode(m.Payload)
		if err != nil {
			t.Errorf("undecodable change %s: %v", m.Payload, err)
			return
		}
		if c.At <= 0 {
			t.Errorf("change without its commit instant: %s", m.Payload)
		}
		c.At = 0 // compared on its own: the rows compare the rest
		rec.mu.Lock()
		rec.got = append(rec.got, c)
		rec.mu.Unlock()
	})
	t.Cleanup(cancel)
	return rec
}

// take returns and forgets what was published so far.
func (r *recorder) take() []changes.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

func ids(s ...string) []string { return s }

func TestNotices(t *testing.T) {
	app := testapp.New(t)
	ten := apitest.NewTenants(t, app)
	h := hub.NewLocal()
	changes.Watch(app, h)
	rec := record(t, h)

	b := ten.Branch["aarhus"]
	create := func(collection string, data map[string]any) string {
		t.Helper()
		return apitest.Create(t, app, collection, data).Id
	}
	find := func(collection, id string) *core.Record {
		t.Helper()
		r, err := app.FindRecordById(collection, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	update := func(collection, id string, data map[string]any) {
		t.Helper()
		r := find(collection, id)
		r.Load(data)
		if err := app.Save(r); err != nil {
			t.Fatalf("update %s: %v", collection, err)
		}
	}
	remove := func(collection, id string) {
		t.Helper()
		if err := app.Delete(find(collection, id)); err != nil {
			t.Fatalf("delete %s: %v", collection, err)
		}
	}

	// The rows share these records: each builds on the ones before.
	var (
		slideshow, slideshow2, portrait string
		playlist, playlist2, item       string
		group, group2, group3, screen   string
		sched, recurring, emergency     string
		emergency2, category, tag       string
		schedObj                        *core.Record
	)

	type row struct {
		name string
		do   func(t *testing.T)
		want func() []changes.Change // evaluated after do, so ids are known
	}
	ch := func(collection, action, id string, notices ...changes.Notice) changes.Change {
		return changes.Change{Collection: collection, Action: action, ID: id, Notices: notices}
	}
	n := func(model, id string) changes.Notice { return changes.Notice{Model: model, ID: id} }
	rows := []row{
		// Upstream's post_save signals: reason = class name, object_id = pk.
		{"slideshow create", func(t *testing.T) {
			slideshow = create(collections.Slideshows, map[string]any{"name": "welcome", "branch": b})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.Slideshows, changes.Create, slideshow, n("Slideshow", slideshow))}
		}},
		{"slideshow update", func(t *testing.T) {
			update(collections.Slideshows, slideshow, map[string]any{"name": "welcome!"})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.Slideshows, changes.Update, slideshow, n("Slideshow", slideshow))}
		}},
		{"playlist create", func(t *testing.T) {
			playlist = create(collections.Playlists, map[string]any{"name": "loop", "branch": b})
			playlist2 = create(collections.Playlists, map[string]any{"name": "loop 2", "branch": b})
		}, func() []changes.Change {
			return []changes.Change{
				ch(collections.Playlists, changes.Create, playlist, n("SlideshowPlaylist", playlist)),
				ch(collections.Playlists, changes.Create, playlist2, n("SlideshowPlaylist", playlist2)),
			}
		}},
		{"playlist update", func(t *testing.T) {
			update(collections.Playlists, playlist, map[string]any{"name": "loop!"})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.Playlists, changes.Update, playlist, n("SlideshowPlaylist", playlist))}
		}},
		// Upstream forgets item changes; here they are their playlist's
		// notice (the item hook also touches the playlist: its own update).
		{"playlist item create", func(t *testing.T) {
			item = create(collections.PlaylistItems, map[string]any{"slideshow_playlist": playlist, "slideshow": slideshow})
		}, func() []changes.Change {
			return []changes.Change{
				ch(collections.Playlists, changes.Update, playlist, n("SlideshowPlaylist", playlist)),
				ch(collections.PlaylistItems, changes.Create, item, n("SlideshowPlaylist", playlist)),
			}
		}},
		{"playlist item update", func(t *testing.T) {
			update(collections.PlaylistItems, item, map[string]any{"position": 7})
		}, func() []changes.Change {
			return []changes.Change{
				ch(collections.Playlists, changes.Update, playlist, n("SlideshowPlaylist", playlist)),
				ch(collections.PlaylistItems, changes.Update, item, n("SlideshowPlaylist", playlist)),
			}
		}},
		{"playlist item moved to another playlist notifies both", func(t *testing.T) {
			update(collections.PlaylistItems, item, map[string]any{"slideshow_playlist": playlist2})
		}, func() []changes.Change {
			return []changes.Change{
				ch(collections.Playlists, changes.Update, playlist2, n("SlideshowPlaylist", playlist2)),
				ch(collections.PlaylistItems, changes.Update, item, n("SlideshowPlaylist", playlist2), n("SlideshowPlaylist", playlist)),
			}
		}},
		{"playlist item delete", func(t *testing.T) {
			remove(collections.PlaylistItems, item)
		}, func() []changes.Change {
			return []changes.Change{
				ch(collections.Playlists, changes.Update, playlist2, n("SlideshowPlaylist", playlist2)),
				ch(collections.PlaylistItems, changes.Delete, item, n("SlideshowPlaylist", playlist2)),
			}
		}},
		{"group create", func(t *testing.T) {
			group = create(collections.DisplayWebsiteGroups, map[string]any{"name": "lobby", "branch": b, "default_slideshow": slideshow})
			group2 = create(collections.DisplayWebsiteGroups, map[string]any{"name": "hall", "branch": b, "default_playlist": playlist})
		}, func() []changes.Change {
			return []changes.Change{
				ch(collections.DisplayWebsiteGroups, changes.Create, group, n("DisplayWebsiteGroup", group)),
				ch(collections.DisplayWebsiteGroups, changes.Create, group2, n("DisplayWebsiteGroup", group2)),
			}
		}},
		{"group update", func(t *testing.T) {
			update(collections.DisplayWebsiteGroups, group, map[string]any{"name": "lobby!"})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.DisplayWebsiteGroups, changes.Update, group, n("DisplayWebsiteGroup", group))}
		}},
		// post_save DisplayWebsite adds branch_id (displaywebsite_id is dropped by the Node server).
		{"screen create", func(t *testing.T) {
			screen = create(collections.DisplayWebsites, map[string]any{"name": "screen 1", "branch": b, "display_website_group": group, "uid": "u-1"})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.DisplayWebsites, changes.Create, screen,
				changes.Notice{Model: "DisplayWebsite", ID: screen, BranchID: b})}
		}},
		{"screen update", func(t *testing.T) {
			update(collections.DisplayWebsites, screen, map[string]any{"display_website_group": group2})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.DisplayWebsites, changes.Update, screen,
				changes.Notice{Model: "DisplayWebsite", ID: screen, BranchID: b})}
		}},
		// ScheduledContent post_save and post_delete add display_website_group_id.
		{"scheduled content create", func(t *testing.T) {
			schedObj = apitest.Create(t, app, collections.ScheduledContents, map[string]any{
				"display_website_group": group, "slideshow": slideshow,
				"start_time": "2026-04-01 10:00:00.000Z", "end_time": "2026-04-01 12:00:00.000Z",
			})
			sched = schedObj.Id
		}, func() []changes.Change {
			return []changes.Change{ch(collections.ScheduledContents, changes.Create, sched,
				changes.Notice{Model: "ScheduledContent", ID: sched, DisplayWebsiteGroupID: group})}
		}},
		{"scheduled content update", func(t *testing.T) {
			update(collections.ScheduledContents, sched, map[string]any{"combine_with_default": true})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.ScheduledContents, changes.Update, sched,
				changes.Notice{Model: "ScheduledContent", ID: sched, DisplayWebsiteGroupID: group})}
		}},
		{"scheduled content moved to another group notifies both groups", func(t *testing.T) {
			update(collections.ScheduledContents, sched, map[string]any{"display_website_group": group2, "slideshow": "", "playlist": playlist})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.ScheduledContents, changes.Update, sched,
				changes.Notice{Model: "ScheduledContent", ID: sched, DisplayWebsiteGroupID: group2},
				changes.Notice{Model: "ScheduledContent", ID: sched, DisplayWebsiteGroupID: group})}
		}},
		// The record object the create returned: its Original() is the
		// blank record it was made from, not the stored state.
		{"a record object saved again still notifies the group it left", func(t *testing.T) {
			schedObj.Set("display_website_group", group)
			schedObj.Set("slideshow", slideshow)
			schedObj.Set("playlist", "")
			if err := app.Save(schedObj); err != nil {
				t.Fatal(err)
			}
		}, func() []changes.Change {
			return []changes.Change{ch(collections.ScheduledContents, changes.Update, sched,
				changes.Notice{Model: "ScheduledContent", ID: sched, DisplayWebsiteGroupID: group},
				changes.Notice{Model: "ScheduledContent", ID: sched, DisplayWebsiteGroupID: group2})}
		}},
		{"scheduled content delete", func(t *testing.T) {
			remove(collections.ScheduledContents, sched)
		}, func() []changes.Change {
			return []changes.Change{ch(collections.ScheduledContents, changes.Delete, sched,
				changes.Notice{Model: "ScheduledContent", ID: sched, DisplayWebsiteGroupID: group})}
		}},
		{"recurring scheduled content create", func(t *testing.T) {
			recurring = create(collections.RecurringScheduledContents, map[string]any{
				"display_website_group": group, "playlist": playlist, "weekday": 2,
				"start_time": "08:00", "end_time": "09:00", "active_from": "2026-01-01",
			})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.RecurringScheduledContents, changes.Create, recurring,
				changes.Notice{Model: "RecurringScheduledContent", ID: recurring, DisplayWebsiteGroupID: group})}
		}},
		{"recurring scheduled content moved to another group notifies both groups", func(t *testing.T) {
			update(collections.RecurringScheduledContents, recurring, map[string]any{"display_website_group": group2})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.RecurringScheduledContents, changes.Update, recurring,
				changes.Notice{Model: "RecurringScheduledContent", ID: recurring, DisplayWebsiteGroupID: group2},
				changes.Notice{Model: "RecurringScheduledContent", ID: recurring, DisplayWebsiteGroupID: group})}
		}},
		{"recurring scheduled content delete", func(t *testing.T) {
			remove(collections.RecurringScheduledContents, recurring)
		}, func() []changes.Change {
			return []changes.Change{ch(collections.RecurringScheduledContents, changes.Delete, recurring,
				changes.Notice{Model: "RecurringScheduledContent", ID: recurring, DisplayWebsiteGroupID: group2})}
		}},
		// EmergencySlideshow adds slideshow_id and group_ids.
		{"emergency create", func(t *testing.T) {
			emergency = create(collections.EmergencySlideshows, map[string]any{
				"slideshow": slideshow, "display_website_groups": ids(group, group2), "is_active": true,
			})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.EmergencySlideshows, changes.Create, emergency,
				changes.Notice{Model: "EmergencySlideshow", ID: emergency, SlideshowID: slideshow, GroupIDs: ids(group, group2)})}
		}},
		{"emergency switched off", func(t *testing.T) {
			update(collections.EmergencySlideshows, emergency, map[string]any{"is_active": false})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.EmergencySlideshows, changes.Update, emergency,
				changes.Notice{Model: "EmergencySlideshow", ID: emergency, SlideshowID: slideshow, GroupIDs: ids(group, group2)})}
		}},
		{"emergency whose group was removed lists the removed group too", func(t *testing.T) {
			update(collections.EmergencySlideshows, emergency, map[string]any{"display_website_groups": ids(group2)})
		}, func() []changes.Change {
			return []changes.Change{ch(collections.EmergencySlideshows, changes.Update, emergency,
				changes.Notice{Model: "EmergencySlideshow", ID: emergency, SlideshowID: slideshow, GroupIDs: ids(group2, group)})}
		}},
		{"emergency delete lists the groups it had", func(t *testing.T) {
			remove(collections.EmergencySlideshows, emergency)
		}, func() []changes.Change {
			return []changes.Change{ch(collections.EmergencySlideshows, changes.Delete, emergency,
				changes.Notice{Model: "EmergencySlideshow", ID: emergency, SlideshowID: slideshow, GroupIDs: ids(group2)})}
		}},
		{"emergency without groups omits groupIds", func(t *testing.T) {
			r, err := collections.NewRecord(app, collections.EmergencySlideshows)
			if err != nil {
				t.Fatal(err)
			}
			r.Set("slideshow", slideshow)
			if err := app.SaveNoValidate(r); err != nil { // the API refuses it; legacy rows have it
				t.Fatal(err)
			}
			emergency = r.Id
		}, func() []changes.Change {
			return []changes.Change{ch(collections.EmergencySlideshows, changes.Create, emergency,
				changes.Notice{Model: "EmergencySlideshow", ID: emergency, SlideshowID: slideshow})}
		}},
		// A group deleted out of a multi-group emergency: PocketBase's
		// cascade saves the emergency without it, which must still reach
		// the deleted group's screens; its schedules and the screen
		// detached from it notify on their own, then the group.
		{"group delete cascades to emergency, schedules and screens", func(t *testing.T) {
			group3 = create(collections.DisplayWebsiteGroups, map[string]any{"name": "cafe", "branch": b, "default_slideshow": slideshow})
			emergency2 = create(collections.EmergencySlideshows, map[string]any{"slideshow": slideshow, "display_website_groups": ids(group, group3)})
			sched = create(collections.ScheduledContents, map[string]any{
				"display_website_group": group3, "slideshow": slideshow,
				"start_time": "2026-05-01 10:00:00.000Z", "end_time": "2026-05-01 12:00:00.000Z",
			})
			update(collections.DisplayWebsites, screen, map[string]any{"display_website_group": group3})
			rec.take()
			remove(collections.DisplayWebsiteGroups, group3)
		}, func() []changes.Change {
			return []changes.Change{
				ch(collections.DisplayWebsites, changes.Update, screen, changes.Notice{Model: "DisplayWebsite", ID: screen, BranchID: b}),
				ch(collections.EmergencySlideshows, changes.Update, emergency2,
					changes.Notice{Model: "EmergencySlideshow", ID: emergency2, SlideshowID: slideshow, GroupIDs: ids(group, group3)}),
				ch(collections.ScheduledContents, changes.Delete, sched,
					changes.Notice{Model: "ScheduledContent", ID: sched, DisplayWebsiteGroupID: group3}),
				ch(collections.DisplayWebsiteGroups, changes.Delete, group3, n("DisplayWebsiteGroup", group3)),
			}
		}},
		{"emergency whose last group is deleted is deleted with it", func(t *testing.T) {
			group3 = create(collections.DisplayWebsiteGroups, map[string]any{"name": "cafe 2", "branch": b, "default_slideshow": slideshow})
			emergency2 = create(collections.EmergencySlideshows, map[string]any{"slideshow": slideshow, "display_website_groups": ids(group3)})
			rec.take()
			remove(collections.DisplayWebsiteGroups, group3)
		}, func() []changes.Change {
			return []changes.Change{
				ch(collections.EmergencySlideshows, changes.Delete, emergency2,
					changes.Notice{Model: "EmergencySlideshow", ID: emergency2, SlideshowID: slideshow, GroupIDs: ids(group3)}),
				ch(collections.DisplayWebsiteGroups, changes.Delete, group3, n("DisplayWebsiteGroup", group3)),
			}
		}},
		// One object saved twice in a transaction: both changes are
		// published after the commit, each with the state stored before
		// its own save (and the object's final state).
		{"one record saved twice in a transaction", func(t *testing.T) {
			group3 = create(collections.DisplayWebsiteGroups, map[string]any{"name": "cafe 3", "branch": b, "default_slideshow": slideshow})
			emergency2 = create(collections.EmergencySlideshows, map[string]any{"slideshow": slideshow, "display_website_groups": ids(group)})
			rec.take()
			err := app.RunInTransaction(func(tx core.App) error {
				r, err := tx.FindRecordById(collections.EmergencySlideshows, emergency2)
				if err != nil {
					return err
				}
				r.Set("display_website_groups", ids(group3))
				if err := tx.Save(r); err != nil {
					return err
				}
				r.Set("display_website_groups", ids(group))
				return tx.Save(r)
			})
			if err != nil {
				t.Fatal(err)
			}
		}, func() []changes.Change {
			return []changes.Change{
				ch(collections.EmergencySlideshows, changes.Update, emergency2,
					changes.Notice{Model: "EmergencySlideshow", ID: emergency2, SlideshowID: slideshow, GroupIDs: ids(group)}),
				ch(collections.EmergencySlideshows, changes.Update, emergency2,
					changes.Notice{Model: "EmergencySlideshow", ID: emergency2, SlideshowID: slideshow, GroupIDs: ids(group, group3)}),
			}
		}},
		// Deletes upstream does not signal.
		{"screen delete", func(t *testing.T) {
			remove(collections.DisplayWebsites, screen)
		}, func() []changes.Change {
			return []changes.Change{ch(collections.DisplayWebsites, changes.Delete, screen,
				changes.Notice{Model: "DisplayWebsite", ID: screen, BranchID: b})}
		}},
		{"group delete", func(t *testing.T) {
			remove(collections.DisplayWebsiteGroups, group2)
		}, func() []changes.Change {
			return []changes.Change{ch(collections.DisplayWebsiteGroups, changes.Delete, group2, n("DisplayWebsiteGroup", group2))}
		}},
		{"playlist delete", func(t *testing.T) {
			remove(collections.Playlists, playlist2)
		}, func() []changes.Change {
			return []changes.Change{ch(collections.Playlists, changes.Delete, playlist2, n("SlideshowPlaylist", playlist2))}
		}},
		{"slideshow delete", func(t *testing.T) {
			slideshow2 = create(collections.Slideshows, map[string]any{"name": "spare", "branch": b})
			rec.take()
			remove(collections.Slideshows, slideshow2)
		}, func() []changes.Change {
			return []changes.Change{ch(collections.Slideshows, changes.Delete, slideshow2, n("Slideshow", slideshow2))}
		}},
		// Collections the player depends on, without a frontend notice.
		{"categories, tags and branch keys publish changes without notices", func(t *testing.T) {
			category = create(collections.Categories, map[string]any{"name": "news", "organisation": ten.Org["aarhus"]})
			tag = create(collections.Tags, map[string]any{"name": "red", "organisation": ten.Org["aarhus"]})
			key, err := app.FindFirstRecordByData(collections.BranchAPIKeys, "branch", b)
			if err != nil {
				t.Fatal(err)
			}
			key.Set("is_active", false)
			if err := app.Save(key); err != nil {
				t.Fatal(err)
			}
			category = category + "|" + key.Id
		}, func() []changes.Change {
			cat, key, _ := strings.Cut(category, "|")
			return []changes.Change{
				ch(collections.Categories, changes.Create, cat),
				ch(collections.Tags, changes.Create, tag),
				ch(collections.BranchAPIKeys, changes.Update, key),
			}
		}},
		// Nothing is published for what is not stored.
		{"a group whose default has another aspect ratio is refused", func(t *testing.T) {
			portrait = create(collections.Slideshows, map[string]any{"name": "tall", "branch": b, "preview_width": 1080, "preview_height": 1920})
			rec.take()
			r, _ := collections.NewRecord(app, collections.DisplayWebsiteGroups)
			r.Load(map[string]any{"name": "bad", "branch": b, "default_slideshow": portrait})
			if err := app.Save(r); err == nil {
				t.Fatal("saved")
			}
		}, func() []changes.Change { return nil }},
		{"an update that fails validation", func(t *testing.T) {
			r := find(collections.DisplayWebsiteGroups, group)
			r.Set("default_slideshow", portrait)
			if err := app.Save(r); err == nil {
				t.Fatal("saved")
			}
		}, func() []changes.Change { return nil }},
		{"a rolled back transaction", func(t *testing.T) {
			errRollback := errors.New("rollback")
			err := app.RunInTransaction(func(tx core.App) error {
				r, _ := collections.NewRecord(tx, collections.Slideshows)
				r.Load(map[string]any{"name": "ghost", "branch": b})
				if err := tx.Save(r); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatal(err)
			}
		}, func() []changes.Change { return nil }},
		{"a committed transaction publishes after the commit", func(t *testing.T) {
			err := app.RunInTransaction(func(tx core.App) error {
				r, _ := collections.NewRecord(tx, collections.Slideshows)
				r.Load(map[string]any{"name": "real", "branch": b})
				if err := tx.Save(r); err != nil {
					return err
				}
				slideshow2 = r.Id
				if got := rec.take(); len(got) != 0 {
					t.Errorf("published before the commit: %+v", got)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}, func() []changes.Change {
			return []changes.Change{ch(collections.Slideshows, changes.Create, slideshow2, n("Slideshow", slideshow2))}
		}},
	}
	for _, r := range rows {
		if !t.Run(r.name, func(t *testing.T) {
			rec.take()
			r.do(t)
			got, want := rec.take(), r.want()
			gj, _ := json.MarshalIndent(got, "", " ")
			wj, _ := json.MarshalIndent(want, "", " ")
			if len(got) == 0 && len(want) == 0 {
				return
			}
			if string(gj) != string(wj) {
				t.Fatalf("published\n%s\nwant\n%s", gj, wj)
			}
		}) {
			t.FailNow() // later rows build on this one's records
		}
	}
}

package collections

import "github.com/pocketbase/pocketbase/core"

// Wall-clock formats of the recurring schedule (upstream TimeField and DateField).
const (
	TimeOfDayPattern = `^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$`
	DatePattern      = `^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`
)

func screenArea() []Spec {
	ratio := map[string]any{"aspect_ratio": DefaultAspectRatio}
	return []Spec{
		{Collection: displayWebsiteGroups(), Defaults: ratio},
		{Collection: displayWebsites(), Defaults: ratio},
		{Collection: scheduledContents()},
		{Collection: recurringScheduledContents()},
		{Collection: emergencySlideshows()},
	}
}

func displayWebsiteGroups() *core.Collection {
	c := newBase(DisplayWebsiteGroups)
	c.Fields.Add(
		text("name", 255, true),
		rel("branch", Branches, false, true),
		rel("default_slideshow", Slideshows, false, false),
		rel("default_playlist", Playlists, false, false),
		text("aspect_ratio", 10, true),
	)
	return c
}

func displayWebsites() *core.Collection {
	c := newBase(DisplayWebsites)
	uid := text("uid", 64, false)
	uid.Help = "Optional id from a device-management system; unique within the organisation."
	// Deleting a group detaches its screens instead of deleting them
	// (upstream cascades, which strands the players on an error page): the
	// player goes back to registration and waits for a new group.
	group := rel("display_website_group", DisplayWebsiteGroups, false, false)
	lastSeen := &core.DateField{Name: "last_seen", Help: "When the screen last fetched its content (screen health)."}
	lastContent := jsonData("last_content")
	lastContent.Help = "What the screen was last given: version hash, group and content ids."
	c.Fields.Add(
		text("name", 255, true),
		uid,
		group,
		rel("branch", Branches, false, true),
		text("aspect_ratio", 10, true),
		lastSeen,
		lastContent,
	)
	c.Fields.Add(deliveryFields()...)
	c.AddIndex("idx_display_websites_name_branch", true, "name, branch", "")
	c.AddIndex("idx_display_websites_uid", false, "uid", "")
	return c
}

// scheduled holds the fields shared by one-off and recurring schedules.
func scheduled() []core.Field {
	return []core.Field{
		boolean("combine_with_default"),
		text("description", 2048, false),
		rel("display_website_group", DisplayWebsiteGroups, true, true),
		rel("slideshow", Slideshows, false, true),
		rel("playlist", Playlists, false, true),
	}
}

func scheduledContents() *core.Collection {
	c := newBase(ScheduledContents)
	c.Fields.Add(&core.DateField{Name: "start_time"}, &core.DateField{Name: "end_time"})
	c.Fields.Add(scheduled()...)
	return c
}

func recurringScheduledContents() *core.Collection {
	c := newBase(RecurringScheduledContents)
	weekday := integer("weekday", num(0), num(6))
	weekday.Help = "0 = Monday ... 6 = Sunday"
	wallClock := func(name string) *core.TextField {
		f := pattern(name, TimeOfDayPattern, true)
		f.Help = "Wall-clock time HH:MM[:SS] in the screens' time zone."
		return f
	}
	c.Fields.Add(weekday, wallClock("start_time"), wallClock("end_time"))
	c.Fields.Add(scheduled()...)
	c.Fields.Add(pattern("active_from", DatePattern, true), pattern("active_until", DatePattern, false))
	return c
}

func emergencySlideshows() *core.Collection {
	c := newBase(EmergencySlideshows)
	c.Fields.Add(
		rel("slideshow", Slideshows, true, true),
		emergencyGroups(),
		boolean("is_active"),
		emergencyExpiry(),
		&core.DateField{Name: "activated_at", Help: "When the emergency was last switched on (set by the server)."},
	)
	return c
}

// deliveryFields are what a screen was last delivered and acknowledged
// (playback/delivery, flushed about once a second) and since when it is
// marked offline (realtime/alerts; empty while online).
func deliveryFields() []core.Field {
	return []core.Field{
		&core.TextField{Name: "delivered_version", Max: 64, Help: "The content version last delivered to the screen."},
		&core.DateField{Name: "delivered_at", Help: "When that content was delivered."},
		&core.TextField{Name: "delivered_via", Max: 16, Help: "socket or rest: how it was delivered."},
		&core.TextField{Name: "acknowledged_version", Max: 64, Help: "The content version the screen last acknowledged (socket players)."},
		&core.DateField{Name: "acknowledged_at", Help: "When the screen acknowledged it."},
		&core.DateField{Name: "offline_since", Help: "Set while the screen is marked offline (SCREEN_OFFLINE_AFTER)."},
	}
}

// emergencyExpiry is when an active emergency switches itself off (empty:
// never); the schedule timer does it (playback.ExpireEmergencies).
func emergencyExpiry() *core.DateField {
	f := &core.DateField{Name: "expires_at"}
	f.Help = "When set, the emergency stops playing at this instant and is switched off."
	return f
}

// emergencyGroups cascades: an emergency whose last group is deleted would
// be invisible in the UI (it is listed by group) and can never play again.
func emergencyGroups() *core.RelationField {
	f := many("display_website_groups", DisplayWebsiteGroups)
	f.CascadeDelete = true
	return f
}

package collections

import "github.com/pocketbase/pocketbase/core"

// Slideshow modes.
const (
	ModeSlideshow   = "slideshow"
	ModeInteractive = "interactive"
)

// DefaultAspectRatio is upstream's default for every stored aspect_ratio.
const DefaultAspectRatio = "16:9"

// RevisionField is the slideshows' save counter: 1 when created, one more
// with every save (hooks keep it), so an editor's update based on an older
// revision can be refused (docs/editors-websocket.md, "Revisions").
const RevisionField = "revision"

func contentArea() []Spec {
	return []Spec{
		{Collection: orgScopedName(Categories)},
		{Collection: orgScopedName(Tags)},
		{Collection: slideshows(), Defaults: map[string]any{
			"mode": ModeSlideshow, "preview_width": 1920, "preview_height": 1080,
			"is_custom_dimensions": true, "slideshow_data": map[string]any{},
		}},
		{Collection: playlists(), Defaults: map[string]any{"aspect_ratio": DefaultAspectRatio}},
		{Collection: playlistItems()},
		{Collection: wayfindings(), Defaults: map[string]any{"wayfinding_data": map[string]any{}}},
		{Collection: slideTemplates(), Defaults: map[string]any{"aspect_ratio": DefaultAspectRatio, "slide_data": map[string]any{}}},
		{Collection: globalSlideTemplates(), Defaults: map[string]any{
			"aspect_ratio": DefaultAspectRatio, "preview_width": 1920, "preview_height": 1080, "slide_data": map[string]any{},
		}},
	}
}

// orgScopedName is the shape shared by categories and tags.
func orgScopedName(name string) *core.Collection {
	c := newBase(name)
	c.Fields.Add(text("name", 100, true), rel("organisation", Organisations, false, true))
	c.AddIndex("idx_"+name+"_name_organisation", true, "name, organisation", "")
	return c
}

func slideshows() *core.Collection {
	c := newBase(Slideshows)
	ratio := text("aspect_ratio", 20, false)
	ratio.Help = "Derived from preview_width and preview_height on every save."
	revision := integer(RevisionField, num(0), nil)
	revision.Help = "1 when created, one more with every save; an editor's update based on an older revision is refused."
	c.Fields.Add(
		text("name", 255, true),
		rel("category", Categories, false, false),
		many("tags", Tags),
		choice("mode", true, ModeSlideshow, ModeInteractive),
		boolean("is_emergency_slideshow"),
		rel("branch", Branches, false, true),
		rel("created_by", Users, false, false),
		integer("preview_width", num(1), nil),
		integer("preview_height", num(1), nil),
		boolean("is_custom_dimensions"),
		jsonData("slideshow_data"),
		boolean("is_legacy"),
		updated("updated_at"),
		ratio,
		revision,
	)
	return c
}

func playlists() *core.Collection {
	c := newBase(Playlists)
	c.Fields.Add(
		text("name", 255, true),
		rel("branch", Branches, false, true),
		rel("created_by", Users, false, false),
		updated("updated_at"),
		text("aspect_ratio", 10, true),
	)
	return c
}

func playlistItems() *core.Collection {
	c := newBase(PlaylistItems)
	position := integer("position", num(1), nil)
	position.Help = "Left empty, it becomes the playlist's last position + 1."
	c.Fields.Add(
		rel("slideshow_playlist", Playlists, true, true),
		rel("slideshow", Slideshows, true, true),
		position,
	)
	return c
}

func wayfindings() *core.Collection {
	c := newBase(Wayfindings)
	c.Fields.Add(
		text("name", 255, true),
		rel("branch", Branches, false, true),
		rel("created_by", Users, false, false),
		jsonData("wayfinding_data"),
		updated("updated_at"),
	)
	return c
}

func slideTemplates() *core.Collection {
	c := newBase(SlideTemplates)
	c.Fields.Add(
		rel("organisation", Organisations, true, true),
		rel("suborganisation", Suborganisations, false, true),
		&core.RelationField{Name: "parent_template", CollectionId: Id(SlideTemplates), MaxSelect: 1},
		text("name", 255, true),
		jsonData("slide_data"),
		boolean("is_legacy"),
		rel("category", Categories, false, false),
		many("tags", Tags),
		text("aspect_ratio", 10, true),
		created("created_at"),
		updated("updated_at"),
	)
	return c
}

func globalSlideTemplates() *core.Collection {
	c := newBase(GlobalSlideTemplates)
	c.Fields.Add(
		text("name", 255, true),
		jsonData("slide_data"),
		text("thumbnail_url", 10<<20, false), // the stored thumbnail's address, or an outside URL
		thumbnail(),
		integer("preview_width", num(1), nil),
		integer("preview_height", num(1), nil),
		text("aspect_ratio", 10, true),
		boolean("is_legacy"),
		created("created_at"),
		updated("updated_at"),
	)
	return c
}

// MaxThumbnailSize is upstream's limit of a decoded template thumbnail.
const MaxThumbnailSize = 1_000_000

// thumbnail holds a global template's thumbnail image in the media storage
// (S3 when configured); the API takes it as a data: URL.
func thumbnail() *core.FileField {
	f := &core.FileField{Name: "thumbnail", MaxSelect: 1, MaxSize: MaxThumbnailSize}
	f.Help = "The thumbnail image; thumbnail_url is its address."
	return f
}

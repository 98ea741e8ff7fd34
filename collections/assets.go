package collections

import "github.com/pocketbase/pocketbase/core"

// Document file types, mixed case exactly as upstream stores them.
var DocumentFileTypes = []string{"pdf", "png", "jpeg", "svg", "gif", "mp4", "WebP", "WebM", "Other"}

// Document processing states.
var ProcessingStatuses = []string{"PENDING", "PROCESSING", "COMPLETED", "FAILED"}

// ColorTypes are the custom colour type choices.
var ColorTypes = []string{"primary", "secondary", "accent", "background", "text"}

// IntegrationNames are the external integrations an organisation may be granted.
var IntegrationNames = []string{"winkas", "kmd", "speedadmin"}

// SlideTypes maps the registered slide type ids to their upstream labels.
var SlideTypes = map[int]string{
	1: "DDB Events API", 3: "Newsfeed with Image", 4: "Dreambroker", 5: "Newsticker",
	6: "Speed Admin", 7: "Clock", 8: "DR Streams", 9: "KMD Foreningsportalen",
	10: "Frontdesk LTK Borgerservice", 11: "WinKAS", 12: "Date", 13: "DDB Opening hours",
}

// MaxDocumentSize is the schema's upper bound for an uploaded document; the
// upload endpoint may enforce a lower, configurable limit.
const MaxDocumentSize = 1 << 30

func assetArea() []Spec {
	return []Spec{
		{Collection: documentCategories()},
		{Collection: documents(), Defaults: map[string]any{"file_type": "Other", "processing_status": "COMPLETED"}},
		{Collection: customColors()},
		{Collection: customFonts()},
		{Collection: textFormattingSettings(), Defaults: map[string]any{"allow_bold": true, "allow_italic": true, "allow_underline": true}},
		{Collection: registeredSlideTypes()},
		{Collection: organisationAPIAccess(), Defaults: map[string]any{"is_active": true}},
		{Collection: branchURLItems()},
	}
}

func documentCategories() *core.Collection {
	c := newBase(DocumentCategories)
	c.Fields.Add(text("name", 100, true))
	c.AddIndex("idx_document_categories_name", true, "name", "")
	return c
}

func documents() *core.Collection {
	c := newBase(Documents)
	c.Fields.Add(
		choice("file_type", true, DocumentFileTypes...),
		choice("processing_status", true, ProcessingStatuses...),
		processingError(),
		text("title", 255, true),
		&core.FileField{Name: "file", MaxSelect: 1, MaxSize: MaxDocumentSize, Required: true},
		created("uploaded_at"),
		many("tags", Tags),
		rel("category", Categories, false, false),
		rel("branch", Branches, false, true),
	)
	return c
}

// processingError says why a PDF preview FAILED (upstream stayed PENDING).
func processingError() *core.TextField {
	f := text("processing_error", 500, false)
	f.Help = "Why the PDF preview failed (processing_status FAILED)."
	return f
}

// position is the auto-assigned ordering of colours and fonts.
func position() *core.NumberField {
	f := integer("position", num(0), nil)
	f.Help = "Left empty or 0, it becomes the organisation's last position + 1."
	return f
}

func customColors() *core.Collection {
	c := newBase(CustomColors)
	c.Fields.Add(
		rel("organisation", Organisations, true, true),
		text("name", 100, true),
		text("hex_value", 7, true),
		choice("type", true, ColorTypes...),
		position(),
	)
	c.AddIndex("idx_custom_colors_organisation_name", true, "organisation, name", "")
	return c
}

// FontExtensions are the font files the fonts endpoint accepts.
var FontExtensions = []string{".woff2", ".woff", ".ttf", ".otf"}

// MaxFontSize bounds an uploaded font file.
const MaxFontSize = 20 << 20

func customFonts() *core.Collection {
	c := newBase(CustomFonts)
	// Uploads live in PocketBase's file storage (local or S3); font_url is
	// then the file's public address. Not protected: browsers load fonts
	// with @font-face, without credentials.
	file := &core.FileField{Name: "file", MaxSelect: 1, MaxSize: MaxFontSize}
	file.Help = "An uploaded .woff2, .woff, .ttf or .otf file; font_url then points at it."
	c.Fields.Add(
		rel("organisation", Organisations, true, true),
		text("name", 100, true),
		&core.URLField{Name: "font_url", Required: true},
		position(),
		file,
	)
	c.AddIndex("idx_custom_fonts_organisation_name", true, "organisation, name", "")
	return c
}

func textFormattingSettings() *core.Collection {
	c := newBase(TextFormattingSettings)
	c.Fields.Add(
		rel("organisation", Organisations, true, true),
		boolean("allow_bold"),
		boolean("allow_italic"),
		boolean("allow_underline"),
	)
	c.AddIndex("idx_text_formatting_settings_organisation", true, "organisation", "")
	return c
}

func registeredSlideTypes() *core.Collection {
	c := newBase(RegisteredSlideTypes)
	slideType := integer("slide_type_id", num(1), num(13))
	slideType.Required = true
	slideType.Help = "1 DDB Events API, 3 Newsfeed with Image, 4 Dreambroker, 5 Newsticker, 6 Speed Admin, 7 Clock, 8 DR Streams, 9 KMD Foreningsportalen, 10 Frontdesk LTK Borgerservice, 11 WinKAS, 12 Date, 13 DDB Opening hours"
	c.Fields.Add(
		rel("organisation", Organisations, true, true),
		slideType,
		text("name", 255, false),
		text("description", 0, false),
		created("created_at"),
		updated("updated_at"),
	)
	c.AddIndex("idx_registered_slide_types_unique", true, "organisation, slide_type_id", "")
	return c
}

func organisationAPIAccess() *core.Collection {
	c := newBase(OrganisationAPIAccess)
	c.Fields.Add(
		rel("organisation", Organisations, true, true),
		choice("api_name", true, IntegrationNames...),
		boolean("is_active"),
		created("created_at"),
		updated("updated_at"),
	)
	c.AddIndex("idx_organisation_api_access_unique", true, "organisation, api_name", "")
	return c
}

func branchURLItems() *core.Collection {
	c := newBase(BranchURLItems)
	c.Fields.Add(rel("branch", Branches, true, true), &core.URLField{Name: "url", Required: true})
	return c
}

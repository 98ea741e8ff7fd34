// Package schema maps each OpenStream collection to its upstream Django table
// (docs/operations.md, "The Postgres mirror"): one definition serves the
// mirror's DDL and writes, the importer's reads and the checksums of both.
package schema

import (
	"sync"

	"github.com/openstream-go/openstream/collections"
)

// Column is one upstream column and the PocketBase field it carries.
type Column struct {
	Name  string // upstream column, e.g. "organisation_id"
	Field string // PocketBase field, e.g. "organisation" ("" for Const)
	Kind  Kind
	SQL   string // Postgres type, e.g. "varchar(255)"
	Null  bool   // NULL allowed upstream; "" / 0 stand for NULL in PocketBase
	Const Value  // the value written for a Const column
}

// M2M is a Django ManyToManyField table (app_<model>_<field>).
type M2M struct {
	Table  string // e.g. "app_slideshow_tags"
	Owner  string // e.g. "slideshow_id"
	Target string // e.g. "tag_id"
	Field  string // PocketBase multi-relation field, e.g. "tags"
}

// Ext is a one-to-one side table whose columns belong to the same record
// (app_userextended for users). Its id is the owner's id.
type Ext struct {
	Table   string
	Owner   string // e.g. "user_id"
	Columns []Column
}

// Table is one mirrored collection.
type Table struct {
	Collection string
	Name       string
	Columns    []Column // Columns[0] is the id
	M2M        []M2M
	Ext        *Ext
}

func id() Column { return Column{Name: "id", Field: "id", Kind: ID, SQL: "bigint"} }

func str(field string, n string) Column {
	return Column{Name: field, Field: field, Kind: Text, SQL: "varchar(" + n + ")"}
}

func nstr(field, sql string) Column {
	return Column{Name: field, Field: field, Kind: Text, SQL: sql, Null: true}
}

func txt(field string) Column { return Column{Name: field, Field: field, Kind: Text, SQL: "text"} }

func ref(field string) Column {
	return Column{Name: field + "_id", Field: field, Kind: Ref, SQL: "bigint", Null: true}
}

func boolean(field string) Column {
	return Column{Name: field, Field: field, Kind: Bool, SQL: "boolean"}
}

func integer(field string) Column {
	return Column{Name: field, Field: field, Kind: Int, SQL: "integer"}
}

func ninteger(field string) Column {
	return Column{Name: field, Field: field, Kind: Int, SQL: "integer", Null: true}
}

func stamp(field string) Column {
	return Column{Name: field, Field: field, Kind: Time, SQL: "timestamptz", Null: true}
}

func jsonb(field string) Column {
	return Column{Name: field, Field: field, Kind: JSON, SQL: "jsonb", Null: true}
}

func tags(owner, table string) M2M {
	return M2M{Table: table, Owner: owner, Target: "tag_id", Field: "tags"}
}

// Tables lists every mirrored collection; the slice is shared, do not modify it.
func Tables() []Table { return tables() }

var tables = sync.OnceValue(build)

// build lists every mirrored collection in collections.All() order, so
// that an import creates a relation's target before the relation.
//
// Deviation from upstream, on purpose: auth_user.id and every user foreign
// key are bigint, not integer, because PocketBase ids reach 2^53.
func build() []Table {
	return []Table{
		{Collection: collections.Organisations, Name: "app_organisation", Columns: []Column{id(), str("name", "255"), str("uri_name", "255")}},
		{Collection: collections.Suborganisations, Name: "app_suborganisation", Columns: []Column{id(), str("name", "255"), ref("organisation")}},
		{Collection: collections.Branches, Name: "app_branch", Columns: []Column{id(), str("name", "255"), ref("suborganisation")}},
		{Collection: collections.Users, Name: "auth_user", Columns: []Column{
			id(),
			{Name: "password", Field: collections.DjangoPasswordField, Kind: Password, SQL: "varchar(255)"},
			{Name: "last_login", Kind: Const, SQL: "timestamptz", Null: true},
			{Name: "is_superuser", Kind: Const, SQL: "boolean", Const: false},
			str("username", "150"), str("first_name", "150"), str("last_name", "150"), str("email", "254"),
			{Name: "is_staff", Kind: Const, SQL: "boolean", Const: false},
			boolean("is_active"), stamp("date_joined"),
		}, Ext: &Ext{Table: "app_userextended", Owner: "user_id", Columns: []Column{str("language_preference", "255")}}},
		{Collection: collections.Memberships, Name: "app_organisationmembership", Columns: []Column{
			id(), ref("user"), ref("organisation"), ref("suborganisation"), ref("branch"), str("role", "20")}},
		{Collection: collections.BranchAPIKeys, Name: "app_slideshowplayerapikey", Columns: []Column{
			id(), ref("branch"), {Name: "key", Field: "key", Kind: UUID, SQL: "uuid", Null: true}, stamp("created_at"), boolean("is_active")}},
		{Collection: collections.KeycloakSessions, Name: "osauth_keycloaksession", Columns: []Column{
			id(), ref("user"), txt("access_token"), txt("refresh_token"), txt("id_token"), stamp("created_at")}},
		{Collection: collections.Categories, Name: "app_category", Columns: []Column{id(), str("name", "100"), ref("organisation")}},
		{Collection: collections.Tags, Name: "app_tag", Columns: []Column{id(), str("name", "100"), ref("organisation")}},
		{Collection: collections.Slideshows, Name: "app_slideshow", Columns: []Column{
			id(), str("name", "255"), ref("category"), str("mode", "20"), boolean("is_emergency_slideshow"), ref("branch"),
			ref("created_by"), integer("preview_width"), integer("preview_height"), boolean("is_custom_dimensions"),
			jsonb("slideshow_data"), boolean("is_legacy"), stamp("updated_at"),
		}, M2M: []M2M{tags("slideshow_id", "app_slideshow_tags")}},
		{Collection: collections.Playlists, Name: "app_slideshowplaylist", Columns: []Column{
			id(), str("name", "255"), ref("branch"), ref("created_by"), stamp("updated_at"), str("aspect_ratio", "10")}},
		{Collection: collections.PlaylistItems, Name: "app_slideshowplaylistitem", Columns: []Column{
			id(), ref("slideshow_playlist"), ref("slideshow"), ninteger("position")}},
		{Collection: collections.Wayfindings, Name: "app_wayfinding", Columns: []Column{
			id(), str("name", "255"), ref("branch"), ref("created_by"), jsonb("wayfinding_data"), stamp("updated_at")}},
		{Collection: collections.SlideTemplates, Name: "app_slidetemplate", Columns: []Column{
			id(), ref("organisation"), ref("suborganisation"), ref("parent_template"), str("name", "255"), jsonb("slide_data"),
			boolean("is_legacy"), ref("category"), str("aspect_ratio", "10"), stamp("created_at"), stamp("updated_at"),
		}, M2M: []M2M{tags("slidetemplate_id", "app_slidetemplate_tags")}},
		{Collection: collections.GlobalSlideTemplates, Name: "app_globalslidetemplate", Columns: []Column{
			id(), str("name", "255"), jsonb("slide_data"), nstr("thumbnail_url", "text"), integer("preview_width"),
			integer("preview_height"), str("aspect_ratio", "10"), boolean("is_legacy"), stamp("created_at"), stamp("updated_at")}},
		{Collection: collections.DocumentCategories, Name: "app_documentcategory", Columns: []Column{id(), str("name", "100")}},
		{Collection: collections.Documents, Name: "app_document", Columns: []Column{
			id(), str("file_type", "10"), str("processing_status", "20"), str("title", "255"),
			{Name: "file", Field: "file", Kind: Text, SQL: "varchar(255)"}, stamp("uploaded_at"), ref("category"), ref("branch"),
		}, M2M: []M2M{tags("document_id", "app_document_tags")}},
		{Collection: collections.CustomColors, Name: "app_customcolor", Columns: []Column{
			id(), ref("organisation"), str("name", "100"), str("hex_value", "7"), str("type", "50"), ninteger("position")}},
		{Collection: collections.CustomFonts, Name: "app_customfont", Columns: []Column{
			id(), ref("organisation"), str("name", "100"), str("font_url", "500"), ninteger("position")}},
		{Collection: collections.TextFormattingSettings, Name: "app_textformattingsettings", Columns: []Column{
			id(), ref("organisation"), boolean("allow_bold"), boolean("allow_italic"), boolean("allow_underline")}},
		{Collection: collections.RegisteredSlideTypes, Name: "app_registeredslidetypes", Columns: []Column{
			id(), ref("organisation"), integer("slide_type_id"), nstr("name", "varchar(255)"), nstr("description", "text"),
			stamp("created_at"), stamp("updated_at")}},
		{Collection: collections.OrganisationAPIAccess, Name: "app_organisationapiaccess", Columns: []Column{
			id(), ref("organisation"), str("api_name", "20"), boolean("is_active"), stamp("created_at"), stamp("updated_at")}},
		{Collection: collections.BranchURLItems, Name: "app_branchurlcollectionitem", Columns: []Column{
			id(), ref("branch"), str("url", "255")}},
		{Collection: collections.DisplayWebsiteGroups, Name: "app_displaywebsitegroup", Columns: []Column{
			id(), str("name", "255"), ref("branch"), ref("default_slideshow"), ref("default_playlist"), str("aspect_ratio", "10")}},
		{Collection: collections.DisplayWebsites, Name: "app_displaywebsite", Columns: []Column{
			id(), str("name", "255"), nstr("uid", "varchar(64)"), ref("display_website_group"), ref("branch"), str("aspect_ratio", "10")}},
		{Collection: collections.ScheduledContents, Name: "app_scheduledcontent", Columns: append([]Column{
			id(), stamp("start_time"), stamp("end_time")}, scheduled()...)},
		{Collection: collections.RecurringScheduledContents, Name: "app_recurringscheduledcontent", Columns: append(append([]Column{
			id(), integer("weekday"),
			{Name: "start_time", Field: "start_time", Kind: Clock, SQL: "time", Null: true},
			{Name: "end_time", Field: "end_time", Kind: Clock, SQL: "time", Null: true}},
			scheduled()...),
			Column{Name: "active_from", Field: "active_from", Kind: Date, SQL: "date", Null: true},
			Column{Name: "active_until", Field: "active_until", Kind: Date, SQL: "date", Null: true})},
		{Collection: collections.EmergencySlideshows, Name: "app_emergencyslideshow", Columns: []Column{
			id(), ref("slideshow"), boolean("is_active"), stamp("expires_at"), // expires_at: ours, not upstream's
		}, M2M: []M2M{{Table: "app_emergencyslideshow_display_website_groups", Owner: "emergencyslideshow_id",
			Target: "displaywebsitegroup_id", Field: "display_website_groups"}}},
	}
}

func scheduled() []Column {
	return []Column{boolean("combine_with_default"), nstr("description", "varchar(2048)"),
		ref("display_website_group"), ref("slideshow"), ref("playlist")}
}

// ByCollection returns the table of a collection.
func ByCollection(name string) (Table, bool) {
	t, ok := byCollection()[name]
	return t, ok
}

var byCollection = sync.OnceValue(func() map[string]Table {
	m := map[string]Table{}
	for _, t := range Tables() {
		m[t.Collection] = t
	}
	return m
})

// Mirrored reports whether a collection has an upstream table.
func Mirrored(name string) bool {
	_, ok := ByCollection(name)
	return ok
}

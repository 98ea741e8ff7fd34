// Package collections defines every OpenStream collection once, in Go.
//
// The migrations in pb_migrations apply these definitions; hooks and API
// handlers refer to collections and fields through the constants here.
package collections

// Collection names. Other tools and later migrations rely on them: do not rename.
const (
	Organisations              = "organisations"
	Suborganisations           = "suborganisations"
	Branches                   = "branches"
	Users                      = "users"
	Memberships                = "memberships"
	BranchAPIKeys              = "branch_api_keys"
	KeycloakSessions           = "keycloak_sessions"
	Categories                 = "categories"
	Tags                       = "tags"
	Slideshows                 = "slideshows"
	Playlists                  = "playlists"
	PlaylistItems              = "playlist_items"
	Wayfindings                = "wayfindings"
	SlideTemplates             = "slide_templates"
	GlobalSlideTemplates       = "global_slide_templates"
	Documents                  = "documents"
	DocumentCategories         = "document_categories"
	CustomColors               = "custom_colors"
	CustomFonts                = "custom_fonts"
	TextFormattingSettings     = "text_formatting_settings"
	RegisteredSlideTypes       = "registered_slide_types"
	OrganisationAPIAccess      = "organisation_api_access"
	BranchURLItems             = "branch_url_items"
	DisplayWebsiteGroups       = "display_website_groups"
	DisplayWebsites            = "display_websites"
	ScheduledContents          = "scheduled_contents"
	RecurringScheduledContents = "recurring_scheduled_contents"
	EmergencySlideshows        = "emergency_slideshows"
	AuditEvents                = "audit_events"
)

// UsersCollectionId is the id PocketBase gives its default "users" auth
// collection; we extend that collection instead of creating a second one.
const UsersCollectionId = "_pb_users_auth_"

// Id returns the fixed collection id of a collection name. Fixed ids let
// relation fields point at their target without a database lookup and keep
// exported schemas stable between installations.
func Id(name string) string {
	if name == Users {
		return UsersCollectionId
	}
	return "os_" + name
}

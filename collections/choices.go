package collections

// ChoiceLabels are upstream's display labels of every select field's
// values (the label half of Django's choices), by collection, field and
// value. Django never enforced choices on save, so an old database or
// dumpdata may hold a label where the value belongs ("Slideshow" for
// "slideshow"); the importer maps it back with this table. Labels are
// upstream's; the file types are TextChoices without labels, which Django
// derives from the member names ("WEBP" gives "Webp").
var ChoiceLabels = map[string]map[string]map[string]string{
	Memberships: {"role": {
		RoleSuperAdmin: "Super Admin", RoleOrgAdmin: "Organisation Admin", RoleOrgUser: "Organisation User",
		RoleSuborgAdmin: "Suborganisation Admin", RoleBranchAdmin: "Branch Admin", RoleEmployee: "Employee",
	}},
	Slideshows: {"mode": {ModeSlideshow: "Slideshow", ModeInteractive: "Interactive"}},
	Documents: {
		"file_type": {
			"pdf": "Pdf", "png": "Png", "jpeg": "Jpeg", "svg": "Svg", "gif": "Gif",
			"mp4": "Mp4", "WebP": "Webp", "WebM": "Webm", "Other": "Other",
		},
		"processing_status": {"PENDING": "Pending", "PROCESSING": "Processing", "COMPLETED": "Completed", "FAILED": "Failed"},
	},
	CustomColors: {"type": {
		"primary": "Primary", "secondary": "Secondary", "accent": "Accent", "background": "Background", "text": "Text",
	}},
	OrganisationAPIAccess: {"api_name": {"winkas": "WinKAS", "kmd": "KMD", "speedadmin": "SpeedAdmin"}},
}

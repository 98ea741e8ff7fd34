package hooks

import (
	"fmt"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// Messages of the screen rules (docs/architecture.md,
// "Records and invariants"); the first four are upstream's model messages, the
// tenant rules are ours (upstream let a screen join any group and a group
// default to any slideshow, whatever its organisation).
const (
	MsgExactlyOneDefault      = "Exactly one of default_slideshow or default_playlist must be set."
	MsgDefaultSlideshowAspect = "Default slideshow aspect ratio (%s) does not match group aspect ratio (%s)."
	MsgDefaultPlaylistAspect  = "Default playlist aspect ratio (%s) does not match group aspect ratio (%s)."
	MsgDisplayAspect          = "Display aspect ratio (%s) does not match group aspect ratio (%s). " +
		"Only displays with matching aspect ratios can be added to this group."
	MsgUIDNotUnique       = "UID '%s' must be unique within the same organisation."
	MsgGroupOtherBranch   = "The display website group must belong to the display's branch."
	MsgContentOtherOrg    = "The %s must belong to the same organisation as the display website group."
	MsgGroupsEmpty        = "This list may not be empty."
	MsgGroupsSameBranch   = "All display website groups must belong to the same branch."
	MsgEmergencyOtherOrg  = "The slideshow must belong to the same organisation as the display website groups."
	MsgExactlyOneContent  = "Exactly one of slideshow or playlist must be set."
	MsgSlideshowGroupAspt = "Slideshow aspect ratio (%s) does not match group (%s)."
	MsgPlaylistGroupAspt  = "Playlist aspect ratio (%s) does not match group (%s)."
)

// registerScreens enforces the group, screen and emergency rules.
func registerScreens(app core.App) {
	app.OnRecordValidate(collections.DisplayWebsiteGroups).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return validateGroup(e.App, e.Record)
	})
	app.OnRecordValidate(collections.DisplayWebsites).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return validateDisplay(e.App, e.Record)
	})
	app.OnRecordValidate(collections.EmergencySlideshows).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return validateEmergency(e.App, e.Record)
	})
}

func validateGroup(app core.App, g *core.Record) error {
	slideshowID, playlistID := g.GetString("default_slideshow"), g.GetString("default_playlist")
	if (slideshowID == "") == (playlistID == "") {
		return fieldError("default_slideshow", "validation_exactly_one_default", MsgExactlyOneDefault)
	}
	field, collection, msg := "default_slideshow", collections.Slideshows, MsgDefaultSlideshowAspect
	id := slideshowID
	if playlistID != "" {
		field, collection, msg, id = "default_playlist", collections.Playlists, MsgDefaultPlaylistAspect, playlistID
	}
	content, err := app.FindRecordById(collection, id)
	if err != nil {
		return nil // the relation check has reported it
	}
	if have, want := content.GetString("aspect_ratio"), g.GetString("aspect_ratio"); have != want {
		return fieldError(field, "validation_aspect_ratio_mismatch", fmt.Sprintf(msg, have, want))
	}
	return sameOrganisation(app, field, g.GetString("branch"), content.GetString("branch"),
		fmt.Sprintf(MsgContentOtherOrg, field))
}

func validateDisplay(app core.App, d *core.Record) error {
	errs := validation.Errors{}
	if groupID := d.GetString("display_website_group"); groupID != "" {
		if g, err := app.FindRecordById(collections.DisplayWebsiteGroups, groupID); err == nil {
			if g.GetString("branch") != d.GetString("branch") {
				errs["display_website_group"] = validation.NewError("validation_other_branch", MsgGroupOtherBranch)
			} else if have, want := d.GetString("aspect_ratio"), g.GetString("aspect_ratio"); have != want {
				errs["aspect_ratio"] = validation.NewError("validation_aspect_ratio_mismatch", fmt.Sprintf(MsgDisplayAspect, have, want))
			}
		}
	}
	if uid := d.GetString("uid"); uid != "" {
		taken, err := uidTaken(app, d, uid)
		if err != nil {
			return err
		}
		if taken {
			errs["uid"] = validation.NewError("validation_not_unique", fmt.Sprintf(MsgUIDNotUnique, uid))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// uidTaken: another screen of the same organisation has uid.
func uidTaken(app core.App, d *core.Record, uid string) (bool, error) {
	org := organisationOfBranch(app, d.GetString("branch"))
	var n int
	err := app.ConcurrentDB().NewQuery(
		"SELECT COUNT(*) FROM " + collections.DisplayWebsites + " d" +
			" JOIN " + collections.Branches + " b ON b.id = d.branch" +
			" JOIN " + collections.Suborganisations + " s ON s.id = b.suborganisation" +
			" WHERE d.uid = {:uid} AND d.id != {:id} AND s.organisation = {:org}").
		Bind(dbx.Params{"uid": uid, "id": d.Id, "org": org}).Row(&n)
	return n > 0, err
}

func validateEmergency(app core.App, r *core.Record) error {
	ids := r.GetStringSlice("display_website_groups")
	if len(ids) == 0 {
		return fieldError("display_website_groups", "validation_required", MsgGroupsEmpty)
	}
	branch := ""
	for i, id := range ids {
		b := parentOf(app, collections.DisplayWebsiteGroups, id, "branch")
		if i > 0 && b != branch {
			return fieldError("display_website_groups", "validation_same_branch", MsgGroupsSameBranch)
		}
		branch = b
	}
	slideshow, err := app.FindRecordById(collections.Slideshows, r.GetString("slideshow"))
	if err != nil {
		return nil
	}
	return sameOrganisation(app, "slideshow", branch, slideshow.GetString("branch"), MsgEmergencyOtherOrg)
}

// sameOrganisation refuses content of another organisation than the
// group's branch; a side without a branch (a legacy row) is not compared.
func sameOrganisation(app core.App, field, groupBranch, contentBranch, msg string) error {
	if groupBranch == "" || contentBranch == "" {
		return nil
	}
	if organisationOfBranch(app, groupBranch) != organisationOfBranch(app, contentBranch) {
		return fieldError(field, "validation_other_organisation", msg)
	}
	return nil
}

// organisationOfBranch is the branch's organisation id ("" when unknown).
func organisationOfBranch(app core.App, branchID string) string {
	return parentOf(app, collections.Suborganisations, parentOf(app, collections.Branches, branchID, "suborganisation"), "organisation")
}

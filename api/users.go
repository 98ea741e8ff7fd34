package api

import (
	"errors"
	"net/http"
	"net/mail"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"golang.org/x/text/unicode/norm"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks/audit"
	"github.com/openstream-go/openstream/rest"
)

// The endpoints of docs/api.md, "Users".
func (h *handlers) userRoutes(r *router.Router[*core.RequestEvent]) {
	rest.Route(r, "/api/users/", rest.Methods{http.MethodPost: rest.Authed(h.createUser)})
	rest.Route(r, "/api/users/{pk}/", rest.Methods{http.MethodDelete: h.removeUser})
	rest.Route(r, "/api/user/info/", rest.Methods{http.MethodGet: rest.Authed(h.userInfo)})
	rest.Route(r, "/api/user/allinfo/", rest.Methods{http.MethodGet: rest.Authed(h.userAllInfo)})
	rest.Route(r, "/api/user/update/", rest.Methods{http.MethodPatch: rest.Authed(h.updateUser)})
	rest.Route(r, "/api/organisations/{org}/users/", rest.Methods{http.MethodGet: h.organisationUsers})
	rest.Route(r, "/api/user-language-preference/", rest.Methods{http.MethodGet: rest.Authed(h.getLanguage), http.MethodPost: rest.Authed(h.setLanguage)})
}

// isAdminAnywhere: super, org or suborg admin somewhere. Only they may create
// users (upstream let any signed-in user).
func isAdminAnywhere(app core.App, userID string) (bool, error) {
	ms, err := memberships(app, userID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(ms, func(m *core.Record) bool {
		r := m.GetString("role")
		return r == collections.RoleSuperAdmin || r == collections.RoleOrgAdmin || r == collections.RoleSuborgAdmin
	}), nil
}

func userJSON(u *core.Record) map[string]any {
	return map[string]any{
		"id":                  rest.ID(u.Id),
		"username":            u.GetString("username"),
		"email":               u.Email(),
		"first_name":          u.GetString("first_name"),
		"last_name":           u.GetString("last_name"),
		"language_preference": u.GetString("language_preference"),
	}
}

// normaliseEmail lowercases the domain part, as Django's normalize_email.
func normaliseEmail(email string) string {
	email = strings.TrimSpace(email)
	if at := strings.LastIndex(email, "@"); at >= 0 {
		return email[:at] + "@" + strings.ToLower(email[at+1:])
	}
	return email
}

func validEmail(email string) bool {
	a, err := mail.ParseAddress(email)
	return err == nil && a.Address == email && strings.Contains(email[strings.LastIndex(email, "@"):], ".")
}

func (h *handlers) createUser(e *core.RequestEvent, caller *core.Record) error {
	if ok, err := isAdminAnywhere(e.App, caller.Id); err != nil || !ok {
		return orDeny(err, rest.PermissionDenied())
	}
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	body := f.Body
	username, _ := body.String("username")
	email, _ := body.String("email")
	password, _ := body.String("password")
	username = norm.NFKC.String(strings.TrimSpace(username))
	email = normaliseEmail(email)
	if username == "" || email == "" || password == "" {
		return rest.Keyed(http.StatusBadRequest, "error", "username, email, and password required.")
	}
	if _, err := e.App.FindFirstRecordByData(collections.Users, "username", username); err == nil {
		return rest.Keyed(http.StatusBadRequest, "error", "Username already taken.")
	}
	if !validEmail(email) {
		return rest.Field("email", "Enter a valid email address.")
	}
	u, err := collections.NewRecord(e.App, collections.Users)
	if err != nil {
		return err
	}
	u.Set("username", username)
	u.SetEmail(email)
	u.SetPassword(password)
	for _, k := range []string{"first_name", "last_name"} {
		if v, ok := body.String(k); ok {
			u.Set(k, strings.TrimSpace(v))
		}
	}
	if lang, ok := body.String("language_preference"); ok && lang != "" {
		u.Set("language_preference", lang)
	} else {
		u.Set("language_preference", "en")
	}
	if err := e.App.Save(u); err != nil {
		return rest.Invalid(err, nil)
	}
	return rest.JSON(e, http.StatusCreated, userJSON(u))
}

// removeUser deletes the target's memberships (never the user) in the
// organisations the caller administers; a super admin's reach is all of them.
func (h *handlers) removeUser(e *core.RequestEvent) error {
	caller, target, err := rest.UserAndRecord(e, collections.Users, "User")
	if err != nil {
		return err
	}
	if target.Id == caller.Id {
		return rest.Keyed(http.StatusForbidden, "error", "You cannot remove yourself from organizations.")
	}
	super, err := access.IsSuperAdmin(e.App, caller.Id)
	if err != nil {
		return err
	}
	targetOrgs, err := orgsOf(e.App, target.Id, "")
	if err != nil {
		return err
	}
	var orgs []string
	notMember := "User " + target.GetString("username") + " is not a member of any organizations where you are admin."
	msg := "User removed from organizations where you are admin."
	if super {
		if len(targetOrgs) == 0 {
			return rest.Keyed(http.StatusForbidden, "error", "No organizations found for the target user.")
		}
		orgs, msg = targetOrgs, "User removed from all organizations."
		notMember = "User " + target.GetString("username") + " is not a member of any organizations."
	} else {
		adminOf, err := orgsOf(e.App, caller.Id, collections.RoleOrgAdmin)
		if err != nil {
			return err
		}
		if len(adminOf) == 0 {
			return rest.Keyed(http.StatusForbidden, "error", "You must be org_admin in at least one organization to perform this action.")
		}
		for _, o := range adminOf {
			if slices.Contains(targetOrgs, o) {
				orgs = append(orgs, o)
			}
		}
	}
	if len(orgs) == 0 {
		return rest.Keyed(http.StatusForbidden, "error", notMember)
	}
	ctx := audit.Request(e)
	err = e.App.RunInTransaction(func(tx core.App) error {
		ms, err := tx.FindAllRecords(collections.Memberships, dbx.HashExp{"user": target.Id}, dbx.In("organisation", anySlice(orgs)...))
		if err != nil {
			return err
		}
		for _, m := range ms {
			if err := tx.DeleteWithContext(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, map[string]any{"message": msg})
}

// orgsOf lists the organisations userID has a membership in (with role, if given).
func orgsOf(app core.App, userID, role string) ([]string, error) {
	ms, err := memberships(app, userID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		if o := m.GetString("organisation"); o != "" && (role == "" || m.GetString("role") == role) && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out, nil
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (h *handlers) userInfo(e *core.RequestEvent, u *core.Record) error {
	return rest.JSON(e, http.StatusOK, map[string]any{"username": u.GetString("username"), "email": u.Email()})
}

// userAllInfo answers the user's own id (upstream's was the UserExtended
// id, which the frontend could not use).
func (h *handlers) userAllInfo(e *core.RequestEvent, u *core.Record) error {
	return rest.JSON(e, http.StatusOK, userJSON(u))
}

func (h *handlers) updateUser(e *core.RequestEvent, u *core.Record) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	for _, k := range []string{"username", "first_name", "last_name"} {
		if v, _ := f.Text(k, 150, false); v != "" {
			if k == "username" {
				v = norm.NFKC.String(v)
			}
			u.Set(k, v)
		}
	}
	if f.Has("email") {
		email, _ := f.Body.String("email")
		email = normaliseEmail(email)
		if email == "" {
			f.Fail("email", rest.MsgBlank)
		} else if !validEmail(email) {
			f.Fail("email", "Enter a valid email address.")
		} else {
			u.SetEmail(email)
		}
	}
	if lang, _ := f.Text("language_preference", 255, false); lang != "" {
		u.Set("language_preference", lang)
	}
	if err := f.Err(); err != nil {
		return err
	}
	keyBefore := u.Original().TokenKey()
	if err := e.App.Save(u); err != nil {
		err = rest.Invalid(err, nil)
		var apiErr *rest.Error
		if errors.As(err, &apiErr) {
			if f, ok := apiErr.Body.(map[string][]string); ok && len(f["username"]) > 0 {
				f["username"] = []string{"A user with that username already exists."}
			}
		}
		return err
	}
	out := userJSON(u)
	if u.TokenKey() != keyBefore {
		// A new e-mail renews the signing key; hand out tokens that work.
		pair, err := authtoken.NewPair(u, h.cfg.Tokens)
		if err != nil {
			return err
		}
		out["access"], out["refresh"] = pair.Access, pair.Refresh
	}
	return rest.JSON(e, http.StatusOK, out)
}

// organisationUsers answers 403 to callers who are not admins of the
// organisation (upstream answered an empty list).
func (h *handlers) organisationUsers(e *core.RequestEvent) error {
	caller, org, err := userAndPathOrganisation(e, "Organisation not found.")
	if err != nil {
		return err
	}
	if ok, err := access.IsOrgAdminIn(e.App, caller.Id, org.Id); err != nil || !ok {
		return orDeny(err, rest.PermissionDenied())
	}
	var users []*core.Record
	err = e.App.RecordQuery(collections.Users).
		AndWhere(dbx.NewExp("[[id]] IN (SELECT [[user]] FROM {{"+collections.Memberships+"}} WHERE [[organisation]] = {:o})", dbx.Params{"o": org.Id})).
		OrderBy("id ASC").All(&users)
	if err != nil {
		return err
	}
	out := make([]any, 0, len(users))
	for _, u := range users {
		out = append(out, map[string]any{"id": rest.ID(u.Id), "username": u.GetString("username"), "email": u.Email()})
	}
	return rest.JSON(e, http.StatusOK, out)
}

func (h *handlers) getLanguage(e *core.RequestEvent, u *core.Record) error {
	lang := u.GetString("language_preference")
	if lang == "" {
		lang = "en"
	}
	return rest.JSON(e, http.StatusOK, map[string]any{"language_preference": lang})
}

func (h *handlers) setLanguage(e *core.RequestEvent, u *core.Record) error {
	f, err := rest.NewForm(e, nil)
	if err != nil {
		return err
	}
	lang, _ := f.Body.String("language_preference")
	if lang == "" {
		return rest.Keyed(http.StatusBadRequest, "error", "Language preference is required.")
	}
	if !slices.Contains(djangoLanguages, lang) {
		return rest.Keyed(http.StatusBadRequest, "error", "Unsupported language code: "+lang+".")
	}
	u.Set("language_preference", lang)
	if err := e.App.Save(u); err != nil {
		return rest.Invalid(err, nil)
	}
	return rest.JSON(e, http.StatusOK, map[string]any{"message": "Language preference updated successfully.", "language_preference": lang})
}

// djangoLanguages are the codes of Django 5.2's default LANGUAGES setting.
var djangoLanguages = strings.Fields(`af ar ar-dz ast az bg be bn br bs ca ckb cs cy da de dsb el en en-au en-gb eo
es es-ar es-co es-mx es-ni es-ve et eu fa fi fr fy ga gd gl he hi hr hsb hu hy ia id ig io is it ja ka kab kk km kn
ko ky lb lt lv mk ml mn mr ms my nb ne nl nn os pa pl pt pt-br ro ru sk sl sq sr sr-latn sv sw ta te tg th tk tr tt
udm ug uk ur uz vi zh-hans zh-hant`)

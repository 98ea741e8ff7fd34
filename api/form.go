package api

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/api/rest"
	"github.com/openstream-go/openstream/schedule"
)

// form reads a request body field by field the way a DRF serializer does,
// collecting every field's errors so the 400 names all of them at once.
// Each reader returns whether the key was present (PATCH leaves absent
// fields alone).
type form struct {
	app  core.App
	body rest.Body
	loc  *time.Location
	errs map[string][]string
}

func newForm(e *core.RequestEvent, loc *time.Location) (*form, error) {
	body, err := rest.ReadBody(e)
	if err != nil {
		return nil, err
	}
	return &form{app: e.App, body: body, loc: loc, errs: map[string][]string{}}, nil
}

func (f *form) fail(key, msg string) { f.errs[key] = append(f.errs[key], msg) }

// err is the 400 of every collected error, or nil.
func (f *form) err() error {
	if len(f.errs) == 0 {
		return nil
	}
	return rest.Fields(f.errs)
}

func (f *form) has(key string) bool { _, ok := f.body[key]; return ok }

// text is a required CharField: not null, not blank, at most max runes.
func (f *form) text(key string, max int, required bool) (string, bool) {
	v, errs := name(f.body, key, max, required)
	for k, msgs := range errs {
		f.errs[k] = append(f.errs[k], msgs...)
	}
	return v, f.has(key)
}

// optionalText is a nullable CharField(blank=True): null and "" are "".
func (f *form) optionalText(key string, max int) (string, bool) {
	raw, present := f.body[key]
	if !present || raw == nil {
		return "", present
	}
	v, ok := f.body.String(key)
	switch {
	case !ok:
		f.fail(key, "Not a valid string.")
	case len([]rune(v)) > max:
		f.fail(key, "Ensure this field has no more than "+itoa(max)+" characters.")
	}
	return strings.TrimSpace(v), true
}

// pk is a PrimaryKeyRelatedField (null allowed unless required).
func (f *form) pk(key, collection string, required bool) (string, bool) {
	id, msgs := relation(f.app, f.body, key, collection, required)
	if msgs != nil {
		f.errs[key] = append(f.errs[key], msgs...)
	}
	return id, f.has(key)
}

// boolean is a BooleanField with DRF's accepted spellings.
func (f *form) boolean(key string) (bool, bool) {
	raw, present := f.body[key]
	if !present {
		return false, false
	}
	switch v := raw.(type) {
	case bool:
		return v, true
	case float64:
		if v == 0 || v == 1 {
			return v == 1, true
		}
	case string:
		switch strings.ToLower(v) {
		case "true", "1", "yes", "on", "t", "y":
			return true, true
		case "false", "0", "no", "off", "f", "n":
			return false, true
		}
	}
	f.fail(key, "Must be a valid boolean.")
	return false, true
}

// choiceInt is an integer ChoiceField with values min..max.
func (f *form) choiceInt(key string, min, max int, required bool) (int, bool) {
	raw, present := f.body[key]
	if !present || raw == nil {
		switch {
		case present:
			f.fail(key, "This field may not be null.")
		case required:
			f.fail(key, rest.MsgRequired)
		}
		return 0, present
	}
	s, _ := f.body.String(key)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < min || n > max {
		f.fail(key, `"`+s+`" is not a valid choice.`)
		return 0, true
	}
	return n, true
}

const (
	msgDateTimeFormat = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
	msgTimeFormat     = "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."
	msgDateFormat     = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
)

// dateTime is a DateTimeField; a naive value (what <input
// type=datetime-local> sends) is local time in the site's zone.
func (f *form) dateTime(key string) (time.Time, bool) {
	raw, present := f.body[key]
	if !present || raw == nil {
		return time.Time{}, present
	}
	s, ok := raw.(string)
	if !ok {
		f.fail(key, msgDateTimeFormat)
		return time.Time{}, true
	}
	t, err := parseDateTime(strings.TrimSpace(s), f.loc)
	if err != nil {
		f.fail(key, msgDateTimeFormat)
	}
	return t, true
}

func parseDateTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.Replace(s, " ", "T", 1)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	var err error
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		var t time.Time
		if t, err = time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// clock is a TimeField, stored in its canonical "HH:MM:SS" form.
func (f *form) clock(key string, required bool) (string, bool) {
	raw, present := f.body[key]
	if !present || raw == nil {
		if required && !present {
			f.fail(key, rest.MsgRequired)
		} else if present {
			f.fail(key, "This field may not be null.")
		}
		return "", present
	}
	s, _ := raw.(string)
	c, err := schedule.ParseClock(strings.TrimSpace(s))
	if err != nil {
		f.fail(key, msgTimeFormat)
		return "", true
	}
	return c.String(), true
}

// date is a DateField ("" for null when nullable).
func (f *form) date(key string, required, nullable bool) (string, bool) {
	raw, present := f.body[key]
	if !present || raw == nil || raw == "" {
		switch {
		case !present && required:
			f.fail(key, rest.MsgRequired)
		case present && !nullable:
			f.fail(key, "This field may not be null.")
		}
		return "", present
	}
	s, _ := raw.(string)
	d, err := schedule.ParseDate(strings.TrimSpace(s))
	if err != nil {
		f.fail(key, msgDateFormat)
		return "", true
	}
	return d.String(), true
}

// branchPK is pk for branch-owned content (slideshows, playlists, groups):
// a record in a branch the user cannot access does not exist for them, so
// nobody can schedule or show another tenant's content.
func (f *form) branchPK(key, collection, userID string, required bool) (string, bool) {
	id, present := f.pk(key, collection, required)
	if id == "" {
		return id, present
	}
	rec, err := f.app.FindRecordById(collection, id)
	if err == nil {
		ok, aerr := access.CanAccessBranch(f.app, userID, rec.GetString("branch"))
		if aerr == nil && ok {
			return id, present
		}
	}
	raw, _ := f.body.String(key)
	f.fail(key, `Invalid pk "`+raw+`" - object does not exist.`)
	return "", present
}

// pkList is a ManyRelatedField of primary keys: a JSON list (or a comma
// separated string from a form) of existing records, each once.
func (f *form) pkList(key, collection string) ([]string, bool) {
	raw, present := f.body[key]
	if !present {
		return nil, false
	}
	var items []any
	switch v := raw.(type) {
	case []any:
		items = v
	case string:
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				items = append(items, part)
			}
		}
	default:
		f.fail(key, `Expected a list of items but got type "`+jsonType(raw)+`".`)
		return nil, true
	}
	ids := []string{}
	for _, item := range items {
		id, msgs := relation(f.app, rest.Body{key: item}, key, collection, true)
		if msgs != nil {
			f.fail(key, msgs[0])
			return nil, true
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, true
}

// integer is an IntegerField with a lower bound.
func (f *form) integer(key string, min int) (int, bool) {
	raw, present := f.body[key]
	if !present {
		return 0, false
	}
	if raw == nil {
		f.fail(key, "This field may not be null.")
		return 0, true
	}
	s, _ := f.body.String(key)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		f.fail(key, "A valid integer is required.")
		return 0, true
	}
	if n < min {
		f.fail(key, "Ensure this value is greater than or equal to "+itoa(min)+".")
	}
	return n, true
}

// choice is a ChoiceField of strings.
func (f *form) choice(key string, values ...string) (string, bool) {
	raw, present := f.body[key]
	if !present {
		return "", false
	}
	s, _ := f.body.String(key)
	if raw == nil || !slices.Contains(values, s) {
		f.fail(key, `"`+s+`" is not a valid choice.`)
	}
	return s, true
}

// jsonValue is a JSONField: any JSON value, kept as sent.
func (f *form) jsonValue(key string) (any, bool) {
	v, present := f.body[key]
	return v, present
}

// orgPK is pk for an organisation's asset (category, tag): one of another
// organisation does not exist for this caller (upstream never checked).
func (f *form) orgPK(key, collection, orgID string) (string, bool) {
	id, present := f.pk(key, collection, false)
	if id != "" && !inOrganisation(f.app, collection, id, orgID) {
		raw, _ := f.body.String(key)
		f.fail(key, `Invalid pk "`+raw+`" - object does not exist.`)
		return "", present
	}
	return id, present
}

// orgPKList is pkList for an organisation's assets.
func (f *form) orgPKList(key, collection, orgID string) ([]string, bool) {
	ids, present := f.pkList(key, collection)
	for _, id := range ids {
		if !inOrganisation(f.app, collection, id, orgID) {
			f.fail(key, `Invalid pk "`+id+`" - object does not exist.`)
			return nil, present
		}
	}
	return ids, present
}

func inOrganisation(app core.App, collection, id, orgID string) bool {
	r, err := app.FindRecordById(collection, id)
	return err == nil && orgID != "" && r.GetString("organisation") == orgID
}

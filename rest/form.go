package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/access"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/schedule"
)

// Form reads a request body field by field the way a DRF serializer does,
// collecting every field's errors so the 400 names all of them at once.
// Each reader returns whether the key was present (PATCH leaves absent
// fields alone).
type Form struct {
	app  core.App
	req  *http.Request // nil for a WebSocket message's data
	Body Body
	// Raw is the body's fields as written (a JSON body's; nil for a form),
	// read by JSONValue.
	Raw  RawFields
	loc  *time.Location
	Errs map[string][]string
}

// NewForm reads e's body (JSON, form or multipart); naive datetimes are
// local time in loc.
func NewForm(e *core.RequestEvent, loc *time.Location) (*Form, error) {
	body, err := readBody(e)
	if err != nil {
		return nil, err
	}
	raw, _ := e.Get(rawKey).(RawFields)
	f := FormOf(e.App, body, loc).WithRaw(raw)
	f.req = e.Request
	return f, nil
}

// FormOf reads an already decoded body (a WebSocket message's data).
func FormOf(app core.App, body Body, loc *time.Location) *Form {
	return &Form{app: app, Body: body, loc: loc, Errs: map[string][]string{}}
}

// WithRaw gives f the fields of its body as written (DecodeObject), so
// JSONValue keeps them as the client sent them.
func (f *Form) WithRaw(raw RawFields) *Form {
	f.Raw = raw
	return f
}

// Fail adds an error to key.
func (f *Form) Fail(key, msg string) { f.Errs[key] = append(f.Errs[key], msg) }

// Err is the 400 of every collected error, or nil.
func (f *Form) Err() error {
	if len(f.Errs) == 0 {
		return nil
	}
	return Fields(f.Errs)
}

// Required reads keys that must be present, non-null and non-blank
// strings (numbers in their decimal form), failing each that is not; the
// values are as sent, untrimmed.
func (f *Form) Required(keys ...string) map[string]string {
	values := map[string]string{}
	for _, k := range keys {
		raw, present := f.Body[k]
		v, ok := f.Body.String(k)
		switch {
		case !present:
			f.Fail(k, MsgRequired)
		case raw == nil:
			f.Fail(k, "This field may not be null.")
		case !ok:
			f.Fail(k, "Not a valid string.")
		case strings.TrimSpace(v) == "":
			f.Fail(k, MsgBlank)
		default:
			values[k] = v
		}
	}
	return values
}

// File is the last file part named key of a multipart body (the frontend
// repeats parts), or nil.
func (f *Form) File(key string) *multipart.FileHeader {
	if f.req == nil || f.req.MultipartForm == nil {
		return nil
	}
	files := f.req.MultipartForm.File[key]
	if len(files) == 0 {
		return nil
	}
	return files[len(files)-1]
}

// Values are every value of key in a form or multipart body, where Body
// keeps only the last; false when the body has no such field (or is not a
// form).
func (f *Form) Values(key string) ([]string, bool) {
	if f.req == nil {
		return nil, false
	}
	vs, ok := f.req.PostForm[key]
	return vs, ok
}

// App is the app the form reads related records from.
func (f *Form) App() core.App { return f.app }

// Has reports whether the body has key (even with a null value).
func (f *Form) Has(key string) bool { _, ok := f.Body[key]; return ok }

// Text is a CharField: not null, not blank, at most max runes, trimmed.
func (f *Form) Text(key string, max int, required bool) (string, bool) {
	v, errs := charField(f.Body, key, max, required)
	for k, msgs := range errs {
		f.Errs[k] = append(f.Errs[k], msgs...)
	}
	return v, f.Has(key)
}

// OptionalText is a nullable CharField(blank=True): null and "" are "".
func (f *Form) OptionalText(key string, max int) (string, bool) {
	raw, present := f.Body[key]
	if !present || raw == nil {
		return "", present
	}
	v, ok := f.Body.String(key)
	switch {
	case !ok:
		f.Fail(key, "Not a valid string.")
	case len([]rune(v)) > max:
		f.Fail(key, "Ensure this field has no more than "+strconv.Itoa(max)+" characters.")
	}
	return strings.TrimSpace(v), true
}

// PK is a PrimaryKeyRelatedField (null allowed unless required).
func (f *Form) PK(key, collection string, required bool) (string, bool) {
	id, msgs := pkField(f.app, f.Body, key, collection, required)
	if msgs != nil {
		f.Errs[key] = append(f.Errs[key], msgs...)
	}
	return id, f.Has(key)
}

// Boolean is a BooleanField with DRF's accepted spellings.
func (f *Form) Boolean(key string) (bool, bool) {
	raw, present := f.Body[key]
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
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1", "yes", "on", "t", "y":
			return true, true
		case "false", "0", "no", "off", "f", "n":
			return false, true
		}
	}
	f.Fail(key, "Must be a valid boolean.")
	return false, true
}

// ChoiceInt is an integer ChoiceField with values min..max.
func (f *Form) ChoiceInt(key string, min, max int, required bool) (int, bool) {
	raw, present := f.Body[key]
	if !present || raw == nil {
		switch {
		case present:
			f.Fail(key, "This field may not be null.")
		case required:
			f.Fail(key, MsgRequired)
		}
		return 0, present
	}
	s, _ := f.Body.String(key)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < min || n > max {
		f.Fail(key, `"`+s+`" is not a valid choice.`)
		return 0, true
	}
	return n, true
}

const (
	msgDateTimeFormat = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
	msgTimeFormat     = "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."
	msgDateFormat     = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
)

// DateTime is a DateTimeField; a naive value (what <input
// type=datetime-local> sends) is local time in the site's zone.
func (f *Form) DateTime(key string) (time.Time, bool) {
	raw, present := f.Body[key]
	if !present || raw == nil {
		return time.Time{}, present
	}
	s, ok := raw.(string)
	if !ok {
		f.Fail(key, msgDateTimeFormat)
		return time.Time{}, true
	}
	t, err := parseDateTime(strings.TrimSpace(s), f.loc)
	if err != nil {
		f.Fail(key, msgDateTimeFormat)
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

// Clock is a TimeField, stored in its canonical "HH:MM:SS" form.
func (f *Form) Clock(key string, required bool) (string, bool) {
	raw, present := f.Body[key]
	if !present || raw == nil {
		if required && !present {
			f.Fail(key, MsgRequired)
		} else if present {
			f.Fail(key, "This field may not be null.")
		}
		return "", present
	}
	s, _ := raw.(string)
	c, err := schedule.ParseClock(strings.TrimSpace(s))
	if err != nil {
		f.Fail(key, msgTimeFormat)
		return "", true
	}
	return c.String(), true
}

// Date is a DateField ("" for null when nullable).
func (f *Form) Date(key string, required, nullable bool) (string, bool) {
	raw, present := f.Body[key]
	if !present || raw == nil || raw == "" {
		switch {
		case !present && required:
			f.Fail(key, MsgRequired)
		case present && !nullable:
			f.Fail(key, "This field may not be null.")
		}
		return "", present
	}
	s, _ := raw.(string)
	d, err := schedule.ParseDate(strings.TrimSpace(s))
	if err != nil {
		f.Fail(key, msgDateFormat)
		return "", true
	}
	return d.String(), true
}

// BranchPK is PK for branch-owned content (slideshows, playlists, groups):
// a record in a branch the user cannot access does not exist for them, so
// nobody can schedule or show another tenant's content.
func (f *Form) BranchPK(key, collection, userID string, required bool) (string, bool) {
	id, present := f.PK(key, collection, required)
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
	raw, _ := f.Body.String(key)
	f.Fail(key, `Invalid pk "`+raw+`" - object does not exist.`)
	return "", present
}

// PKList is a ManyRelatedField of primary keys: a JSON list of existing
// records, each once.
func (f *Form) PKList(key, collection string) ([]string, bool) {
	raw, present := f.Body[key]
	if !present {
		return nil, false
	}
	var items []any
	switch v := raw.(type) {
	case []any:
		items = v
	case nil:
		f.Fail(key, "This field may not be null.")
		return nil, true
	default:
		f.Fail(key, `Expected a list of items but got type "`+JSONType(raw)+`".`)
		return nil, true
	}
	ids := []string{}
	for _, item := range items {
		id, msgs := pkField(f.app, Body{key: item}, key, collection, true)
		if msgs != nil {
			f.Fail(key, msgs[0])
			return nil, true
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, true
}

// maxInt is the upper bound of a Postgres integer column (the upstream
// schema), so every accepted value also fits the mirror.
const maxInt = 2147483647

// Integer is an IntegerField with a lower bound; "3", 3 and 3.0 are 3.
func (f *Form) Integer(key string, min int) (int, bool) {
	raw, present := f.Body[key]
	if !present {
		return 0, false
	}
	if raw == nil {
		f.Fail(key, "This field may not be null.")
		return 0, true
	}
	s, ok := f.Body.String(key)
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	switch {
	case !ok || err != nil || n != float64(int64(n)):
		f.Fail(key, "A valid integer is required.")
	case n < float64(min):
		f.Fail(key, fmt.Sprintf("Ensure this value is greater than or equal to %d.", min))
	case n > maxInt:
		f.Fail(key, fmt.Sprintf("Ensure this value is less than or equal to %d.", maxInt))
	default:
		return int(n), true
	}
	return 0, true
}

// Choice is a ChoiceField of strings (required: on create).
func (f *Form) Choice(key string, values []string, required bool) (string, bool) {
	raw, present := f.Body[key]
	if !present {
		if required {
			f.Fail(key, MsgRequired)
		}
		return "", false
	}
	v, _ := raw.(string)
	if !slices.Contains(values, v) {
		if raw == nil {
			f.Fail(key, "This field may not be null.")
		} else {
			s, _ := f.Body.String(key)
			f.Fail(key, `"`+s+`" is not a valid choice.`)
		}
	}
	return v, true
}

// JSONValue is a JSONField: any JSON value, kept as sent. An object, array,
// number or boolean of a JSON body is its text as the client wrote it
// (types.JSONRaw, compacted), so object keys keep their order and numbers
// their spelling when stored and served again; re-encoding the decoded
// value would sort the keys. A string is the decoded string (PocketBase
// reads JSON text inside it, as before), null is nil, and a value that is
// not valid UTF-8 is the decoded value (invalid bytes replaced).
func (f *Form) JSONValue(key string) (any, bool) {
	v, present := f.Body[key]
	if !present {
		return nil, false
	}
	if raw, ok := Verbatim(f.Raw[key]); ok {
		return raw, true
	}
	return v, true
}

// Verbatim is raw, a JSON value as a client wrote it, compacted, when it
// is an object, array, number or boolean in valid UTF-8; else false.
func Verbatim(raw json.RawMessage) (types.JSONRaw, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] == '"' || raw[0] == 'n' || !utf8.Valid(raw) {
		return nil, false
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, false
	}
	return types.JSONRaw(buf.Bytes()), true
}

// OrgPK is PK for an organisation's asset (category, tag): one of another
// organisation does not exist for this caller (upstream never checked).
func (f *Form) OrgPK(key, collection, orgID string) (string, bool) {
	id, present := f.PK(key, collection, false)
	if id != "" && !inOrganisation(f.app, collection, id, orgID) {
		raw, _ := f.Body.String(key)
		f.Fail(key, `Invalid pk "`+raw+`" - object does not exist.`)
		return "", present
	}
	return id, present
}

// OrgPKList is PKList for an organisation's assets.
func (f *Form) OrgPKList(key, collection, orgID string) ([]string, bool) {
	ids, present := f.PKList(key, collection)
	for _, id := range ids {
		if !inOrganisation(f.app, collection, id, orgID) {
			f.Fail(key, `Invalid pk "`+id+`" - object does not exist.`)
			return nil, present
		}
	}
	return ids, present
}

func inOrganisation(app core.App, collection, id, orgID string) bool {
	r, err := app.FindRecordById(collection, id)
	return err == nil && orgID != "" && r.GetString("organisation") == orgID
}

// charField checks a field as DRF's CharField(max_length) does; the value is trimmed.
func charField(body Body, key string, max int, required bool) (string, map[string][]string) {
	raw, present := body[key]
	if !present {
		if required {
			return "", map[string][]string{key: {MsgRequired}}
		}
		return "", nil
	}
	v, ok := body.String(key)
	switch {
	case raw == nil:
		return "", map[string][]string{key: {"This field may not be null."}}
	case !ok:
		return "", map[string][]string{key: {"Not a valid string."}}
	case strings.TrimSpace(v) == "":
		return "", map[string][]string{key: {MsgBlank}}
	case len([]rune(strings.TrimSpace(v))) > max:
		return "", map[string][]string{key: {"Ensure this field has no more than " + strconv.Itoa(max) + " characters."}}
	}
	return strings.TrimSpace(v), nil
}

// pkField reads an optional foreign key as DRF's PrimaryKeyRelatedField:
// a number or numeric string naming an existing record, or null.
func pkField(app core.App, body Body, key, collection string, required bool) (string, []string) {
	v, present := body[key]
	if !present || v == nil || v == "" {
		if required {
			return "", []string{MsgRequired}
		}
		return "", nil
	}
	var raw string
	switch t := v.(type) {
	case float64:
		raw = strconv.FormatFloat(t, 'f', -1, 64)
	case string:
		raw = t
	default:
		return "", []string{fmt.Sprintf("Incorrect type. Expected pk value, received %s.", JSONType(v))}
	}
	id, ok := collections.ParseID(raw)
	if !ok {
		return "", []string{"Incorrect type. Expected pk value, received str."}
	}
	if _, err := app.FindRecordById(collection, id); err != nil {
		return "", []string{`Invalid pk "` + raw + `" - object does not exist.`}
	}
	return id, nil
}

// JSONType is Python's name for a JSON value's type, as DRF reports it.
func JSONType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "dict"
	case []any:
		return "list"
	case bool:
		return "bool"
	case nil:
		return "NoneType"
	}
	return "str"
}

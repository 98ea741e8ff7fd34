package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Row is a record in upstream shape: Values line up with Table.Columns,
// ExtValues with Table.Ext.Columns, Links with Table.M2M (sorted ids).
type Row struct {
	ID        int64
	Values    []Value
	ExtValues []Value
	Links     [][]int64
}

// BcryptPrefix marks a PocketBase bcrypt hash in auth_user.password, in the
// format of Django's BCryptPasswordHasher ("bcrypt$" + the bcrypt hash).
const BcryptPrefix = "bcrypt$"

// Export reads a record into its upstream row.
func (t Table) Export(r *core.Record) (Row, error) {
	id, err := strconv.ParseInt(r.Id, 10, 64)
	if err != nil {
		return Row{}, fmt.Errorf("%s %q: id is not numeric", t.Collection, r.Id)
	}
	row := Row{ID: id, Values: make([]Value, len(t.Columns))}
	for i, c := range t.Columns {
		if row.Values[i], err = Get(r, c); err != nil {
			return Row{}, fmt.Errorf("%s %s.%s: %w", t.Collection, r.Id, c.Name, err)
		}
	}
	if t.Ext != nil {
		row.ExtValues = make([]Value, len(t.Ext.Columns))
		for i, c := range t.Ext.Columns {
			if row.ExtValues[i], err = Get(r, c); err != nil {
				return Row{}, err
			}
		}
	}
	for _, m := range t.M2M {
		ids, err := Links(r.GetStringSlice(m.Field))
		if err != nil {
			return Row{}, fmt.Errorf("%s %s.%s: %w", t.Collection, r.Id, m.Field, err)
		}
		row.Links = append(row.Links, ids)
	}
	return row, nil
}

// Links turns relation ids into sorted numbers.
func Links(ids []string) ([]int64, error) {
	out := make([]int64, 0, len(ids))
	for _, s := range ids {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("relation id %q is not numeric", s)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Get reads one column of a record in canonical form.
func Get(r *core.Record, c Column) (Value, error) {
	switch c.Kind {
	case ID:
		return strconv.ParseInt(r.Id, 10, 64)
	case Ref:
		s := r.GetString(c.Field)
		if s == "" {
			return nil, nil
		}
		return strconv.ParseInt(s, 10, 64)
	case Int:
		n := int64(r.GetInt(c.Field))
		if c.Null && n == 0 {
			return nil, nil
		}
		return n, nil
	case Bool:
		return r.GetBool(c.Field), nil
	case Time:
		dt := r.GetDateTime(c.Field)
		if dt.IsZero() {
			return nil, nil
		}
		return FormatTime(dt.Time()), nil
	case JSON:
		raw, _ := r.GetRaw(c.Field).(types.JSONRaw)
		if len(raw) == 0 {
			return nil, nil
		}
		return canonicalJSON(raw)
	case Clock:
		return CanonicalClock(r.GetString(c.Field))
	case Password:
		if h := r.GetString(c.Field); h != "" {
			return h, nil
		}
		if h := r.GetString(core.FieldNamePassword + ":hash"); h != "" {
			return BcryptPrefix + h, nil
		}
		return "", nil
	case Const:
		return c.Const, nil
	default: // Text, UUID, Date
		s := r.GetString(c.Field)
		if s == "" && (c.Null || c.Kind != Text) {
			return nil, nil
		}
		return s, nil
	}
}

// Set writes a canonical value into a record's field.
func Set(r *core.Record, c Column, v Value) error {
	switch c.Kind {
	case Const:
		return nil
	case ID, Ref:
		s := ""
		if v != nil {
			s = strconv.FormatInt(v.(int64), 10)
		}
		r.Set(c.Field, s)
	case Int:
		n, _ := v.(int64)
		r.Set(c.Field, n)
	case Bool:
		b, _ := v.(bool)
		r.Set(c.Field, b)
	case Time:
		// SetRaw: a kept timestamp must win over the autodate fields.
		dt := types.DateTime{}
		if s, ok := v.(string); ok {
			var err error
			if dt, err = types.ParseDateTime(s); err != nil {
				return err
			}
		}
		r.SetRaw(c.Field, dt)
	case JSON:
		if v == nil {
			r.Set(c.Field, nil)
		} else {
			r.Set(c.Field, types.JSONRaw(v.(string)))
		}
	case Password:
		setPassword(r, c, v)
	default:
		s, _ := v.(string)
		r.Set(c.Field, s)
	}
	return nil
}

// setPassword keeps an imported hash usable: a bcrypt hash becomes the
// PocketBase password itself, a Django hash waits in django_password for
// the first login (hooks.UpgradeDjangoPassword), and a user without a
// usable password gets a random one nobody knows.
func setPassword(r *core.Record, c Column, v Value) {
	s, _ := v.(string)
	switch {
	case strings.HasPrefix(s, BcryptPrefix):
		r.SetRaw(core.FieldNamePassword, &core.PasswordFieldValue{Hash: strings.TrimPrefix(s, BcryptPrefix)})
		r.Set(c.Field, "")
	case s != "" && !strings.HasPrefix(s, "!"):
		r.Set(c.Field, s)
		if r.GetString(core.FieldNamePassword+":hash") == "" {
			r.SetRandomPassword()
		}
	default:
		r.Set(c.Field, "")
		if r.GetString(core.FieldNamePassword+":hash") == "" {
			r.SetRandomPassword()
		}
	}
}

// SetLinks writes sorted relation ids into a multi-relation field.
func SetLinks(r *core.Record, m M2M, ids []int64) {
	s := make([]string, len(ids))
	for i, n := range ids {
		s[i] = strconv.FormatInt(n, 10)
	}
	r.Set(m.Field, s)
}

package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// Kind says how a column's value travels between a PocketBase field and
// Postgres. Every value crosses in one canonical form (Value), so that the
// mirror, the importer's change detection and the checksums agree.
type Kind int

const (
	ID       Kind = iota // bigint primary key <-> record id
	Text                 // varchar/text; with Null, "" <-> NULL
	Int                  // integer; with Null, 0 <-> NULL
	Bool                 // boolean
	Time                 // timestamptz <-> DateTime (milliseconds, UTC)
	JSON                 // jsonb <-> JSON field
	Ref                  // bigint foreign key <-> relation id; "" <-> NULL
	UUID                 // uuid <-> text
	Date                 // date <-> "YYYY-MM-DD"; "" <-> NULL
	Clock                // time without time zone <-> "HH:MM:SS"
	Password             // auth_user.password <-> django_password / PocketBase hash
	Const                // a column PocketBase has no field for; written as Column.Const, never imported
)

// Value is a column value in canonical form: nil, int64, string or bool
// (times as TimeLayout strings, JSON as compact text with sorted keys, ids
// as int64). Plain values compare with ==.
type Value = any

// TimeLayout is the canonical text of a timestamp: PocketBase keeps
// milliseconds, so that is the precision that survives a round trip.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Parse turns a value read from an upstream source (a Django fixture field
// as json.RawMessage, or a pgx value) into the canonical form of kind k.
func Parse(k Kind, null bool, raw any) (Value, error) {
	if msg, ok := raw.(json.RawMessage); ok {
		if k == JSON {
			return canonicalJSON(msg)
		}
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		raw = v
	}
	if raw == nil {
		return zero(k, null), nil
	}
	switch k {
	case ID, Ref:
		n, err := toInt(raw)
		if err != nil {
			return nil, err
		}
		if n <= 0 || n > 1<<53-1 {
			return nil, fmt.Errorf("id %d out of range 1..2^53-1", n)
		}
		return n, nil
	case Int:
		n, err := toInt(raw)
		if err != nil {
			return nil, err
		}
		if null && n == 0 {
			return nil, nil
		}
		return n, nil
	case Bool:
		b, ok := raw.(bool)
		if !ok {
			return nil, fmt.Errorf("want a boolean, got %T", raw)
		}
		return b, nil
	case Time:
		return toTime(raw)
	case JSON:
		b, err := json.Marshal(raw)
		if err != nil {
			return nil, err
		}
		return canonicalJSON(b)
	case UUID:
		return toUUID(raw)
	case Date:
		if t, ok := raw.(time.Time); ok {
			return t.Format(time.DateOnly), nil
		}
		s, ok := raw.(string)
		if !ok {
			return nil, fmt.Errorf("want a date, got %T", raw)
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, err
		}
		return s, nil
	case Clock:
		return toClock(raw)
	default: // Text, Password, Const
		s, ok := raw.(string)
		if !ok {
			return nil, fmt.Errorf("want text, got %T", raw)
		}
		if null && s == "" {
			return nil, nil
		}
		return s, nil
	}
}

// zero is the canonical value of a NULL read from upstream.
func zero(k Kind, null bool) Value {
	switch {
	case null:
		return nil
	case k == Text || k == Password:
		return ""
	case k == Int:
		return int64(0)
	case k == Bool:
		return false
	}
	return nil
}

func toInt(raw any) (int64, error) {
	switch v := raw.(type) {
	case int64:
		return v, nil
	case int32:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int:
		return int64(v), nil
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return 0, fmt.Errorf("want an integer, got %v", v)
		}
		return int64(v), nil
	case json.Number:
		return strconv.ParseInt(v.String(), 10, 64)
	case string:
		return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	}
	return 0, fmt.Errorf("want an integer, got %T", raw)
}

func toTime(raw any) (Value, error) {
	switch v := raw.(type) {
	case time.Time:
		return FormatTime(v), nil
	case string:
		if v == "" {
			return nil, nil
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999Z", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(layout, v); err == nil {
				return FormatTime(t), nil
			}
		}
		return nil, fmt.Errorf("unreadable timestamp %q", v)
	}
	return nil, fmt.Errorf("want a timestamp, got %T", raw)
}

// FormatTime is the canonical text of t.
func FormatTime(t time.Time) string { return t.UTC().Truncate(time.Millisecond).Format(TimeLayout) }

func toUUID(raw any) (Value, error) {
	switch v := raw.(type) {
	case [16]byte:
		return uuid.UUID(v).String(), nil
	case string:
		u, err := uuid.Parse(v)
		if err != nil {
			return nil, err
		}
		return u.String(), nil
	}
	return nil, fmt.Errorf("want a UUID, got %T", raw)
}

func toClock(raw any) (Value, error) {
	switch v := raw.(type) {
	case pgtype.Time:
		d := time.Duration(v.Microseconds) * time.Microsecond
		return CanonicalClock(time.Time{}.Add(d).Format("15:04:05.999999"))
	case string:
		return CanonicalClock(v)
	}
	return nil, fmt.Errorf("want a time of day, got %T", raw)
}

// CanonicalClock writes a time of day as HH:MM:SS with the fraction, if
// any, trimmed: "08:00" and "08:00:00.000" are the same time.
func CanonicalClock(s string) (Value, error) {
	if s == "" {
		return nil, nil
	}
	for _, layout := range []string{"15:04:05.999999", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("15:04:05.999999"), nil
		}
	}
	return nil, fmt.Errorf("unreadable time of day %q", s)
}

// canonicalJSON re-encodes JSON with sorted keys and no spaces, keeping
// numbers exactly as written; JSON null is the canonical nil.
func canonicalJSON(b []byte) (Value, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	if v == nil {
		return nil, nil
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return strings.TrimSuffix(out.String(), "\n"), nil
}

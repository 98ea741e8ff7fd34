package schema

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

func TestParse(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	tests := []struct {
		name    string
		kind    Kind
		null    bool
		in      any
		want    Value
		wantErr bool
	}{
		{"fixture id", ID, false, raw("32"), int64(32), false},
		{"pgx int32 id", ID, false, int32(7), int64(7), false},
		{"id too large", ID, false, int64(1 << 53), nil, true},
		{"null ref", Ref, true, raw("null"), nil, false},
		{"nullable text empty is NULL", Text, true, "", nil, false},
		{"text NULL is empty", Text, false, nil, "", false},
		{"fixture time", Time, true, raw(`"2025-08-23T06:43:51.413Z"`), "2025-08-23T06:43:51.413Z", false},
		{"pgx time, microseconds cut", Time, true, time.Date(2025, 1, 2, 3, 4, 5, 678901000, time.UTC), "2025-01-02T03:04:05.678Z", false},
		{"JSON keys sorted, numbers kept", JSON, true, raw(`{"b": 12345678901234567, "a": [1, "x"]}`), `{"a":[1,"x"],"b":12345678901234567}`, false},
		{"JSON null", JSON, true, raw("null"), nil, false},
		{"uuid bytes", UUID, true, [16]byte{1}, "01000000-0000-0000-0000-000000000000", false},
		{"clock HH:MM", Clock, true, "08:00", "08:00:00", false},
		{"pgx clock", Clock, true, pgtype.Time{Microseconds: (8*3600 + 30*60) * 1e6, Valid: true}, "08:30:00", false},
		{"date", Date, true, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), "2025-03-01", false},
		{"bad date", Date, true, "2025-13-01", nil, true},
		{"bool from text", Bool, false, "yes", nil, true},
		{"nullable int zero", Int, true, raw("0"), nil, false},
		{"fractional int", Int, false, 1.5, nil, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.kind, tt.null, tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("%s: Parse = %#v, %v; want %#v (error %v)", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

// Every mapped column names a field of its collection (or is a Const).
func TestTablesMatchCollections(t *testing.T) {
	seen := map[string]bool{}
	for _, tbl := range Tables() {
		if seen[tbl.Name] {
			t.Errorf("table %s mapped twice", tbl.Name)
		}
		seen[tbl.Name] = true
		if tbl.Columns[0].Kind != ID {
			t.Errorf("%s: first column is not the id", tbl.Name)
		}
	}
	if len(Tables()) != 28 {
		t.Errorf("%d tables, want one per collection (28)", len(Tables()))
	}
}

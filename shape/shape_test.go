package shape

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/types"
)

func TestDateTime(t *testing.T) {
	cph, _ := time.LoadLocation("Europe/Copenhagen")
	s := New(nil, cph)
	tests := []struct {
		in   string
		want any
	}{
		{"", nil},
		{"2026-06-01 08:00:00.000Z", "2026-06-01T10:00:00+02:00"},
		{"2026-01-01 08:00:00.123Z", "2026-01-01T09:00:00.123000+01:00"},
		{"2026-03-29 01:00:00.000Z", "2026-03-29T03:00:00+02:00"}, // the spring change
	}
	for _, tt := range tests {
		dt, err := types.ParseDateTime(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.DateTime(dt); got != tt.want {
			t.Errorf("DateTime(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestClockIsDjangoTimeField(t *testing.T) {
	for in, want := range map[string]string{"9:05": "09:05:00", "10:00": "10:00:00", "23:59:59.5": "23:59:59.500000", "bogus": "bogus"} {
		if got := clock(in); got != want {
			t.Errorf("clock(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNullables(t *testing.T) {
	if NullableID("") != nil || NullableString("") != nil || NullableID("12") != ID("12") || NullableString("x") != "x" {
		t.Fatal("nullable rendering")
	}
}

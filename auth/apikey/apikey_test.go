package apikey

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	const canonical = "6f1c2a9e-7b3d-4e5f-8a9b-0c1d2e3f4a5b"
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"canonical", canonical, true},
		{"upper case", strings.ToUpper(canonical), true},
		{"no hyphens", strings.ReplaceAll(canonical, "-", ""), true},
		{"braces", "{" + canonical + "}", true},
		{"urn", "urn:uuid:" + canonical, true},
		{"empty", "", false},
		{"null", "null", false},
		{"too short", canonical[:35], false},
		{"not hex", strings.Replace(canonical, "6", "g", 1), false},
		{"sql", "' OR 1=1 --", false},
		{"huge", strings.Repeat("a", 1<<16), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Normalize(tt.in)
			if ok != tt.ok {
				t.Fatalf("Normalize(%q) ok = %v, want %v", tt.in, ok, tt.ok)
			}
			if ok && got != canonical {
				t.Fatalf("Normalize(%q) = %q, want %q", tt.in, got, canonical)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"6f1c2a9e-7b3d-4e5f-8a9b-0c1d2e3f4a5b", "{00000000-0000-0000-0000-000000000000}", "urn:uuid:x", "", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := Normalize(raw)
		if !ok {
			return
		}
		// A key is always stored and compared canonically, and stays so.
		if again, ok := Normalize(got); !ok || again != got || got != strings.ToLower(got) || len(got) != 36 {
			t.Fatalf("Normalize(%q) = %q, not canonical", raw, got)
		}
	})
}

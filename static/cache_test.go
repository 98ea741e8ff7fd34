package static

import "testing"

func TestCachePolicy(t *testing.T) {
	tests := []struct {
		file string
		dev  bool
		want string
	}{
		{"assets/main-Dx3kP9aQ.js", false, CacheImmutable},
		{"assets/index-BXs1nA2k.css", false, CacheImmutable},
		{"assets/monaco-0a1b2c3d.js", false, CacheImmutable},
		{"assets/slide-template.css", false, CacheShort}, // a word, not a hash
		{"assets/main-Dx3kP9aQx.js", false, CacheShort},  // nine characters
		{"main-Dx3kP9aQ.js", false, CacheShort},          // not under assets/
		{"docs/en/intro.md", false, CacheShort},
		{"index.html", false, CacheRevalidate},
		{"slide-types/clock.html", false, CacheRevalidate},
		{"assets/main-Dx3kP9aQ.js", true, CacheRevalidate},
	}
	for _, tt := range tests {
		if got := (&Site{dev: tt.dev}).cachePolicy(tt.file); got != tt.want {
			t.Errorf("%s (dev %v): %q, want %q", tt.file, tt.dev, got, tt.want)
		}
	}
}

func TestSplitPath(t *testing.T) {
	tests := []struct {
		escaped string
		want    []string
		ok      bool
	}{
		{"/", nil, true},
		{"/aarhus//suborg/3/", []string{"aarhus", "suborg", "3"}, true},
		{"/%C3%B8stjylland/x", []string{"østjylland", "x"}, true},
		{"/a%20b/c", []string{"a b", "c"}, true},
		{"/a%2Fb/c", nil, false},
		{"/%2e%2e/x", nil, false},
		{"/./x", nil, false},
		{"/a%5Cb", nil, false},
		{"/a%00b", nil, false},
		{"/%zz", nil, false},
	}
	for _, tt := range tests {
		got, ok := splitPath(tt.escaped)
		if ok != tt.ok || len(got) != len(tt.want) {
			t.Errorf("%s: %q %v, want %q %v", tt.escaped, got, ok, tt.want, tt.ok)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: %q, want %q", tt.escaped, got, tt.want)
			}
		}
	}
}

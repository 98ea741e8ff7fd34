package editors

import "testing"

func TestValidPath(t *testing.T) {
	for _, tc := range []struct {
		path, id string
		ok       bool
	}{
		{"/ws/slideshows/1/", "1", true},
		{"/ws/slideshows/abc_9/", "abc_9", true},
		{"/ws/slideshows/æøå/", "æøå", true},
		{"/ws/slideshows/1/1/", "1", false},
		{"/ws/slideshows/1/x/", "1", false},
		{"/ws/slideshows/a-b/", "a-b", false},
		{"/ws/slideshows/a.b/", "a.b", false},
		{"/ws/slideshows//", "", false},
	} {
		if got := validPath(tc.path, tc.id); got != tc.ok {
			t.Errorf("validPath(%q, %q) = %v", tc.path, tc.id, got)
		}
	}
}

func TestFalsy(t *testing.T) {
	for _, v := range []any{nil, false, 0.0, "", []any{}, map[string]any{}} {
		if !falsy(v) {
			t.Errorf("falsy(%#v) = false", v)
		}
	}
	for _, v := range []any{true, 1.0, "x", []any{nil}, map[string]any{"a": nil}} {
		if falsy(v) {
			t.Errorf("falsy(%#v) = true", v)
		}
	}
}

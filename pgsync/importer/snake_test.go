package importer

import "testing"

func TestSnake(t *testing.T) {
	tests := map[string]string{
		"hexValue": "hex_value", "slideData": "slide_data", "hex_value": "hex_value",
		"organisation": "organisation", "previewWidth": "preview_width", "": "",
	}
	for in, want := range tests {
		if got := Snake(in); got != want {
			t.Errorf("Snake(%q) = %q, want %q", in, got, want)
		}
	}
}

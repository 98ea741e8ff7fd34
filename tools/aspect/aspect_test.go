package aspect

import "testing"

func TestRatio(t *testing.T) {
	cases := []struct {
		w, h int
		want string
	}{
		{1920, 1080, "16:9"},
		{1080, 1920, "9:16"},
		{1024, 768, "4:3"},
		{768, 1024, "3:4"},
		{500, 500, "1:1"},
		{2560, 1080, "21:9"},
		{2520, 1080, "7:3"},
		{3440, 1440, "43:18"},
		{1850, 1000, "1.85:1"},
		{2390, 1000, "2.39:1"},
		{0, 1080, "16:9"},
		{1920, -1, "16:9"},
		{7, 5, "7:5"},
	}
	for _, c := range cases {
		if got := Ratio(c.w, c.h); got != c.want {
			t.Errorf("Ratio(%d, %d) = %q, want %q", c.w, c.h, got, c.want)
		}
	}
}

package templates

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestThumbnail(t *testing.T) {
	payload := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	for _, c := range []struct {
		in        any
		stored    string
		errSuffix string
	}{
		{nil, "", ""},
		{"", "", ""},
		{"https://x.dk/a.png", "https://x.dk/a.png", ""},
		{"/relative/a.png", "/relative/a.png", ""},
		{"data:", "", "missing payload."},
		{"data:image/png;base64,", "", "missing payload."},
		{"data:,abc", "", "are supported for thumbnails."},
		{"data:application/json;base64,e30=", "", "are supported for thumbnails."},
		{"data:image/png;base64,e30", "", "not valid base64."},
		{"data:image/png;base64,e3\n0=", "", "not valid base64."},
		{"data:image/png;base64,e3-0", "", "not valid base64."},
		{"data:image/png;base64,e30=", "data:image/png;base64,e30=", ""},
		{"data:image/png;base64," + payload(1_000_000), "data:image/png;base64," + payload(1_000_000), ""},
		{"data:image/png;base64," + payload(1_000_001), "", "exceeds the 1 MB limit."},
		{"data:image/png,x,y", "", "not valid base64."},
		{42.0, "", "Not a valid string."},
	} {
		stored, msg := thumbnail(c.in)
		if stored != c.stored || !strings.HasSuffix(msg, c.errSuffix) || (c.errSuffix == "") != (msg == "") {
			t.Errorf("thumbnail(%.40v) = %.40q, %q; want %.40q, ...%q", c.in, stored, msg, c.stored, c.errSuffix)
		}
	}
}

package progress

import (
	"bytes"
	"testing"
)

func TestDraw(t *testing.T) {
	tests := []struct {
		done, total int
		want        string
	}{
		{0, 10, "[>                             ]"},
		{5, 10, "[===============>              ]"},
		{10, 10, "[==============================]"},
		{0, 0, "[==============================]"},
		{12, 10, "[==============================]"},
	}
	for _, tt := range tests {
		if got := Draw(tt.done, tt.total); got != tt.want {
			t.Errorf("Draw(%d, %d) = %q, want %q", tt.done, tt.total, got, tt.want)
		}
	}
}

// Without a terminal, a line is printed once per tenth of the way.
func TestPlainLines(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf)
	for done := 0; done <= 100; done += 5 {
		b.Update("app_tag", done, 100)
	}
	b.Update("app_empty", 0, 0)
	want := "app_tag 0/100\napp_tag 10/100\napp_tag 20/100\napp_tag 30/100\napp_tag 40/100\napp_tag 50/100\n" +
		"app_tag 60/100\napp_tag 70/100\napp_tag 80/100\napp_tag 90/100\napp_tag 100/100\napp_empty 0/0\n"
	if buf.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

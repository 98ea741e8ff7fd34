package media_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/openstream-go/openstream/media"
	"github.com/openstream-go/openstream/media/mediatest"
)

func TestFileType(t *testing.T) {
	rows := map[string]string{"a.PDF": "pdf", "a.jpg": "jpeg", "a.JPEG": "jpeg", "b.webp": "WebP", "c.WebM": "WebM", "x.svg": "svg", "y.mp4": "mp4", "z.gif": "gif"}
	for name, want := range rows {
		if got, err := media.FileType(name); err != nil || got != want {
			t.Errorf("FileType(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for name, ext := range map[string]string{"a.exe": ".exe", "noext": "", "a.png.zip": ".zip"} {
		_, err := media.FileType(name)
		if err == nil || err.Error() != "Unsupported file type: "+ext {
			t.Errorf("FileType(%q) error %v", name, err)
		}
	}
}

// TestInspect refuses content that is not what the extension says.
func TestInspect(t *testing.T) {
	rows := []struct {
		name     string
		content  []byte
		fileType string
		ok       bool
	}{
		{"png", mediatest.PNG(), "png", true},
		{"pdf", mediatest.PDF(), "pdf", true},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>`), "svg", true},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "gif", true},
		{"mp4", append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 64)...), "mp4", true},
		{"webm", []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"), "WebM", true},
		{"text named png", []byte("hello, I am not an image"), "png", false},
		{"pdf named png", mediatest.PDF(), "png", false},
		{"empty", nil, "jpeg", false},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			hash, err := media.Inspect(bytes.NewReader(r.content), r.fileType)
			if r.ok != (err == nil) {
				t.Fatalf("err %v, want ok=%v", err, r.ok)
			}
			if !r.ok && !errors.Is(err, media.ErrMismatch) {
				t.Fatalf("err %v, want ErrMismatch", err)
			}
			if r.ok && len(hash) != 12 {
				t.Fatalf("hash %q", hash)
			}
		})
	}
}

// TestStorageName is upstream's naming, sanitised and cut to 100 chars.
func TestStorageName(t *testing.T) {
	long := strings.Repeat("a", 120)
	rows := []struct{ original, want string }{
		{"My Photo.png", "My_Photo-3fa2c1d09b7e.png"},
		{"  Æble & kage!.JPG", "Æble__kage-3fa2c1d09b7e.JPG"},
		{`C:\Users\x\report.pdf`, "report-3fa2c1d09b7e.pdf"},
		{"../../etc/passwd.png", "passwd-3fa2c1d09b7e.png"},
		{".hidden.png", "hidden-3fa2c1d09b7e.png"},
		{long + ".png", strings.Repeat("a", 88) + ".png"},
	}
	for _, r := range rows {
		got := media.StorageName(r.original, "3fa2c1d09b7e")
		if got != r.want {
			t.Errorf("StorageName(%q) = %q, want %q", r.original, got, r.want)
		}
		if n := utf8.RuneCountInString("uploads/" + got); n > 100 {
			t.Errorf("%q is %d characters as a key", got, n)
		}
	}
}

// TestRenderFirstPage uses the real pdftoppm, and reports a missing one.
func TestRenderFirstPage(t *testing.T) {
	ctx := context.Background()
	png, err := media.RenderFirstPage(ctx, media.DefaultPdftoppm, bytes.NewReader(mediatest.PDF()))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("render: %v (%d bytes)", err, len(png))
	}
	if _, err := media.RenderFirstPage(ctx, "/nonexistent/pdftoppm", bytes.NewReader(mediatest.PDF())); !errors.Is(err, media.ErrNoConverter) {
		t.Fatalf("missing converter: %v", err)
	}
	_, err = media.RenderFirstPage(ctx, media.DefaultPdftoppm, strings.NewReader("not a pdf"))
	if err == nil || !strings.Contains(err.Error(), "could not render") {
		t.Fatalf("broken PDF: %v", err)
	}
}

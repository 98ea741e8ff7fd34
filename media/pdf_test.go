package media_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/media"
	"github.com/openstream-go/openstream/media/mediatest"
)

// TestRenderIsBounded: a page is rendered at the preview's size, whatever
// size it declares. A 300-byte PDF with a 14400×14400 pt page made
// pdftoppm take 820 MB when it rendered at 72 dpi; now it is a 1920 px
// preview, and a render that needs more than the memory cap fails with a
// reason instead of taking the host's memory.
func TestRenderIsBounded(t *testing.T) {
	ctx := context.Background()
	huge := mediatest.PDFPage(14400, 14400)
	if len(huge) > 400 {
		t.Fatalf("the monstrous PDF is %d bytes", len(huge))
	}
	for _, tt := range []struct {
		name          string
		pdf           []byte
		width, height int
	}{
		{"monstrous page", huge, 1920, 1920},
		{"A4 portrait", mediatest.PDFPage(595, 842), 1357, 1920},
		{"wide slide", mediatest.PDFPage(720, 405), 1920, 1080},
		{"long strip", mediatest.PDFPage(14400, 10), 1920, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := media.RenderFirstPage(ctx, media.DefaultPdftoppm, bytes.NewReader(tt.pdf))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width != tt.width || cfg.Height != tt.height {
				t.Fatalf("%d×%d px, want %d×%d", cfg.Width, cfg.Height, tt.width, tt.height)
			}
		})
	}

	// The page at full size needs a 600 MB bitmap: over a 256 MB cap the
	// converter's allocation fails and the render says why.
	full := media.Render{Pdftoppm: media.DefaultPdftoppm, Size: 14400, Memory: 256 << 20}
	_, err := full.FirstPage(ctx, bytes.NewReader(huge))
	if !errors.Is(err, media.ErrTooBig) || !strings.Contains(err.Error(), "256 MB") {
		t.Fatalf("full-size render under the cap: %v", err)
	}
	// The same cap leaves room for an ordinary preview.
	capped := media.Render{Pdftoppm: media.DefaultPdftoppm, Memory: 256 << 20}
	if _, err := capped.FirstPage(ctx, bytes.NewReader(huge)); err != nil {
		t.Fatalf("preview under the cap: %v", err)
	}
}

// TestRenderStopsAtTheDeadline: a converter still at work when the
// conversion's time is up is stopped, and the reason says so.
func TestRenderStopsAtTheDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stalled := make(chan struct{})
	t.Cleanup(func() { close(stalled) })
	// The PDF never arrives; the deadline passes while pdftoppm waits.
	pdf := readerFunc(func([]byte) (int, error) {
		cancel()
		<-stalled
		return 0, errors.New("stalled")
	})
	_, err := media.RenderFirstPage(ctx, media.DefaultPdftoppm, pdf)
	if err == nil || !strings.Contains(err.Error(), "took too long") {
		t.Fatalf("stalled render: %v", err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

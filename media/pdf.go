package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// ErrNoConverter is the reason a preview fails where poppler is missing.
var ErrNoConverter = errors.New("PDF preview needs poppler's pdftoppm, which is not installed (Debian: apt-get install poppler-utils)")

// ErrTooBig is the reason a preview fails when its page needs more memory
// than a preview may take.
var ErrTooBig = errors.New("the PDF's first page needs more memory than a preview may use")

// Bounds of one preview. A page is rendered scaled to PreviewSize on its
// long side, whatever its size: a 300-byte PDF may declare a page of
// 14400×14400 points, which at 72 dpi is a 600 MB bitmap. The converter's
// address space is capped at PreviewMemory besides, for what scaling does
// not bound (huge embedded images, say).
const (
	// PreviewSize is the long side of a preview in pixels: a full-HD
	// screen's width, the largest a screen shows a document.
	PreviewSize = 1920
	// PreviewMemory caps the converter's address space (RLIMIT_AS).
	PreviewMemory = 512 << 20
	// maxPreviewBytes bounds the PNG the converter may write: a
	// 1920×1920 RGB page is 11 MB uncompressed.
	maxPreviewBytes = 64 << 20
)

// Render says how a preview is made.
type Render struct {
	// Pdftoppm is poppler's converter (a command or a path, looked up at
	// each render).
	Pdftoppm string
	// Size is the preview's long side in pixels (0: PreviewSize).
	Size int
	// Memory caps the converter's address space in bytes (0: PreviewMemory).
	Memory int64
}

// RenderFirstPage renders page 1 of the PDF in pdf to a PNG of at most
// PreviewSize pixels on its long side, within PreviewMemory.
func RenderFirstPage(ctx context.Context, pdftoppm string, pdf io.Reader) ([]byte, error) {
	return Render{Pdftoppm: pdftoppm}.FirstPage(ctx, pdf)
}

// FirstPage renders page 1 of the PDF in pdf to PNG with pdftoppm: page 1
// only, scaled to r.Size on its long side, the converter's memory capped
// at r.Memory, and stopped when ctx ends.
func (r Render) FirstPage(ctx context.Context, pdf io.Reader) ([]byte, error) {
	size, memory := r.Size, r.Memory
	if size <= 0 {
		size = PreviewSize
	}
	if memory <= 0 {
		memory = PreviewMemory
	}
	path, err := exec.LookPath(r.Pdftoppm)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoConverter, err)
	}
	// The PDF goes through a pipe this process writes only once the cap is
	// set: the converter can do nothing sizeable before.
	in, feed, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer feed.Close()
	out := &cappedBuffer{max: maxPreviewBytes}
	stderr := &cappedBuffer{max: 64 << 10}
	cmd := exec.CommandContext(ctx, path, "-png", "-f", "1", "-l", "1", "-singlefile", "-scale-to", strconv.Itoa(size), "-")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, stderr
	err = cmd.Start()
	in.Close()
	if err != nil {
		return nil, fmt.Errorf("pdftoppm did not start: %w", err)
	}
	if err := limitMemory(cmd.Process.Pid, memory); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("the converter's memory cannot be capped, so it is not run: %w", err)
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		// Ends at the PDF's end, or when the converter stops reading
		// (the write fails once it has exited and the pipe is closed).
		_, _ = io.Copy(feed, pdf)
		feed.Close()
	}()
	err = cmd.Wait()
	feed.Close()
	select {
	case <-copied: // pdf is not read after the return
	case <-ctx.Done():
		// A stalled read may still be in flight; the caller's Close of
		// pdf ends it (files and HTTP bodies allow that).
	}
	msg := lastLine(stderr.String())
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("pdftoppm took too long: %w", ctx.Err())
	case strings.Contains(msg, "Out of memory") || strings.Contains(msg, "bad_alloc"):
		// poppler says so and may still exit 0 with a truncated PNG.
		return nil, fmt.Errorf("%w (%d MB)", ErrTooBig, memory>>20)
	case out.overflow:
		return nil, fmt.Errorf("the preview exceeds %d MB", maxPreviewBytes>>20)
	case err != nil:
		return nil, fmt.Errorf("pdftoppm could not render the PDF (%v): %s", err, msg)
	}
	png := out.Bytes()
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || !bytes.HasSuffix(png, pngEnd) {
		return nil, fmt.Errorf("pdftoppm produced no complete PNG: %s", msg)
	}
	return png, nil
}

// pngEnd is a PNG's last chunk, IEND with its CRC.
var pngEnd = []byte("IEND\xaeB`\x82")

// lastLine is pdftoppm's last complaint, the informative one.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// cappedBuffer keeps up to max bytes and refuses the rest, so a converter
// gone wrong cannot fill this process's memory either.
type cappedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		b.overflow = true
		return 0, errors.New("output too large")
	}
	return b.Buffer.Write(p)
}

package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// ErrNoConverter is the reason a preview fails where poppler is missing.
var ErrNoConverter = errors.New("PDF preview needs poppler's pdftoppm, which is not installed (Debian: apt-get install poppler-utils)")

// RenderFirstPage renders page 1 of the PDF in pdf to PNG at 72 dpi
// (PyMuPDF's default, what upstream used) with pdftoppm, looked up now.
func RenderFirstPage(ctx context.Context, pdftoppm string, pdf io.Reader) ([]byte, error) {
	path, err := exec.LookPath(pdftoppm)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoConverter, err)
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "-png", "-f", "1", "-l", "1", "-singlefile", "-r", "72", "-")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pdf, &out, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:] // its last complaint is the informative one
		}
		return nil, fmt.Errorf("pdftoppm could not render the PDF (%v): %s", err, msg)
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("\x89PNG")) {
		return nil, errors.New("pdftoppm produced no PNG")
	}
	return out.Bytes(), nil
}

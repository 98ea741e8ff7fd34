package media

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
)

// FileTypes maps a lowercased extension to the document's file_type (mixed
// case as upstream stores it).
var FileTypes = map[string]string{
	".pdf": "pdf", ".png": "png", ".jpeg": "jpeg", ".jpg": "jpeg", ".svg": "svg",
	".gif": "gif", ".mp4": "mp4", ".webp": "WebP", ".webm": "WebM",
}

// sniffed are the detected content types each file_type may have.
var sniffed = map[string][]string{
	"pdf": {"application/pdf"}, "png": {"image/png"}, "jpeg": {"image/jpeg"},
	"svg": {"image/svg+xml"}, "gif": {"image/gif"}, "WebP": {"image/webp"},
	"mp4": {"video/mp4"}, "WebM": {"video/webm", "audio/webm"},
}

// ImageTypes are the file types the base64 endpoint serves.
var ImageTypes = []string{"png", "jpeg", "svg", "gif", "WebP"}

// ErrUnsupported is an extension outside the allow-list.
type ErrUnsupported struct{ Ext string }

func (e ErrUnsupported) Error() string { return "Unsupported file type: " + e.Ext }

// ErrMismatch is content that is not what its extension says.
var ErrMismatch = errors.New("the file content does not match its extension")

// FileType is the file_type of name's extension, or ErrUnsupported.
func FileType(name string) (string, error) {
	ext := strings.ToLower(filepath.Ext(name))
	if t, ok := FileTypes[ext]; ok {
		return t, nil
	}
	return "", ErrUnsupported{Ext: ext}
}

// Inspect reads r once: it checks that the content is of fileType (a .png
// that is not a PNG is refused; upstream trusted the extension) and returns
// the first 12 hex digits of its SHA-256, upstream's name suffix.
func Inspect(r io.Reader, fileType string) (string, error) {
	h := sha256.New()
	head := make([]byte, 3072) // what mimetype looks at
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	head = head[:n]
	h.Write(head)
	if !matches(head, fileType) {
		return "", ErrMismatch
	}
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func matches(head []byte, fileType string) bool {
	for m := mimetype.Detect(head); m != nil; m = m.Parent() {
		for _, want := range sniffed[fileType] {
			if m.Is(want) {
				return true
			}
		}
	}
	return false
}

// maxKey is upstream's FileField max_length; names are cut as if stored
// under "uploads/" so they stay what upstream would have stored.
const maxKey = 100

var unsafeChars = regexp.MustCompile(`[^-\p{L}\p{N}_.]`)

// StorageName is upstream's "<base>-<hash><ext>", sanitised as Django's
// get_valid_filename (Unicode letters kept) and cut from the end of the base
// to fit. Leading dots are dropped: a stored name may not start with one.
func StorageName(original, hash string) string {
	name := filepath.Base(strings.ReplaceAll(original, `\`, "/"))
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	clean := func(s string) string {
		return unsafeChars.ReplaceAllString(strings.ReplaceAll(strings.TrimSpace(s), " ", "_"), "")
	}
	full := strings.TrimLeft(clean(base+"-"+hash), ".")
	ext = clean(ext)
	for len("uploads/")+utf8.RuneCountInString(full+ext) > maxKey && full != "" {
		_, size := utf8.DecodeLastRuneInString(full)
		full = full[:len(full)-size]
	}
	if full == "" {
		full = hash
	}
	return full + ext
}

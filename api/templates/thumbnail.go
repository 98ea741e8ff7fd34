package templates

import (
	"encoding/base64"
	"strings"

	"github.com/pocketbase/pocketbase/tools/filesystem"

	"github.com/openstream-go/openstream/collections"
)

// maxThumbnail is the largest decoded thumbnail image upstream accepts.
const maxThumbnail = collections.MaxThumbnailSize

// thumbnail checks a global template's thumbnail_url (docs/api.md,
// "Slide templates"): "" and null are stored empty (rendered null); a data:
// URL must carry a non-empty, strictly valid base64 image of at most 1 MB; any
// other string is kept as it is. The message is "" when the value is accepted.
func thumbnail(raw any) (string, string) {
	if raw == nil {
		return "", ""
	}
	v, ok := raw.(string)
	if !ok {
		return "", "Not a valid string."
	}
	if !strings.HasPrefix(v, "data:") {
		return v, ""
	}
	header, payload, _ := strings.Cut(v, ",")
	switch {
	case payload == "":
		return "", "Invalid data URL: missing payload."
	case !strings.Contains(header, "image"):
		return "", "Only image data URLs are supported for thumbnails."
	}
	// Go's decoder skips line breaks; Python's validating decoder does not.
	decoded, err := base64.StdEncoding.DecodeString(payload)
	if err != nil || strings.ContainsAny(payload, "\r\n") {
		return "", "Thumbnail data URL is not valid base64."
	}
	if len(decoded) > maxThumbnail {
		return "", "Thumbnail image exceeds the 1 MB limit."
	}
	return v, ""
}

// thumbnailFile turns an accepted data: URL into the file stored in the
// media storage; ok is false for an outside URL or an empty value.
func thumbnailFile(v string) (file *filesystem.File, ok bool, err error) {
	header, payload, found := strings.Cut(v, ",")
	if !strings.HasPrefix(v, "data:") || !found {
		return nil, false, nil
	}
	decoded, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return nil, false, err
	}
	mimeType, _, _ := strings.Cut(strings.TrimPrefix(header, "data:"), ";")
	ext, known := imageExtensions[mimeType]
	if !known {
		ext = ".img"
	}
	file, err = filesystem.NewFileFromBytes(decoded, "thumbnail"+ext)
	return file, err == nil, err
}

var imageExtensions = map[string]string{
	"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp", "image/svg+xml": ".svg",
}

package templates

import (
	"encoding/base64"
	"strings"
)

// maxThumbnail is the largest decoded thumbnail image upstream accepts.
const maxThumbnail = 1_000_000

// thumbnail checks a global template's thumbnail_url (api-content §3.2):
// "" and null are stored empty (rendered null); a data: URL must carry a
// non-empty, strictly valid base64 image of at most 1 MB; any other string
// is kept as it is. The message is "" when the value is accepted.
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

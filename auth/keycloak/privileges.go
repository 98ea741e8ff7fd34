package keycloak

import (
	"encoding/base64"
	"encoding/xml"
	"io"
	"strings"
)

// maxPrivilegeList bounds the decoded sso_privilege_list claim.
const maxPrivilegeList = 1 << 20

// PrivilegeKeys decodes the custom sso_privilege_list claim (base64 XML)
// into its privilege keys, as upstream does: every element literally named
// Privilege, without a namespace, holds a URL-like text whose second-to-last
// "/" segment is the key. Malformed input yields the keys read so far.
func PrivilegeKeys(claim string) map[string]bool {
	keys := map[string]bool{}
	raw, err := decodeBase64(strings.TrimSpace(claim))
	if err != nil || len(raw) > maxPrivilegeList {
		return keys
	}
	dec := xml.NewDecoder(strings.NewReader(string(raw)))
	dec.Strict = false
	depth := 0 // >0 while inside a Privilege element
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return keys
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth > 0 {
				depth++
			} else if t.Name.Local == "Privilege" && t.Name.Space == "" {
				depth = 1
				text.Reset()
			}
		case xml.CharData:
			if depth > 0 && text.Len() < 4096 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 0 {
				continue
			}
			if depth--; depth == 0 {
				parts := strings.Split(strings.TrimSpace(text.String()), "/")
				if len(parts) >= 2 && parts[len(parts)-2] != "" {
					keys[parts[len(parts)-2]] = true
				}
			}
		}
	}
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil {
			return raw, nil
		}
	}
	return nil, base64.CorruptInputError(0)
}

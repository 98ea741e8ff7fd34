package assets

import "github.com/openstream-go/openstream/rest"

// urlField is a URLField: a CharField holding a valid http(s) or ftp(s) URL.
func urlField(f *rest.Form, key string, max int, required bool) (string, bool) {
	before := len(f.Errs[key])
	v, present := f.Text(key, max, required)
	if present && len(f.Errs[key]) == before && !validURL(v) {
		f.Fail(key, "Enter a valid URL.")
	}
	return v, present
}

// positionField is the nullable position of colours and fonts: null, like 0,
// asks for the next free position.
func positionField(f *rest.Form) (int, bool) {
	if raw, ok := f.Body["position"]; ok && raw == nil {
		return 0, true
	}
	return f.Integer("position", 0)
}

package assets

import "testing"

func TestValidURL(t *testing.T) {
	for url, want := range map[string]bool{
		"https://aarhus.dk":             true,
		"http://localhost:8000/x?y=1#z": true,
		"ftp://10.0.0.1/file":           true,
		"https://[::1]:443/":            true,
		"https://æblegrød.dk/søg":       true,
		"https://xn--blegrd-dua.dk":     true,
		"HTTPS://EXAMPLE.COM":           true,
		"https://aarhus":                false,
		"aarhus.dk":                     false,
		"javascript:alert(1)":           false,
		"mailto:a@b.dk":                 false,
		"https://a b.dk":                false,
		"https://-a.dk":                 false,
		"https://a.d1":                  false,
		"https://a.dk:99999999":         false,
		"https://":                      false,
		"data:image/png;base64,AAAA":    false,
		"https://a..dk":                 false,
		"https://under_score.dk":        false,
		"":                              false,
	} {
		if got := validURL(url); got != want {
			t.Errorf("validURL(%q) = %v, want %v", url, got, want)
		}
	}
}

package static_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
)

func TestGzip(t *testing.T) {
	script := []byte(strings.Repeat("console.log('a line of the frontend bundle');\n", 200))
	notes := []byte(strings.Repeat("# A heading\n\nSome text.\n", 100))
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 4096)...)
	h := serve(t, fstest.MapFS{
		"assets/main-Dx3kP9aQ.js": {Data: script},
		"docs/notes.md":           {Data: notes},
		"small.js":                {Data: []byte("let x = 1;")},
		"logo.png":                {Data: png},
	}, "")

	gz := get(h, http.MethodGet, "/assets/main-Dx3kP9aQ.js", "Accept-Encoding", "br, gzip;q=0.8")
	if gz.Code != 200 || gz.Header().Get("Content-Encoding") != "gzip" || !variesOnEncoding(gz.Header()) ||
		!strings.HasPrefix(gz.Header().Get("Content-Type"), "text/javascript") || gz.Body.Len() >= len(script)/2 {
		t.Fatalf("gzip: %d %v, %d bytes", gz.Code, gz.Header(), gz.Body.Len())
	}
	if got := gunzip(t, gz.Body.Bytes()); !bytes.Equal(got, script) {
		t.Fatal("the compressed copy is not the file")
	}
	plain := get(h, http.MethodGet, "/assets/main-Dx3kP9aQ.js")
	if plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(plain.Body.Bytes(), script) || !variesOnEncoding(plain.Header()) {
		t.Fatalf("identity: %v", plain.Header())
	}
	if gz.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Fatal("both representations carry one ETag")
	}
	if again := get(h, http.MethodGet, "/assets/main-Dx3kP9aQ.js", "Accept-Encoding", "gzip", "If-None-Match", gz.Header().Get("ETag")); again.Code != http.StatusNotModified {
		t.Fatalf("revalidating the compressed copy: %d", again.Code)
	}

	md := get(h, http.MethodGet, "/docs/notes.md", "Accept-Encoding", "gzip")
	if md.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(md.Header().Get("Content-Type"), "text/") {
		t.Fatalf("markdown: %v", md.Header())
	}
	for _, tt := range []struct{ path, accept string }{
		{"/assets/main-Dx3kP9aQ.js", "gzip;q=0"}, // refused by the client
		{"/assets/main-Dx3kP9aQ.js", "br"},
		{"/small.js", "gzip"}, // too small to pay
		{"/logo.png", "gzip"}, // compressed already
	} {
		rec := get(h, http.MethodGet, tt.path, "Accept-Encoding", tt.accept)
		if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s with %q: %d %v", tt.path, tt.accept, rec.Code, rec.Header())
		}
	}
}

func gunzip(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func variesOnEncoding(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		for _, name := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(name), "Accept-Encoding") {
				return true
			}
		}
	}
	return false
}

package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// Files are sent gzipped, as WhiteNoise sent its compressed copies, when
// the client takes gzip, the kind compresses, and compressing pays.
const (
	minGzipSize = 1 << 10  // below this the headers cost more than is saved
	maxGzipSize = 32 << 20 // a compressed copy is kept in memory
)

// compressible are the extensions of files that are not compressed already.
var compressible = map[string]bool{
	".html": true, ".htm": true, ".css": true, ".js": true, ".mjs": true, ".json": true, ".map": true,
	".svg": true, ".txt": true, ".md": true, ".xml": true, ".wasm": true, ".ico": true,
	".ttf": true, ".otf": true, ".eot": true, ".webmanifest": true, ".csv": true,
}

// gzipped is a file's compressed copy, valid while the file keeps its time
// and size (embedded files keep both for good).
type gzipped struct {
	modTime time.Time
	size    int64
	data    []byte
}

// gzipCopy returns file's compressed copy, made once per version, or nil
// when it does not pay.
func (s *Site) gzipCopy(file string, info fs.FileInfo, content io.ReadSeeker) ([]byte, error) {
	if cached, ok := s.gzips.Load(file); ok {
		if g := cached.(*gzipped); g.modTime.Equal(info.ModTime()) && g.size == info.Size() {
			return g.data, nil
		}
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := io.Copy(zw, content); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if int64(len(data)) >= info.Size()*9/10 {
		data = nil // saves too little
	}
	s.gzips.Store(file, &gzipped{modTime: info.ModTime(), size: info.Size(), data: data})
	return data, nil
}

// worthGzip says whether file may be sent compressed at all; Vary must then
// name Accept-Encoding whatever this client gets.
func worthGzip(file string, size int64) bool {
	return compressible[strings.ToLower(path.Ext(file))] && size >= minGzipSize && size <= maxGzipSize
}

// acceptsGzip reads Accept-Encoding: gzip (or *) with a q-value above 0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := 1.0
		if name, value, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(name) == "q" {
			if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
				q = v
			}
		}
		return q > 0
	}
	return false
}

// setContentType names the type from the extension, or else from the first
// bytes, before the content may be swapped for its compressed copy (which
// http.ServeContent would sniff as gzip).
func setContentType(h http.Header, file string, content io.ReadSeeker) error {
	ctype := mime.TypeByExtension(path.Ext(file))
	if ctype == "" {
		var head [512]byte
		n, _ := io.ReadFull(content, head[:])
		if _, err := content.Seek(0, io.SeekStart); err != nil {
			return err
		}
		ctype = http.DetectContentType(head[:n])
	}
	h.Set("Content-Type", ctype)
	return nil
}

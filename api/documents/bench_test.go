package documents_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/internal/apitest"
	"github.com/openstream-go/openstream/media/mediatest"
)

// BenchmarkUpload50MB is the whole upload pipeline (multipart parse,
// sniffing and hashing, storage write, record) for a 50 MB file, per
// storage; go test reports MB/s. Run: go test -run X -bench Upload50MB -benchtime 5x ./api/documents/
func BenchmarkUpload50MB(b *testing.B) {
	const size = 50 << 20
	content := append(mediatest.PNG(), make([]byte, size-len(mediatest.PNG()))...)
	for _, storage := range storages {
		b.Run(storage, func(b *testing.B) {
			w := newWorld(b, storage)
			body, ct := apitest.Multipart{{Name: "title", Value: "big"}, {Name: "file", Value: string(content), File: "big.png"}}.Encode(b)
			raw := body.(*bytes.Buffer).Bytes()
			tok, err := authtoken.NewAccess(w.Users["aarhus_employee"], time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			url := "/api/documents/?branch_id=" + w.Branch["aarhus"]
			b.SetBytes(size)
			b.ResetTimer()
			for range b.N {
				req := httptest.NewRequest("POST", url, bytes.NewReader(raw))
				req.Header.Set("Content-Type", ct)
				req.Header.Set("Authorization", "Bearer "+tok)
				rec := httptest.NewRecorder()
				w.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
				b.StopTimer()
				var doc map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
					b.Fatal(err)
				}
				if got := w.Do(b, "aarhus_employee", "DELETE", "/api/documents/"+id(doc)+"/?branch_id="+w.Branch["aarhus"], nil); got.Status != http.StatusNoContent {
					b.Fatalf("delete %d", got.Status)
				}
				b.StartTimer()
			}
		})
	}
}

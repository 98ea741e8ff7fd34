package media_test

import (
	"testing"

	"github.com/openstream-go/openstream/media"
)

// TestConfigFromEnv covers every row of the MEDIA_URL table
// (docs/operations.md, "Media storage") and the variables' aliases.
func TestConfigFromEnv(t *testing.T) {
	creds := map[string]string{"AWS_S3_KEY": "k", "AWS_S3_SECRET": "s", "AWS_S3_BUCKET": "infoscreen"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range creds {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	rows := []struct {
		name       string
		env        map[string]string
		s3         bool
		mediaURL   string
		endpoint   string
		pathStyle  bool
		region     string
		maxUpload  int64
		convertCmd string
	}{
		{name: "nothing set: local", env: nil, mediaURL: "/media/", maxUpload: 200 << 20, convertCmd: "pdftoppm"},
		{name: "no bucket: local", env: map[string]string{"AWS_S3_KEY": "k", "AWS_S3_SECRET": "s"}, mediaURL: "/media/", maxUpload: 200 << 20, convertCmd: "pdftoppm"},
		{name: "seed MinIO", env: with(map[string]string{"AWS_S3_ENDPOINT_URL": "http://localhost:9000"}), s3: true,
			mediaURL: "http://localhost:9000/infoscreen/", endpoint: "http://localhost:9000", pathStyle: true, region: "us-east-1"},
		{name: "dev compose: internal endpoint, public MinIO URL", env: with(map[string]string{
			"AWS_S3_ENDPOINT_URL": "http://minio:9000", "MINIO_PUBLIC_URL": "http://localhost:9000//"}), s3: true,
			mediaURL: "http://localhost:9000/infoscreen/", endpoint: "http://minio:9000", pathStyle: true, region: "us-east-1"},
		{name: "internal endpoint wins for the server", env: with(map[string]string{
			"AWS_S3_ENDPOINT_URL": "https://files.example.org", "AWS_S3_INTERNAL_ENDPOINT_URL": "http://minio:9000"}), s3: true,
			mediaURL: "https://files.example.org/infoscreen/", endpoint: "http://minio:9000", pathStyle: true, region: "us-east-1"},
		{name: "endpoint without scheme", env: with(map[string]string{"AWS_S3_ENDPOINT_URL": "files.example.org:9000"}), s3: true,
			mediaURL: "https://files.example.org:9000/infoscreen/", endpoint: "files.example.org:9000", pathStyle: true, region: "us-east-1"},
		{name: "AWS", env: with(map[string]string{"AWS_S3_REGION_NAME": "eu-north-1"}), s3: true,
			mediaURL: "https://infoscreen.s3.amazonaws.com/", endpoint: "https://s3.eu-north-1.amazonaws.com", region: "eu-north-1"},
		{name: "aliases and virtual addressing", env: map[string]string{
			"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_STORAGE_BUCKET_NAME": "infoscreen",
			"AWS_S3_ENDPOINT_URL": "http://minio:9000", "AWS_S3_ADDRESSING_STYLE": "virtual"}, s3: true,
			mediaURL: "http://minio:9000/infoscreen/", endpoint: "http://minio:9000", region: "us-east-1"},
		{name: "upload limit and converter", env: map[string]string{"MEDIA_MAX_UPLOAD_MB": "5", "PDFTOPPM_PATH": "/opt/pdftoppm"},
			mediaURL: "/media/", maxUpload: 5 << 20, convertCmd: "/opt/pdftoppm"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			cfg := media.ConfigFromEnv(func(k string) string { return r.env[k] })
			if cfg.MediaURL != r.mediaURL {
				t.Errorf("MEDIA_URL %q, want %q", cfg.MediaURL, r.mediaURL)
			}
			if (cfg.S3 != nil) != r.s3 {
				t.Fatalf("S3 %v, want %v", cfg.S3 != nil, r.s3)
			}
			if r.maxUpload != 0 && cfg.MaxUploadSize != r.maxUpload {
				t.Errorf("max upload %d, want %d", cfg.MaxUploadSize, r.maxUpload)
			}
			if r.convertCmd != "" && cfg.Pdftoppm != r.convertCmd {
				t.Errorf("pdftoppm %q, want %q", cfg.Pdftoppm, r.convertCmd)
			}
			if cfg.S3 == nil {
				return
			}
			got := *cfg.S3
			want := media.S3{Bucket: "infoscreen", Region: r.region, Endpoint: r.endpoint, AccessKey: "k", Secret: "s", PathStyle: r.pathStyle}
			if got != want {
				t.Errorf("S3 %+v, want %+v", got, want)
			}
		})
	}
}

// TestFileURL: MEDIA_URL + key when absolute (not encoded), else the request's
// absolute URL of /media/<key>.
func TestFileURL(t *testing.T) {
	abs := func(p string) string { return "http://backend:8000" + p }
	rows := []struct {
		mediaURL, key, want string
	}{
		{"http://localhost:9000/infoscreen/", "pbc_1/123/My_Photo-3fa2c1d09b7e.png", "http://localhost:9000/infoscreen/pbc_1/123/My_Photo-3fa2c1d09b7e.png"},
		{"http://localhost:9000/infoscreen/", "c/1/Æble kage.png", "http://localhost:9000/infoscreen/c/1/Æble kage.png"},
		{"/media/", "c/1/a.png", "http://backend:8000/media/c/1/a.png"},
	}
	for _, r := range rows {
		if got := (media.Config{MediaURL: r.mediaURL}).URL(r.key, abs); got != r.want {
			t.Errorf("URL(%q) with %q = %q, want %q", r.key, r.mediaURL, got, r.want)
		}
	}
}

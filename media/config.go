// Package media is the storage of uploaded documents, fonts and thumbnails
// (docs/operations.md, "Media storage"): PocketBase's file storage, switched
// to S3/MinIO by upstream's AWS_S3_* variables, the public MEDIA_URL, and the
// upload pipeline's checks (file types, content sniffing, naming) and PDF
// previews.
package media

import (
	"net/url"
	"strconv"
	"strings"
)

// S3 is an S3-compatible storage as upstream's settings.py selects it.
type S3 struct {
	Bucket    string
	Region    string
	Endpoint  string // what the server talks to (internal endpoint first)
	AccessKey string
	Secret    string
	PathStyle bool
}

// Config is the storage the program uses.
type Config struct {
	// S3 is nil for local storage in pb_data.
	S3 *S3
	// MediaURL is upstream's MEDIA_URL: absolute for S3, "/media/" locally.
	MediaURL string
	// MaxUploadSize bounds one uploaded file, in bytes (413 above it).
	MaxUploadSize int64
	// Pdftoppm is poppler's converter, a command name or path, looked up
	// when a PDF arrives (so installing it later needs no restart).
	Pdftoppm string
	// PreviewSize and PreviewMemory bound a PDF preview (0: the package's
	// PreviewSize and PreviewMemory).
	PreviewSize   int
	PreviewMemory int64
}

// Defaults.
const (
	DefaultMaxUploadMB = 200
	DefaultRegion      = "us-east-1"
	DefaultPdftoppm    = "pdftoppm"
	LocalMediaURL      = "/media/"
)

// ConfigFromEnv reads upstream's variables (and their aliases) through
// getenv (os.Getenv in the program).
func ConfigFromEnv(getenv func(string) string) Config {
	first := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return v
			}
		}
		return ""
	}
	cfg := Config{
		MediaURL:      LocalMediaURL,
		MaxUploadSize: DefaultMaxUploadMB << 20,
		Pdftoppm:      first("PDFTOPPM_PATH"),
	}
	if cfg.Pdftoppm == "" {
		cfg.Pdftoppm = DefaultPdftoppm
	}
	if mb, err := strconv.ParseInt(first("MEDIA_MAX_UPLOAD_MB"), 10, 64); err == nil && mb > 0 {
		cfg.MaxUploadSize = mb << 20
	}
	key := first("AWS_S3_KEY", "AWS_ACCESS_KEY_ID")
	secret := first("AWS_S3_SECRET", "AWS_SECRET_ACCESS_KEY")
	bucket := first("AWS_S3_BUCKET", "AWS_STORAGE_BUCKET_NAME")
	if key == "" || secret == "" || bucket == "" {
		return cfg
	}
	s3 := &S3{Bucket: bucket, AccessKey: key, Secret: secret, Region: first("AWS_S3_REGION_NAME")}
	if s3.Region == "" {
		s3.Region = DefaultRegion
	}
	public := first("AWS_S3_ENDPOINT_URL")
	s3.Endpoint = first("AWS_S3_INTERNAL_ENDPOINT_URL", "AWS_S3_ENDPOINT_URL")
	if s3.Endpoint != "" {
		// boto3 with an endpoint: path-style unless told otherwise.
		s3.PathStyle = !strings.EqualFold(first("AWS_S3_ADDRESSING_STYLE"), "virtual")
	} else {
		s3.Endpoint = "https://s3." + s3.Region + ".amazonaws.com"
	}
	cfg.S3 = s3
	cfg.MediaURL = s3MediaURL(first("MINIO_PUBLIC_URL"), public, bucket)
	return cfg
}

// s3MediaURL is MEDIA_URL for S3 storage (the table in docs/operations.md,
// "Media storage").
func s3MediaURL(minioPublic, endpoint, bucket string) string {
	switch {
	case minioPublic != "":
		return strings.TrimRight(minioPublic, "/") + "/" + bucket + "/"
	case strings.HasPrefix(endpoint, "http"):
		return strings.TrimRight(endpoint, "/") + "/" + bucket + "/"
	case endpoint != "":
		host := endpoint
		if u, err := url.Parse("//" + endpoint); err == nil && u.Host != "" {
			host = u.Host
		}
		return "https://" + host + "/" + bucket + "/"
	}
	return "https://" + bucket + ".s3.amazonaws.com/"
}

// Absolute reports whether MEDIA_URL already names a host.
func (c Config) Absolute() bool {
	return strings.HasPrefix(c.MediaURL, "http://") || strings.HasPrefix(c.MediaURL, "https://")
}

package media

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/pocketbase/pocketbase/core"
)

// Register makes app use cfg's storage: the S3 settings are applied after
// every settings load (the environment wins over the dashboard, as for
// mail), and serving starts only once the bucket and its anonymous-read
// policy exist (what upstream's minio-init.sh did by hand).
func Register(app core.App, cfg Config) {
	if cfg.S3 == nil {
		return
	}
	app.OnBootstrap().BindFunc(func(e *core.BootstrapEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		Apply(e.App, cfg)
		return nil
	})
	app.OnSettingsReload().BindFunc(func(e *core.SettingsReloadEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		Apply(e.App, cfg)
		return nil
	})
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := EnsureBucket(ctx, *cfg.S3); err != nil {
			return fmt.Errorf("media storage: %w", err)
		}
		return e.Next()
	})
}

// Apply points PocketBase's file storage at cfg's S3 bucket, in memory.
func Apply(app core.App, cfg Config) {
	if cfg.S3 == nil {
		return
	}
	s := &app.Settings().S3
	s.Enabled = true
	s.Bucket = cfg.S3.Bucket
	s.Region = cfg.S3.Region
	s.Endpoint = cfg.S3.Endpoint
	s.AccessKey = cfg.S3.AccessKey
	s.Secret = cfg.S3.Secret
	s.ForcePathStyle = cfg.S3.PathStyle
}

// Client is an AWS SDK client for the bucket's endpoint.
func Client(c S3) *s3.Client {
	return s3.New(s3.Options{
		Region:       c.Region,
		BaseEndpoint: aws.String(c.Endpoint),
		UsePathStyle: c.PathStyle,
		Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKey, c.Secret, ""),
		// MinIO and other S3 look-alikes may not know the newer checksums.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// Created says what EnsureBucket had to create.
type Created struct{ Bucket, Policy bool }

// EnsureBucket creates the bucket and its anonymous-read policy when
// missing; run again, it changes nothing.
func EnsureBucket(ctx context.Context, c S3) (Created, error) {
	var done Created
	client := Client(c)
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &c.Bucket}); err != nil {
		if !isCode(err, "NotFound", "NoSuchBucket") {
			return done, fmt.Errorf("check bucket %q: %w", c.Bucket, err)
		}
		in := &s3.CreateBucketInput{Bucket: &c.Bucket}
		if c.Region != DefaultRegion { // us-east-1 refuses an explicit constraint
			in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
				LocationConstraint: types.BucketLocationConstraint(c.Region),
			}
		}
		if _, err := client.CreateBucket(ctx, in); err != nil && !isCode(err, "BucketAlreadyOwnedByYou") {
			return done, fmt.Errorf("create bucket %q: %w", c.Bucket, err)
		}
		done.Bucket = true
	}
	_, err := client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &c.Bucket})
	switch {
	case err == nil:
		return done, nil // an existing policy is the operator's choice
	case !isCode(err, "NoSuchBucketPolicy"):
		return done, fmt.Errorf("read policy of bucket %q: %w", c.Bucket, err)
	}
	policy := ReadPolicy(c.Bucket)
	if _, err := client.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &c.Bucket, Policy: &policy}); err != nil {
		return done, fmt.Errorf("set policy of bucket %q: %w", c.Bucket, err)
	}
	done.Policy = true
	return done, nil
}

// ReadPolicy lets anyone download the bucket's objects (`mc anonymous set
// download`): file_url values are plain, unsigned links.
func ReadPolicy(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},` +
		`"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::` + bucket + `/*"]}]}`
}

func isCode(err error, codes ...string) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	for _, c := range codes {
		if apiErr.ErrorCode() == c {
			return true
		}
	}
	return false
}

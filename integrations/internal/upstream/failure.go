package upstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
)

// Failure is why a fetch failed, in a form the cache can keep: handlers
// answer a cached failure exactly like a fresh one.
type Failure struct {
	// Timeout is true when the upstream did not answer in time (503).
	Timeout bool `json:"timeout,omitempty"`
	// Status is the upstream's HTTP status when it answered with an error.
	Status int `json:"status,omitempty"`
	// Invalid is true when the upstream answered, but with content that
	// could not be used (upstream's JSON decode errors).
	Invalid bool `json:"invalid,omitempty"`
	// Msg says what went wrong; it never holds a URL (KMD's carries its key).
	Msg string `json:"msg"`
}

func (f *Failure) Error() string { return f.Msg }

// Invalidf is a Failure for an answer whose content cannot be used.
func Invalidf(format string, args ...any) *Failure {
	return &Failure{Invalid: true, Msg: fmt.Sprintf(format, args...)}
}

// AsFailure turns any fetch error into a Failure, keeping one as it is.
func AsFailure(err error) *Failure {
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	return &Failure{Timeout: IsTimeout(err), Msg: describe(err)}
}

// IsTimeout reports whether err is a deadline that ran out.
func IsTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// describe drops the URL that net/http puts in its errors: some URLs carry
// credentials, and clients have no use for upstream addresses.
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if IsTimeout(err) {
		return "the upstream service did not answer in time"
	}
	return err.Error()
}

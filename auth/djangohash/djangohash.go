// Package djangohash checks passwords against Django's PBKDF2 hashes
// ("pbkdf2_sha256$<iterations>$<salt>$<base64 key>"), so users imported
// from an upstream OpenStream database log in with their old passwords.
package djangohash

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
)

// MaxIterations bounds the work one check may cost (Django 5.2 uses 1,000,000).
const MaxIterations = 10_000_000

var algorithms = map[string]struct {
	hash   func() hash.Hash
	keyLen int
}{
	"pbkdf2_sha256": {sha256.New, sha256.Size},
	"pbkdf2_sha1":   {sha1.New, sha1.Size},
}

// Check reports whether password matches the encoded Django hash. Anything
// that is not a well-formed PBKDF2 hash (an unusable "!..." password, an
// empty string, another algorithm) never matches.
func Check(password, encoded string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 {
		return false
	}
	algo, ok := algorithms[parts[0]]
	if !ok {
		return false
	}
	iterations, err := strconv.Atoi(parts[1])
	if err != nil || iterations < 1 || iterations > MaxIterations || parts[2] == "" {
		return false
	}
	want, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil || len(want) != algo.keyLen {
		return false
	}
	got, err := pbkdf2.Key(algo.hash, password, []byte(parts[2]), iterations, algo.keyLen)
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// Make encodes password as Django's pbkdf2_sha256 hasher does.
func Make(password, salt string, iterations int) string {
	key, _ := pbkdf2.Key(sha256.New, password, []byte(salt), iterations, sha256.Size)
	return "pbkdf2_sha256$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(key)
}

package documents

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/collections"
)

// tokenLifetime is upstream's TimestampSigner max_age.
const tokenLifetime = time.Hour

var errBadToken = errors.New("invalid or expired token")

// signingKey is derived from the users collection's token secret: stored
// in the database, so every instance agrees, and rotating it in the
// dashboard revokes file tokens together with sign-ins.
func signingKey(app core.App) ([]byte, error) {
	users, err := app.FindCachedCollectionByNameOrId(collections.Users)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, []byte(users.AuthToken.Secret))
	mac.Write([]byte("openstream document file token"))
	return mac.Sum(nil), nil
}

func sign(key []byte, value string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// IssueToken signs "<document id>:<branch id>" with the time, as Django's
// TimestampSigner did: "<doc>:<branch>:<unix time base 36>:<signature>".
func IssueToken(app core.App, docID, branchID string, now time.Time) (string, error) {
	key, err := signingKey(app)
	if err != nil {
		return "", err
	}
	value := docID + ":" + branchID + ":" + strconv.FormatInt(now.Unix(), 36)
	return value + ":" + sign(key, value), nil
}

// ReadToken checks token's signature and age and returns the signed
// document and branch ids.
func ReadToken(app core.App, token string, now time.Time) (docID, branchID string, err error) {
	key, err := signingKey(app)
	if err != nil {
		return "", "", err
	}
	parts := strings.Split(token, ":")
	if len(parts) != 4 {
		return "", "", errBadToken
	}
	value := strings.Join(parts[:3], ":")
	if !hmac.Equal([]byte(sign(key, value)), []byte(parts[3])) {
		return "", "", errBadToken
	}
	unix, err := strconv.ParseInt(parts[2], 36, 64)
	if err != nil {
		return "", "", errBadToken
	}
	age := now.Sub(time.Unix(unix, 0))
	if age > tokenLifetime || age < -time.Minute {
		return "", "", errBadToken
	}
	return parts[0], parts[1], nil
}

// Package state is the screen state the primary publishes into Redis for
// the edges: what every screen plays (the get-active-content body and its
// version, per group and branch), where every screen is, and the branch
// API keys, stored hashed. It holds the key layout, the writer the primary
// uses and the reader an edge loads its copy with; nothing else.
//
// Keys, under Prefix (default "openstream:edge:"):
//
//	screen:<id>               hash branch, group, uid
//	content:<group>/<branch>  hash status ("" ok, "nogroup", "nodefault"), version, body,
//	                          last (the screens' last_content value for it)
//	key:<sha256 of the key>   hash branch, active ("1" or "0")
//	screens, contents, keys   sets of the ids, content names and key hashes above
//	meta                      hash snapshot_at (RFC 3339): a full snapshot was written
//	seen:<column>             hash screen id -> last_seen or last_content: what edges saw,
//	                          until the primary writes it into the database
//
// A change notice (Notice) goes out on the hub topic Topic after the keys
// are written.
package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/schedule"
	"github.com/openstream-go/openstream/settings"
)

// Topic is the hub topic of the change notices.
const Topic = "edge-state"

// DefaultPrefix starts every key of the state.
const DefaultPrefix = settings.DefaultRedisPrefix + redisName

// redisName follows the deployment's prefix in the state's keys.
const redisName = "edge:"

// Prefix is the state's prefix under a deployment's Redis prefix
// (REDIS_PREFIX; "" is DefaultPrefix).
func Prefix(deployment string) string { return settings.RedisPrefixOf(deployment, redisName) }

// Content statuses: what get-active-content answers besides a body.
const (
	StatusOK        = ""
	StatusNoGroup   = "nogroup"
	StatusNoDefault = "nodefault"
)

// Screen is where a screen is, and the uid it registered with.
type Screen struct {
	Branch, Group, UID string
}

// Content is what the screens of one group and branch play.
type Content struct {
	Status  string
	Version string
	Body    []byte // exactly get-active-content's body (nil unless StatusOK)
	Last    string // the last_content value of screens given it
}

// Err is the player error of a status (nil for StatusOK).
func (c Content) Err() error {
	switch c.Status {
	case StatusNoGroup:
		return schedule.ErrNoGroup
	case StatusNoDefault:
		return schedule.ErrNoDefaultContent
	}
	return nil
}

// Key is a branch API key as an edge checks it.
type Key struct {
	Branch string
	Active bool
}

// Snapshot is the whole state.
type Snapshot struct {
	Screens  map[string]Screen  // by screen id
	Contents map[string]Content // by ContentName
	Keys     map[string]Key     // by HashKey
}

// NewSnapshot returns an empty snapshot.
func NewSnapshot() *Snapshot {
	return &Snapshot{Screens: map[string]Screen{}, Contents: map[string]Content{}, Keys: map[string]Key{}}
}

// ContentName names the content of a group in a branch.
func ContentName(group, branch string) string { return group + "/" + branch }

// HashKey is the stored name of an API key: the SHA-256 of its canonical
// form, so Redis never holds a usable key. ok is false for a value that is
// not a key at all.
func HashKey(raw string) (hash string, ok bool) {
	key, ok := apikey.Normalize(raw)
	if !ok {
		return "", false
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:]), true
}

// Notice tells the edges what changed: the names of the screens, contents
// and keys to read again (gone ones are deleted), or everything (Full).
type Notice struct {
	Full     bool     `json:"full,omitempty"`
	Screens  []string `json:"screens,omitempty"`
	Contents []string `json:"contents,omitempty"`
	Keys     []string `json:"keys,omitempty"`
}

// Empty reports a notice of nothing.
func (n Notice) Empty() bool {
	return !n.Full && len(n.Screens) == 0 && len(n.Contents) == 0 && len(n.Keys) == 0
}

// Encode is the notice's payload.
func (n Notice) Encode() []byte {
	raw, _ := json.Marshal(n)
	return raw
}

// DecodeNotice reads a payload; anything unreadable means read everything.
func DecodeNotice(raw []byte) Notice {
	var n Notice
	if err := json.Unmarshal(raw, &n); err != nil {
		return Notice{Full: true}
	}
	return n
}

// ErrNoSnapshot means Redis holds no snapshot (the primary never wrote one,
// or Redis lost its data): an edge keeps what it has.
var ErrNoSnapshot = errors.New("edge state: no snapshot in Redis yet")

// timeFormat stamps the meta key.
const timeFormat = time.RFC3339Nano

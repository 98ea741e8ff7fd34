package state

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/redis/go-redis/v9"

	"github.com/openstream-go/openstream/playback"
)

// Store reads and writes the state in one Redis.
type Store struct {
	client *redis.Client
	prefix string
}

// NewStore uses client; prefix "" is DefaultPrefix.
func NewStore(client *redis.Client, prefix string) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{client: client, prefix: prefix}
}

// The three kinds of entry: their set and the key of one entry.
type kind struct{ set, item string }

var (
	screensKind  = kind{"screens", "screen:"}
	contentsKind = kind{"contents", "content:"}
	keysKind     = kind{"keys", "key:"}
)

func (s *Store) set(k kind) string               { return s.prefix + k.set }
func (s *Store) item(k kind, name string) string { return s.prefix + k.item + name }
func (s *Store) meta() string                    { return s.prefix + "meta" }

func screenFields(v Screen) []any { return []any{"branch", v.Branch, "group", v.Group, "uid", v.UID} }
func contentFields(v Content) []any {
	return []any{"status", v.Status, "version", v.Version, "body", v.Body, "last", v.Last}
}
func keyFields(v Key) []any {
	active := "0"
	if v.Active {
		active = "1"
	}
	return []any{"branch", v.Branch, "active", active}
}

// Write brings Redis from prev (what it holds, as last written) to next in
// one transaction and returns the notice to publish. A full write (prev
// nil) also deletes whatever entries Redis holds that next lacks, and
// stamps the snapshot.
func (s *Store) Write(ctx context.Context, prev, next *Snapshot) (Notice, error) {
	full := prev == nil
	var n Notice
	var stale [3][]string
	if full {
		n.Full = true
		prev = NewSnapshot()
		for i, k := range []kind{screensKind, contentsKind, keysKind} {
			names, err := s.client.SMembers(ctx, s.set(k)).Result()
			if err != nil {
				return n, err
			}
			stale[i] = names
		}
	}
	pipe := s.client.TxPipeline()
	n.Screens = writeKind(ctx, pipe, s, screensKind, prev.Screens, next.Screens, stale[0], full, screenFields, func(a, b Screen) bool { return a == b })
	n.Contents = writeKind(ctx, pipe, s, contentsKind, prev.Contents, next.Contents, stale[1], full, contentFields, func(a, b Content) bool {
		return a.Status == b.Status && a.Version == b.Version && bytes.Equal(a.Body, b.Body) && a.Last == b.Last
	})
	n.Keys = writeKind(ctx, pipe, s, keysKind, prev.Keys, next.Keys, stale[2], full, keyFields, func(a, b Key) bool { return a == b })
	if full {
		pipe.HSet(ctx, s.meta(), "snapshot_at", time.Now().UTC().Format(timeFormat))
		n.Screens, n.Contents, n.Keys = nil, nil, nil
	} else if n.Empty() {
		return n, nil
	}
	_, err := pipe.Exec(ctx)
	return n, err
}

// writeKind queues the writes of one kind and returns the names it changed.
func writeKind[V any](ctx context.Context, pipe redis.Pipeliner, s *Store, k kind, prev, next map[string]V,
	stale []string, full bool, fields func(V) []any, same func(a, b V) bool) []string {
	var changed []string
	for name, v := range next {
		if old, ok := prev[name]; ok && !full && same(old, v) {
			continue
		}
		key := s.item(k, name)
		pipe.Del(ctx, key)
		pipe.HSet(ctx, key, fields(v)...)
		pipe.SAdd(ctx, s.set(k), name)
		changed = append(changed, name)
	}
	gone := stale
	if !full {
		gone = gone[:0:0]
		for name := range prev {
			gone = append(gone, name)
		}
	}
	for _, name := range gone {
		if _, ok := next[name]; ok {
			continue
		}
		pipe.Del(ctx, s.item(k, name))
		pipe.SRem(ctx, s.set(k), name)
		changed = append(changed, name)
	}
	return changed
}

// Load reads the whole state; ErrNoSnapshot when none was written.
func (s *Store) Load(ctx context.Context) (*Snapshot, error) {
	n, err := s.client.Exists(ctx, s.meta()).Result()
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, ErrNoSnapshot
	}
	pipe := s.client.Pipeline()
	sets := [3]*redis.StringSliceCmd{}
	for i, k := range []kind{screensKind, contentsKind, keysKind} {
		sets[i] = pipe.SMembers(ctx, s.set(k))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	snap := NewSnapshot()
	return snap, s.Read(ctx, snap, Notice{Screens: sets[0].Val(), Contents: sets[1].Val(), Keys: sets[2].Val()})
}

// Read brings the entries n names in snap up to date from Redis (a full
// notice is Load's job): entries that are gone are deleted from snap.
func (s *Store) Read(ctx context.Context, snap *Snapshot, n Notice) error {
	if n.Full {
		return errors.New("edge state: a full notice is read with Load")
	}
	pipe := s.client.Pipeline()
	read := func(k kind, names []string) []*redis.MapStringStringCmd {
		out := make([]*redis.MapStringStringCmd, len(names))
		for i, name := range names {
			out[i] = pipe.HGetAll(ctx, s.item(k, name))
		}
		return out
	}
	screens, contents, keys := read(screensKind, n.Screens), read(contentsKind, n.Contents), read(keysKind, n.Keys)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for i, name := range n.Screens {
		if m := screens[i].Val(); len(m) == 0 {
			delete(snap.Screens, name)
		} else {
			snap.Screens[name] = Screen{Branch: m["branch"], Group: m["group"], UID: m["uid"]}
		}
	}
	for i, name := range n.Contents {
		if m := contents[i].Val(); len(m) == 0 {
			delete(snap.Contents, name)
		} else {
			c := Content{Status: m["status"], Version: m["version"], Last: m["last"]}
			if c.Status == StatusOK {
				c.Body = []byte(m["body"])
			}
			snap.Contents[name] = c
		}
	}
	for i, name := range n.Keys {
		if m := keys[i].Val(); len(m) == 0 {
			delete(snap.Keys, name)
		} else {
			snap.Keys[name] = Key{Branch: m["branch"], Active: m["active"] == "1"}
		}
	}
	return nil
}

// SeenColumns are the health columns edges hand over, one hash each, so
// that a later heartbeat does not wipe the content an earlier sighting
// recorded.
var SeenColumns = []string{"last_seen", "last_content"}

func (s *Store) seen(column string) string { return s.prefix + "seen:" + column }

// AddSeen hands screen sightings (health columns by screen id) to the
// primary; a newer value of a column replaces an older one.
func (s *Store) AddSeen(ctx context.Context, rows playback.Sightings) error {
	if len(rows) == 0 {
		return nil
	}
	pipe := s.client.Pipeline()
	for id, cols := range rows {
		for _, column := range SeenColumns {
			if v, ok := cols[column].(string); ok {
				pipe.HSet(ctx, s.seen(column), id, v)
			}
		}
	}
	_, err := pipe.Exec(ctx)
	return err
}

// TakeSeen returns the sightings handed over so far and removes them.
func (s *Store) TakeSeen(ctx context.Context) (playback.Sightings, error) {
	pipe := s.client.TxPipeline()
	all := make([]*redis.MapStringStringCmd, len(SeenColumns))
	for i, column := range SeenColumns {
		all[i] = pipe.HGetAll(ctx, s.seen(column))
		pipe.Del(ctx, s.seen(column))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	out := playback.Sightings{}
	for i, column := range SeenColumns {
		for id, v := range all[i].Val() {
			if out[id] == nil {
				out[id] = dbx.Params{}
			}
			out[id][column] = v
		}
	}
	return out, nil
}

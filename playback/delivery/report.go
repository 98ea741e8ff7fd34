package delivery

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/playback"
	"github.com/openstream-go/openstream/schedule"
)

// FieldOfflineSince is set on a screen's row while it is marked offline
// (realtime/alerts); empty while it counts as online.
const FieldOfflineSince = "offline_since"

// FieldActivatedAt is when an emergency was last switched on.
const FieldActivatedAt = "activated_at"

// DefaultOfflineAfter is how long a screen may stay unseen before it
// counts as offline (SCREEN_OFFLINE_AFTER).
const DefaultOfflineAfter = 2 * time.Minute

// Summary counts an emergency's screens.
type Summary struct {
	Screens      int `json:"screens"`
	Online       int `json:"online"`
	Delivered    int `json:"delivered"`
	Acknowledged int `json:"acknowledged"`
	Offline      int `json:"offline"`
}

// Row is what a report reads of a screen's row: only these columns, so
// a report of ten thousand screens loads no full records.
type Row struct {
	ID               string
	Name             string
	Branch           string
	Group            string
	LastSeen         types.DateTime
	OfflineSince     types.DateTime
	DeliveredVersion string
	DeliveredAt      types.DateTime
	Via              string
	AckedVersion     string
	AckedAt          types.DateTime
}

// rowColumns are Row's columns, in the order FindRows scans them.
var rowColumns = []string{"id", "name", "branch", "display_website_group", "last_seen", FieldOfflineSince,
	FieldDeliveredVersion, FieldDeliveredAt, FieldDeliveredVia, FieldAckedVersion, FieldAckedAt}

// State is the delivery state stored in the row.
func (r Row) State() State {
	return State{DeliveredVersion: r.DeliveredVersion, DeliveredAt: r.DeliveredAt.Time(), Via: r.Via,
		AckedVersion: r.AckedVersion, AckedAt: r.AckedAt.Time()}
}

// FindRows reads the rows of the screens matching where, by name. It
// scans them by hand: dbx's reflection made a report of 5,000 screens
// allocate 14 MB, every second of an active emergency (BenchmarkReport).
func FindRows(app core.App, where dbx.Expression) ([]Row, error) {
	return findRows(app, where, 64)
}

// findRows is FindRows with room for n rows to start with.
func findRows(app core.App, where dbx.Expression, n int) ([]Row, error) {
	rows, err := app.ConcurrentDB().Select(rowColumns...).From(collections.DisplayWebsites).
		Where(where).Build().Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols [11]sql.NullString // columns added by a migration may hold NULL
	dest := make([]any, len(cols))
	for i := range cols {
		dest[i] = &cols[i]
	}
	dateTime := func(s sql.NullString) types.DateTime {
		dt, _ := types.ParseDateTime(s.String) // "" is the zero time
		return dt
	}
	out := make([]Row, 0, n) // a screen added since the count is appended too
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, Row{
			ID: cols[0].String, Name: cols[1].String, Branch: cols[2].String, Group: cols[3].String,
			LastSeen: dateTime(cols[4]), OfflineSince: dateTime(cols[5]),
			DeliveredVersion: cols[6].String, DeliveredAt: dateTime(cols[7]), Via: cols[8].String,
			AckedVersion: cols[9].String, AckedAt: dateTime(cols[10]),
		})
	}
	slices.SortFunc(out, func(a, b Row) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, rows.Err()
}

// Screen is one screen of a report. Delivered and Acked say whether it
// was given, and confirmed, what its group plays now (the emergency while
// it is active, the normal content after it).
type Screen struct {
	Row       Row
	Online    bool
	State     State
	Expected  string // the version its group plays now ("" when unknown)
	Delivered bool
	Acked     bool
}

// Report is the delivery of one emergency.
type Report struct {
	Emergency *core.Record
	Active    bool
	Summary   Summary
	Screens   []Screen
}

// Reporter works reports out; it is shared by the API and the alerts.
type Reporter struct {
	App    core.App
	Player *playback.Player
	Store  *Store
	// OfflineAfter is how long an unseen screen stays online (DefaultOfflineAfter).
	OfflineAfter time.Duration

	// The states Summarize last read, by screen, and the generation they
	// were read at: while it holds, a summary (which counts versions, not
	// times) is worked out from them and the rows, without reading ten
	// thousand hashes from Redis again.
	mu       sync.Mutex
	known    map[string]State
	knownGen int64
}

// Online reports whether a screen's row counts as online at now: seen (or
// given content) within OfflineAfter and not marked offline.
func (rp *Reporter) Online(r Row, now time.Time) bool {
	after := rp.OfflineAfter
	if after <= 0 {
		after = DefaultOfflineAfter
	}
	seen := r.Sighted()
	return r.OfflineSince.IsZero() && !seen.IsZero() && now.Sub(seen.Time()) <= after
}

// Sighted is when the screen was last seen or given content, whichever is
// later: a delivery's row may be written a flush before last_seen is.
func (r Row) Sighted() types.DateTime {
	if r.DeliveredAt.Time().After(r.LastSeen.Time()) {
		return r.DeliveredAt
	}
	return r.LastSeen
}

// ScreensOf are the screens of the emergency's groups, by name.
func ScreensOf(app core.App, emergency *core.Record) ([]Row, error) {
	groups := emergency.GetStringSlice("display_website_groups")
	if len(groups) == 0 {
		return nil, nil
	}
	ids := make([]any, len(groups))
	for i, g := range groups {
		ids[i] = g
	}
	// Counted first: growing the list as the rows came allocated three
	// times what they take, and a report reads every one of them anyway.
	in, n := dbx.In("display_website_group", ids...), 0
	if err := app.ConcurrentDB().Select("COUNT(*)").From(collections.DisplayWebsites).Where(in).Row(&n); err != nil {
		return nil, err
	}
	return findRows(app, in, n)
}

// Report is emergency's delivery at now, with every screen.
func (rp *Reporter) Report(ctx context.Context, emergency *core.Record, now time.Time) (*Report, error) {
	return rp.report(ctx, emergency, now, false, NoGeneration)
}

// Summarize is emergency's delivery at now with only the screens that
// are Unacknowledged: what the alert rounds need each second of an active
// emergency, without keeping ten thousand screens while they work (the
// instance doing them held a report's worth more heap than the others).
// gen is the store's Generation as the caller read it before the call
// (NoGeneration: it could not, and every state is read).
func (rp *Reporter) Summarize(ctx context.Context, emergency *core.Record, now time.Time, gen int64) (*Report, error) {
	return rp.report(ctx, emergency, now, true, gen)
}

// report works a report out; with a generation, from the states known at
// it when there are.
func (rp *Reporter) report(ctx context.Context, emergency *core.Record, now time.Time, onlyUnacknowledged bool, gen int64) (*Report, error) {
	screens, err := ScreensOf(rp.App, emergency)
	if err != nil {
		return nil, err
	}
	var states []State
	if gen != NoGeneration {
		states = rp.knownStates(screens, gen)
	}
	if states == nil {
		if states, err = rp.Store.Of(ctx, screens); err != nil {
			return nil, err
		}
		if gen != NoGeneration {
			rp.remember(screens, states, gen)
		}
	}
	rep := &Report{Emergency: emergency, Active: emergency.GetBool("is_active")}
	if !onlyUnacknowledged {
		rep.Screens = make([]Screen, 0, len(screens))
	}
	expected := map[string]string{}
	for i, r := range screens {
		key := r.Group + "/" + r.Branch
		want, ok := expected[key]
		if !ok {
			if want, err = rp.version(r, now); err != nil {
				return nil, err
			}
			expected[key] = want
		}
		st := states[i]
		s := Screen{Row: r, Online: rp.Online(r, now), State: st, Expected: want}
		s.Delivered = want != "" && st.DeliveredVersion == want
		s.Acked = want != "" && st.AckedVersion == want
		if !onlyUnacknowledged || s.Unacknowledged() {
			rep.Screens = append(rep.Screens, s)
		}
		rep.Summary.Screens++
		if s.Online {
			rep.Summary.Online++
		} else {
			rep.Summary.Offline++
		}
		if s.Delivered {
			rep.Summary.Delivered++
		}
		if s.Acked {
			rep.Summary.Acknowledged++
		}
	}
	return rep, nil
}

// knownStates are the states of screens as Summarize last read them, when
// that was at generation gen and covered every one of them (nil if not).
func (rp *Reporter) knownStates(screens []Row, gen int64) []State {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.known == nil || rp.knownGen != gen {
		return nil
	}
	out := make([]State, len(screens))
	for i, r := range screens {
		st, ok := rp.known[r.ID]
		if !ok {
			return nil // a screen new to the emergency: read them all
		}
		out[i] = st
	}
	return out
}

// remember keeps states as read at generation gen, beside those of other
// emergencies read at the same one.
func (rp *Reporter) remember(screens []Row, states []State, gen int64) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.known == nil || rp.knownGen != gen {
		rp.known, rp.knownGen = make(map[string]State, len(screens)), gen
	}
	for i, r := range screens {
		rp.known[r.ID] = states[i]
	}
}

// version is what r's group plays at now ("none": nothing).
func (rp *Reporter) version(r Row, now time.Time) (string, error) {
	col, err := rp.App.FindCachedCollectionByNameOrId(collections.DisplayWebsites)
	if err != nil {
		return "", err
	}
	row := core.NewRecord(col) // all the content depends on, as the screens' manager renders it
	row.Set("branch", r.Branch)
	row.Set("display_website_group", r.Group)
	c, _, err := rp.Player.Lookup(row, now)
	switch {
	case errors.Is(err, schedule.ErrNoDefaultContent):
		return "none", nil
	case errors.Is(err, schedule.ErrNoGroup):
		return "", nil
	case err != nil:
		return "", err
	}
	return c.Version, nil
}

// Unacknowledged are the online screens that did not acknowledge what
// they play now, REST players (which cannot) left out.
func (rep *Report) Unacknowledged() []Screen {
	var out []Screen
	for _, s := range rep.Screens {
		if s.Unacknowledged() {
			out = append(out, s)
		}
	}
	return out
}

// Unacknowledged reports whether s is online and did not acknowledge what
// it plays now, and could have (REST players cannot).
func (s Screen) Unacknowledged() bool {
	return s.Online && !s.Acked && s.State.Via != ViaREST
}

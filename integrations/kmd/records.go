package kmd

import (
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/openstream-go/openstream/integrations/internal/jsonx"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
)

// record is one booking as the answer shows it (keys in upstream's order).
type record struct {
	FacilityName     string `json:"FacilityName"`
	PartOfObjectName any    `json:"PartOfObjectName"`
	ObjectName       any    `json:"ObjectName"`
	Activity         any    `json:"Activity"`
	CustomerName     any    `json:"CustomerName"`
	FomKlo           string `json:"FomKlo"`
	TomKlo           string `json:"TomKlo"`
}

// answerDoc is the part of KMD's answer that is used.
type answerDoc struct {
	AccessControlRecords *struct {
		OccasionRecords []map[string]any `json:"OccasionRecords"`
	} `json:"AccessControlRecords"`
}

// recordsOf reads KMD's answer: every booking must have an "HH:MM" end
// (else the whole answer is refused, as upstream did), bookings without a
// facility are dropped, and the rest are sorted by start time.
func recordsOf(body []byte) ([]record, error) {
	var doc answerDoc
	if err := jsonx.Decode(body, &doc); err != nil || doc.AccessControlRecords == nil {
		return nil, upstream.Invalidf("unreadable KMD answer")
	}
	var out []record
	for _, item := range doc.AccessControlRecords.OccasionRecords {
		end, _ := item["TomKlo"].(string)
		if _, ok := clock(end); !ok {
			return nil, upstream.Invalidf("booking end %q is not HH:MM", end)
		}
		facility, _ := item["FacilityName"].(string)
		start, ok := item["FomKlo"].(string)
		if facility == "" || !ok {
			continue
		}
		out = append(out, record{
			FacilityName:     strings.TrimSpace(facility),
			PartOfObjectName: cleanName(item["PartOfObjectName"]),
			ObjectName:       cleanName(item["ObjectName"]),
			Activity:         item["Activity"],
			CustomerName:     item["CustomerName"],
			FomKlo:           start,
			TomKlo:           end,
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FomKlo < out[j].FomKlo })
	return out, nil
}

// clock reads strptime's "%H:%M" (one or two digits each) as a time of day.
func clock(s string) (time.Duration, bool) {
	h, m, ok := strings.Cut(s, ":")
	hv, okH := smallInt(h, 23)
	mv, okM := smallInt(m, 59)
	if !ok || !okH || !okM {
		return 0, false
	}
	return time.Duration(hv)*time.Hour + time.Duration(mv)*time.Minute, true
}

func smallInt(s string, max int) (int, bool) {
	if len(s) < 1 || len(s) > 2 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= max
}

// prefixes are the facility codes KMD puts before room names.
var prefixes = []string{"EBH", "LH", "LYIB", "VH"}

// cleanName drops a facility code prefix: "LYIB - Padeltennis - bane 1"
// is "Padeltennis - bane 1". Non-strings and "" stay as they are.
func cleanName(v any) any {
	s, ok := v.(string)
	if !ok || s == "" {
		return v
	}
	prefix, rest, found := strings.Cut(s, "-")
	if found && rest != "" && hasCode(prefix) {
		return strings.TrimSpace(rest)
	}
	return strings.TrimSpace(s)
}

// hasCode reports whether s contains a facility code as a whole word (a
// regexp \b in Python, where letters of any script are word characters).
func hasCode(s string) bool {
	word := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }
	runes := []rune(s)
	for _, code := range prefixes {
		c := []rune(code)
		for i := 0; i+len(c) <= len(runes); i++ {
			if string(runes[i:i+len(c)]) != code {
				continue
			}
			if (i == 0 || !word(runes[i-1])) && (i+len(c) == len(runes) || !word(runes[i+len(c)])) {
				return true
			}
		}
	}
	return false
}

// group is one facility's bookings.
type group struct {
	name    string
	records []record
}

// current drops the bookings that ended before now (Copenhagen time of
// day) and groups the rest by facility, in order of first appearance.
func current(records []record, now time.Time) []group {
	now = now.In(upstream.Copenhagen)
	// Wall-clock time of day, as Python's datetime.now(tz).time() is.
	sinceMidnight := time.Duration(now.Hour())*time.Hour + time.Duration(now.Minute())*time.Minute +
		time.Duration(now.Second())*time.Second + time.Duration(now.Nanosecond())
	var groups []group
	index := map[string]int{}
	for _, r := range records {
		end, _ := clock(r.TomKlo)
		if end <= sinceMidnight {
			continue
		}
		i, ok := index[r.FacilityName]
		if !ok {
			i = len(groups)
			index[r.FacilityName] = i
			groups = append(groups, group{name: r.FacilityName})
		}
		groups[i].records = append(groups[i].records, r)
	}
	return groups
}

package templates

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// sortBySlideDataID is upstream's ordering of organisation templates,
// ORDER BY slide_data->'id' on Postgres jsonb: templates without that key
// come last (SQL NULL sorts last), the others in jsonb's type order
// null < string < number < boolean < array < object, then by value. Ties,
// which Postgres leaves unordered, go by template id.
func sortBySlideDataID(rs []*core.Record) {
	keys := make(map[string]jsonbKey, len(rs))
	for _, r := range rs {
		keys[r.Id] = slideDataID(r)
	}
	slices.SortFunc(rs, func(a, b *core.Record) int {
		if c := keys[a.Id].compare(keys[b.Id]); c != 0 {
			return c
		}
		return compareIDs(a.Id, b.Id)
	})
}

// jsonbKey is one sort key: rank orders types, the rest orders values.
type jsonbKey struct {
	rank int // 0 null, 1 string, 2 number, 3 bool, 4 array, 5 object, 6 missing
	str  string
	num  float64
}

func (k jsonbKey) compare(o jsonbKey) int {
	if c := cmp.Compare(k.rank, o.rank); c != 0 {
		return c
	}
	if c := cmp.Compare(k.num, o.num); c != 0 {
		return c
	}
	return strings.Compare(k.str, o.str)
}

func slideDataID(r *core.Record) jsonbKey {
	var data map[string]json.RawMessage
	raw, _ := json.Marshal(r.Get("slide_data"))
	if json.Unmarshal(raw, &data) != nil {
		return jsonbKey{rank: 6}
	}
	v, ok := data["id"]
	if !ok {
		return jsonbKey{rank: 6}
	}
	var value any
	if json.Unmarshal(v, &value) != nil {
		return jsonbKey{rank: 6}
	}
	switch t := value.(type) {
	case nil:
		return jsonbKey{rank: 0}
	case string:
		return jsonbKey{rank: 1, str: t}
	case float64:
		return jsonbKey{rank: 2, num: t}
	case bool:
		if t {
			return jsonbKey{rank: 3, num: 1}
		}
		return jsonbKey{rank: 3}
	case []any:
		return jsonbKey{rank: 4, str: string(v)}
	}
	return jsonbKey{rank: 5, str: string(v)}
}

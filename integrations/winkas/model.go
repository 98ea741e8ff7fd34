package winkas

import (
	"encoding/json"
	"strconv"

	"github.com/openstream-go/openstream/integrations/internal/jsonx"
)

// location is a WinKAS place and the resources that can be booked there.
// Ids and names keep WinKAS's JSON values.
type location struct {
	ID        json.RawMessage `json:"id"`
	Name      json.RawMessage `json:"name"`
	Bookables []bookable      `json:"bookables"`
}

type bookable struct {
	ID   json.RawMessage `json:"id"`
	Name json.RawMessage `json:"name"`
}

// resourcesAnswer is the part of GetAllResources that is used.
type resourcesAnswer struct {
	Resources []struct {
		ID       any `json:"Id"`
		Name     any `json:"Name"`
		Location any `json:"ResourceLocation"`
	} `json:"Resources"`
}

// locationsOf groups the resources by location, in WinKAS's order. As
// upstream did, it skips resources whose location lacks a name, an id or an
// address; a resource listed twice keeps its first place and last name.
func locationsOf(body []byte) ([]location, error) {
	var a resourcesAnswer
	if err := jsonx.Decode(body, &a); err != nil {
		return nil, err
	}
	var out []location
	index := map[string]int{}
	for _, r := range a.Resources {
		loc, ok := r.Location.(map[string]any)
		if !ok || !truthy(loc["Name"]) || !truthy(loc["Id"]) || !truthy(loc["Address"]) {
			continue
		}
		key := keyText(loc["Id"])
		i, seen := index[key]
		if !seen {
			i = len(out)
			index[key] = i
			out = append(out, location{ID: raw(loc["Id"]), Name: raw(loc["Name"])})
		}
		b := bookable{ID: raw(r.ID), Name: raw(r.Name)}
		replaced := false
		for j := range out[i].Bookables {
			if keyText(out[i].Bookables[j].ID) == keyText(r.ID) {
				out[i].Bookables[j], replaced = b, true
			}
		}
		if !replaced {
			out[i].Bookables = append(out[i].Bookables, b)
		}
	}
	return out, nil
}

// answer is GET /api/winkas/locations/'s body.
func answer(locs []location) jsonx.Object {
	out := make(jsonx.Object, 0, len(locs))
	for _, l := range locs {
		bookables := make(jsonx.Object, 0, len(l.Bookables))
		for _, b := range l.Bookables {
			bookables = append(bookables, jsonx.Member{Key: keyText(b.ID), Value: jsonx.Object{
				{Key: "name", Value: b.Name}, {Key: "id", Value: b.ID}, {Key: "bookings", Value: []any{}},
			}})
		}
		out = append(out, jsonx.Member{Key: keyText(l.ID), Value: jsonx.Object{
			{Key: "id", Value: l.ID}, {Key: "location_name", Value: l.Name}, {Key: "bookables", Value: bookables},
		}})
	}
	return out
}

// isInt reports whether the WinKAS id is the integer n: upstream looked
// locations up with int() keys, so only numeric ids match.
func isInt(id json.RawMessage, n int64) bool {
	var num json.Number
	if jsonx.Decode(id, &num) != nil {
		return false
	}
	v, err := strconv.ParseInt(string(num), 10, 64)
	return err == nil && v == n
}

// keyText is how Python's json.dumps writes a dict key.
func keyText(v any) string {
	if r, ok := v.(json.RawMessage); ok {
		var decoded any
		if jsonx.Decode(r, &decoded) != nil {
			return string(r)
		}
		v = decoded
	}
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	}
	s, _ := jsonx.Scalar(v)
	return s
}

// truthy is Python's truth value of a JSON value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

func raw(v any) json.RawMessage {
	b, err := jsonx.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

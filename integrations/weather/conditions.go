package weather

import (
	"encoding/json"
	"strconv"

	"github.com/openstream-go/openstream/integrations/internal/jsonx"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
)

// conditions is the answer's "weather" object.
type conditions struct {
	// Temperature is open-meteo's value as sent (upstream passed it on), or
	// "N/A" when missing.
	Temperature       json.RawMessage `json:"temperature"`
	PrecipitationText string          `json:"precipitationText"`
	CloudCoverText    string          `json:"cloudCoverText"`
}

// current reads open-meteo's answer the way upstream did: missing values
// default (temperature "N/A", precipitation and cloud cover 0), values that
// are not numbers are an error.
func current(body []byte) (conditions, error) {
	var doc any
	if err := jsonx.Decode(body, &doc); err != nil {
		return conditions{}, upstream.Invalidf("Request error: %v", err)
	}
	top, ok := doc.(map[string]any)
	if !ok {
		return conditions{}, upstream.Invalidf("Unexpected error: the answer is not a JSON object")
	}
	cur := map[string]any{}
	if v, present := top["current"]; present {
		if cur, ok = v.(map[string]any); !ok {
			return conditions{}, upstream.Invalidf("Unexpected error: \"current\" is not a JSON object")
		}
	}
	c := conditions{Temperature: json.RawMessage(`"N/A"`)}
	if v, present := cur["temperature_2m"]; present {
		raw, err := jsonx.Marshal(v)
		if err != nil {
			return conditions{}, err
		}
		c.Temperature = raw
	}
	precipitation, err := number(cur, "precipitation")
	if err != nil {
		return conditions{}, err
	}
	cloud, err := number(cur, "cloud_cover")
	if err != nil {
		return conditions{}, err
	}
	c.PrecipitationText = precipitationText(precipitation)
	c.CloudCoverText = cloudCoverText(cloud)
	return c, nil
}

// number reads a numeric value (Python compares bools as 0 and 1); missing is 0.
func number(m map[string]any, key string) (float64, error) {
	switch v := m[key].(type) {
	case nil:
		if _, present := m[key]; !present {
			return 0, nil
		}
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return f, nil
		}
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	}
	return 0, upstream.Invalidf("Unexpected error: %s is not a number", key)
}

// precipitationText marks light to moderate rain only (upstream's rule).
func precipitationText(p float64) string {
	if p >= 0.1 && p < 5 {
		return "💦"
	}
	return ""
}

func cloudCoverText(c float64) string {
	switch {
	case c < 10:
		return "☀️"
	case c < 50:
		return "⛅"
	case c < 80:
		return "☁️"
	}
	return ""
}

func itoa(n int) string { return strconv.Itoa(n) }

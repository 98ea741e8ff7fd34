package winkas

import (
	"context"
	"encoding/json"
	"time"

	"github.com/openstream-go/openstream/integrations/internal/jsonx"
	"github.com/openstream-go/openstream/integrations/internal/upstream"
)

// Lifetimes of upstream's CacheHandler.
const (
	tokenTTL     = 15 * time.Minute
	resourcesTTL = 24 * time.Hour
	bookingsTTL  = 15 * time.Minute
)

// Credentials are upstream's WINKAS_USERNAME, WINKAS_PW and WINKAS_CONTRACTCODE.
type Credentials struct {
	Username, Password, ContractCode string
}

// client calls the WinKAS API at url (".../api").
type client struct {
	deps  *upstream.Deps
	url   string
	creds Credentials
}

// token is a session token, shared for 15 minutes.
func (c *client) token(ctx context.Context) (string, error) {
	if c.creds.Username == "" {
		return "", &upstream.Failure{Msg: "WinKAS credentials are not configured"}
	}
	tok, err := c.deps.Load(ctx, "winkas:token:"+c.creds.Username, func(ctx context.Context) ([]byte, time.Duration, error) {
		body, err := c.deps.PostJSON(ctx, c.url+"/Authentication/Authenticate", map[string]string{
			"UserName":         c.creds.Username,
			"UserPassword":     c.creds.Password,
			"UserContractCode": c.creds.ContractCode,
		})
		if err != nil {
			return nil, 0, err
		}
		var a struct {
			Data struct {
				Token string `json:"CurrentToken"`
			} `json:"WinKasData"`
		}
		if json.Unmarshal(body, &a) != nil || a.Data.Token == "" {
			return nil, 0, upstream.Invalidf("WinKAS authentication failed")
		}
		return []byte(a.Data.Token), tokenTTL, nil
	})
	return string(tok), err
}

// locations are the places and their bookable resources, kept a day.
func (c *client) locations(ctx context.Context) ([]location, error) {
	body, err := c.deps.Load(ctx, "winkas:resources:"+c.creds.Username, func(ctx context.Context) ([]byte, time.Duration, error) {
		tok, err := c.token(ctx)
		if err != nil {
			return nil, 0, err
		}
		body, err := c.deps.PostJSON(ctx, c.url+"/Calendar/GetAllResources", map[string]string{"Token": tok})
		if err != nil {
			return nil, 0, err
		}
		locs, err := locationsOf(body)
		if err != nil {
			return nil, 0, upstream.Invalidf("unreadable resources: %v", err)
		}
		out, err := json.Marshal(locs)
		return out, resourcesTTL, err
	})
	if err != nil {
		return nil, err
	}
	var locs []location
	return locs, json.Unmarshal(body, &locs)
}

// booking is one entry of the bookings answer.
type booking struct {
	SubLocation   json.RawMessage `json:"sub_location"`
	SubLocationID json.RawMessage `json:"sub_location_id"`
	Data          jsonx.Object    `json:"booking_data"`
	start         string
}

// bookings are the bookings of the resources from now until the next
// local midnight.
func (c *client) bookings(ctx context.Context, resources []bookable, now time.Time) ([]booking, error) {
	tok, err := c.token(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]json.RawMessage, len(resources))
	for i, r := range resources {
		ids[i] = r.ID
	}
	now = now.In(upstream.Copenhagen)
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, upstream.Copenhagen)
	// Upstream wrote local wall times with a "Z"; WinKAS reads them so.
	const layout = "2006-01-02T15:04:05"
	body, err := c.deps.PostJSON(ctx, c.url+"/Calendar/GetAllResourceEventsInTimePeriod", map[string]any{
		"Token":     tok,
		"StartTime": now.Format(layout) + "Z",
		"EndTime":   midnight.Format(layout) + "Z",
		"Resources": ids,
	})
	if err != nil {
		return nil, err
	}
	return bookingsOf(body, resources)
}

type bookingsAnswer struct {
	Resources []struct {
		ID       any `json:"Id"`
		Bookings any `json:"ResourceCalendarbookings"`
	} `json:"Resources"`
}

// bookingsOf reads GetAllResourceEventsInTimePeriod's answer, in the order
// of resources. Bookings without their calendar entry are skipped.
func bookingsOf(body []byte, resources []bookable) ([]booking, error) {
	var a bookingsAnswer
	if err := jsonx.Decode(body, &a); err != nil {
		return nil, upstream.Invalidf("unreadable bookings: %v", err)
	}
	byResource := map[string][]booking{}
	for _, r := range a.Resources {
		list, ok := r.Bookings.([]any)
		if !ok {
			continue
		}
		var res *bookable
		for i := range resources {
			if keyText(resources[i].ID) == keyText(r.ID) {
				res = &resources[i]
			}
		}
		if res == nil {
			continue
		}
		key := keyText(res.ID)
		byResource[key] = nil // a listed resource replaces what it had
		for _, item := range list {
			b, ok := item.(map[string]any)
			cal, isCal := b["ResourceCalendarbooking"].(map[string]any)
			if !ok || !isCal {
				continue
			}
			owner, _ := b["BookingOwner"].(map[string]any)
			start, _ := jsonx.Scalar(cal["Start"])
			byResource[key] = append(byResource[key], booking{
				SubLocation:   res.Name,
				SubLocationID: res.ID,
				Data: jsonx.Object{
					{Key: "subject", Value: cal["Subject"]},
					{Key: "start", Value: cal["Start"]},
					{Key: "stop", Value: cal["Stop"]},
					{Key: "booked_by", Value: owner["FirstName"]},
				},
				start: start,
			})
		}
	}
	var out []booking
	for _, r := range resources {
		out = append(out, byResource[keyText(r.ID)]...)
	}
	return out, nil
}

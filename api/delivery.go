package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/playback/delivery"
	"github.com/openstream-go/openstream/rest"
	"github.com/openstream-go/openstream/shape"
)

// deliveryReport answers GET /api/emergency-slideshows/<pk>/delivery/
// (docs/api.md, "Delivery of an emergency"), with the access of GET of
// the emergency itself.
func (h *handlers) deliveryReport(e *core.RequestEvent) error {
	_, r, err := emergencyRecord(e)
	if err != nil {
		return err
	}
	rep, err := h.reporter(e.App).Report(e.Request.Context(), r, h.cfg.Now())
	if err != nil {
		return err
	}
	return rest.JSON(e, http.StatusOK, DeliveryJSON(rep, h.cfg.Settings.TimeZone))
}

func (h *handlers) reporter(app core.App) *delivery.Reporter {
	return &delivery.Reporter{App: app, Player: h.cfg.Player, Store: h.cfg.Delivery, OfflineAfter: h.cfg.OfflineAfter}
}

// deliveryScreen is one screen of a report as the API answers it. Its
// fields are in the order a map's keys were encoded before: a struct
// encodes ten thousand of them without a map and a key sort each, which
// was most of a report's garbage on the instance answering the polls.
type deliveryScreen struct {
	AcknowledgedAt any         `json:"acknowledged_at"`
	Branch         json.Number `json:"branch"`
	DeliveredAt    any         `json:"delivered_at"`
	Group          json.Number `json:"group"`
	ID             json.Number `json:"id"`
	LastSeen       any         `json:"last_seen"`
	Name           string      `json:"name"`
	Online         bool        `json:"online"`
	Version        any         `json:"version"`
}

// DeliveryJSON is a report as the API answers it.
func DeliveryJSON(rep *delivery.Report, loc *time.Location) map[string]any {
	s := shape.New(nil, loc)
	at := func(t time.Time, ok bool) any {
		if !ok || t.IsZero() {
			return nil
		}
		dt, _ := types.ParseDateTime(t)
		return s.DateTime(dt)
	}
	screens := make([]deliveryScreen, 0, len(rep.Screens))
	for _, sc := range rep.Screens {
		r := sc.Row
		var version any
		if sc.State.DeliveredVersion != "" {
			version = sc.State.DeliveredVersion
		}
		screens = append(screens, deliveryScreen{
			ID:             shape.ID(r.ID),
			Name:           r.Name,
			Branch:         shape.ID(r.Branch),
			Group:          shape.ID(r.Group),
			Online:         sc.Online,
			LastSeen:       s.DateTime(r.LastSeen),
			DeliveredAt:    at(sc.State.DeliveredAt, sc.Delivered),
			AcknowledgedAt: at(sc.State.AckedAt, sc.Acked),
			Version:        version,
		})
	}
	return map[string]any{
		"emergency_id": shape.ID(rep.Emergency.Id),
		"is_active":    rep.Active,
		"activated_at": s.DateTime(rep.Emergency.GetDateTime(delivery.FieldActivatedAt)),
		"summary":      rep.Summary,
		"screens":      screens,
	}
}

package api

import (
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

// DeliveryJSON is a report as the API answers it; the live event and the
// alerts carry its summary.
func DeliveryJSON(rep *delivery.Report, loc *time.Location) map[string]any {
	s := shape.New(nil, loc)
	at := func(t time.Time, ok bool) any {
		if !ok || t.IsZero() {
			return nil
		}
		dt, _ := types.ParseDateTime(t)
		return s.DateTime(dt)
	}
	screens := make([]any, 0, len(rep.Screens))
	for _, sc := range rep.Screens {
		r := sc.Row
		var version any
		if sc.State.DeliveredVersion != "" {
			version = sc.State.DeliveredVersion
		}
		screens = append(screens, map[string]any{
			"id":              shape.ID(r.ID),
			"name":            r.Name,
			"branch":          shape.ID(r.Branch),
			"group":           shape.ID(r.Group),
			"online":          sc.Online,
			"last_seen":       s.DateTime(r.LastSeen),
			"delivered_at":    at(sc.State.DeliveredAt, sc.Delivered),
			"acknowledged_at": at(sc.State.AckedAt, sc.Acked),
			"version":         version,
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

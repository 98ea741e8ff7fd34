package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/openstream-go/openstream/playback/delivery"
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
	e.Response.Header().Set("Content-Type", "application/json")
	e.Response.WriteHeader(http.StatusOK)
	if e.Request.Method == http.MethodHead {
		return nil
	}
	// A reader that went away mid-report is not a server error.
	_ = WriteDelivery(e.Response, rep, h.cfg.Settings.TimeZone)
	return nil
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

// WriteDelivery writes a report as the API answers it, one screen at a
// time: the body of ten thousand screens (2.5 MB) is never held whole, so
// an operator polling it does not leave the encoder's pools that size on
// the instance answering (a third of its memory per screen after an
// emergency, by the realtime bench). The bytes are those of encoding the
// report as one object: keys in order, HTML unescaped, no newline.
func WriteDelivery(w io.Writer, rep *delivery.Report, loc *time.Location) error {
	s := shape.New(nil, loc)
	bw := bufio.NewWriterSize(w, 32<<10)
	var one bytes.Buffer
	enc := json.NewEncoder(&one)
	enc.SetEscapeHTML(false)
	value := func(v any) []byte {
		one.Reset()
		_ = enc.Encode(v) // ids, strings, numbers and times: nothing that fails
		return bytes.TrimSuffix(one.Bytes(), []byte("\n"))
	}
	_, _ = bw.WriteString(`{"activated_at":`)
	_, _ = bw.Write(value(s.DateTime(rep.Emergency.GetDateTime(delivery.FieldActivatedAt))))
	_, _ = bw.WriteString(`,"emergency_id":`)
	_, _ = bw.Write(value(shape.ID(rep.Emergency.Id)))
	_, _ = bw.WriteString(`,"is_active":`)
	_, _ = bw.Write(value(rep.Active))
	_, _ = bw.WriteString(`,"screens":[`)
	for i, sc := range rep.Screens {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		_, _ = bw.Write(value(deliveryScreenOf(s, sc)))
	}
	_, _ = bw.WriteString(`],"summary":`)
	_, _ = bw.Write(value(rep.Summary))
	_ = bw.WriteByte('}')
	return bw.Flush() // the first write error, if any
}

// deliveryScreenOf is one screen of a report as the API answers it.
func deliveryScreenOf(s *shape.Shaper, sc delivery.Screen) deliveryScreen {
	at := func(t time.Time, ok bool) any {
		if !ok || t.IsZero() {
			return nil
		}
		dt, _ := types.ParseDateTime(t)
		return s.DateTime(dt)
	}
	r := sc.Row
	var version any
	if sc.State.DeliveredVersion != "" {
		version = sc.State.DeliveredVersion
	}
	return deliveryScreen{
		ID:             shape.ID(r.ID),
		Name:           r.Name,
		Branch:         shape.ID(r.Branch),
		Group:          shape.ID(r.Group),
		Online:         sc.Online,
		LastSeen:       s.DateTime(r.LastSeen),
		DeliveredAt:    at(sc.State.DeliveredAt, sc.Delivered),
		AcknowledgedAt: at(sc.State.AckedAt, sc.Acked),
		Version:        version,
	}
}

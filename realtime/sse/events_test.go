package sse_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/realtime/hub"
	"github.com/openstream-go/openstream/realtime/sse"
)

// A JSON object published on sse.Topic, from any instance, is one
// custom-event for every client, on one data line however it was
// formatted; what is not a JSON object's text is dropped.
func TestCustomEventsOfTheTopic(t *testing.T) {
	app := testapp.New(t)
	h := hub.NewLocal()
	s := sse.New(app, sse.Config{Hub: h})
	t.Cleanup(s.Close)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	events := rttest.OpenEvents(t, srv.URL)
	deadline := time.Now().Add(rttest.Wait)
	for s.Clients() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for _, payload := range []string{"not json", "{\n  \"event\": \"screen_offline\",\n  \"id\": \"1\"\n}"} {
		if err := h.Publish(t.Context(), sse.Topic, []byte(payload)); err != nil {
			t.Fatal(err)
		}
	}
	s.Send([]byte(`{"model":"EmergencyDelivery","id":"2"}`))
	if m := events.Next(); m["event"] != "screen_offline" || m["id"] != "1" {
		t.Fatalf("first event %v", m)
	}
	if m := events.Next(); m["model"] != "EmergencyDelivery" || m["id"] != "2" {
		t.Fatalf("second event %v", m)
	}
}

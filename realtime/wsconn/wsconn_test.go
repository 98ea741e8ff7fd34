package wsconn_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/realtime/wsconn"
)

// echo upgrades, then answers each message with what Read made of it.
func echo(origins []string) http.Handler {
	up := wsconn.NewUpgrader(origins, 64)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := wsconn.Upgrade(up, w, r)
		if err != nil {
			return
		}
		for {
			raw, err := c.Read(16)
			switch {
			case errors.Is(err, wsconn.ErrTooLarge):
				c.CloseWith(wsconn.CodeGeneric, "Message too large")
				c.Drain()
				return
			case errors.Is(err, wsconn.ErrBinary):
				_ = c.SendError(wsconn.CodeGeneric, err.Error())
			case err != nil:
				return
			default:
				_ = c.WriteJSON(map[string]string{"got": string(raw), "html": "<b>"})
			}
		}
	})
}

func TestConn(t *testing.T) {
	srv := httptest.NewServer(echo(nil))
	defer srv.Close()
	c := rttest.Dial(t, rttest.WSURL(srv.URL, "/"), nil)
	c.SendRaw("sixteen bytes ok")
	if got := string(c.NextRaw()); got != `{"got":"sixteen bytes ok","html":"<b>"}` {
		t.Fatalf("echo: %s", got) // HTML is not escaped, no trailing newline
	}
	if err := c.WS.WriteMessage(websocket.BinaryMessage, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if got := string(c.NextRaw()); got != `{"error":"binary messages are not accepted","code":4006}` {
		t.Fatalf("binary: %s", got)
	}
	c.SendRaw(strings.Repeat("x", 17))
	c.NextCloses(4006, "Message too large")
}

func TestOrigins(t *testing.T) {
	srv := httptest.NewServer(echo([]string{"https://cms.example.dk"}))
	defer srv.Close()
	for _, tc := range []struct {
		origin string
		status int
	}{
		{"https://cms.example.dk", http.StatusSwitchingProtocols},
		{"https://evil.example", http.StatusForbidden},
		{"", http.StatusForbidden},
	} {
		h := http.Header{}
		if tc.origin != "" {
			h.Set("Origin", tc.origin)
		}
		ws, res, err := websocket.DefaultDialer.Dial(rttest.WSURL(srv.URL, "/"), h)
		if res == nil || res.StatusCode != tc.status {
			t.Fatalf("origin %q: %v %v", tc.origin, res, err)
		}
		if ws != nil {
			ws.Close()
		} else if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("refusal is %q, not JSON", ct)
		}
	}
}

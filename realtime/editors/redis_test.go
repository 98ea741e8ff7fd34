package editors

import (
	"testing"

	"github.com/openstream-go/openstream/realtime/hub/hubtest"
	"github.com/openstream-go/openstream/rest"
)

// Two instances sharing Redis (one app stands for the shared database):
// updates and presence cross between them.
func TestRedisInstances(t *testing.T) {
	hubs := hubtest.Linked(t, 2)
	f := newFixture(t, Config{Hub: hubs[0]})
	_, srvB := f.instance(Config{Hub: hubs[1]})

	alice := f.openOn(f.srv, "alice")
	alice.until("snapshot", isData)
	alice.untilPresence("alice")
	sam := f.openOn(srvB, "sam")
	sam.until("snapshot", isData)
	sam.untilPresence("alice,sam")
	alice.untilPresence("alice,sam")

	sam.send(map[string]any{"type": "update", "data": map[string]any{"name": "From B"}})
	sam.untilFrame(`{"message":"Slideshow updated"}`)
	named := func(name string) func(map[string]any) bool {
		return func(m map[string]any) bool {
			d, _ := m["data"].(map[string]any)
			return d["name"] == name
		}
	}
	sam.until("own broadcast", named("From B"))
	alice.until("broadcast from B", named("From B"))

	alice.send(map[string]any{"type": "update", "data": map[string]any{"name": "From A"}})
	alice.untilFrame(`{"message":"Slideshow updated"}`)
	sam.until("broadcast from A", named("From A"))

	_ = sam.ws.Close()
	alice.untilPresence("alice")
}

// Presence frames of two instances may arrive in another order than they
// were built. An older list arriving last from another instance is
// followed by this instance's own, read after it: the editors end with
// everyone who is there.
func TestAnOlderPresenceListFromAnotherInstanceIsCorrected(t *testing.T) {
	hubs := hubtest.Linked(t, 2)
	f := newFixture(t, Config{Hub: hubs[0]})
	_, srvB := f.instance(Config{Hub: hubs[1]})

	alice := f.openOn(f.srv, "alice")
	alice.untilPresence("alice")
	sam := f.openOn(srvB, "sam")
	sam.untilPresence("alice,sam")

	// What instance A built before sam joined, arriving at B only now.
	older, err := rest.Marshal(map[string]any{"presence": []presenceEntry{{ID: "1", DisplayName: "alice", Initials: "A"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := hubs[0].Publish(t.Context(), topicOf(f.show.Id), older); err != nil {
		t.Fatal(err)
	}
	sam.untilPresence("alice")
	sam.untilPresence("alice,sam")
}

package cmd

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/keycloak"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/settings"
)

// BenchmarkWrongPasswords is one client guessing a user's password on
// /api/token/ as fast as it can, over loopback, with the production
// wiring (the sign-in limits of the environment, in process) and the
// production bcrypt cost. It reports the passwords checked (401) and the
// attempts refused (429) per second. Run:
//
//	go test -run XXX -bench WrongPasswords -benchtime 5s ./cmd/
func BenchmarkWrongPasswords(b *testing.B) {
	srv := tokenServer(b)
	statuses := map[int]int{}
	for b.Loop() {
		statuses[postToken(b, srv.URL, "alice", "a-guess")]++
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(statuses[http.StatusUnauthorized])/secs, "checked/s")
	b.ReportMetric(float64(statuses[http.StatusTooManyRequests])/secs, "refused/s")
	b.ReportMetric(float64(statuses[http.StatusOK]), "signed-in")
}

// BenchmarkTokenAnswerTime is the time /api/token/ takes to refuse a wrong
// password of a known user and a password of a user that does not exist,
// with the limits off: equal times tell nothing about who has an account.
func BenchmarkTokenAnswerTime(b *testing.B) {
	b.Setenv("LOGIN_LIMIT_PER_ACCOUNT", "0")
	b.Setenv("LOGIN_LIMIT_PER_ADDRESS", "0")
	srv := tokenServer(b)
	for _, user := range []string{"alice", "nobody"} {
		b.Run(user, func(b *testing.B) {
			for b.Loop() {
				if st := postToken(b, srv.URL, user, "a-guess"); st != http.StatusUnauthorized {
					b.Fatalf("%s: %d", user, st)
				}
			}
		})
	}
}

// tokenServer is a wired app with the user alice, hashed at PocketBase's
// default bcrypt cost (the test template lowers it), on a loopback server.
func tokenServer(b *testing.B) *httptest.Server {
	b.Setenv("OPENSTREAM_EVENTS_ADDR", "off")
	app := testapp.New(b)
	Wire(app, settings.Default(), keycloak.Config{})
	users, err := app.FindCollectionByNameOrId(collections.Users)
	if err != nil {
		b.Fatal(err)
	}
	users.Fields.GetByName(core.FieldNamePassword).(*core.PasswordField).Cost = 0 // bcrypt.DefaultCost
	if err := app.Save(users); err != nil {
		b.Fatal(err)
	}
	u, err := collections.NewRecord(app, collections.Users)
	if err != nil {
		b.Fatal(err)
	}
	u.Set("username", "alice")
	u.SetEmail("alice@example.dk")
	u.SetPassword("alice-password")
	u.Set("is_active", true)
	if err := app.Save(u); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(testapp.Handler(b, app))
	b.Cleanup(srv.Close)
	return srv
}

func postToken(b *testing.B, base, username, password string) int {
	res, err := http.Post(base+"/api/token/", "application/json",
		strings.NewReader(`{"username":"`+username+`","password":"`+password+`"}`))
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

package cmd

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/auth/keycloak"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks"
	"github.com/openstream-go/openstream/internal/testapp"
	"github.com/openstream-go/openstream/internal/testclock"
	"github.com/openstream-go/openstream/internal/testenv"
	"github.com/openstream-go/openstream/settings"
)

// instance is one wired app of a two-instance deployment.
type instance struct {
	name string
	app  core.App
	h    http.Handler
}

// reply is an answer to a request of the test.
type reply struct {
	status int
	header http.Header
	body   string
}

// post sends a JSON body from addr (the client's address), with an
// optional bearer token.
func (in instance) post(t *testing.T, addr, path string, body any, token string) reply {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(raw)))
	req.RemoteAddr = addr + ":40000"
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	in.h.ServeHTTP(rec, req)
	return reply{status: rec.Code, header: rec.Header(), body: strings.TrimSpace(rec.Body.String())}
}

// twoInstances wires two apps over one data directory and the test Redis,
// as two `openstream serve` processes of one deployment, with the sign-in
// limits of env and the clock c.
func twoInstances(t *testing.T, c *testclock.Clock, env map[string]string) [2]instance {
	t.Helper()
	testenv.RedisDeployment(t)
	t.Setenv("OPENSTREAM_EVENTS_ADDR", "off")
	for k, v := range env {
		t.Setenv(k, v)
	}
	site := settings.Default()
	a := testapp.New(t)
	wire(a, site, keycloak.Config{}, c.Now)

	// The second instance opens the first one's data directory.
	b := core.NewBaseApp(core.BaseAppConfig{DataDir: a.DataDir(), EncryptionEnv: "pb_test_env"})
	if err := b.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = b.OnTerminate().Trigger(&core.TerminateEvent{App: b}, func(e *core.TerminateEvent) error { return e.App.ClearBootstrap() })
	})
	// Mails of the second instance go nowhere (the first one's test
	// mailer records its own).
	b.OnMailerSend().BindFunc(func(*core.MailerEvent) error { return nil })
	hooks.Register(b, site.TimeZone)
	wire(b, site, keycloak.Config{}, c.Now)
	return [2]instance{{"A", a, testapp.Handler(t, a)}, {"B", b, testapp.Handler(t, b)}}
}

func addUser(t *testing.T, app core.App, username, email, password string) *core.Record {
	t.Helper()
	u, err := collections.NewRecord(app, collections.Users)
	if err != nil {
		t.Fatal(err)
	}
	u.Set("username", username)
	u.SetEmail(email)
	u.SetPassword(password)
	u.Set("is_active", true)
	if err := app.Save(u); err != nil {
		t.Fatal(err)
	}
	return u
}

// clientAddress is a random private address, so runs sharing the test
// Redis never share a count.
func clientAddress() string {
	return fmt.Sprintf("10.%d.%d.%d", rand.IntN(256), rand.IntN(256), 1+rand.IntN(254))
}

func drfThrottled(seconds int) string {
	return fmt.Sprintf(`{"detail":"Request was throttled. Expected available in %d seconds."}`, seconds)
}

func expectThrottled(t *testing.T, what string, got reply, body string, seconds int) {
	t.Helper()
	if got.status != http.StatusTooManyRequests || got.body != body || got.header.Get("Retry-After") != fmt.Sprint(seconds) {
		t.Fatalf("%s: %d %s (Retry-After %q), want 429 %s with Retry-After %d", what, got.status, got.body, got.header.Get("Retry-After"), body, seconds)
	}
}

func expectStatus(t *testing.T, what string, got reply, status int) {
	t.Helper()
	if got.status != status {
		t.Fatalf("%s: %d %s, want %d", what, got.status, got.body, status)
	}
}

// TestLoginLimitsAcrossInstances runs the production wiring twice over one
// data directory and the test Redis: attempts made on either instance and
// through either API face count against one account and one address, the
// OpenStream paths answer DRF's 429 and PocketBase's its own, both with
// Retry-After, and a correct password works again once the window has
// passed.
func TestLoginLimitsAcrossInstances(t *testing.T) {
	c := testclock.At(time.Now())
	in := twoInstances(t, c, map[string]string{"LOGIN_LIMIT_PER_ACCOUNT": "3", "LOGIN_LIMIT_PER_ADDRESS": "6", "LOGIN_LIMIT_WINDOW": "10m"})
	a, b := in[0], in[1]
	alice := addUser(t, a.app, "alice", "alice@example.dk", "alice-password")
	addUser(t, a.app, "bob", "bob@example.dk", "bob-password")
	token := func(user, password string) map[string]any {
		return map[string]any{"username": user, "password": password}
	}
	pbLogin := func(identity, password string) map[string]any {
		return map[string]any{"identity": identity, "password": password}
	}

	t.Run("one account, both instances, both faces", func(t *testing.T) {
		here := clientAddress()
		expectStatus(t, "wrong password on A", a.post(t, here, "/api/token/", token("alice", "nope"), ""), 401)
		expectStatus(t, "wrong password by e-mail on B", b.post(t, here, "/api/token/", token("alice@example.dk", "nope"), ""), 401)
		c.Advance(time.Minute)
		expectStatus(t, "wrong password on PocketBase's door of A", a.post(t, here, "/api/collections/users/auth-with-password", pbLogin("alice", "nope"), ""), 400)
		// The fourth attempt, whatever the door and even with the right
		// password, waits for the first to be ten minutes old: nine minutes.
		expectThrottled(t, "token on B", b.post(t, here, "/api/token/", token("alice", "alice-password"), ""), drfThrottled(540), 540)
		expectThrottled(t, "token from elsewhere", a.post(t, clientAddress(), "/api/token/", token("alice@example.dk", "alice-password"), ""), drfThrottled(540), 540)
		expectThrottled(t, "PocketBase on B", b.post(t, here, "/api/collections/users/auth-with-password", pbLogin("alice@example.dk", "alice-password"), ""),
			`{"data":{},"message":"Too many attempts. Try again in 540 seconds.","status":429}`, 540)
		// Other accounts are not held up.
		expectStatus(t, "bob from the same address", b.post(t, here, "/api/token/", token("bob", "bob-password"), ""), 200)

		c.Advance(9 * time.Minute)
		expectStatus(t, "alice after the window", b.post(t, here, "/api/token/", token("alice", "alice-password"), ""), 200)
		expectStatus(t, "and on PocketBase's door", a.post(t, here, "/api/collections/users/auth-with-password", pbLogin("alice", "alice-password"), ""), 200)
	})

	t.Run("one address, many accounts", func(t *testing.T) {
		here := clientAddress()
		for i := range 6 {
			inst := in[i%2]
			path, body := "/api/token/", token(fmt.Sprintf("nobody%d", i), "guess")
			if i%3 == 2 {
				path, body = "/api/collections/users/auth-with-password", pbLogin(fmt.Sprintf("nobody%d@example.dk", i), "guess")
			}
			if got := inst.post(t, here, path, body, ""); got.status != 401 && got.status != 400 {
				t.Fatalf("guess %d on %s: %d %s", i, inst.name, got.status, got.body)
			}
		}
		expectThrottled(t, "seventh try from the address", a.post(t, here, "/api/token/", token("bob", "bob-password"), ""), drfThrottled(600), 600)
		expectStatus(t, "bob from another address", b.post(t, clientAddress(), "/api/token/", token("bob", "bob-password"), ""), 200)
		c.Advance(10 * time.Minute)
	})

	t.Run("mail doors", func(t *testing.T) {
		here := clientAddress()
		unified := `{"message":"If this email address is associated with an account, you will receive a password reset link."}`
		for i := range 2 {
			got := in[i].post(t, here, "/api/reset-password/", map[string]any{"email": "alice@example.dk"}, "")
			if got.status != 200 || got.body != unified {
				t.Fatalf("reset %d: %d %s", i, got.status, got.body)
			}
		}
		expectStatus(t, "PocketBase's reset request", a.post(t, here, "/api/collections/users/request-password-reset", map[string]any{"email": "alice@example.dk"}, ""), 204)
		expectThrottled(t, "fourth reset mail", b.post(t, here, "/api/reset-password/", map[string]any{"email": "alice@example.dk"}, ""), drfThrottled(600), 600)
		expectThrottled(t, "and PocketBase's", a.post(t, clientAddress(), "/api/collections/users/request-password-reset", map[string]any{"email": "alice@example.dk"}, ""),
			`{"data":{},"message":"Too many attempts. Try again in 600 seconds.","status":429}`, 600)
		// The sign-in mail counts against the signed-in account.
		access, err := authtoken.NewPair(alice, authtoken.DefaultLifetimes)
		if err != nil {
			t.Fatal(err)
		}
		expectThrottled(t, "login mail", a.post(t, clientAddress(), "/api/send-login-email/", nil, access.Access), drfThrottled(600), 600)
		c.Advance(10 * time.Minute)
		expectStatus(t, "login mail after the window", b.post(t, clientAddress(), "/api/send-login-email/", nil, access.Access), 200)
		c.Advance(10 * time.Minute)
	})

	t.Run("tokens and old passwords", func(t *testing.T) {
		here := clientAddress()
		for i := range 6 {
			got := in[i%2].post(t, here, "/api/confirm-password-reset/", map[string]any{"token": fmt.Sprintf("guess-%d", i), "new_password": "new-password-1"}, "")
			expectStatus(t, "guessed reset token", got, 400)
		}
		expectThrottled(t, "seventh guessed token", b.post(t, here, "/api/confirm-password-reset/", map[string]any{"token": "guess", "new_password": "new-password-1"}, ""), drfThrottled(600), 600)
		c.Advance(10 * time.Minute)

		pair, err := authtoken.NewPair(alice, authtoken.DefaultLifetimes)
		if err != nil {
			t.Fatal(err)
		}
		change := func(old string) map[string]any {
			return map[string]any{"old_password": old, "new_password": "changed-password", "confirm_password": "changed-password"}
		}
		for i := range 3 {
			expectStatus(t, "wrong old password", in[i%2].post(t, clientAddress(), "/api/user/change-password/", change("nope"), pair.Access), 400)
		}
		expectThrottled(t, "fourth change", a.post(t, clientAddress(), "/api/user/change-password/", change("alice-password"), pair.Access), drfThrottled(600), 600)
		c.Advance(10 * time.Minute)
		expectStatus(t, "change after the window", b.post(t, clientAddress(), "/api/user/change-password/", change("alice-password"), pair.Access), 200)
	})

	t.Run("the dashboard's superusers", func(t *testing.T) {
		testapp.SuperuserToken(t, a.app) // admin@example.com
		here := clientAddress()
		for i := range 3 {
			expectStatus(t, "wrong superuser password", in[i%2].post(t, here, "/api/collections/_superusers/auth-with-password", pbLogin("admin@example.com", "nope"), ""), 400)
		}
		expectThrottled(t, "fourth superuser attempt", b.post(t, clientAddress(), "/api/collections/_superusers/auth-with-password", pbLogin("admin@example.com", "superuser-password"), ""),
			`{"data":{},"message":"Too many attempts. Try again in 600 seconds.","status":429}`, 600)
	})
}

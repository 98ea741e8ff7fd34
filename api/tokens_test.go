package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/authtoken"
	"github.com/openstream-go/openstream/auth/djangohash"
	"github.com/openstream-go/openstream/collections"
)

const noAccount = `{"detail":"No active account found with the given credentials"}`

func TestObtainToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"username", map[string]any{"username": "alice", "password": "alice-password"}, 200, ""},
		{"e-mail", map[string]any{"username": "alice@example.dk", "password": "alice-password"}, 200, ""},
		{"demo user", map[string]any{"username": "aarhus_employee", "password": "aarhus_employee"}, 200, ""},
		{"wrong password", map[string]any{"username": "alice", "password": "nope"}, 401, noAccount},
		{"unknown user", map[string]any{"username": "bob", "password": "alice-password"}, 401, noAccount},
		{"username is case sensitive", map[string]any{"username": "Alice", "password": "alice-password"}, 401, noAccount},
		{"inactive", map[string]any{"username": "ingrid", "password": "ingrid-password"}, 401, noAccount},
		{"missing both", map[string]any{}, 400, `{"username":["This field is required."],"password":["This field is required."]}`},
		{"blank", map[string]any{"username": "", "password": " "}, 400, `{"username":["This field may not be blank."],"password":["This field may not be blank."]}`},
		{"null", map[string]any{"username": nil, "password": "x"}, 400, `{"username":["This field may not be null."]}`},
		{"not a string", map[string]any{"username": []int{1}, "password": "x"}, 400, `{"username":["Not a valid string."]}`},
		{"malformed JSON", `{"username":`, 400, ""},
		{"JSON array", `[1,2]`, 400, `{"detail":"Invalid data. Expected a dictionary, but got array."}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := w.do(t, "POST", "/api/token/", tt.body)
			expect(t, got, tt.status, tt.want)
			switch tt.status {
			case 200:
				body := got.json(t)
				access, _ := body["access"].(string)
				refresh, _ := body["refresh"].(string)
				if access == "" || refresh == "" || len(body) != 2 {
					t.Fatalf("want exactly access and refresh, got %s", got.Body)
				}
				// The access token works on PocketBase's own API too.
				if _, err := w.app.FindAuthRecordByToken(access, core.TokenTypeAuth); err != nil {
					t.Fatalf("access token refused by PocketBase: %v", err)
				}
				if _, err := w.app.FindAuthRecordByToken(refresh, core.TokenTypeAuth); err == nil {
					t.Fatal("a refresh token must not be usable as an auth token")
				}
			case 401:
				if got.Header.Get("WWW-Authenticate") != `Bearer realm="api"` {
					t.Fatalf("WWW-Authenticate = %q", got.Header.Get("WWW-Authenticate"))
				}
			}
			if tt.name == "malformed JSON" && !strings.HasPrefix(got.json(t)["detail"].(string), "JSON parse error - ") {
				t.Fatalf("detail = %s", got.Body)
			}
		})
	}
}

func TestObtainTokenFormEncoded(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	got := w.do(t, "POST", "/api/token", nil) // no slash, no body
	expect(t, got, 400, `{"username":["This field is required."],"password":["This field is required."]}`)
	req := "username=alice&password=alice-password"
	got = w.doRaw(t, "POST", "/api/token/", "application/x-www-form-urlencoded", req)
	expect(t, got, 200, "")
	got = w.doRaw(t, "POST", "/api/token/", "text/plain", req)
	expect(t, got, 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`)
}

func TestDjangoPasswordUpgradedOnTokenLogin(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.addUser(t, "imported", "imported@example.dk", "random-unknown-pw", true)
	hash := djangohash.Make("old-secret", "somesalt", 1000)
	u.Set(collections.DjangoPasswordField, hash)
	if err := w.app.Save(u); err != nil {
		t.Fatal(err)
	}
	expect(t, w.do(t, "POST", "/api/token/", map[string]any{"username": "imported", "password": "wrong-secret"}), 401, noAccount)
	expect(t, w.do(t, "POST", "/api/token/", map[string]any{"username": "imported", "password": "old-secret"}), 200, "")
	u = w.reload(t, "imported")
	if u.GetString(collections.DjangoPasswordField) != "" || !u.ValidatePassword("old-secret") {
		t.Fatal("the Django hash was not replaced by a PocketBase password")
	}
	expect(t, w.do(t, "POST", "/api/token/", map[string]any{"username": "imported", "password": "old-secret"}), 200, "")
}

func TestRefreshToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	login := w.do(t, "POST", "/api/token/", map[string]any{"username": "alice", "password": "alice-password"}).json(t)
	refresh := login["refresh"].(string)
	access := login["access"].(string)

	expired, err := authtoken.NewPair(w.reload(t, "alice"), authtoken.Lifetimes{Access: time.Hour, Refresh: -time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"missing", map[string]any{}, 400, `{"refresh":["This field is required."]}`},
		{"garbage", map[string]any{"refresh": "abc"}, 401, `{"detail":"Token is invalid","code":"token_not_valid"}`},
		{"access token", map[string]any{"refresh": access}, 401, `{"detail":"Token has wrong type","code":"token_not_valid"}`},
		{"expired", map[string]any{"refresh": expired.Refresh}, 401, `{"detail":"Token is expired","code":"token_not_valid"}`},
		{"tampered", map[string]any{"refresh": refresh[:len(refresh)-2] + "xx"}, 401, `{"detail":"Token is invalid","code":"token_not_valid"}`},
		{"valid", map[string]any{"refresh": refresh}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := w.do(t, "POST", "/api/token/refresh/", tt.body)
			expect(t, got, tt.status, tt.want)
			if tt.status == 200 {
				body := got.json(t)
				if body["refresh"] == refresh || body["access"] == "" {
					t.Fatalf("refresh must rotate: %s", got.Body)
				}
				expect(t, w.do(t, "GET", "/api/token/validate/", nil, "Authorization: Bearer "+body["access"].(string)), 200, "")
			}
		})
	}

	// A deactivated user cannot refresh.
	u := w.reload(t, "alice")
	u.Set("is_active", false)
	if err := w.app.Save(u); err != nil {
		t.Fatal(err)
	}
	expect(t, w.do(t, "POST", "/api/token/refresh/", map[string]any{"refresh": refresh}), 401, `{"detail":"No active account found for the given token."}`)
}

func TestAuthenticationPipeline(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	alice := w.bearer(t, "alice")
	expiredTok, err := authtoken.NewAccess(w.reload(t, "alice"), -time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	refreshOnly, err := authtoken.NewPair(w.reload(t, "alice"), authtoken.DefaultLifetimes)
	if err != nil {
		t.Fatal(err)
	}
	ingrid, err := authtoken.NewAccess(w.reload(t, "ingrid"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	superuser, err := w.superuserToken(t)
	if err != nil {
		t.Fatal(err)
	}
	notValid := func(msg string) string {
		return `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"` + msg + `"}]}`
	}
	tests := []struct {
		name   string
		header string
		status int
		want   string
	}{
		{"valid", "Authorization: " + alice, 200, `{"detail":"Token is valid","valid":true}`},
		{"no header", "", 401, `{"detail":"Authentication credentials were not provided."}`},
		{"other scheme is anonymous", "Authorization: Basic YTpi", 401, `{"detail":"Authentication credentials were not provided."}`},
		{"lower-case bearer is another scheme", "Authorization: bearer x", 401, `{"detail":"Authentication credentials were not provided."}`},
		{"three parts", "Authorization: Bearer a b", 401, `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`},
		{"bare Bearer", "Authorization: Bearer", 401, `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`},
		{"Bearer null", "Authorization: Bearer null", 401, notValid("Token is invalid")},
		{"expired", "Authorization: Bearer " + expiredTok, 401, notValid("Token is expired")},
		{"refresh token", "Authorization: Bearer " + refreshOnly.Refresh, 401, notValid("Token has wrong type")},
		{"tampered", "Authorization: " + alice[:len(alice)-3] + "abc", 401, notValid("Token is invalid")},
		{"inactive user", "Authorization: Bearer " + ingrid, 401, `{"detail":"User is inactive","code":"user_inactive"}`},
		{"dashboard superuser", "Authorization: Bearer " + superuser, 401, `{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.header != "" {
				headers = append(headers, tt.header)
			}
			got := w.do(t, "GET", "/api/token/validate/", nil, headers...)
			expect(t, got, tt.status, tt.want)
			if tt.status == 401 && got.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	expect(t, w.do(t, "GET", "/api/get-username/", nil, "Authorization: "+alice), 200, `{"username":"alice"}`)
	expect(t, w.do(t, "GET", "/api/get-username", nil), 401, `{"detail":"Authentication credentials were not provided."}`)
}

// The same access token identifies the user on PocketBase's own API.
func TestAccessTokenOnPocketBaseAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	access := w.do(t, "POST", "/api/token/", map[string]any{"username": "alice", "password": "alice-password"}).json(t)["access"].(string)
	got := w.do(t, "POST", "/api/collections/users/auth-refresh", nil, "Authorization: Bearer "+access)
	if got.Status != http.StatusOK || !strings.Contains(string(got.Body), `"username":"alice"`) {
		t.Fatalf("PocketBase auth-refresh with our access token: %d %s", got.Status, got.Body)
	}
}

func (w *world) superuserToken(t *testing.T) (string, error) {
	t.Helper()
	col, err := w.app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		return "", err
	}
	su := core.NewRecord(col)
	su.SetEmail("root@example.dk")
	su.SetPassword("superuser-password")
	if err := w.app.Save(su); err != nil {
		return "", err
	}
	return su.NewAuthToken()
}

func (w *world) doRaw(t *testing.T, method, url, contentType, body string) response {
	t.Helper()
	return w.do(t, method, url, rawBody{contentType, body})
}

// A deactivated user's token is anonymous on PocketBase's API as well.
func TestInactiveUserOnPocketBaseAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	token := w.bearer(t, "ingrid")
	got := w.do(t, "POST", "/api/collections/users/auth-refresh", nil, "Authorization: "+token)
	if got.Status != http.StatusUnauthorized {
		t.Fatalf("auth-refresh of an inactive user: %d %s", got.Status, got.Body)
	}
	got = w.do(t, "POST", "/api/collections/users/auth-with-password", map[string]any{"identity": "ingrid", "password": "ingrid-password"})
	if got.Status != http.StatusBadRequest {
		t.Fatalf("password login of an inactive user on PocketBase's API: %d %s", got.Status, got.Body)
	}
}

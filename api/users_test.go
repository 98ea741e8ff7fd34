package api_test

import (
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/openstream-go/openstream/collections"
)

func TestCreateUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	newUser := map[string]any{"username": "ﬁona", "email": "Fiona@Aarhus.DK", "password": "fiona-password", "first_name": "Fiona"}
	w.run(t, []row{
		{"employee may not (upstream let anyone)", "aarhus_employee", "POST", "/api/users/", newUser, 403, `{"detail":"You do not have permission to perform this action."}`},
		{"org user may not", "ulla", "POST", "/api/users/", newUser, 403, ""},
		{"anonymous", "", "POST", "/api/users/", newUser, 401, ""},
		{"missing password", "alice", "POST", "/api/users/", map[string]any{"username": "x", "email": "x@y.dk"}, 400, `{"error":"username, email, and password required."}`},
		{"taken", "alice", "POST", "/api/users/", map[string]any{"username": "olga", "email": "o2@y.dk", "password": "long-enough"}, 400, `{"error":"Username already taken."}`},
		{"bad e-mail", "alice", "POST", "/api/users/", map[string]any{"username": "x", "email": "not-an-email", "password": "long-enough"}, 400, `{"email":["Enter a valid email address."]}`},
		{"e-mail taken", "alice", "POST", "/api/users/", map[string]any{"username": "x", "email": "olga@example.dk", "password": "long-enough"}, 400, ""},
		{"short password", "alice", "POST", "/api/users/", map[string]any{"username": "x", "email": "x@y.dk", "password": "short"}, 400, ""},
	})
	got := w.do(t, "POST", "/api/users/", newUser, "Authorization: "+w.bearer(t, "aarhus_suborg_admin"))
	expect(t, got, 201, "")
	body := got.json(t)
	// Username NFKC-normalised (ﬁ → fi), e-mail domain lower-cased, language defaulted.
	if body["username"] != "fiona" || body["email"] != "Fiona@aarhus.dk" || body["language_preference"] != "en" || body["first_name"] != "Fiona" || body["id"] == nil {
		t.Fatalf("created %s", got.Body)
	}
	expect(t, w.do(t, "POST", "/api/token/", map[string]any{"username": "fiona", "password": "fiona-password"}), 200, "")
}

func TestRemoveUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.ids(t)
	w.member(t, "olga", collections.RoleOrgUser, id["aarhus"], "", "") // olga is in both orgs now
	w.run(t, []row{
		{"unknown", "alice", "DELETE", "/api/users/999999/", nil, 404, `{"detail":"No User matches the given query."}`},
		{"self", "alice", "DELETE", "/api/users/" + id["alice"] + "/", nil, 403, `{"error":"You cannot remove yourself from organizations."}`},
		{"not an admin", "aarhus_employee", "DELETE", "/api/users/" + id["ulla"] + "/", nil, 403, `{"error":"You must be org_admin in at least one organization to perform this action."}`},
		{"admin of another org", "olga", "DELETE", "/api/users/" + id["ulla"] + "/", nil, 403, `{"error":"User ulla is not a member of any organizations where you are admin."}`},
		{"super, target without orgs", "sam", "DELETE", "/api/users/" + id["ingrid"] + "/", nil, 403, `{"error":"No organizations found for the target user."}`},
		{"org admin removes from own org only", "alice", "DELETE", "/api/users/" + id["olga"] + "/", nil, 200, `{"message":"User removed from organizations where you are admin."}`},
	})
	rows, err := w.app.FindAllRecords(collections.Memberships, dbx.HashExp{"user": id["olga"]})
	if err != nil || len(rows) != 1 || rows[0].GetString("organisation") != id["odense"] {
		t.Fatalf("olga's memberships after removal: %d %v", len(rows), err)
	}
	w.run(t, []row{{"super removes everywhere", "sam", "DELETE", "/api/users/" + id["olga"], nil, 200, `{"message":"User removed from all organizations."}`}})
	if _, err := w.app.FindRecordById(collections.Users, id["olga"]); err != nil {
		t.Fatal("the user row must stay")
	}
}

func TestOwnUserEndpoints(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.ids(t)
	alice := `{"id":` + id["alice"] + `,"username":"alice","email":"alice@example.dk","first_name":"","last_name":"","language_preference":"en"}`
	w.run(t, []row{
		{"info", "alice", "GET", "/api/user/info/", nil, 200, `{"username":"alice","email":"alice@example.dk"}`},
		{"allinfo carries the user's id", "alice", "GET", "/api/user/allinfo/", nil, 200, alice},
		{"update: PUT is not routed", "alice", "PUT", "/api/user/update/", map[string]any{}, 405, `{"detail":"Method \"PUT\" not allowed."}`},
		{"update: blank name", "alice", "PATCH", "/api/user/update/", map[string]any{"first_name": ""}, 400, `{"first_name":["This field may not be blank."]}`},
		{"update: bad e-mail", "alice", "PATCH", "/api/user/update/", map[string]any{"email": "nope"}, 400, `{"email":["Enter a valid email address."]}`},
		{"update: taken username", "alice", "PATCH", "/api/user/update/", map[string]any{"username": "olga"}, 400, `{"username":["A user with that username already exists."]}`},
		{"update", "alice", "PATCH", "/api/user/update/", map[string]any{"first_name": "Alice", "last_name": "Ås", "language_preference": "da"}, 200,
			`{"id":` + id["alice"] + `,"username":"alice","email":"alice@example.dk","first_name":"Alice","last_name":"Ås","language_preference":"da"}`},
		{"language", "alice", "GET", "/api/user-language-preference/", nil, 200, `{"language_preference":"da"}`},
		{"language: missing", "alice", "POST", "/api/user-language-preference/", map[string]any{}, 400, `{"error":"Language preference is required."}`},
		{"language: not Django's", "alice", "POST", "/api/user-language-preference/", map[string]any{"language_preference": "no"}, 400, `{"error":"Unsupported language code: no."}`},
		{"language: set", "alice", "POST", "/api/user-language-preference", map[string]any{"language_preference": "sv"}, 200, `{"message":"Language preference updated successfully.","language_preference":"sv"}`},
	})
	// A new e-mail renews the signing key: the answer carries working tokens.
	got := w.do(t, "PATCH", "/api/user/update/", map[string]any{"email": "alice@aarhus.dk"}, "Authorization: "+w.bearer(t, "alice"))
	expect(t, got, 200, "")
	access, _ := got.json(t)["access"].(string)
	expect(t, w.do(t, "GET", "/api/user/info/", nil, "Authorization: Bearer "+access), 200, `{"username":"alice","email":"alice@aarhus.dk"}`)
}

func TestOrganisationUsers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(t, []row{
		{"org user gets 403 (upstream: [])", "ulla", "GET", "/api/organisations/aarhus/users/", nil, 403, `{"detail":"You do not have permission to perform this action."}`},
		{"other org's admin", "olga", "GET", "/api/organisations/aarhus/users/", nil, 403, ""},
		{"unknown org", "alice", "GET", "/api/organisations/nowhere/users/", nil, 404, `{"detail":"Organisation not found."}`},
	})
	got := w.do(t, "GET", "/api/organisations/Aarhus%20Kommune/users/", nil, "Authorization: "+w.bearer(t, "alice"))
	expect(t, got, 200, "")
	var names []string
	for _, u := range w.list(t, got) {
		names = append(names, u["username"].(string))
	}
	want := map[string]bool{"alice": true, "ulla": true, "aarhus_suborg_admin": true, "aarhus_employee": true}
	if len(names) != len(want) {
		t.Fatalf("users %v", names)
	}
	for _, n := range names {
		if !want[n] {
			t.Fatalf("users %v", names)
		}
	}
}

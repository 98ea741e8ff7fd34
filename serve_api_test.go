package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/internal/smtpsink"
)

// The program as operators run it: the environment configures CORS and the
// mail server, the OpenStream API and PocketBase's API share one identity,
// and the branch-api-key command works next to a running server.
func TestServeOpenStreamAPI(t *testing.T) {
	t.Parallel()
	dir, data := seedAarhus(t)
	sink := smtpsink.Start(t)
	addr := startServer(t, data,
		"CORS_ALLOWED_ORIGINS=https://cms.example.dk",
		"EMAIL_HOST="+sink.Host(), "EMAIL_PORT="+strconv.Itoa(sink.Port()), "EMAIL_USE_TLS=False",
		"DEFAULT_FROM_EMAIL=skaerme@aarhus.dk")
	base := "http://" + addr

	// CORS: upstream's policy replaces PocketBase's "*", on both API faces.
	for _, tc := range []struct{ origin, path, want string }{
		{"https://cms.example.dk", "/api/token/", "https://cms.example.dk"},
		{"https://cms.example.dk", "/api/collections/users/records", "https://cms.example.dk"},
		{"https://evil.example", "/api/token/", ""},
		{"https://evil.example", "/api/collections/users/records", ""},
	} {
		req, _ := http.NewRequest(http.MethodOptions, base+tc.path, nil)
		req.Header.Set("Origin", tc.origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		res := send(t, req)
		if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != tc.want {
			t.Fatalf("preflight %s from %s: %d, Allow-Origin %q", tc.path, tc.origin, res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
		}
	}

	// The dashboard superuser gives the demo suborg admin an e-mail address.
	root := call(t, "POST", base+"/api/collections/_superusers/auth-with-password", "", `{"identity":"root@example.dk","password":"root-password-1"}`, 200)["token"].(string)
	users := call(t, "GET", base+"/api/collections/users/records?filter="+url.QueryEscape("username='aarhus_suborg_admin'"), root, "", 200)
	userID := users["items"].([]any)[0].(map[string]any)["id"].(string)
	call(t, "PATCH", base+"/api/collections/users/records/"+userID, root, `{"email":"sub@aarhus.dk"}`, 200)
	branches := call(t, "GET", base+"/api/collections/branches/records?filter="+url.QueryEscape("name='Demo Branch'"), root, "", 200)
	branchID := branches["items"].([]any)[0].(map[string]any)["id"].(string)

	// Password login on the OpenStream API, by e-mail; the token works on both faces.
	access := call(t, "POST", base+"/api/token/", "", `{"username":"sub@aarhus.dk","password":"aarhus_suborg_admin"}`, 200)["access"].(string)
	call(t, "GET", base+"/api/token/validate", access, "", 200)
	call(t, "POST", base+"/api/collections/users/auth-refresh", access, "", 200)

	// The mail goes out through the EMAIL_* server.
	call(t, "POST", base+"/api/send-login-email/", access, "", 200)
	msg := sink.WaitFor(t, 1)[0]
	if msg.From != "skaerme@aarhus.dk" || msg.To[0] != "sub@aarhus.dk" || msg.Subject != "Login Notification - OpenStream Admin" {
		t.Fatalf("mail from %q to %v: %q", msg.From, msg.To, msg.Subject)
	}

	// Rotating the key with the command is visible on the API at once.
	before := call(t, "GET", base+"/api/branch-api-key?branch_id="+branchID, access, "", 200)["api_key"].(string)
	out, err := openstream(t, dir, nil, "branch-api-key", "rotate", branchID, "--dir", data)
	if err != nil {
		t.Fatalf("rotate: %v\n%s", err, out)
	}
	after := call(t, "GET", base+"/api/branch-api-key?branch_id="+branchID, access, "", 200)["api_key"].(string)
	if after == before || !strings.Contains(out, "key "+after+", active") {
		t.Fatalf("rotate printed %q; key %s → %s", out, before, after)
	}
	out, _ = openstream(t, dir, nil, "branch-api-key", "deactivate", branchID, "--dir", data)
	if !strings.Contains(out, "inactive") || call(t, "GET", base+"/api/branch-api-key?branch_id="+branchID, access, "", 200)["is_active"] != false {
		t.Fatalf("deactivate: %s", out)
	}
	if out, err := openstream(t, dir, nil, "branch-api-key", "show", "abc", "--dir", data); err == nil || !regexp.MustCompile(`"abc" is not a branch id`).MatchString(out) {
		t.Fatalf("show abc: %v %s", err, out)
	}
}

func send(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// seedAarhus makes a data dir with the Aarhus organisation (create-organisation)
// and the dashboard superuser root@example.dk / root-password-1.
func seedAarhus(t *testing.T) (dir, data string) {
	t.Helper()
	dir = t.TempDir()
	data = migratedData(t)
	for _, args := range [][]string{
		{"create-organisation", "Aarhus Kommune", "aarhus", "--dir", data},
		{"superuser", "upsert", "root@example.dk", "root-password-1", "--dir", data},
	} {
		if out, err := openstream(t, dir, nil, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	return dir, data
}

// call sends a JSON request with a bearer token and decodes the JSON answer.
func call(t *testing.T, method, u, token, body string, status int) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d: %s", method, u, res.StatusCode, status, raw)
	}
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, u, raw)
		}
	}
	return out
}

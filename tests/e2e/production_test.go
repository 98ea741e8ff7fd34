// Package e2e_test runs the real openstream binary in the shape a
// municipality runs it in production, every component on at once, and
// walks the journeys of a working day through HTTP and sockets only.
package e2e_test

import (
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/auth/keycloak/kctest"
	"github.com/openstream-go/openstream/internal/redistest"
	"github.com/openstream-go/openstream/internal/rttest"
	"github.com/openstream-go/openstream/internal/smtpsink"
	"github.com/openstream-go/openstream/media/mediatest"
	"github.com/openstream-go/openstream/pgsync/pgtest"
	"github.com/openstream-go/openstream/pgsync/schema"
)

const (
	frontend = "https://cms.example.dk"
	// The upstream development dump, kept beside the importer's tests.
	fixture = "../../pgsync/importer/testdata/openstream-dev-data.json"
	// Brøndby of the fixture; its organisation has no uri_name upstream,
	// the import derives it.
	org = "brndby"
)

// production is the deployment under test: two `serve` instances on one
// data dir and the services they share.
type production struct {
	data, dsn string
	env       []string
	a, b      string // the instances' base URLs
	servers   []*process
	kc        *kctest.Server
	mail      *smtpsink.Sink
}

func newProduction(t *testing.T) *production {
	t.Helper()
	p := &production{data: filepath.Join(t.TempDir(), "pb_data"), dsn: pgtest.Database(t)}
	redis := redistest.Start(t)
	s3 := startS3(t)
	p.kc = kctest.Start(t)
	p.kc.AddRealm(org)
	p.mail = smtpsink.Start(t)
	p.env = append(os.Environ(),
		"DJANGO_ENV=production",
		"DATABASE_URL="+p.dsn,
		"REDIS_URL="+redis.URL(),
		"AWS_S3_KEY=openstream", "AWS_S3_SECRET=openstream-minio-secret", "AWS_S3_BUCKET=infoscreen",
		"AWS_S3_ENDPOINT_URL="+s3,
		"KEYCLOAK_URL="+p.kc.URL(),
		"EMAIL_HOST="+p.mail.Host(), fmt.Sprintf("EMAIL_PORT=%d", p.mail.Port()), "EMAIL_USE_TLS=False",
		"DEFAULT_FROM_EMAIL=noreply@openstream.dk",
		"FRONTEND_HOST="+frontend,
		"CORS_ALLOWED_ORIGINS="+frontend,
	)
	return p
}

// command runs an operator command on the data dir and returns its output.
func (p *production) command(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin.openstream, append(args, "--dir", p.data)...)
	cmd.Env = p.env
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openstream %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// serve starts an instance and returns its base URL once it answers.
func (p *production) serve(t *testing.T, name string) string {
	t.Helper()
	return p.run(t, name, nil, "serve", "--dir", p.data)
}

// edge starts `openstream edge` (REDIS_URL only, no data dir) and returns
// its base URL once it has the primary's state.
func (p *production) edge(t *testing.T, name string) string {
	t.Helper()
	return p.run(t, name, []string{"OPENSTREAM_PRIMARY_URL=" + p.a}, "edge")
}

// run starts the program with args on a free address (OPENSTREAM_HTTP)
// and the production environment plus env, and returns its base URL once
// /api/health answers; its output is checked for errors at the end.
func (p *production) run(t *testing.T, name string, env []string, args ...string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin.openstream, args...)
	cmd.Env = append(append(slices.Clone(p.env), "OPENSTREAM_HTTP="+addr, "OPENSTREAM_EVENTS_ADDR=127.0.0.1:0"), env...)
	cmd.Dir = t.TempDir()
	proc := start(t, name, cmd)
	base := "http://" + addr
	waitHealthy(t, proc, base)
	p.servers = append(p.servers, proc)
	return base
}

// TestProductionDay: migration day, then a working day, on the production
// configuration. Any 5xx, any unexpected status, any ERROR line in a
// server's output or PocketBase's log, fails it.
func TestProductionDay(t *testing.T) {
	p := newProduction(t)

	// Migration day: the schema, the old database, a dashboard superuser.
	p.command(t, "migrate", "up")
	dump, err := filepath.Abs(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if out := p.command(t, "import", "fixture", dump); !strings.Contains(out, "done") {
		t.Fatalf("import printed no summary:\n%s", out)
	}
	p.command(t, "superuser", "upsert", "root@example.dk", "root-password-1")
	p.a, p.b = p.serve(t, "instance A"), p.serve(t, "instance B")
	root := do(t, request{method: "POST", url: p.a + "/api/collections/_superusers/auth-with-password",
		body: map[string]any{"identity": "root@example.dk", "password": "root-password-1"}}, 200).json(t)["token"].(string)

	// The migrated super admin signs in with the old Django password on
	// both instances, refreshes, changes the password.
	login := func(base, user, password string, want int) map[string]any {
		r := do(t, request{method: "POST", url: base + "/api/token/", body: map[string]any{"username": user, "password": password}}, want)
		return r.json(t)
	}
	first := login(p.a, "superadmin", "superadmin", 200)
	login(p.b, "superadmin", "superadmin", 200)
	refreshed := do(t, request{method: "POST", url: p.b + "/api/token/refresh/", body: map[string]any{"refresh": first["refresh"]}}, 200).json(t)
	super := refreshed["access"].(string)
	do(t, request{method: "POST", url: p.a + "/api/user/change-password/", headers: bearer(super),
		body: map[string]any{"old_password": "superadmin", "new_password": "a-new-super-pw", "confirm_password": "a-new-super-pw"}}, 200)
	login(p.b, "superadmin", "superadmin", 401)
	super = login(p.b, "superadmin", "a-new-super-pw", 200)["access"].(string)
	orgs := do(t, request{method: "GET", url: p.a + "/api/organisations/", headers: bearer(super)}, 200).body
	for _, name := range []string{"Lyngby-Taarbæk", "Brøndby", "Test Organisation"} {
		if !strings.Contains(string(orgs), name) {
			t.Fatalf("the super admin's organisations lack %s: %s", name, orgs)
		}
	}

	// A new colleague signs in through the organisation's Keycloak on B.
	p.kc.AddUser(org, kctest.User{Username: "mette", Password: "kc-pass-1", Email: "mette@brondby.dk", EmailVerified: true,
		FirstName: "Mette", LastName: "Holm", RealmRoles: []string{"org_admin"}})
	admin := keycloakSignIn(t, p, p.b, "mette", "kc-pass-1")
	info := do(t, request{method: "GET", url: p.a + "/api/user/info/", headers: bearer(admin)}, 200).json(t)
	if info["username"] != "mette" {
		t.Fatalf("user info of the Keycloak user: %v", info)
	}

	// Her branch, its screen key, a slideshow, a group and a screen.
	branches := do(t, request{method: "GET", url: p.a + "/api/collections/branches/records?perPage=1&filter=" +
		url.QueryEscape("suborganisation.organisation.uri_name='"+org+"'"), headers: map[string]string{"Authorization": root}}, 200).json(t)
	branch := branches["items"].([]any)[0].(map[string]any)["id"].(string)
	q := "?branch_id=" + branch
	key := do(t, request{method: "GET", url: p.a + "/api/branch-api-key" + q, headers: bearer(admin)}, 200).json(t)["api_key"].(string)
	slideshow := do(t, request{method: "POST", url: p.a + "/api/manage_content/" + q, headers: bearer(admin),
		body: map[string]any{"name": "Velkommen", "slideshow_data": slides("Godmorgen Brøndby")}}, 201).id(t)
	group := do(t, request{method: "POST", url: p.a + "/api/display-website-groups/" + q, headers: bearer(admin),
		body: map[string]any{"name": "Foyer", "default_slideshow_id": slideshow}}, 201).id(t)
	screen := do(t, request{method: "POST", url: p.a + "/api/display-websites/" + q, headers: bearer(admin),
		body: map[string]any{"name": "Foyer skærm", "display_website_group": group}}, 201).id(t)

	// The screen plays from instance B; every change below is made on A.
	player := rttest.Dial(t, rttest.WSURL(p.b, "/ws/screens/"), nil)
	player.Send(map[string]any{"type": "authenticate", "apiKey": key, "displayWebsiteId": screen})
	if m := player.Next(); m["type"] != "authenticated" {
		t.Fatalf("screen: %v", m)
	}
	nextContent(t, player, "the first content", contains("Godmorgen Brøndby"))
	events := rttest.OpenEvents(t, p.b+"/events")

	// Another screen of the fleet plays from an edge, fed through Redis.
	edge := p.edge(t, "edge")
	remote := rttest.Dial(t, rttest.WSURL(edge, "/ws/screens/"), nil)
	remote.Send(map[string]any{"type": "authenticate", "apiKey": key, "displayWebsiteId": screen})
	if m := remote.Next(); m["type"] != "authenticated" {
		t.Fatalf("screen on the edge: %v", m)
	}
	nextContent(t, remote, "the first content on the edge", contains("Godmorgen Brøndby"))

	// Autosave of the editor, a rename.
	do(t, request{method: "PATCH", url: p.a + "/api/manage_content/" + slideshow + "/" + q, headers: bearer(admin),
		body: map[string]any{"slideshow_data": slides("Autosaved text")}}, 200)
	nextContent(t, player, "the autosave", contains("Autosaved text"))
	do(t, request{method: "PATCH", url: p.a + "/api/manage_content/" + slideshow + "/" + q, headers: bearer(admin),
		body: map[string]any{"name": "Velkommen til biblioteket"}}, 200)
	nextContent(t, player, "the rename", contains("Velkommen til biblioteket"))

	// A colleague edits the slideshow in the collaborative editor on B.
	editor := rttest.Dial(t, rttest.WSURL(p.b, "/ws/slideshows/"+slideshow+"/?branch="+branch), http.Header{"Origin": {frontend}})
	editor.Send(map[string]any{"type": "authenticate", "token": admin})
	if m := editor.Next(); m["type"] != "authenticated" {
		t.Fatalf("editor: %v", m)
	}
	editor.Send(map[string]any{"type": "update", "data": map[string]any{"slideshow_data": slides("Skrevet i editoren")}})
	for {
		m := editor.Next()
		if m["message"] == "Slideshow updated" {
			break
		}
		if m["error"] != nil {
			t.Fatalf("the editor's update was answered %v", m)
		}
	}
	nextContent(t, player, "the editor's save", contains("Skrevet i editoren"))

	// A playlist of two slideshows becomes the group's default.
	evening := do(t, request{method: "POST", url: p.a + "/api/manage_content/" + q, headers: bearer(admin),
		body: map[string]any{"name": "Aftenprogram", "slideshow_data": slides("Åbent til 20")}}, 201).id(t)
	playlist := do(t, request{method: "POST", url: p.a + "/api/slideshow-playlists/" + q, headers: bearer(admin),
		body: map[string]any{"name": "Hele dagen"}}, 201).id(t)
	for i, s := range []string{slideshow, evening} {
		do(t, request{method: "POST", url: p.a + "/api/slideshow-playlist-items/" + q, headers: bearer(admin),
			body: map[string]any{"slideshow_playlist": playlist, "slideshow": s, "position": i + 1}}, 201)
	}
	do(t, request{method: "PATCH", url: p.a + "/api/display-website-groups/" + group + "/" + q, headers: bearer(admin),
		body: map[string]any{"default_playlist_id": playlist}}, 200)
	nextContent(t, player, "the playlist", contains("Velkommen til biblioteket", "Åbent til 20"))

	// A schedule that is on now overrides the default.
	now := time.Now().UTC()
	special := do(t, request{method: "POST", url: p.a + "/api/manage_content/" + q, headers: bearer(admin),
		body: map[string]any{"name": "Foredrag", "slideshow_data": slides("Foredrag kl. 19")}}, 201).id(t)
	schedule := do(t, request{method: "POST", url: p.a + "/api/scheduled-contents/" + q, headers: bearer(admin),
		body: map[string]any{"display_website_group": group, "slideshow_id": special,
			"start_time": now.Add(-time.Hour).Format(time.RFC3339), "end_time": now.Add(2 * time.Hour).Format(time.RFC3339)}}, 201).id(t)
	nextContent(t, player, "the schedule", contains("Foredrag kl. 19"))

	// The emergency: on, heard on B's event stream, off again.
	emergencySlides := do(t, request{method: "POST", url: p.a + "/api/manage_content/" + q, headers: bearer(admin),
		body: map[string]any{"name": "Evakuering", "slideshow_data": slides("Forlad bygningen")}}, 201).id(t)
	emergency := do(t, request{method: "POST", url: p.a + "/api/emergency-slideshows/" + q, headers: bearer(admin),
		body: map[string]any{"slideshow_id": emergencySlides, "display_website_group_ids": []string{group}, "is_active": true}}, 201).id(t)
	nextContent(t, player, "the emergency", contains(`"emergency_active":true`, "Forlad bygningen"))
	// The edge's screen shows it too and acknowledges it; the delivery
	// report on A counts the ack, which only went through the edge.
	shown := nextContent(t, remote, "the emergency on the edge", contains(`"emergency_active":true`, "Forlad bygningen"))
	remote.Send(map[string]any{"type": "ack", "version": shown["version"]})
	for deadline := time.Now().Add(rttest.Wait); ; time.Sleep(100 * time.Millisecond) {
		report := do(t, request{method: "GET", url: p.a + "/api/emergency-slideshows/" + emergency + "/delivery/" + q, headers: bearer(admin)}, 200).json(t)
		if sum, _ := report["summary"].(map[string]any); sum["acknowledged"] == float64(1) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edge's ack is not in the delivery report: %v", report)
		}
	}
	for ev := events.Next(); ev["model"] != "EmergencySlideshow" || fmt.Sprint(ev["id"]) != emergency; ev = events.Next() {
	}
	do(t, request{method: "PATCH", url: p.a + "/api/emergency-slideshows/" + emergency + "/" + q, headers: bearer(admin),
		body: map[string]any{"is_active": false}}, 200)
	nextContent(t, player, "the end of the emergency", func(d string) bool {
		return strings.Contains(d, "Foredrag kl. 19") && !strings.Contains(d, "Forlad bygningen")
	})
	do(t, request{method: "DELETE", url: p.a + "/api/scheduled-contents/" + schedule + "/" + q, headers: bearer(admin)}, 204)
	last := nextContent(t, player, "the schedule's removal", func(d string) bool {
		return strings.Contains(d, "Åbent til 20") && !strings.Contains(d, "Foredrag kl. 19")
	})

	// A REST player on A gets what the socket on B was sent.
	rest := do(t, request{method: "GET", url: p.a + "/api/display-website/get-active-content?id=" + screen,
		headers: map[string]string{"X-API-KEY": key}}, 200)
	if got, want := canonical(t, rest.body), canonical(t, mustJSON(t, last["data"])); got != want {
		t.Fatalf("REST player and socket differ:\nREST   %s\nsocket %s", got, want)
	}
	// The edge answers a REST player the same bytes as A.
	nextContent(t, remote, "the schedule's removal on the edge", func(d string) bool {
		return strings.Contains(d, "Åbent til 20") && !strings.Contains(d, "Foredrag kl. 19")
	})
	if viaEdge := do(t, request{method: "GET", url: edge + "/api/display-website/get-active-content?id=" + screen,
		headers: map[string]string{"X-API-KEY": key}}, 200); string(viaEdge.body) != string(rest.body) {
		t.Fatalf("the edge and A differ:\nedge %s\nA    %s", viaEdge.body, rest.body)
	}

	// A PDF goes to S3 and gets its preview.
	checkDocument(t, p, admin, q)

	// A forgotten password: the mail arrives, its link works.
	do(t, request{method: "POST", url: p.b + "/api/reset-password/", body: map[string]any{"email": "superadmin@app.dk"}}, 200)
	mail := p.mail.WaitFor(t, 1)[0]
	link, err := url.Parse(regexp.MustCompile(regexp.QuoteMeta(frontend) + `/reset-password\?\S+`).FindString(mail.TextBody))
	if err != nil || link.Query().Get("token") == "" {
		t.Fatalf("no reset link in the mail: %v\n%s", err, mail.TextBody)
	}
	do(t, request{method: "POST", url: p.a + "/api/confirm-password-reset/",
		body: map[string]any{"token": link.Query().Get("token"), "new_password": "reset-super-pw"}}, 200)
	login(p.b, "superadmin", "reset-super-pw", 200)

	// The screen is retired: its socket is closed with 4004.
	do(t, request{method: "DELETE", url: p.a + "/api/display-websites/" + screen + "/" + q, headers: bearer(admin)}, 204)
	player.NextCloses(4004, "No DisplayWebsite matches the given query.")
	remote.NextCloses(4004, "No DisplayWebsite matches the given query.")

	// Keycloak sign-out of the colleague.
	out := do(t, request{method: "GET", url: p.b + "/auth/signout/api?org=" + org, headers: bearer(admin)}, 200).json(t)
	if !strings.HasPrefix(out["redirect_url"].(string), p.kc.URL()+"/realms/"+org+"/protocol/openid-connect/logout?") {
		t.Fatalf("sign-out: %v", out)
	}

	// The mirror has caught up: every collection has as many rows in
	// Postgres as records here.
	checkMirror(t, p, root)
	var mirrored string
	if err := pgtest.Connect(t, p.dsn).QueryRow(context.Background(),
		"SELECT name || ' ' || slideshow_data::text FROM app_slideshow WHERE id = $1", slideshow).Scan(&mirrored); err != nil ||
		!strings.Contains(mirrored, "Velkommen til biblioteket") || !strings.Contains(mirrored, "Skrevet i editoren") {
		t.Errorf("app_slideshow %s: %q (%v)", slideshow, mirrored, err)
	}

	for _, s := range p.servers {
		s.Stop()
		if bad := errorLines(s); len(bad) > 0 {
			t.Errorf("%s logged errors:\n%s", s.Name, strings.Join(bad, "\n"))
		}
	}
	checkLogs(t, p.data)
}

// slides is slideshow_data with one text element.
func slides(text string) map[string]any {
	return map[string]any{"slides": []any{map[string]any{"id": 1, "duration": 10,
		"elements": []any{map[string]any{"id": 1, "type": "textbox", "text": text}}}}}
}

// keycloakSignIn runs the browser's part of a Keycloak sign-in against base
// and returns the access token the frontend's callback receives.
func keycloakSignIn(t *testing.T, p *production, base, username, password string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(base + "/auth/signin/?org=" + org)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("signin answered %d", res.StatusCode)
	}
	back := p.kc.SignIn(t, res.Header.Get("Location"), username, password)
	res, err = browser.Get(back.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || loc.Path != "/"+org+"/sign-in-callback" || loc.Query().Get("access") == "" {
		t.Fatalf("Keycloak callback answered %d, Location %s", res.StatusCode, loc)
	}
	return loc.Query().Get("access")
}

// checkDocument uploads a PDF, waits for its preview and fetches it from S3.
func checkDocument(t *testing.T, p *production, token, q string) {
	t.Helper()
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("title", "Årsrapport")
	fw, _ := mw.CreateFormFile("file", "Årsrapport 2026.pdf")
	_, _ = fw.Write(mediatest.PDF())
	_ = mw.Close()
	doc := do(t, request{method: "POST", url: p.a + "/api/documents/" + q, body: []byte(body.String()),
		contentType: mw.FormDataContentType(), headers: bearer(token)}, 201)
	id := doc.id(t)
	deadline := time.Now().Add(60 * time.Second) // bounds a stuck preview only
	for {
		view := do(t, request{method: "GET", url: p.b + "/api/documents/" + id + "/" + q, headers: bearer(token)}, 200).json(t)
		switch view["processing_status"] {
		case "COMPLETED":
			if view["file_type"] != "png" {
				t.Fatalf("preview: %v", view)
			}
			file := do(t, request{method: "GET", url: view["file_url"].(string)}, 200)
			if !strings.HasPrefix(string(file.body), "\x89PNG") {
				t.Fatalf("the preview from S3 is not a PNG: %q", file.body[:min(16, len(file.body))])
			}
			return
		case "FAILED":
			t.Fatalf("preview failed: %v", view)
		}
		if time.Now().After(deadline) {
			t.Fatalf("preview still %v", view["processing_status"])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkMirror waits for `pgsync status` to report an empty outbox and
// compares every mirrored collection's count with its upstream table's.
func checkMirror(t *testing.T, p *production, root string) {
	t.Helper()
	var status string
	pgtest.Eventually(t, "pgsync status converges", func() (bool, string) {
		status = p.command(t, "pgsync", "status")
		return strings.Contains(status, "outbox:      0 changes waiting"), status
	})
	if !strings.Contains(status, "postgres:    reachable") || !strings.Contains(status, "last error:  none\n") {
		t.Fatalf("pgsync status:\n%s", status)
	}
	pg := pgtest.Connect(t, p.dsn)
	for _, tbl := range schema.Tables() {
		res := do(t, request{method: "GET", url: p.a + "/api/collections/" + tbl.Collection + "/records?perPage=1&fields=id",
			headers: map[string]string{"Authorization": root}}, 200).json(t)
		var rows int
		if err := pg.QueryRow(context.Background(), "SELECT count(*) FROM "+tbl.Name).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if records := int(res["totalItems"].(float64)); records != rows {
			t.Errorf("%s has %d records, %s %d rows", tbl.Collection, records, tbl.Name, rows)
		}
	}
}

// checkLogs reads PocketBase's request and error log of the data dir once
// the servers have stopped (and flushed it): no error, no 5xx.
func checkLogs(t *testing.T, data string) {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: data})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = app.ClearBootstrap() }()
	var bad []struct {
		Level   int    `db:"level"`
		Message string `db:"message"`
		Data    string `db:"data"`
	}
	err := app.AuxDB().NewQuery(`SELECT level, message, data FROM _logs
		WHERE level >= 8 OR CAST(json_extract(data, '$.status') AS INTEGER) >= 500`).All(&bad)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range bad {
		t.Errorf("log: level %d %s %s", l.Level, l.Message, l.Data)
	}
	var total int
	if err := app.AuxDB().NewQuery("SELECT count(*) FROM _logs").Row(&total); err != nil || total == 0 {
		t.Fatalf("the servers logged nothing (%v): the check above would see nothing either", err)
	}
	// The request-log policy: the health checks of the start-up and the
	// REST player's poll leave no row; the edits around them do.
	for _, c := range []struct {
		pattern string
		want    func(int) bool
	}{
		{"/api/health%", func(n int) bool { return n == 0 }},
		{"/api/display-website/get-active-content%", func(n int) bool { return n == 0 }},
		{"/api/manage_content/%", func(n int) bool { return n > 0 }},
	} {
		var n int
		err := app.AuxDB().NewQuery(`SELECT count(*) FROM _logs WHERE json_extract(data, '$.url') LIKE {:p}`).
			Bind(map[string]any{"p": c.pattern}).Row(&n)
		if err != nil || !c.want(n) {
			t.Errorf("%d log rows for %s (%v)", n, c.pattern, err)
		}
	}
}

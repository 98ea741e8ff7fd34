// Package testapp builds real OpenStream apps for tests: a fresh data dir,
// every migration applied, every hook registered, and an HTTP handler that
// serves exactly what `openstream serve` serves.
package testapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"golang.org/x/crypto/bcrypt"

	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/hooks"
	_ "github.com/openstream-go/openstream/pb_migrations" // the schema under test
	"github.com/openstream-go/openstream/settings"
)

// New returns a migrated app with the OpenStream hooks, removed when t ends.
// It is a copy of a data dir migrated once (see templateDir): running every
// migration for every test made up most of CI's time under -race.
func New(t testing.TB) *tests.TestApp {
	t.Helper()
	dir := template(t)
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env"})
	if err != nil {
		t.Fatalf("test app: %v", err)
	}
	hooks.Register(app, settings.Default().TimeZone)
	t.Cleanup(app.Cleanup)
	return app
}

// CopyData fills dst (created when missing) with a copy of the migrated
// template, for tests that run the program on a data dir of their own: it
// then starts without migrating, as an upgraded installation does.
func CopyData(t testing.TB, dst string) {
	t.Helper()
	src := template(t)
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatalf("copy the template data dir: %v", err)
	}
}

func template(t testing.TB) string {
	t.Helper()
	dir, err := templateDir()
	if err != nil {
		t.Fatalf("test app template: %v", err)
	}
	return dir
}

// EnvSharedTemplate names a directory that the test processes of one run
// share (scripts/test.sh makes a new one per run): the first process that
// needs the template migrates it there under a file lock, the others wait
// and copy it. Without it every test process migrates its own, which
// costs some 17 s per package under -race.
const EnvSharedTemplate = "OPENSTREAM_TEST_TEMPLATE_DIR"

const templatePrefix = "openstream-testapp-"

var templateDir = sync.OnceValues(func() (string, error) {
	if shared := os.Getenv(EnvSharedTemplate); shared != "" {
		return sharedTemplate(shared)
	}
	removeStaleTemplates()
	dir, err := os.MkdirTemp("", templatePrefix)
	if err != nil {
		return "", err
	}
	return dir, migrate(dir)
})

// sharedTemplate returns root/pb_data, migrating it first unless another
// process has finished doing so.
func sharedTemplate(root string) (string, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(root, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	dir, done := filepath.Join(root, "pb_data"), filepath.Join(root, "complete")
	if _, err := os.Stat(done); err == nil {
		return dir, nil
	}
	// A process that died half way left an incomplete dir behind.
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := migrate(dir); err != nil {
		return "", err
	}
	return dir, os.WriteFile(done, nil, 0o600)
}

// migrate applies every migration to a new data dir and closes it.
func migrate(dir string) error {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env"})
	if err := app.Bootstrap(); err != nil {
		return err
	}
	defer func() { _ = app.ClearBootstrap() }()
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	return fastPasswords(app)
}

// removeStaleTemplates deletes templates of earlier test processes (a
// process cannot remove its own at exit); an hour is longer than any run.
func removeStaleTemplates() {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), templatePrefix+"*"))
	for _, dir := range old {
		if info, err := os.Stat(dir); err == nil && time.Since(info.ModTime()) > time.Hour {
			_ = os.RemoveAll(dir)
		}
	}
}

// fastPasswords lowers the bcrypt cost of users' passwords to bcrypt's
// minimum: the same algorithm and checks, but tests create hundreds of users
// and the default cost under the race detector is slow.
func fastPasswords(app core.App) error {
	users, err := app.FindCollectionByNameOrId(collections.Users)
	if err != nil {
		return err
	}
	field, ok := users.Fields.GetByName(core.FieldNamePassword).(*core.PasswordField)
	if !ok {
		return errors.New("users has no password field")
	}
	field.Cost = bcrypt.MinCost
	return app.Save(users)
}

// Handler returns the app's HTTP handler with every OnServe route bound.
func Handler(t testing.TB, app core.App) http.Handler {
	t.Helper()
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	var mux http.Handler
	event := &core.ServeEvent{App: app, Router: router}
	err = app.OnServe().Trigger(event, func(e *core.ServeEvent) error {
		m, err := e.Router.BuildMux()
		mux = m
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return mux
}

// SuperuserToken creates a dashboard superuser and returns its auth token.
func SuperuserToken(t testing.TB, app core.App) string {
	t.Helper()
	col, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		t.Fatal(err)
	}
	su := core.NewRecord(col)
	su.SetEmail("admin@example.com")
	su.SetPassword("superuser-password")
	if err := app.Save(su); err != nil {
		t.Fatal(err)
	}
	token, err := su.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// Response is a recorded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map (nil when it is not an object).
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Do sends a request with an optional JSON body and bearer token.
func Do(t testing.TB, h http.Handler, method, url string, body any, token string) Response {
	t.Helper()
	var reader io.Reader
	if body != nil {
		raw, ok := body.([]byte)
		if !ok {
			var err error
			if raw, err = json.Marshal(body); err != nil {
				t.Fatal(err)
			}
		}
		reader = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, url, reader)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

package deploy_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/auth/keycloak"
	"github.com/openstream-go/openstream/media"
	"github.com/openstream-go/openstream/pgsync"
	"github.com/openstream-go/openstream/settings"
)

// envLine is a line of the env file that names a variable: set (NAME=VALUE)
// or commented out (# NAME=VALUE).
var envLine = regexp.MustCompile(`^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$`)

// TestOpenstreamEnvFile enforces the rule of dev-environment/openstream.env:
// it mentions every variable of the program's configuration table (except
// the test suite's), set when compose needs a value or commented out as
// `# NAME=default` with the table's default, and it sets nothing the program
// does not read.
func TestOpenstreamEnvFile(t *testing.T) {
	const file = "dev-environment/openstream.env"
	mentioned := map[string]int{}
	for i, line := range strings.Split(readRepoFile(t, file), "\n") {
		m := envLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		commented, name, value := m[1] != "", m[2], m[3]
		where := file + ":" + strconv.Itoa(i+1)
		if n := mentioned[name]; n > 0 {
			t.Errorf("%s: %s is mentioned again (first on line %d)", where, name, n)
		}
		mentioned[name] = i + 1
		v, ok := settings.Lookup(name)
		switch {
		case !ok:
			t.Errorf("%s: %s is not a variable of the program (settings.Variables)", where, name)
		case v.Scope == settings.Test:
			t.Errorf("%s: %s is only for the test suite", where, name)
		case !commented && v.Scope == settings.Build:
			t.Errorf("%s: %s is read by the Go toolchain, not the program; the image sets it", where, name)
		case !commented && value == "":
			t.Errorf("%s: %s is set to nothing; comment it out instead", where, name)
		case !commented && value == v.Default:
			t.Errorf("%s: %s is set to its default %q; write it as `# %s=%s`", where, name, value, name, value)
		case commented && value != v.Default:
			t.Errorf("%s: commented-out %s=%q is not its default %q", where, name, value, v.Default)
		}
	}
	for _, v := range settings.Variables {
		if v.Scope != settings.Test && mentioned[v.Name] == 0 {
			t.Errorf("%s does not mention %s (set it, or add `# %s=%s`)", file, v.Name, v.Name, v.Default)
		}
	}
}

// TestOpenstreamEnvFileIsUsable: the values parse the way the program reads
// them, so the stack comes up with S3, Redis, the mirror and Keycloak on.
func TestOpenstreamEnvFileIsUsable(t *testing.T) {
	env := envFile(t, "dev-environment", "openstream.env")
	site := settings.FromEnv(getter(env))
	if site.Production {
		t.Error("DJANGO_ENV is not development in the development env file")
	}
	if site.FrontendHost != env["FRONTEND_HOST"] || site.BackendBaseURL != env["BACKEND_BASE_URL"] {
		t.Errorf("settings %+v", site)
	}
	if len(site.CORSOrigins) < 2 {
		t.Errorf("CORS origins %v", site.CORSOrigins)
	}
	storage := media.ConfigFromEnv(getter(env))
	if storage.S3 == nil || storage.S3.Endpoint != env["AWS_S3_INTERNAL_ENDPOINT_URL"] || !storage.S3.PathStyle ||
		storage.MediaURL != env["MINIO_PUBLIC_URL"]+"/"+env["AWS_S3_BUCKET"]+"/" {
		t.Errorf("media storage %+v (S3 %+v)", storage, storage.S3)
	}
	kc := keycloak.ConfigFromEnv(getter(env))
	if !kc.Enabled() || kc.PublicURL != env["KEYCLOAK_URL"] || kc.InternalURL != env["KEYCLOAK_INTERNAL_URL"] || kc.ClientID != keycloak.DefaultClientID {
		t.Errorf("Keycloak %+v", kc)
	}
	if !pgsync.ConfigFromEnv(getter(env)).Enabled() {
		t.Error("the Postgres mirror is off")
	}
}

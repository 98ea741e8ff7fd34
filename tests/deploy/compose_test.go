package deploy_test

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/openstream-go/openstream/auth/keycloak"
)

// The services of compose.yml.
const (
	svcOpenstream = "openstream"
	svcDB         = "openstream-db"
	svcKeycloak   = "openstream-keycloak"
	svcRedis      = "redis"
	svcMinio      = "minio"
	svcFrontend   = "openstream-frontend"
	svcEdge1      = "openstream-edge-1"
	svcEdge2      = "openstream-edge-2"
	svcEdges      = "openstream-edges" // the balancer in front of the edges
)

// composeConfig is `docker-compose -f FILE... config` (validated, merged,
// env files inlined) as a generic value.
func composeConfig(t *testing.T, files ...string) map[string]any {
	t.Helper()
	args := []string{}
	for _, f := range files {
		args = append(args, "-f", f)
	}
	cmd := exec.Command(requireTool(t, "docker-compose", "docker-compose"), append(args, "config")...)
	cmd.Dir = root
	// The variables compose.yml reads, and compose's own, keep their defaults.
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name != "OPENSTREAM_FRONTEND_IMAGE" && name != "OPENSTREAM_IMAGE" && !strings.HasPrefix(name, "COMPOSE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker-compose %s config: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return yamlToJSON(t, out)
}

func services(t *testing.T, config map[string]any) map[string]map[string]any {
	t.Helper()
	raw, ok := config["services"].(map[string]any)
	if !ok {
		t.Fatalf("no services in %v", config)
	}
	out := map[string]map[string]any{}
	for name, s := range raw {
		out[name], _ = s.(map[string]any)
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// str is a YAML scalar as text (ports may be numbers or strings).
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return fmt.Sprintf("%g", x)
	default:
		return fmt.Sprint(x)
	}
}

// path walks nested maps: dig(svc, "build", "target").
func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func list(v any) []any { l, _ := v.([]any); return l }

// publishedPorts maps each published port of a service to its target.
func publishedPorts(svc map[string]any) map[string]string {
	out := map[string]string{}
	for _, p := range list(svc["ports"]) {
		switch x := p.(type) {
		case map[string]any:
			out[str(x["published"])] = str(x["target"])
		case string:
			parts := strings.Split(x, ":")
			out[parts[len(parts)-2]] = parts[len(parts)-1]
		}
	}
	return out
}

type mount struct{ kind, source, target string }

// mounts lists a service's volumes in docker-compose's normalised forms:
// "SOURCE:TARGET:MODE" strings and long-syntax maps.
func mounts(svc map[string]any) []mount {
	var out []mount
	for _, v := range list(svc["volumes"]) {
		switch x := v.(type) {
		case string:
			parts := strings.Split(x, ":")
			m := mount{kind: "volume", target: parts[0]}
			if len(parts) >= 2 {
				m.source, m.target = parts[0], parts[1]
			}
			if filepath.IsAbs(m.source) || strings.HasPrefix(m.source, ".") {
				m.kind = "bind"
			}
			out = append(out, m)
		case map[string]any:
			out = append(out, mount{kind: str(x["type"]), source: str(x["source"]), target: str(x["target"])})
		}
	}
	return out
}

func mountAt(svc map[string]any, target string) (mount, bool) {
	for _, m := range mounts(svc) {
		if m.target == target {
			return m, true
		}
	}
	return mount{}, false
}

func absRoot(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestComposeDevelopment(t *testing.T) {
	svcs := services(t, composeConfig(t, "compose.yml"))
	want := []string{svcMinio, svcOpenstream, svcDB, svcEdge1, svcEdge2, svcEdges, svcFrontend, svcKeycloak, svcRedis}
	if got := keys(svcs); !slices.Equal(got, want) {
		t.Fatalf("services %v, want %v", got, want)
	}
	for name, svc := range svcs {
		// Scheduled work runs inside openstream (PocketBase's cron and the
		// schedule timer): upstream's supercronic container has no place here.
		text := strings.ToLower(name + " " + str(svc["image"]) + " " + fmt.Sprint(svc["command"]))
		if strings.Contains(text, "cron") {
			t.Errorf("service %s looks like a cron container: %s", name, text)
		}
	}

	app := svcs[svcOpenstream]
	if got := str(dig(app, "build", "target")); got != "development" {
		t.Errorf("openstream builds target %q, want development", got)
	}
	if got := str(dig(app, "build", "dockerfile")); got != "docker/Dockerfile" {
		t.Errorf("openstream's dockerfile is %q", got)
	}
	if got := str(dig(app, "build", "context")); got != absRoot(t) {
		t.Errorf("openstream's build context is %q, want the repository root %q", got, absRoot(t))
	}
	if got := str(dig(app, "build", "args", "INSTALL_DEV_DEPS")); got != "true" {
		t.Errorf("INSTALL_DEV_DEPS is %q, want true", got)
	}
	ports := publishedPorts(app)
	for _, p := range []string{"8000", "3000"} {
		if ports[p] != p {
			t.Errorf("openstream publishes %v; want %s:%s (8000: the server, 3000: the live events)", ports, p, p)
		}
	}
	if m, ok := mountAt(app, "/app"); !ok || m.kind != "bind" || m.source != absRoot(t) {
		t.Errorf("the checkout is not mounted at /app: %+v", mounts(app))
	}
	if m, ok := mountAt(app, "/pb_data"); !ok || m.kind != "volume" || m.source != "openstream-data" {
		t.Errorf("pb_data is not the named volume openstream-data: %+v", mounts(app))
	}
	for dep, cond := range map[string]string{svcDB: "service_healthy", svcRedis: "service_healthy", svcMinio: "service_healthy", svcKeycloak: "service_started"} {
		if got := str(dig(app, "depends_on", dep, "condition")); got != cond {
			t.Errorf("openstream depends on %s with %q, want %q", dep, got, cond)
		}
	}
	// The env file is inlined: every variable it sets reaches the container.
	for name, value := range envFile(t, "dev-environment", "openstream.env") {
		if got := str(dig(app, "environment", name)); got != value {
			t.Errorf("openstream's %s = %q, want %q from openstream.env", name, got, value)
		}
	}

	fe := svcs[svcFrontend]
	if got := list(fe["profiles"]); len(got) != 1 || got[0] != "frontend" {
		t.Errorf("the frontend's profiles are %v, want [frontend]", got)
	}
	if got := str(fe["image"]); got != "openstream-frontend:latest" {
		t.Errorf("the frontend's image is %q", got)
	}
	if ports := publishedPorts(fe); ports["4174"] != "4174" {
		t.Errorf("the frontend publishes %v, want 4174", ports)
	}
	optional := map[string]string{svcFrontend: "frontend", svcEdge1: "edge", svcEdge2: "edge", svcEdges: "edge"}
	for name, svc := range svcs {
		if got := list(svc["profiles"]); optional[name] == "" && len(got) > 0 || optional[name] != "" && (len(got) != 1 || got[0] != optional[name]) {
			t.Errorf("%s is in profiles %v, want %q (only the frontend and the edges are optional)", name, got, optional[name])
		}
	}
	checkEdges(t, svcs)

	kc := svcs[svcKeycloak]
	if got := str(kc["image"]); !regexp.MustCompile(`^quay\.io/keycloak/keycloak:26\.\d+\.\d+$`).MatchString(got) {
		t.Errorf("Keycloak's image %q is not a pinned official 26.x", got)
	}
	if cmd := fmt.Sprint(kc["command"]); !strings.Contains(cmd, "start-dev") || !strings.Contains(cmd, "--import-realm") {
		t.Errorf("Keycloak's command %s does not import the realm", cmd)
	}
	if m, ok := mountAt(kc, "/opt/keycloak/data/import"); !ok || m.source != filepath.Join(absRoot(t), "dev-environment", "keycloak") {
		t.Errorf("the realm directory is not mounted for import: %+v", mounts(kc))
	}
	if ports := publishedPorts(kc); ports["8080"] != "8080" {
		t.Errorf("Keycloak publishes %v, want 8080", ports)
	}

	db := svcs[svcDB]
	if got := str(db["image"]); got != "postgres:17" {
		t.Errorf("the database image is %q", got)
	}
	if m, ok := mountAt(db, "/docker-entrypoint-initdb.d"); !ok || m.source != filepath.Join(absRoot(t), "dev-environment", "postgres-init") {
		t.Errorf("the init scripts are not mounted: %+v", mounts(db))
	}
	if m, ok := mountAt(db, "/var/lib/postgresql/data"); !ok || m.kind != "volume" {
		t.Errorf("the database has no named volume: %+v", mounts(db))
	}
	if hc := fmt.Sprint(dig(db, "healthcheck", "test")); !strings.Contains(hc, "pg_isready") {
		t.Errorf("the database's health check is %s", hc)
	}

	if got := str(svcs[svcRedis]["image"]); !regexp.MustCompile(`^redis:[78](\.\d+)*-alpine$`).MatchString(got) {
		t.Errorf("redis image %q", got)
	}

	minio := svcs[svcMinio]
	if got := str(minio["image"]); !strings.HasPrefix(got, "minio/minio") {
		t.Errorf("minio image %q", got)
	}
	if cmd := strings.Join(strings.Fields(fmt.Sprint(minio["command"])), " "); cmd != "[server /data --console-address :9001]" {
		t.Errorf("minio's command is %s", cmd)
	}
	if ports := publishedPorts(minio); ports["9000"] != "9000" || ports["9001"] != "9001" {
		t.Errorf("minio publishes %v, want 9000 and 9001", ports)
	}
	if m, ok := mountAt(minio, "/data"); !ok || m.kind != "volume" {
		t.Errorf("minio has no named volume: %+v", mounts(minio))
	}
}

// TestComposeEnvFiles reads compose.yml as written (the merged form inlines
// the env files): each service takes its environment from dev-environment/.
func TestComposeEnvFiles(t *testing.T) {
	svcs := services(t, yamlToJSON(t, []byte(readRepoFile(t, "compose.yml"))))
	for name, file := range map[string]string{
		svcOpenstream: "dev-environment/openstream.env",
		svcDB:         "dev-environment/postgres.env",
		svcKeycloak:   "dev-environment/keycloak.env",
		svcMinio:      "dev-environment/minio.env",
	} {
		if got := str(svcs[name]["env_file"]); got != file {
			t.Errorf("%s's env_file is %q, want %s", name, got, file)
		}
	}
}

func TestComposeProduction(t *testing.T) {
	dev := services(t, composeConfig(t, "compose.yml"))
	svcs := services(t, composeConfig(t, "compose.yml", "compose.production.yml"))
	if got, want := keys(svcs), keys(dev); !slices.Equal(got, want) {
		t.Fatalf("the override changes the services: %v, want %v", got, want)
	}
	app := svcs[svcOpenstream]
	if got := str(dig(app, "build", "target")); got != "production" {
		t.Errorf("with the override openstream builds %q, want production", got)
	}
	if got := str(dig(app, "environment", "DJANGO_ENV")); got != "production" {
		t.Errorf("DJANGO_ENV is %q with the override", got)
	}
	for _, m := range mounts(app) {
		if m.kind == "bind" {
			t.Errorf("production mounts %s at %s", m.source, m.target)
		}
		if m.target == "/app" && m.kind != "tmpfs" {
			t.Errorf("production still mounts something real at /app: %+v", m)
		}
	}
	// Not the development volume: its files belong to root, production runs as 10001.
	if m, ok := mountAt(app, "/pb_data"); !ok || m.kind != "volume" || m.source != "openstream-production-data" {
		t.Errorf("production does not keep its data in openstream-production-data: %+v", mounts(app))
	}
	if ports := publishedPorts(app); ports["8000"] != "8000" || ports["3000"] != "3000" {
		t.Errorf("production publishes %v", ports)
	}
	if got := str(app["restart"]); got != "unless-stopped" {
		t.Errorf("openstream restarts %q in production", got)
	}
}

// TestComposeWiring: the addresses and credentials in the env files point at
// the services and match each other.
func TestComposeWiring(t *testing.T) {
	env := envFile(t, "dev-environment", "openstream.env")
	pg := envFile(t, "dev-environment", "postgres.env")
	kc := envFile(t, "dev-environment", "keycloak.env")
	minio := envFile(t, "dev-environment", "minio.env")

	hostOf := func(name string) (*url.URL, string) {
		u, err := url.Parse(env[name])
		if err != nil || u.Host == "" {
			t.Fatalf("%s=%q is not a URL", name, env[name])
		}
		return u, u.Hostname()
	}

	// Postgres mirror: the role and database the init script makes.
	db, host := hostOf("DATABASE_URL")
	password, _ := db.User.Password()
	if host != svcDB || db.Port() != "5432" || db.User.Username() != pg["OPENSTREAM_DB_USER"] ||
		password != pg["OPENSTREAM_DB_PASSWORD"] || strings.TrimPrefix(db.Path, "/") != pg["OPENSTREAM_DB_NAME"] {
		t.Errorf("DATABASE_URL %s does not match postgres.env's OPENSTREAM_DB_* on %s", env["DATABASE_URL"], svcDB)
	}
	// Keycloak's database.
	if want := "jdbc:postgresql://" + svcDB + ":5432/" + pg["KEYCLOAK_DB_NAME"]; kc["KC_DB_URL"] != want || kc["KC_DB"] != "postgres" {
		t.Errorf("KC_DB_URL %q, want %q", kc["KC_DB_URL"], want)
	}
	if kc["KC_DB_USERNAME"] != pg["KEYCLOAK_DB_USER"] || kc["KC_DB_PASSWORD"] != pg["KEYCLOAK_DB_PASSWORD"] {
		t.Error("Keycloak's database credentials differ from postgres.env's KEYCLOAK_DB_*")
	}
	for _, name := range []string{"POSTGRES_USER", "POSTGRES_PASSWORD", "OPENSTREAM_DB_NAME", "OPENSTREAM_DB_USER", "OPENSTREAM_DB_PASSWORD", "KEYCLOAK_DB_NAME", "KEYCLOAK_DB_USER", "KEYCLOAK_DB_PASSWORD"} {
		if pg[name] == "" {
			t.Errorf("postgres.env lacks %s", name)
		}
	}

	// Keycloak: the browser's address is the issuer Keycloak announces; the
	// server's is the container.
	if env["KEYCLOAK_URL"] != "http://localhost:8080" || kc["KC_HOSTNAME"] != env["KEYCLOAK_URL"] {
		t.Errorf("KEYCLOAK_URL %q and KC_HOSTNAME %q must both be http://localhost:8080", env["KEYCLOAK_URL"], kc["KC_HOSTNAME"])
	}
	if kc["KC_HOSTNAME_BACKCHANNEL_DYNAMIC"] != "true" {
		t.Error("KC_HOSTNAME_BACKCHANNEL_DYNAMIC is not true: the back channel would get the browser's endpoints")
	}
	if env["KEYCLOAK_INTERNAL_URL"] != "http://"+svcKeycloak+":8080" {
		t.Errorf("KEYCLOAK_INTERNAL_URL %q", env["KEYCLOAK_INTERNAL_URL"])
	}
	if admin := keycloak.ConfigFromEnv(getter(env)); admin.AdminUsername != kc["KC_BOOTSTRAP_ADMIN_USERNAME"] || admin.AdminPassword != kc["KC_BOOTSTRAP_ADMIN_PASSWORD"] {
		t.Error("KEYCLOAK_ADMIN_* differ from Keycloak's bootstrap admin")
	}

	// MinIO: the root user is the S3 key; the server talks to the container,
	// browsers to the published port.
	if env["AWS_S3_KEY"] != minio["MINIO_ROOT_USER"] || env["AWS_S3_SECRET"] != minio["MINIO_ROOT_PASSWORD"] || len(minio["MINIO_ROOT_PASSWORD"]) < 8 {
		t.Error("AWS_S3_KEY/SECRET differ from MinIO's root user (whose password needs 8 characters)")
	}
	if env["AWS_S3_BUCKET"] == "" {
		t.Error("AWS_S3_BUCKET is not set: media would stay in pb_data")
	}
	if env["AWS_S3_INTERNAL_ENDPOINT_URL"] != "http://"+svcMinio+":9000" {
		t.Errorf("AWS_S3_INTERNAL_ENDPOINT_URL %q", env["AWS_S3_INTERNAL_ENDPOINT_URL"])
	}
	if env["AWS_S3_ENDPOINT_URL"] != "http://localhost:9000" || env["MINIO_PUBLIC_URL"] != "http://localhost:9000" {
		t.Errorf("public S3 addresses %q, %q", env["AWS_S3_ENDPOINT_URL"], env["MINIO_PUBLIC_URL"])
	}

	if _, host := hostOf("REDIS_URL"); host != svcRedis {
		t.Errorf("REDIS_URL %q is not the redis service", env["REDIS_URL"])
	}

	// The frontend service on 4174 is where sign-ins return and what may
	// call the API; so is the backend's own origin, for a frontend it serves.
	if env["FRONTEND_HOST"] != "http://localhost:4174" {
		t.Errorf("FRONTEND_HOST %q is not the frontend service", env["FRONTEND_HOST"])
	}
	origins := strings.Split(env["CORS_ALLOWED_ORIGINS"], ",")
	for _, o := range []string{env["FRONTEND_HOST"], env["BACKEND_BASE_URL"]} {
		if !slices.Contains(origins, o) {
			t.Errorf("CORS_ALLOWED_ORIGINS %v lacks %s", origins, o)
		}
	}
	if env["BACKEND_BASE_URL"] != "http://localhost:8000" {
		t.Errorf("BACKEND_BASE_URL %q", env["BACKEND_BASE_URL"])
	}
}

func TestOverrideIsIgnored(t *testing.T) {
	// compose.override.yml is merged by `docker compose` on its own; a copy
	// of compose.production.yml there must not be committed by accident.
	for _, line := range strings.Split(readRepoFile(t, ".gitignore"), "\n") {
		if strings.TrimSpace(line) == "compose.override.yml" || strings.TrimSpace(line) == "/compose.override.yml" {
			return
		}
	}
	t.Error(".gitignore does not list compose.override.yml")
}

// checkEdges: two `openstream edge` of the production image with nothing
// but Redis (no data volume), behind a balancer that checks their health.
func checkEdges(t *testing.T, svcs map[string]map[string]any) {
	t.Helper()
	for _, name := range []string{svcEdge1, svcEdge2} {
		edge := svcs[name]
		if got := str(dig(edge, "build", "target")); got != "production" {
			t.Errorf("%s builds target %q, want production", name, got)
		}
		if cmd := fmt.Sprint(edge["command"]); cmd != "[edge]" {
			t.Errorf("%s runs %s, want [edge]", name, cmd)
		}
		if got := str(dig(edge, "environment", "REDIS_URL")); !strings.Contains(got, "//"+svcRedis+":") {
			t.Errorf("%s's REDIS_URL %q is not the redis service", name, got)
		}
		if got := mounts(edge); len(got) != 0 {
			t.Errorf("%s mounts %+v; an edge keeps no data", name, got)
		}
	}
	lb := svcs[svcEdges]
	if got := str(lb["image"]); !strings.HasPrefix(got, "haproxy:") {
		t.Errorf("the balancer's image is %q", got)
	}
	if ports := publishedPorts(lb); ports["8100"] != "8000" {
		t.Errorf("the balancer publishes %v, want 8100:8000", ports)
	}
	cfg := readRepoFile(t, "dev-environment/haproxy/haproxy.cfg")
	for _, want := range []string{"server edge-1 " + svcEdge1 + ":8000 check", "server edge-2 " + svcEdge2 + ":8000 check", "option httpchk GET /api/health"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("haproxy.cfg lacks %q", want)
		}
	}
}

package deploy_test

import (
	"encoding/json"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	keyword string // upper case
	args    string
	line    int
}

type stage struct {
	name, from string
	index      int
	instrs     []instruction
}

// parseDockerfile reads the instructions and stages (comments and parser
// directives dropped; a comment inside a continued instruction is skipped,
// as Docker does).
func parseDockerfile(t *testing.T, text string) (global []instruction, stages []*stage) {
	t.Helper()
	var cur strings.Builder
	start := 0
	flush := func() {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		if s == "" {
			return
		}
		keyword, args, _ := strings.Cut(s, " ")
		in := instruction{keyword: strings.ToUpper(keyword), args: strings.TrimSpace(args), line: start}
		if in.keyword == "FROM" {
			f := strings.Fields(in.args)
			st := &stage{from: f[0], index: len(stages)}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			return
		}
		if len(stages) == 0 {
			global = append(global, in)
		} else {
			st := stages[len(stages)-1]
			st.instrs = append(st.instrs, in)
		}
	}
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if rest, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(rest + " ")
			continue
		}
		cur.WriteString(trimmed)
		flush()
	}
	flush()
	return global, stages
}

func (s *stage) all(keyword string) []instruction {
	var out []instruction
	for _, in := range s.instrs {
		if in.keyword == keyword {
			out = append(out, in)
		}
	}
	return out
}

// last is the instruction that counts (USER, CMD, ENTRYPOINT, ...).
func (s *stage) last(t *testing.T, keyword string) instruction {
	t.Helper()
	all := s.all(keyword)
	if len(all) == 0 {
		t.Fatalf("stage %s has no %s", s.name, keyword)
	}
	return all[len(all)-1]
}

// env is the stage's ENV, with its ancestors' (FROM another stage).
func env(stages []*stage, s *stage) map[string]string {
	out := map[string]string{}
	for _, p := range stages {
		if p.name != "" && p.name == s.from && p.index < s.index {
			out = env(stages, p)
		}
	}
	for _, in := range s.all("ENV") {
		for _, kv := range strings.Fields(in.args) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				out[k] = strings.Trim(v, `"`)
			}
		}
	}
	return out
}

// execForm decodes a JSON-array ENTRYPOINT or CMD.
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var args []string
	if err := json.Unmarshal([]byte(in.args), &args); err != nil {
		t.Fatalf("line %d: %s %s is not in exec form: %v", in.line, in.keyword, in.args, err)
	}
	return args
}

// copySources lists a COPY's sources and destination (flags dropped); from
// is the --from stage, "" for the build context.
func copySources(in instruction) (from string, srcs []string, dest string) {
	var words []string
	for _, w := range strings.Fields(in.args) {
		if f, ok := strings.CutPrefix(w, "--from="); ok {
			from = f
		} else if !strings.HasPrefix(w, "--") {
			words = append(words, w)
		}
	}
	if len(words) < 2 {
		return from, nil, ""
	}
	return from, words[:len(words)-1], words[len(words)-1]
}

func TestDockerfile(t *testing.T) {
	global, stages := parseDockerfile(t, readRepoFile(t, "docker", "Dockerfile"))
	byName := map[string]*stage{}
	for _, s := range stages {
		byName[s.name] = s
	}
	for _, name := range []string{"base", "development", "build", "production"} {
		if byName[name] == nil {
			t.Fatalf("no stage %q (stages %v)", name, keys(byName))
		}
	}
	if last := stages[len(stages)-1]; last.name != "production" {
		t.Errorf("the last stage (the default target) is %q, want production", last.name)
	}

	// The toolchain: Go 1.27.3, pinned for every stage that runs go.
	if !slices.ContainsFunc(global, func(in instruction) bool { return in.keyword == "ARG" && in.args == "GO_VERSION=1.27.3" }) {
		t.Error("no ARG GO_VERSION=1.27.3 before the first FROM")
	}
	if from := byName["base"].from; from != "golang:${GO_VERSION}-bookworm" {
		t.Errorf("base is FROM %s, want golang:${GO_VERSION}-bookworm", from)
	}
	for _, s := range stages {
		runsGo := slices.ContainsFunc(s.all("RUN"), func(in instruction) bool { return strings.Contains(in.args, "go ") })
		if runsGo || s.name == "development" {
			if got := env(stages, s)["GOTOOLCHAIN"]; got != "go1.27.3" {
				t.Errorf("stage %s runs go with GOTOOLCHAIN=%q, want go1.27.3", s.name, got)
			}
		}
	}

	// development: the rebuild loop over the mounted source.
	dev := byName["development"]
	if !slices.ContainsFunc(dev.all("ARG"), func(in instruction) bool { return strings.HasPrefix(in.args, "INSTALL_DEV_DEPS") }) {
		t.Error("development has no ARG INSTALL_DEV_DEPS")
	}
	installs := ""
	for _, in := range dev.all("RUN") {
		if strings.Contains(in.args, "INSTALL_DEV_DEPS") {
			installs = in.args
		}
	}
	for _, pkg := range []string{"inotify-tools", "poppler-utils", "postgresql-client", "redis-tools", "shellcheck"} {
		if !strings.Contains(installs, " "+pkg) {
			t.Errorf("INSTALL_DEV_DEPS does not install %s", pkg)
		}
	}
	devEnv := env(stages, dev)
	if devEnv["DJANGO_ENV"] != "development" || devEnv["OPENSTREAM_DATA_DIR"] != "/pb_data" {
		t.Errorf("development's ENV %v", devEnv)
	}
	if wd := dev.last(t, "WORKDIR").args; wd != "/app" {
		t.Errorf("development's WORKDIR is %s; compose mounts the source at /app", wd)
	}
	if cmd := execForm(t, dev.last(t, "CMD")); !slices.Equal(cmd, []string{"sh", "/app/docker/dev-serve.sh"}) {
		t.Errorf("development runs %v, want the rebuild loop", cmd)
	}

	// build: modules first (their own layer), then a static binary.
	build := byName["build"]
	order := func(pred func(instruction) bool) int {
		return slices.IndexFunc(build.instrs, pred)
	}
	copyMod := order(func(in instruction) bool { return in.keyword == "COPY" && strings.Contains(in.args, "go.mod") })
	download := order(func(in instruction) bool { return in.keyword == "RUN" && strings.Contains(in.args, "go mod download") })
	copyAll := order(func(in instruction) bool { return in.keyword == "COPY" && strings.HasPrefix(in.args, ". ") })
	compile := order(func(in instruction) bool { return in.keyword == "RUN" && strings.Contains(in.args, "go build") })
	if copyMod < 0 || !(copyMod < download && download < copyAll && copyAll < compile) {
		t.Errorf("build stage order: COPY go.mod %d, go mod download %d, COPY . %d, go build %d", copyMod, download, copyAll, compile)
	}
	if compile >= 0 {
		b := build.instrs[compile].args
		for _, want := range []string{"CGO_ENABLED=0", "-trimpath", `-ldflags="-s -w"`, "-o /out/openstream"} {
			if !strings.Contains(b, want) {
				t.Errorf("go build lacks %s: %s", want, b)
			}
		}
	}

	// production: the binary on a small image with a shell, run as a user.
	prod := byName["production"]
	if !strings.HasPrefix(prod.from, "alpine:") {
		t.Errorf("production is FROM %s, want alpine (it keeps /bin/sh)", prod.from)
	}
	apk := strings.Join(func() []string {
		var s []string
		for _, in := range prod.all("RUN") {
			s = append(s, in.args)
		}
		return s
	}(), " ")
	for _, pkg := range []string{"ca-certificates", "poppler-utils"} {
		if !strings.Contains(apk, "apk add") || !strings.Contains(apk, pkg) {
			t.Errorf("production does not apk add %s", pkg)
		}
	}
	user := prod.last(t, "USER").args
	if name, _, _ := strings.Cut(user, ":"); name == "root" || name == "0" || name == "" {
		t.Errorf("production runs as %q", user)
	}
	if !strings.Contains(apk, "-u "+strings.Split(user, ":")[0]) || !strings.Contains(apk, "chown") {
		t.Errorf("production does not create user %s and give it /pb_data", user)
	}
	prodEnv := env(stages, prod)
	if prodEnv["OPENSTREAM_DATA_DIR"] != "/pb_data" || prodEnv["OPENSTREAM_HTTP"] != "0.0.0.0:8000" {
		t.Errorf("production's ENV %v", prodEnv)
	}
	if v := prod.last(t, "VOLUME").args; v != "/pb_data" && v != `["/pb_data"]` {
		t.Errorf("VOLUME %s", v)
	}
	if ports := strings.Fields(prod.last(t, "EXPOSE").args); !slices.Contains(ports, "8000") || !slices.Contains(ports, "3000") {
		t.Errorf("EXPOSE %v, want 8000 and 3000", ports)
	}
	if hc := prod.last(t, "HEALTHCHECK").args; !strings.Contains(hc, "CMD wget") || !strings.Contains(hc, "http://127.0.0.1:8000/api/health") {
		t.Errorf("HEALTHCHECK %s does not GET /api/health", hc)
	}
	entrypoint, binary := "", ""
	for _, in := range prod.all("COPY") {
		from, srcs, dest := copySources(in)
		if from == "" && slices.Equal(srcs, []string{"docker/entrypoint.sh"}) {
			entrypoint = dest
		}
		if from == "build" && slices.Equal(srcs, []string{"/out/openstream"}) {
			binary = dest
		}
	}
	if ep := execForm(t, prod.last(t, "ENTRYPOINT")); entrypoint == "" || !slices.Equal(ep, []string{entrypoint}) {
		t.Errorf("ENTRYPOINT %v, want the entrypoint script copied to %q", ep, entrypoint)
	}
	if cmd := execForm(t, prod.last(t, "CMD")); !slices.Equal(cmd, []string{"serve"}) {
		t.Errorf("CMD %v, want [serve]", cmd)
	}
	// The entrypoint calls `openstream` from PATH.
	if binary != "/usr/local/bin/openstream" {
		t.Errorf("the binary is copied to %q, want /usr/local/bin/openstream", binary)
	}

	// Every file copied from the context exists and is sent to the builder.
	ignore := dockerignore(t)
	for _, s := range stages {
		for _, in := range s.all("COPY") {
			from, srcs, _ := copySources(in)
			if from != "" {
				continue
			}
			for _, src := range srcs {
				if _, err := os.Stat(repoPath(src)); err != nil {
					t.Errorf("line %d: COPY %s: %v", in.line, src, err)
				}
				if src != "." && ignore(src) {
					t.Errorf("line %d: COPY %s, which .dockerignore leaves out", in.line, src)
				}
			}
		}
	}
	// What the build needs besides the named files.
	for _, need := range []string{"main.go", "go.mod", "go.sum", "pb_public", "pb_public/index.html", "pb_migrations", "docker/entrypoint.sh", "static/static.go"} {
		if ignore(need) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", need)
		}
	}
	for _, junk := range []string{".git", "pb_data", "pb_data/data.db", "cmd/pb_data", "openstream"} {
		if !ignore(junk) {
			t.Errorf(".dockerignore sends %s to the builder", junk)
		}
	}
}

// dockerignore returns whether the repository's .dockerignore leaves a
// context path out: Docker's rules for the patterns used here (a pattern
// matches the path or one of its parents; **/ matches any depth; the last
// matching pattern wins, ! re-includes).
func dockerignore(t *testing.T) func(string) bool {
	t.Helper()
	type rule struct {
		pattern string
		include bool
	}
	var rules []rule
	for _, line := range strings.Split(readRepoFile(t, ".dockerignore"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := rule{pattern: line}
		if p, ok := strings.CutPrefix(line, "!"); ok {
			r = rule{pattern: p, include: true}
		}
		r.pattern = strings.TrimPrefix(path.Clean(r.pattern), "/")
		rules = append(rules, r)
	}
	matches := func(pattern, p string) bool {
		segs := strings.Split(p, "/")
		for i := range segs { // the path or a parent
			prefix := strings.Join(segs[:i+1], "/")
			if ok, _ := path.Match(pattern, prefix); ok {
				return true
			}
			if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
				for j := 0; j <= i; j++ {
					if ok, _ := path.Match(rest, strings.Join(segs[j:i+1], "/")); ok {
						return true
					}
				}
			}
		}
		return false
	}
	return func(p string) bool {
		p = strings.TrimPrefix(path.Clean(p), "/")
		ignored := false
		for _, r := range rules {
			if matches(r.pattern, p) {
				ignored = !r.include
			}
		}
		return ignored
	}
}

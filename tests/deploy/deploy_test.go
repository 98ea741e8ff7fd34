// Package deploy_test checks the files that run OpenStream in containers:
// docker/Dockerfile and its scripts, compose.yml with its production
// override, the environment files under dev-environment/, and the Keycloak
// realm compose imports. Nothing here needs a Docker engine: compose files
// are validated and merged by docker-compose's own `config`, shell scripts
// run against a fake program, and the realm is loaded into the Keycloak
// look-alike the keycloak package is tested against.
package deploy_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// root is the repository root, seen from this package's directory.
const root = "../.."

// repoPath names a file of the repository.
func repoPath(parts ...string) string {
	return filepath.Join(append([]string{root}, parts...)...)
}

func readRepoFile(t *testing.T, parts ...string) string {
	t.Helper()
	b, err := os.ReadFile(repoPath(parts...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// requireTool finds a program the test needs, or fails saying how to
// install it (scripts/test.sh installs them on Debian).
func requireTool(t *testing.T, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed by this test and is not installed: apt-get install %s", name, debianPackage)
	}
	return path
}

// yamlToJSON turns YAML into the generic value its JSON form decodes to
// (numbers as float64), whichever docker-compose printed it.
func yamlToJSON(t *testing.T, yamlText []byte) map[string]any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(yamlText, &v); err != nil {
		t.Fatalf("YAML: %v\n%s", err, yamlText)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("YAML as JSON: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("YAML as JSON: %v\n%s", err, raw)
	}
	return out
}

// envFile reads a KEY=VALUE file as docker-compose does: blank lines and
// lines starting with # are comments.
func envFile(t *testing.T, parts ...string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for i, line := range strings.Split(readRepoFile(t, parts...), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s:%d: not NAME=VALUE: %q", filepath.Join(parts...), i+1, line)
		}
		if _, dup := vars[name]; dup {
			t.Errorf("%s:%d: %s is set twice", filepath.Join(parts...), i+1, name)
		}
		vars[name] = value
	}
	return vars
}

// getter is a getenv over a map.
func getter(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// Package deploy_test checks the files that run OpenStream in containers:
// docker/Dockerfile and its scripts, compose.yml with its production
// override, the environment files under dev-environment/, and the Keycloak
// realm compose imports. Nothing here needs a Docker engine: compose files
// are validated and merged by docker-compose's own `config`, shell scripts
// run against a fake program, and the realm is loaded into the Keycloak
// look-alike the keycloak package is tested against.
package deploy_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository root, seen from this package's directory.
const root = ".."

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

// yamlToJSON turns YAML into a generic value. No YAML module is in go.mod,
// so it asks the Python that docker-compose itself runs on (its shebang),
// whose PyYAML docker-compose needs anyway.
func yamlToJSON(t *testing.T, yamlText []byte) map[string]any {
	t.Helper()
	python := pythonOfDockerCompose(t)
	cmd := exec.Command(python, "-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)")
	cmd.Stdin = bytes.NewReader(yamlText)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s could not read the YAML: %v\n%s", python, err, stderr.String())
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("YAML as JSON: %v\n%s", err, out)
	}
	return v
}

func pythonOfDockerCompose(t *testing.T) string {
	t.Helper()
	compose := requireTool(t, "docker-compose", "docker-compose")
	f, err := os.Open(compose)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	if shebang, ok := strings.CutPrefix(strings.TrimSpace(line), "#!"); ok {
		fields := strings.Fields(shebang)
		if len(fields) > 0 && strings.Contains(fields[len(fields)-1], "python") {
			if len(fields) == 2 && filepath.Base(fields[0]) == "env" {
				return requireTool(t, fields[1], "python3-yaml")
			}
			return fields[0]
		}
	}
	t.Fatalf("%s is not Debian's docker-compose (a Python script); install it with apt-get install docker-compose", compose)
	return ""
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

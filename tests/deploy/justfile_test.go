package deploy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// recipeLine is a justfile recipe's header: its name, then its parameters.
var recipeLine = regexp.MustCompile(`(?m)^([a-z_][a-z0-9_-]*)((?: [^:\n]*)?):(?:\s|$)`)

// TestJustfile: the helpers the README names are there, set the toolchain,
// and point at files that exist (`just` itself is not needed by the tests).
func TestJustfile(t *testing.T) {
	text := readRepoFile(t, "justfile")
	var recipes []string
	for _, m := range recipeLine.FindAllStringSubmatch(text, -1) {
		recipes = append(recipes, m[1])
	}
	for _, want := range []string{"run", "up", "down", "logs", "test", "lint", "migrate", "import-fixture", "superuser"} {
		if !slices.Contains(recipes, want) {
			t.Errorf("the justfile has no recipe %q (it has %v)", want, recipes)
		}
	}
	if !strings.Contains(text, `GOTOOLCHAIN := "go1.27.3"`) || !strings.Contains(text, "set export") {
		t.Error("the justfile does not export GOTOOLCHAIN=go1.27.3")
	}
	if strings.Contains(text, "../") {
		t.Error("the justfile names a file outside the repository, which a clone does not have")
	}
	paths := regexp.MustCompile(`(?:\./)?(?:scripts/[a-z]+\.sh|[a-z/]+/testdata/[a-z-]+\.json)`).FindAllString(text, -1)
	if len(paths) < 3 {
		t.Fatalf("the justfile names too few files: %v", paths)
	}
	for _, path := range paths {
		if _, err := os.Stat(filepath.Join(root, path)); err != nil {
			t.Errorf("the justfile uses %s: %v", path, err)
		}
	}
}

package deploy_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// maxTopLevelPackages keeps the top level reading as layers
// (docs/architecture.md, "Why this cut"): a new concern finds its place
// inside one of them before it gets a folder of its own.
const maxTopLevelPackages = 20

// TestLayout: the top level has at most maxTopLevelPackages folders with Go
// code, and docs/architecture.md's layout names every top-level folder.
func TestLayout(t *testing.T) {
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var folders, goFolders []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || strings.HasPrefix(name, ".") || name == "node_modules" || name == "pb_data" {
			continue
		}
		folders = append(folders, name)
		if hasGo(t, filepath.Join(root, name)) {
			goFolders = append(goFolders, name)
		}
	}
	if len(goFolders) > maxTopLevelPackages {
		t.Errorf("%d top-level folders hold Go code, at most %d: %v", len(goFolders), maxTopLevelPackages, goFolders)
	}
	layout := readRepoFile(t, "docs", "architecture.md")
	start := strings.Index(layout, "## Layout")
	if start < 0 {
		t.Fatal(`docs/architecture.md has no "## Layout"`)
	}
	listed := regexp.MustCompile(`(?m)^([a-z_-]+)/ `).FindAllStringSubmatch(layout[start:], -1)
	var names []string
	for _, m := range listed {
		names = append(names, m[1])
	}
	for _, f := range folders {
		if !slices.Contains(names, f) {
			t.Errorf("docs/architecture.md's layout does not name %s/", f)
		}
	}
	for _, n := range names {
		if !slices.Contains(folders, n) {
			t.Errorf("docs/architecture.md's layout names %s/, which does not exist", n)
		}
	}
}

func hasGo(t *testing.T, dir string) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || found {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			found = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

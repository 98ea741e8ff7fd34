package deploy_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReferencesStayInTheRepository: comments and documentation cite the
// repository's own docs (docs/*.md), never a section of a specification a
// clone does not have. Any section sign in a .go or .md file is such a
// citation, and README.md, docs/*.md and the justfile must not point into
// ../shared.
func TestReferencesStayInTheRepository(t *testing.T) {
	const section = "\u00a7"
	skipDirs := map[string]bool{".git": true, "node_modules": true, "pb_data": true}
	// The mapping from the old citations to docs/ headings, kept untracked.
	skipFiles := map[string]bool{"docs/.section-map.txt": true}

	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if skipFiles[rel] || !d.Type().IsRegular() {
			return nil
		}
		var forbidden []string
		if ext := filepath.Ext(rel); ext == ".go" || ext == ".md" {
			forbidden = append(forbidden, section)
		}
		if rel == "README.md" || rel == "justfile" || (filepath.Dir(rel) == "docs" && filepath.Ext(rel) == ".md") {
			forbidden = append(forbidden, "../shared")
		}
		if len(forbidden) == 0 {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
		for n := 1; sc.Scan(); n++ {
			for _, s := range forbidden {
				if strings.Contains(sc.Text(), s) {
					t.Errorf("%s:%d: %q points outside the repository (cite docs/ instead): %s",
						rel, n, s, strings.TrimSpace(sc.Text()))
				}
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

package settings

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// envName is how the program's environment variables are spelled.
var envName = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$`)

// notVariables are upper-snake strings in the source that are not
// environment variables.
var notVariables = []string{
	"UPDATE_PASSWORD", // a Keycloak required action
}

// TestVariablesMatchTheSource keeps the table honest both ways: every
// upper-snake string literal in the program's Go source is a variable of the
// table (so nothing is read undocumented), and every variable of the table
// occurs in the source (so nothing documented is dead).
func TestVariablesMatchTheSource(t *testing.T) {
	inProgram, inTests := literalsInSource(t, "..")
	for name, where := range inProgram {
		if _, ok := Lookup(name); !ok && !slices.Contains(notVariables, name) {
			t.Errorf("%s (%s) is read but not in settings.Variables", name, where)
		}
	}
	for _, v := range Variables {
		switch {
		case v.Scope == Build:
		case v.Scope == Test && inTests[v.Name] != "":
		case inProgram[v.Name] != "":
		default:
			t.Errorf("%s is in settings.Variables but nothing reads it", v.Name)
		}
	}
}

// TestVariablesMatchTheReadme: the README's table lists exactly the
// variables an operator can set.
func TestVariablesMatchTheReadme(t *testing.T) {
	listed := readmeVariables(t, "../README.md")
	for _, v := range Variables {
		if v.Scope != Test && !listed[v.Name] {
			t.Errorf("README's \"Environment variables\" table lacks %s", v.Name)
		}
	}
	for name := range listed {
		if _, ok := Lookup(name); !ok {
			t.Errorf("README lists %s, which is not in settings.Variables", name)
		}
	}
}

func TestLookup(t *testing.T) {
	if v, ok := Lookup("REDIS_URL"); !ok || v.Scope != Server {
		t.Fatalf("REDIS_URL: %+v %v", v, ok)
	}
	if _, ok := Lookup("NOT_A_VARIABLE"); ok {
		t.Fatal("found a variable that is not there")
	}
	seen := map[string]bool{}
	for _, v := range Variables {
		if seen[v.Name] || !envName.MatchString(v.Name) && v.Scope != Build {
			t.Errorf("%q is listed twice or is not an upper-snake name", v.Name)
		}
		seen[v.Name] = true
	}
}

// literalsInSource maps each upper-snake string literal of the Go files
// under root to a file it occurs in, for program and test files apart.
func literalsInSource(t *testing.T, root string) (program, tests map[string]string) {
	t.Helper()
	program, tests = map[string]string{}, map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "pb_data" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || filepath.Clean(path) == filepath.Join(root, "settings", "variables.go") {
			return nil // the table itself is no reader
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		into := program
		if strings.HasSuffix(path, "_test.go") {
			into = tests
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && envName.MatchString(s) {
					into[s] = path
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return program, tests
}

// readmeVariables reads the backticked names in the first column of the
// README's "Environment variables" tables.
func readmeVariables(t *testing.T, path string) map[string]bool {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(text), "\n## Environment variables\n")
	if !ok {
		t.Fatal("README has no \"Environment variables\" section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	names := map[string]bool{}
	code := regexp.MustCompile("`([A-Z][A-Z0-9_]*)`")
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.Split(line, "|")[1]
		for _, m := range code.FindAllStringSubmatch(first, -1) {
			names[m[1]] = true
		}
	}
	if len(names) == 0 {
		t.Fatal("no variables found in the README's table")
	}
	return names
}

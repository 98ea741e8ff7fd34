package deploy_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestReadmeDescribesTheStack: the README's "Run with Docker" table names
// exactly compose.yml's services, with the ports each publishes.
func TestReadmeDescribesTheStack(t *testing.T) {
	_, section, ok := strings.Cut(readRepoFile(t, "README.md"), "\n## Run with Docker\n")
	if !ok {
		t.Fatal(`README has no "Run with Docker" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	svcs := services(t, composeConfig(t, "compose.yml"))
	var listed []string
	port := regexp.MustCompile(`\b\d{4,5}\b`)
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`")
		listed = append(listed, name)
		svc, ok := svcs[name]
		if !ok {
			t.Errorf("README lists %s, which compose.yml does not have", name)
			continue
		}
		published := publishedPorts(svc)
		var documented []string
		for _, p := range port.FindAllString(cells[3], -1) {
			documented = append(documented, p)
			if _, ok := published[p]; !ok {
				t.Errorf("README says %s publishes %s; compose.yml publishes %v", name, p, keys(published))
			}
		}
		for p := range published {
			if !slices.Contains(documented, p) {
				t.Errorf("%s publishes %s, which the README's table does not mention", name, p)
			}
		}
	}
	slices.Sort(listed)
	if want := keys(svcs); !slices.Equal(listed, want) {
		t.Errorf("README's table lists %v, compose.yml has %v", listed, want)
	}
}

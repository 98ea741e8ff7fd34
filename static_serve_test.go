package main

import (
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeEmbedsPbPublic: the binary serves pb_public as it was built,
// byte for byte and with validators, from a directory that has none.
func TestServeEmbedsPbPublic(t *testing.T) {
	t.Parallel()
	addr := startServer(t, migratedData(t))
	files := 0
	err := filepath.WalkDir("pb_public", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		want, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(filepath.ToSlash(path), "pb_public/")
		res, body := fetch(t, "http://"+addr+"/"+name)
		if res.StatusCode != 200 || body != string(want) {
			t.Errorf("/%s: %d, not the file", name, res.StatusCode)
		}
		if res.Header.Get("ETag") == "" || res.Header.Get("Cache-Control") == "" {
			t.Errorf("/%s: no validator or cache policy: %v", name, res.Header)
		}
		files++
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("pb_public: %d files, %v", files, err)
	}
	index, _ := os.ReadFile("pb_public/index.html")
	if res, body := fetch(t, "http://"+addr+"/"); res.StatusCode != 200 || body != string(index) {
		t.Fatalf("/: %d\n%s", res.StatusCode, body)
	}
	if res, _ := fetch(t, "http://"+addr+"/_/"); res.StatusCode != 200 {
		t.Fatalf("the dashboard behind the static files: %d", res.StatusCode)
	}
}

// TestServeInjectsPageContext: with OPENSTREAM_PUBLIC_DIR naming a built
// frontend, one process serves its pages with the page context.
func TestServeInjectsPageContext(t *testing.T) {
	t.Parallel()
	frontend, err := filepath.Abs("static/testdata/frontend")
	if err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, migratedData(t), "OPENSTREAM_PUBLIC_DIR="+frontend)
	res, body := fetch(t, "http://"+addr+"/aarhus/suborg/3/branch/7/manage-content")
	want := `<script>window.OPENSTREAM_CONTEXT = {"orgName":"aarhus","subOrg":"3","branch":"7"};`
	if res.StatusCode != 200 || !strings.Contains(body, want) || !strings.Contains(body, "<h1>Manage content</h1>") {
		t.Fatalf("page: %d\n%s", res.StatusCode, body)
	}
	asset, _ := os.ReadFile(filepath.Join(frontend, "assets/main-Dx3kP9aQ.js"))
	if res, body := fetch(t, "http://"+addr+"/assets/main-Dx3kP9aQ.js"); res.StatusCode != 200 || body != string(asset) {
		t.Fatalf("asset: %d %q", res.StatusCode, body)
	}
	if res, body := fetch(t, "http://"+addr+"/api/no-such-endpoint/"); res.StatusCode != 404 || !strings.Contains(body, `"detail":"Not found."`) {
		t.Fatalf("API miss: %d %s", res.StatusCode, body)
	}
}

func TestServeRefusesAMissingPublicDir(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	cmd := exec.Command(os.Args[0], "serve", "--dir", t.TempDir(), "--http", freeAddr(t))
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), runAsProgram+"=1", "OPENSTREAM_EVENTS_ADDR=off", "OPENSTREAM_PUBLIC_DIR="+missing)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "OPENSTREAM_PUBLIC_DIR") {
		t.Fatalf("serve with a missing OPENSTREAM_PUBLIC_DIR: %v\n%s", err, out)
	}
}

func fetch(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

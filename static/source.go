package static

import (
	"fmt"
	"io/fs"
	"os"
)

// DevDir is where the files live in a checkout; development mode reads them
// from there so edits show without a rebuild.
const DevDir = "pb_public"

// Source is where the served files come from.
type Source struct {
	Files fs.FS
	// Dev: the files may change while serving (see Site).
	Dev bool
	// Describe says where they are, for the log.
	Describe string
}

// Choose picks the files to serve: dir (OPENSTREAM_PUBLIC_DIR) when set,
// which must then be a directory; in development mode ./pb_public when it
// exists; else the copy embedded in the binary.
func Choose(embedded fs.FS, dir string, dev bool) (Source, error) {
	if dir != "" {
		info, err := os.Stat(dir)
		if err != nil {
			return Source{}, fmt.Errorf("%s: %w", EnvPublicDir, err)
		}
		if !info.IsDir() {
			return Source{}, fmt.Errorf("%s: %s is not a directory", EnvPublicDir, dir)
		}
		return Source{Files: os.DirFS(dir), Dev: dev, Describe: dir}, nil
	}
	if dev {
		if info, err := os.Stat(DevDir); err == nil && info.IsDir() {
			return Source{Files: os.DirFS(DevDir), Dev: true, Describe: "./" + DevDir + " (development, read from disk)"}, nil
		}
	}
	return Source{Files: embedded, Describe: "embedded in the binary"}, nil
}

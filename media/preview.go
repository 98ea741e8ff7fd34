package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"github.com/openstream-go/openstream/collections"
)

// previewTimeout bounds one conversion, so no document stays PENDING and
// no converter runs for long.
const previewTimeout = 2 * time.Minute

// Previewer turns uploaded PDFs into PNG documents in the background, as
// upstream's daemon thread did, but with PENDING → COMPLETED or FAILED
// (with the reason in processing_error) instead of PENDING forever.
type Previewer struct {
	cfg   Config
	slots chan struct{} // conversions running at once
	wg    sync.WaitGroup
}

// NewPreviewer runs at most two conversions at a time.
func NewPreviewer(cfg Config) *Previewer {
	return &Previewer{cfg: cfg, slots: make(chan struct{}, 2)}
}

// Start converts document id in the background.
func (p *Previewer) Start(app core.App, id string) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.slots <- struct{}{}
		defer func() { <-p.slots }()
		p.run(app, id)
	}()
}

// Wait blocks until every started conversion has ended.
func (p *Previewer) Wait() { p.wg.Wait() }

func (p *Previewer) run(app core.App, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), previewTimeout)
	defer cancel()
	doc, err := app.FindRecordById(collections.Documents, id)
	if err != nil {
		return // deleted meanwhile
	}
	doc.Set("processing_status", "PROCESSING")
	if err := app.Save(doc); err != nil {
		p.fail(app, id, err.Error())
		return
	}
	png, err := p.render(ctx, app, doc)
	if err != nil {
		p.fail(app, id, err.Error())
		return
	}
	sum := sha256.Sum256(png)
	// Upstream appended the PNG's hash twice; once is enough.
	name := StorageName(strings.TrimSuffix(doc.GetString("file"), ".pdf")+".png", hex.EncodeToString(sum[:])[:12])
	file, err := filesystem.NewFileFromBytes(png, name)
	if err != nil {
		p.fail(app, id, err.Error())
		return
	}
	file.Name = name
	// Reloaded: a PATCH during the conversion keeps its title and tags.
	if doc, err = app.FindRecordById(collections.Documents, id); err != nil {
		return
	}
	// Replacing the file also deletes the PDF (upstream left it behind).
	doc.Set("file", file)
	doc.Set("file_type", "png")
	doc.Set("processing_status", "COMPLETED")
	doc.Set("processing_error", "")
	if err := app.Save(doc); err != nil {
		p.fail(app, id, "storing the preview failed: "+err.Error())
	}
}

func (p *Previewer) render(ctx context.Context, app core.App, doc *core.Record) ([]byte, error) {
	fsys, err := app.NewFilesystem()
	if err != nil {
		return nil, err
	}
	defer fsys.Close()
	r, err := fsys.GetReader(Key(doc, "file"))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return Render{Pdftoppm: p.cfg.Pdftoppm, Size: p.cfg.PreviewSize, Memory: p.cfg.PreviewMemory}.FirstPage(ctx, r)
}

func (p *Previewer) fail(app core.App, id, reason string) {
	app.Logger().Warn("PDF preview failed", "document", id, "reason", reason)
	doc, err := app.FindRecordById(collections.Documents, id)
	if err != nil {
		return
	}
	if r := []rune(reason); len(r) > maxReason {
		reason = string(r[:maxReason])
	}
	doc.Set("processing_status", "FAILED")
	doc.Set("processing_error", reason)
	if err := app.Save(doc); err != nil {
		app.Logger().Error("PDF preview: could not record the failure", "document", id, "error", err)
	}
}

// maxReason is the processing_error column's length.
const maxReason = 500

// Key is the storage key of a record's file field ("" when empty).
func Key(r *core.Record, field string) string {
	name := r.GetString(field)
	if name == "" {
		return ""
	}
	return r.BaseFilesPath() + "/" + name
}

// URL is a stored file's public address: MEDIA_URL joined with the key, not
// URL-encoded, when MEDIA_URL is absolute; else absolute(MEDIA_URL+key).
func (c Config) URL(key string, absolute func(path string) string) string {
	if c.Absolute() {
		return c.MediaURL + key
	}
	return absolute(c.MediaURL + key)
}

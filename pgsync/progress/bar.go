// Package progress draws the progress of long operator commands (import,
// resync): a redrawn bar on a terminal, plain lines in logs and pipes.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// Width is the number of cells in a terminal bar.
const Width = 30

// Bar reports progress per label (a table name).
type Bar struct {
	w    io.Writer
	tty  bool
	mu   sync.Mutex
	step map[string]int // last tenth printed per label, for plain output
}

// New draws on w, redrawing one line when w is a terminal.
func New(w io.Writer) *Bar {
	f, ok := w.(*os.File)
	tty := false
	if ok {
		if st, err := f.Stat(); err == nil {
			tty = st.Mode()&os.ModeCharDevice != 0
		}
	}
	return &Bar{w: w, tty: tty, step: map[string]int{}}
}

// Update reports done of total for label.
func (b *Bar) Update(label string, done, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tty {
		end := ""
		if done >= total {
			end = "\n"
		}
		fmt.Fprintf(b.w, "\r%-32s %s %d/%d%s", label, Draw(done, total), done, total, end)
		return
	}
	// Plain output: one line per tenth, so logs stay short.
	tenth := 10
	if total > 0 {
		tenth = done * 10 / total
	}
	if last, seen := b.step[label]; seen && tenth == last {
		return
	}
	b.step[label] = tenth
	fmt.Fprintf(b.w, "%s %d/%d\n", label, done, total)
}

// Draw renders a bar such as "[=========>          ]".
func Draw(done, total int) string {
	filled := Width
	if total > 0 {
		filled = min(Width, done*Width/total)
	}
	bar := strings.Repeat("=", filled)
	if filled < Width {
		bar += ">" + strings.Repeat(" ", Width-filled-1)
	}
	return "[" + bar + "]"
}

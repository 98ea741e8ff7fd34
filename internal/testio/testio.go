// Package testio holds small I/O helpers of the tests.
package testio

import (
	"bytes"
	"sync"
)

// Buffer collects a process's output while the test reads it: exec's
// copying goroutine writes as the test calls String.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

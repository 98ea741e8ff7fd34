package media

import "golang.org/x/sys/unix"

// limitMemory caps the address space of process pid at bytes (prlimit's
// RLIMIT_AS): beyond it the process's allocations fail.
func limitMemory(pid int, bytes int64) error {
	limit := unix.Rlimit{Cur: uint64(bytes), Max: uint64(bytes)}
	return unix.Prlimit(pid, unix.RLIMIT_AS, &limit, nil)
}

//go:build linux || darwin

// Package mmap maps files read-only into memory, with a portable
// read-into-memory fallback where syscall.Mmap is not available.
package mmap

import (
	"os"
	"syscall"
)

// File maps the first size bytes of f read-only and shared. size must be
// positive. The returned release function unmaps the region; the bytes must
// not be used afterwards. Writing to the bytes faults.
func File(f *os.File, size int) ([]byte, func() error, error) {
	b, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, &os.PathError{Op: "mmap", Path: f.Name(), Err: err}
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}

//go:build !linux && !darwin

package mmap

import (
	"io"
	"os"
)

// File is the portable fallback for systems without syscall.Mmap: it reads
// the first size bytes of f into memory. size must be positive. The release
// function drops nothing but keeps the contract of the mapped version.
func File(f *os.File, size int) ([]byte, func() error, error) {
	b := make([]byte, size)
	n, err := f.ReadAt(b, 0)
	if n < size {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, nil, &os.PathError{Op: "read", Path: f.Name(), Err: err}
	}
	return b, func() error { return nil }, nil
}

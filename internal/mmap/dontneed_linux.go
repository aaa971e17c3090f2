package mmap

import (
	"syscall"
	"unsafe"
)

// DontNeed tells the kernel that the whole pages inside b, which must lie in
// a region returned by File, are not needed for now: they leave the process's
// resident set (the file's pages stay in the page cache) and are read again
// from the file if touched later, so b stays valid. Partial pages at either
// end are left alone, as they may hold bytes still in use.
func DontNeed(b []byte) error {
	page := uintptr(syscall.Getpagesize())
	if len(b) == 0 {
		return nil
	}
	start := uintptr(unsafe.Pointer(&b[0]))
	lo := (start + page - 1) &^ (page - 1)
	hi := (start + uintptr(len(b))) &^ (page - 1)
	if hi <= lo {
		return nil
	}
	return syscall.Madvise(b[lo-start:hi-start], syscall.MADV_DONTNEED)
}

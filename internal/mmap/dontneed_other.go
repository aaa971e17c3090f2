//go:build !linux

package mmap

// DontNeed does nothing here: on Linux it drops the whole pages inside b,
// a region returned by File, from the process's resident set.
func DontNeed(b []byte) error { return nil }

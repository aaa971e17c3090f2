package mmap

import "fmt"

// Release is the Close step of a reader holding a mapping (its fields passed
// by pointer; the caller holds its lock): the first call marks *closed, drops
// *data and *release, and calls the release function (when not nil),
// wrapping its error as "what: unmap: err"; later calls do nothing.
func Release(closed *bool, data *[]byte, release *func() error, what string) error {
	if *closed {
		return nil
	}
	*closed = true
	rel := *release
	*data, *release = nil, nil
	if rel == nil {
		return nil
	}
	if err := rel(); err != nil {
		return fmt.Errorf("%s: unmap: %w", what, err)
	}
	return nil
}

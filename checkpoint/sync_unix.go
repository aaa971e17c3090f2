//go:build unix

package checkpoint

import (
	"errors"
	"syscall"
)

// isUnsupportedSync reports whether err says the file system cannot fsync a
// directory (some do not; the rename is then as durable as it gets).
func isUnsupportedSync(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP)
}

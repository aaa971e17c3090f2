package cli

import (
	"errors"
	"fmt"
)

// UsageError marks an error in how a command was called (exit status 2).
type UsageError struct{ msg string }

func (e UsageError) Error() string { return e.msg }

// UsageError marks e as a usage error for IsUsage.
func (UsageError) UsageError() bool { return true }

// Usagef formats a UsageError.
func Usagef(format string, a ...any) error { return UsageError{fmt.Sprintf(format, a...)} }

// IsUsage reports whether err is a usage error: one with a method
// UsageError() bool that says so, as UsageError and the errors the
// packages running commands return for bad settings (train/pretrain's).
func IsUsage(err error) bool {
	var u interface{ UsageError() bool }
	return errors.As(err, &u) && u.UsageError()
}

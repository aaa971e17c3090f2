package safetensors

import (
	"errors"
	"fmt"
)

// ErrNotFound is matched (with errors.Is) by the errors File.Tensor,
// Set.Tensor and Set.Info return for a name that is not there.
var ErrNotFound = errors.New("safetensors: tensor not found")

// notFoundError reports a missing tensor and where it was looked for.
type notFoundError struct {
	name, where string
}

func (e *notFoundError) Error() string {
	return fmt.Sprintf("safetensors: tensor %q not found in %s", e.name, e.where)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

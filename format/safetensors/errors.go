package safetensors

import (
	"errors"

	"github.com/herd-llm/herd/internal/notfound"
)

// ErrNotFound is matched (with errors.Is) by the errors File.Tensor,
// Set.Tensor and Set.Info return for a name that is not there.
var ErrNotFound = errors.New("safetensors: tensor not found")

// notFound reports that tensor name is not in where; it matches ErrNotFound.
func notFound(name, where string) error {
	return &notfound.Error{Format: "safetensors", Name: name, Where: where, Sentinel: ErrNotFound}
}

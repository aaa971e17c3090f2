package gguf

import (
	"errors"
	"fmt"

	"github.com/herd-llm/herd/internal/notfound"
)

// ErrNotFound is matched (with errors.Is) by the error File.Tensor returns
// for a name that is not in the file.
var ErrNotFound = errors.New("gguf: tensor not found")

// ErrUnsupportedType is matched (with errors.Is) by the errors File.Tensor and
// TensorInfo.DType return for a tensor whose ggml type has no tensor.DType.
var ErrUnsupportedType = errors.New("gguf: unsupported ggml type")

// notFound reports that tensor name is not in where; it matches ErrNotFound.
func notFound(name, where string) error {
	return &notfound.Error{Format: "gguf", Name: name, Where: where, Sentinel: ErrNotFound}
}

// unsupportedError reports a tensor whose ggml type herd cannot use.
type unsupportedError struct {
	name string
	typ  GGMLType
}

func (e *unsupportedError) Error() string {
	what := fmt.Sprintf("ggml type %s (%d)", e.typ, uint32(e.typ))
	if !e.typ.Known() {
		what = fmt.Sprintf("unknown ggml type %d", uint32(e.typ))
	}
	return fmt.Sprintf("tensor %q has %s, which herd does not support; supported: %s", e.name, what, supportedList)
}

// Is makes errors.Is(err, ErrUnsupportedType) true.
func (e *unsupportedError) Is(target error) bool { return target == ErrUnsupportedType }

package gguf

import (
	"errors"
	"fmt"
)

// ErrNotFound is matched (with errors.Is) by the error File.Tensor returns
// for a name that is not in the file.
var ErrNotFound = errors.New("gguf: tensor not found")

// ErrUnsupportedType is matched (with errors.Is) by the errors File.Tensor and
// TensorInfo.DType return for a tensor whose ggml type has no tensor.DType.
var ErrUnsupportedType = errors.New("gguf: unsupported ggml type")

// notFoundError reports a missing tensor and the file it was looked for in.
type notFoundError struct {
	name, where string
}

func (e *notFoundError) Error() string {
	return fmt.Sprintf("gguf: tensor %q not found in %s", e.name, e.where)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

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

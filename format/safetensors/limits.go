package safetensors

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrLimit is matched (errors.Is) by the errors of a header or index that
// exceeds its Limits.
var ErrLimit = errors.New("safetensors: over a limit")

// limitError is an error matching ErrLimit.
type limitError struct{ msg string }

func (e *limitError) Error() string        { return e.msg }
func (e *limitError) Is(target error) bool { return target == ErrLimit }

// limitErrorf formats an error matching ErrLimit.
func limitErrorf(format string, a ...any) error {
	return &limitError{fmt.Sprintf(format, a...)}
}

// Limits bounds what a header or an index may declare, beyond fitting in its
// file, so that a hostile file is refused before it costs much time or
// memory.
type Limits struct {
	// HeaderBytes is the longest JSON header (and index file) accepted; it
	// is capped at MaxHeaderSize.
	HeaderBytes int64
	// Tensors is the most tensors one header or index may list.
	Tensors int
}

// DefaultLimits are the limits of Open, OpenDir and OpenBytes: the
// reference implementation's 100 MiB header, and 2^17 tensors (a Llama 4
// Maverick checkpoint with per-expert FP8 weights has about 37,000).
var DefaultLimits = Limits{HeaderBytes: MaxHeaderSize, Tensors: 1 << 17}

// MaxDims is the most dimensions a tensor's shape may have.
const MaxDims = 16

// headerBytes is the header limit l sets, at most MaxHeaderSize.
func (l Limits) headerBytes() int64 {
	if l.HeaderBytes <= 0 || l.HeaderBytes > MaxHeaderSize {
		return MaxHeaderSize
	}
	return l.HeaderBytes
}

// tooMany is the error for a header or index listing more than l.Tensors.
func (l Limits) tooMany(what string, n int) error {
	return limitErrorf("%s lists %d or more tensors, over the limit of %d", what, n, l.Tensors)
}

// precount rejects a header or index that names more than l.Tensors entries
// before it is parsed: every tensor entry holds the key key, so counting
// the key's occurrences bounds the count from above (an escaped key
// escapes it, and is caught by the count while parsing).
func (l Limits) precount(js []byte, what, key string) error {
	if n := bytes.Count(js, []byte(key)); n > l.Tensors {
		return l.tooMany(what, n)
	}
	return nil
}

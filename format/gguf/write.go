package gguf

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// WriteTensor is one tensor to Write: its name, ggml type, dims in ggml order
// (fastest-varying first: {cols, rows} for a matrix) and raw little-endian
// data in ggml layout, which must be exactly the size the type and dims give.
type WriteTensor struct {
	Name string
	Type GGMLType
	Dims []uint64
	Data []byte
}

// maxTensorName is the longest tensor name llama.cpp accepts (GGML_MAX_NAME
// is 64 bytes including the terminating NUL).
const maxTensorName = 63

// Write writes a GGUF version 3 file to w: the header, kvs in the given
// order, the tensor infos, padding to the alignment, then each tensor's data
// in the given order, each padded to the alignment.
//
// alignment 0 means the value of a general.alignment entry in kvs, or
// DefaultAlignment; otherwise it must be a power of two, and a
// general.alignment entry is added after kvs when it differs from the default
// (one already in kvs must be a uint32 equal to it). Keys must be non-empty
// and unique, values valid; tensor names must be non-empty, unique and at
// most 63 bytes (llama.cpp's limit), dims 1 to 4 with Dims[0] a whole number
// of blocks, types known. Write does not retain or modify the inputs.
func Write(w io.Writer, kvs []KV, tensors []WriteTensor, alignment int) error {
	if err := write(w, kvs, tensors, alignment); err != nil {
		return fmt.Errorf("gguf: write: %w", err)
	}
	return nil
}

// write is Write without the prefix on errors.
func write(w io.Writer, kvs []KV, tensors []WriteTensor, alignment int) error {
	kvs, align, err := checkKVs(kvs, alignment)
	if err != nil {
		return err
	}
	offsets, err := checkTensors(tensors, align)
	if err != nil {
		return err
	}

	b := make([]byte, 0, 4096)
	b = append(b, Magic...)
	b = binary.LittleEndian.AppendUint32(b, 3)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(tensors)))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(kvs)))
	for _, kv := range kvs {
		b = appendString(b, kv.Key)
		b = binary.LittleEndian.AppendUint32(b, uint32(kv.Value.typ))
		b = appendValue(b, kv.Value)
	}
	for i, t := range tensors {
		b = appendString(b, t.Name)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(t.Dims)))
		for _, d := range t.Dims {
			b = binary.LittleEndian.AppendUint64(b, d)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(t.Type))
		b = binary.LittleEndian.AppendUint64(b, offsets[i])
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	if err := pad(w, uint64(len(b)), align); err != nil {
		return err
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return fmt.Errorf("tensor %q: %w", t.Name, err)
		}
		if err := pad(w, uint64(len(t.Data)), align); err != nil {
			return fmt.Errorf("tensor %q: %w", t.Name, err)
		}
	}
	return nil
}

// checkKVs validates kvs and resolves the alignment, returning the entries to
// write (kvs plus general.alignment when it must be added).
func checkKVs(kvs []KV, alignment int) ([]KV, uint64, error) {
	seen := make(map[string]bool, len(kvs))
	for _, kv := range kvs {
		if kv.Key == "" || len(kv.Key) > MaxNameLen {
			return nil, 0, fmt.Errorf("invalid metadata key of %d bytes", len(kv.Key))
		}
		if seen[kv.Key] {
			return nil, 0, fmt.Errorf("duplicate metadata key %q", kv.Key)
		}
		seen[kv.Key] = true
		if err := kv.Value.check(0); err != nil {
			return nil, 0, fmt.Errorf("key %q: %w", kv.Key, err)
		}
	}
	if alignment < 0 || alignment > math.MaxUint32 || alignment&(alignment-1) != 0 {
		return nil, 0, fmt.Errorf("alignment %d is not a power of two", alignment)
	}
	for _, kv := range kvs {
		if kv.Key != AlignmentKey {
			continue
		}
		a, ok := kv.Value.Any().(uint32)
		switch {
		case !ok:
			return nil, 0, fmt.Errorf("key %q: type %s, want uint32", AlignmentKey, kv.Value.typ)
		case a == 0 || a&(a-1) != 0:
			return nil, 0, fmt.Errorf("key %q: alignment %d is not a power of two", AlignmentKey, a)
		case alignment != 0 && int(a) != alignment:
			return nil, 0, fmt.Errorf("key %q is %d but the alignment argument is %d", AlignmentKey, a, alignment)
		}
		return kvs, uint64(a), nil
	}
	if alignment == 0 || alignment == DefaultAlignment {
		return kvs, DefaultAlignment, nil
	}
	out := append(append(make([]KV, 0, len(kvs)+1), kvs...), KVUint32(AlignmentKey, uint32(alignment)))
	return out, uint64(alignment), nil
}

// checkTensors validates the tensors and returns their data offsets.
func checkTensors(tensors []WriteTensor, align uint64) ([]uint64, error) {
	seen := make(map[string]bool, len(tensors))
	offsets := make([]uint64, len(tensors))
	var off uint64
	for i, t := range tensors {
		if t.Name == "" || len(t.Name) > maxTensorName {
			return nil, fmt.Errorf("tensor %d: name %q must be 1 to %d bytes", i, t.Name, maxTensorName)
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
		if len(t.Dims) == 0 || len(t.Dims) > MaxDims {
			return nil, fmt.Errorf("tensor %q: %d dims, want 1 to %d", t.Name, len(t.Dims), MaxDims)
		}
		if !t.Type.Known() {
			return nil, fmt.Errorf("tensor %q: unknown ggml type %d", t.Name, uint32(t.Type))
		}
		size, err := dataSize(t.Type, t.Dims)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
		}
		if uint64(len(t.Data)) != size {
			return nil, fmt.Errorf("tensor %q: dims %v of %s need %d bytes, data has %d", t.Name, t.Dims, t.Type, size, len(t.Data))
		}
		offsets[i] = off
		off += padded(size, align) // sizes are of slices in memory: no overflow
	}
	return offsets, nil
}

// padded rounds n up to a multiple of align, a power of two.
func padded(n, align uint64) uint64 { return (n + align - 1) &^ (align - 1) }

// pad writes the zero bytes that take n written bytes to a multiple of align.
func pad(w io.Writer, n, align uint64) error {
	var zeros [512]byte
	for k := padded(n, align) - n; k > 0; {
		c := min(k, uint64(len(zeros)))
		if _, err := w.Write(zeros[:c]); err != nil {
			return err
		}
		k -= c
	}
	return nil
}

// appendString appends a length-prefixed string.
func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

// appendValue appends the encoding of a checked value, without its type.
func appendValue(b []byte, v Value) []byte {
	le := binary.LittleEndian
	if bits, size, _, ok := integerBits(v.v); ok {
		for i := range size { // little-endian, two's complement
			b = append(b, byte(bits>>(8*i)))
		}
		return b
	}
	switch x := v.v.(type) {
	case float32:
		return le.AppendUint32(b, math.Float32bits(x))
	case bool:
		if x {
			return append(b, 1)
		}
		return append(b, 0)
	case string:
		return appendString(b, x)
	case float64:
		return le.AppendUint64(b, math.Float64bits(x))
	}
	// An array: element type, count, elements.
	b = le.AppendUint32(b, uint32(v.elem))
	b = le.AppendUint64(b, uint64(v.Len()))
	switch s := v.v.(type) {
	case []uint8:
		return append(b, s...)
	case []Value:
		for _, e := range s { // elements carry no type of their own
			b = appendValue(b, e)
		}
		return b
	}
	for i, n := 0, v.Len(); i < n; i++ {
		b = appendValue(b, v.Index(i))
	}
	return b
}

package gguf

import (
	"fmt"
	"sync"

	"github.com/herd-llm/herd/tensor"

	"github.com/herd-llm/herd/internal/mmap"
)

// File is one parsed GGUF file. Its metadata and tensor infos are copies;
// tensor data slices alias the file's read-only mapping (or the bytes given
// to Parse) and are valid until Close. The methods are safe for concurrent
// use.
//
// A mapped file must not be truncated while it is open: on Unix, touching a
// mapped page past the new end of file raises SIGBUS.
type File struct {
	// Path is the path the file was opened with (the name given to Parse).
	Path string
	// Version is the GGUF version, 2 or 3.
	Version uint32
	// Alignment is the alignment of tensor data: general.alignment, or
	// DefaultAlignment when absent. It is a power of two.
	Alignment int
	// DataOffset is the file offset where the data section starts, a multiple
	// of Alignment. With no tensors it may lie past the end of the file.
	DataOffset int64

	kvs         []KV
	kvIndex     map[string]int
	tensors     []TensorInfo
	tensorIndex map[string]int

	mu      sync.RWMutex
	data    []byte       // the whole file image
	release func() error // unmaps data; nil when nothing is mapped
	closed  bool
}

// Tensor is one tensor's bytes plus its info and the file it came from.
type Tensor struct {
	TensorInfo
	// DType is the herd element type of the data.
	DType tensor.DType
	// File is the path of the file holding the tensor.
	File string
	// Data holds the tensor's Size raw little-endian bytes in ggml layout
	// (rows of Dims[0] values, blocks back to back for quantized types). It
	// aliases the file's read-only mapping: do not modify it, and do not use
	// it after the File is closed.
	Data []byte
}

// Open maps the GGUF file at path read-only and parses it. Errors name the
// file, and the key or tensor at fault.
func Open(path string) (*File, error) {
	f, err := open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %s: %w", path, err)
	}
	return f, nil
}

// open is Open without the prefix on errors.
func open(path string) (*File, error) {
	osf, size, err := mmap.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer osf.Close() // the mapping outlives the descriptor
	if size == 0 {
		return parse(path, nil) // nothing to map; fails as truncated
	}
	data, release, err := mmap.File(osf, int(size))
	if err != nil {
		return nil, err
	}
	f, err := parse(path, data)
	if err != nil {
		release()
		return nil, err
	}
	f.release = release
	return f, nil
}

// Close unmaps the file. Tensor data obtained from it must not be used
// afterwards; metadata and infos stay usable. Closing twice is a no-op.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return mmap.Release(&f.closed, &f.data, &f.release, "gguf: "+f.Path)
}

// Tensors returns the infos of all tensors in file order. The slice and its
// Dims are copies the caller may keep.
func (f *File) Tensors() []TensorInfo {
	out := make([]TensorInfo, len(f.tensors))
	for i, ti := range f.tensors {
		out[i] = ti.clone()
	}
	return out
}

// Info returns the info of the named tensor, and false when there is none.
func (f *File) Info(name string) (TensorInfo, bool) {
	i, ok := f.tensorIndex[name]
	if !ok {
		return TensorInfo{}, false
	}
	return f.tensors[i].clone(), true
}

// Tensor returns the named tensor, its Data aliasing the mapping. It fails
// with an error matching ErrNotFound for a missing name and one matching
// ErrUnsupportedType, naming the type, for a ggml type herd does not support.
func (f *File) Tensor(name string) (*Tensor, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	i, ok := f.tensorIndex[name]
	if !ok {
		return nil, notFound(name, f.Path)
	}
	ti := f.tensors[i]
	dt, err := ti.dtype()
	if err != nil {
		return nil, fmt.Errorf("gguf: %s: %w", f.Path, err)
	}
	if f.closed {
		return nil, fmt.Errorf("gguf: %s: tensor %q: file is closed", f.Path, name)
	}
	lo := uint64(f.DataOffset) + ti.Offset
	hi := lo + ti.Size
	if ti.Size == 0 {
		return &Tensor{TensorInfo: ti.clone(), DType: dt, File: f.Path, Data: []byte{}}, nil
	}
	if hi > uint64(len(f.data)) { // cannot happen after validation; guard anyway
		return nil, fmt.Errorf("gguf: %s: tensor %q: data [%d, %d) past the %d-byte file", f.Path, name, lo, hi, len(f.data))
	}
	return &Tensor{TensorInfo: ti.clone(), DType: dt, File: f.Path, Data: f.data[lo:hi:hi]}, nil
}

// Keys returns the metadata keys in file order.
func (f *File) Keys() []string {
	out := make([]string, len(f.kvs))
	for i, kv := range f.kvs {
		out[i] = kv.Key
	}
	return out
}

// KVs returns the metadata in file order. Array values share their slices
// with the File: do not modify them.
func (f *File) KVs() []KV { return append([]KV{}, f.kvs...) }

// Value returns the value of key, and false when the key is absent.
func (f *File) Value(key string) (Value, bool) {
	i, ok := f.kvIndex[key]
	if !ok {
		return Value{}, false
	}
	return f.kvs[i].Value, true
}

// get returns the value of key, or the zero Value (whose accessors all
// report false) when it is absent.
func (f *File) get(key string) Value {
	v, _ := f.Value(key)
	return v
}

// String returns the string value of key, and false when it is absent or not
// a string.
func (f *File) String(key string) (string, bool) {
	return f.get(key).Str()
}

// Uint returns the value of key when it is a non-negative integer of any
// integer type, and false otherwise.
func (f *File) Uint(key string) (uint64, bool) {
	return f.get(key).Uint()
}

// Int returns the value of key when it is an integer of any integer type
// that fits an int64, and false otherwise.
func (f *File) Int(key string) (int64, bool) {
	return f.get(key).Int()
}

// Float returns the value of key when it is a float32, float64 or integer,
// and false otherwise.
func (f *File) Float(key string) (float64, bool) {
	return f.get(key).Float()
}

// Bool returns the value of key when it is a bool, and false otherwise.
func (f *File) Bool(key string) (bool, bool) {
	return f.get(key).Bool()
}

// Strings returns a copy of the value of key when it is an array of strings,
// and false otherwise.
func (f *File) Strings(key string) ([]string, bool) {
	return f.get(key).Strings()
}

// Ints returns the value of key when it is an array of integers that fit an
// int64, and false otherwise.
func (f *File) Ints(key string) ([]int64, bool) {
	return f.get(key).Ints()
}

// Floats returns the value of key when it is an array of floats or integers,
// and false otherwise.
func (f *File) Floats(key string) ([]float64, bool) {
	return f.get(key).Floats()
}

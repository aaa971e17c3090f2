package gguf

import (
	"fmt"
	"math/bits"
	"sort"
)

// Format constants, and the limits Parse enforces beyond fitting in the file.
const (
	// Magic is the first four bytes of every GGUF file.
	Magic = "GGUF"
	// DefaultAlignment is the alignment of tensor data when the file has no
	// "general.alignment".
	DefaultAlignment = 32
	// AlignmentKey is the metadata key holding the alignment, a uint32.
	AlignmentKey = "general.alignment"
	// MaxStringLen is the longest metadata string value accepted, in bytes.
	MaxStringLen = 64 << 20
	// MaxNameLen is the longest metadata key or tensor name accepted, in
	// bytes (the spec's limit for keys).
	MaxNameLen = 1<<16 - 1
	// MaxArrayDepth is how deep arrays may nest: 1 allows arrays of scalars
	// only, 2 arrays of those, and so on.
	MaxArrayDepth = 8
	// MaxDims is the most dimensions a tensor may have.
	MaxDims = 4
)

// headerSize is the size of the fixed header: magic, version and two counts.
const headerSize = 24

// The fewest bytes a metadata entry (a 1-byte key, type, 1-byte value) and a
// tensor info (a 1-byte name, n_dims 0, type, offset) take in a file.
const (
	minKVBytes     = 8 + 1 + 4 + 1
	minTensorBytes = 8 + 1 + 4 + 4 + 8
)

// Parse parses and validates the GGUF file image b; name identifies it in
// errors. The returned File's tensor data aliases b, which must not change
// while the File is used; metadata is copied. Parse never panics.
func Parse(name string, b []byte) (*File, error) {
	f, err := parse(name, b)
	if err != nil {
		return nil, fmt.Errorf("gguf: %s: %w", name, err)
	}
	return f, nil
}

// parse is Parse without the prefix on errors.
func parse(name string, b []byte) (*File, error) {
	d := &decoder{b: b}
	if len(b) < headerSize {
		if len(b) >= 4 && string(b[:4]) != Magic {
			return nil, fmt.Errorf("bad magic %q: not a GGUF file", b[:4])
		}
		return nil, fmt.Errorf("truncated: %d bytes, too short for the %d-byte GGUF header", len(b), headerSize)
	}
	magic, _ := d.next(4, "magic")
	if string(magic) != Magic {
		return nil, fmt.Errorf("bad magic %q: not a GGUF file", magic)
	}
	version, _ := d.u32("version")
	switch version {
	case 2, 3:
	case 1:
		return nil, fmt.Errorf("GGUF version 1 is not supported (only versions 2 and 3); convert the model again with a current llama.cpp")
	default:
		if r := bits.ReverseBytes32(version); r >= 1 && r <= 3 {
			return nil, fmt.Errorf("GGUF version %d read as little-endian: the file is big-endian, which is not supported", version)
		}
		return nil, fmt.Errorf("unsupported GGUF version %d (want 2 or 3)", version)
	}
	nTensors, _ := d.u64("tensor count")
	nKV, _ := d.u64("metadata count")
	if nKV > d.left()/minKVBytes {
		return nil, fmt.Errorf("metadata count %d is impossible in the %d bytes after the header", nKV, d.left())
	}
	if nTensors > d.left()/minTensorBytes || nKV*minKVBytes+nTensors*minTensorBytes > d.left() {
		return nil, fmt.Errorf("tensor count %d with metadata count %d is impossible in the %d bytes after the header", nTensors, nKV, d.left())
	}

	f := &File{Path: name, Version: version, Alignment: DefaultAlignment, data: b}
	if err := f.parseMetadata(d, int(nKV)); err != nil {
		return nil, err
	}
	if err := f.parseTensorInfos(d, int(nTensors)); err != nil {
		return nil, err
	}
	// The data section starts at the next multiple of the alignment; pos is at
	// most len(b) and the alignment at most 2^31, so this cannot overflow.
	f.DataOffset = (int64(d.pos) + int64(f.Alignment) - 1) &^ (int64(f.Alignment) - 1)
	if err := f.checkRanges(); err != nil {
		return nil, err
	}
	return f, nil
}

// names describes a list of unique names (metadata keys, tensor names) for
// reading them and for errors.
type names struct {
	field  string // what the name is: "key", "tensor name"
	entry  string // what holds it: "metadata entry", "tensor"
	empty  string // an empty one: "empty key"
	dup    string // a duplicate: "metadata key"
	plural string // entries in a duplicate's error: "entries"
	label  string // an entry that fails: "key"
}

var (
	metadataKeys = names{"key", "metadata entry", "empty key", "metadata key", "entries", "key"}
	tensorNames  = names{"tensor name", "tensor", "empty name", "tensor name", "tensors", "tensor"}
)

// read reads the i-th of n names, which must be non-empty and not in index.
func (k names) read(d *decoder, index map[string]int, i, n int) (string, error) {
	name, err := d.str(k.field, MaxNameLen)
	switch {
	case err != nil:
		return "", fmt.Errorf("%s %d of %d: %w", k.entry, i, n, err)
	case name == "":
		return "", fmt.Errorf("%s %d of %d: %s", k.entry, i, n, k.empty)
	}
	if j, dup := index[name]; dup {
		return "", fmt.Errorf("duplicate %s %q (%s %d and %d)", k.dup, name, k.plural, j, i)
	}
	return name, nil
}

// readEntries reads n entries, each a unique name then what read reads,
// and returns them with the index of their names.
func readEntries[T any](d *decoder, k names, n int, read func(name string) (T, error)) ([]T, map[string]int, error) {
	out := make([]T, 0, n)
	index := make(map[string]int, n)
	for i := range n {
		name, err := k.read(d, index, i, n)
		if err != nil {
			return nil, nil, err
		}
		x, err := read(name)
		if err != nil {
			return nil, nil, fmt.Errorf("%s %q: %w", k.label, name, err)
		}
		index[name] = i
		out = append(out, x)
	}
	return out, index, nil
}

// parseMetadata reads n key-value pairs and the alignment.
func (f *File) parseMetadata(d *decoder, n int) error {
	var err error
	f.kvs, f.kvIndex, err = readEntries(d, metadataKeys, n, func(key string) (KV, error) {
		t, err := d.u32("value type")
		if err != nil {
			return KV{}, err
		}
		v, err := d.value(ValueType(t), 0)
		return KV{Key: key, Value: v}, err
	})
	if err != nil {
		return err
	}
	if v, ok := f.Value(AlignmentKey); ok {
		a, isU32 := v.Any().(uint32)
		switch {
		case !isU32:
			return fmt.Errorf("key %q: type %s, want uint32", AlignmentKey, v.Type())
		case a == 0 || a&(a-1) != 0:
			return fmt.Errorf("key %q: alignment %d is not a power of two", AlignmentKey, a)
		}
		f.Alignment = int(a)
	}
	return nil
}

// parseTensorInfos reads n tensor infos, checking names, dims, types, sizes
// and offset alignment (ranges are checked once the data section is known).
func (f *File) parseTensorInfos(d *decoder, n int) error {
	var err error
	f.tensors, f.tensorIndex, err = readEntries(d, tensorNames, n, func(name string) (TensorInfo, error) {
		return readTensorInfo(d, name, uint64(f.Alignment))
	})
	return err
}

// readTensorInfo reads the rest of a tensor info after its name.
func readTensorInfo(d *decoder, name string, align uint64) (TensorInfo, error) {
	ti := TensorInfo{Name: name}
	nd, err := d.u32("number of dimensions")
	if err != nil {
		return ti, err
	}
	if nd > MaxDims {
		return ti, fmt.Errorf("%d dimensions, at most %d allowed", nd, MaxDims)
	}
	ti.Dims = make([]uint64, nd)
	for j := range ti.Dims {
		if ti.Dims[j], err = d.u64("dimension"); err != nil {
			return ti, err
		}
	}
	t, err := d.u32("ggml type")
	if err != nil {
		return ti, err
	}
	ti.Type = GGMLType(t)
	if ti.Offset, err = d.u64("data offset"); err != nil {
		return ti, err
	}
	if ti.Type.Known() {
		ti.Size, err = dataSize(ti.Type, ti.Dims)
	} else {
		_, err = numElements(ti.Dims) // the size is unknown, but the count must be sane
	}
	if err != nil {
		return ti, err
	}
	if ti.Offset%align != 0 {
		return ti, fmt.Errorf("data offset %d is not a multiple of the alignment %d", ti.Offset, align)
	}
	return ti, nil
}

// checkRanges checks that every tensor's data lies inside the file and that
// no two tensors of known type overlap.
func (f *File) checkRanges() error {
	fileSize := uint64(len(f.data))
	start := uint64(f.DataOffset)
	var spans []int
	for i, ti := range f.tensors {
		if start > fileSize || ti.Offset > fileSize-start || ti.Size > fileSize-start-ti.Offset {
			return fmt.Errorf("tensor %q: data of %d bytes at offset %d of the data section (which starts at %d) extends past the end of the %d-byte file",
				ti.Name, ti.Size, ti.Offset, start, fileSize)
		}
		if ti.Size > 0 {
			spans = append(spans, i)
		}
	}
	sort.Slice(spans, func(a, b int) bool { return f.tensors[spans[a]].Offset < f.tensors[spans[b]].Offset })
	for k := 1; k < len(spans); k++ {
		prev, cur := f.tensors[spans[k-1]], f.tensors[spans[k]]
		if cur.Offset < prev.Offset+prev.Size {
			return fmt.Errorf("tensors %q [%d, %d) and %q [%d, %d) overlap in the data section",
				prev.Name, prev.Offset, prev.Offset+prev.Size, cur.Name, cur.Offset, cur.Offset+cur.Size)
		}
	}
	return nil
}

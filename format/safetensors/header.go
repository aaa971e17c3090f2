package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf8"
)

// MaxHeaderSize is the largest JSON header, in bytes, that ParseHeader
// accepts (100 MiB, the limit of the reference implementation).
const MaxHeaderSize = 100 << 20

// metadataKey is the reserved header key holding string-to-string metadata.
const metadataKey = "__metadata__"

// Info describes one tensor as the header declares it (after validation).
type Info struct {
	// Name is the tensor's name, the header key.
	Name string
	// DType is the header dtype string, e.g. "BF16", "F8_E4M3", "I64"; see
	// DTypeOf for the tensor.DType it maps to.
	DType string
	// Shape holds the dimensions, outermost first; empty for a scalar. The
	// data is row-major (C order).
	Shape []int
	// Begin and End are the tensor's byte range [Begin, End) relative to the
	// start of the data section (Header.DataStart in the file).
	Begin, End int64
}

// NumElements returns the number of elements the shape holds (1 for a scalar).
// The header has been validated, so it does not overflow.
func (in Info) NumElements() int64 {
	n, _ := numElements(in.Shape)
	return n
}

// Header is a parsed, validated header.
type Header struct {
	// Tensors maps each tensor name to its Info.
	Tensors map[string]Info
	// Order lists the tensor names sorted by Begin offset (ties by End, then
	// name), which is the order of their data in the file.
	Order []string
	// Metadata is the "__metadata__" object, or nil when the header has none.
	Metadata map[string]string
	// DataStart is the absolute file offset of the data section, 8+N for a
	// header of N bytes.
	DataStart int64
}

// ParseHeader parses and validates a header given the first bytes of a file
// and the total file size in bytes. prefix must contain at least the 8 length
// bytes and the whole JSON header; bytes after the header are ignored.
//
// Every tensor is checked: known dtype, non-negative dimensions whose element
// count does not overflow, 0 <= begin <= end <= size of the data section,
// end-begin equal to elements × dtype size, no two non-empty byte ranges
// overlapping and no duplicate names. ParseHeader never panics, and allocates
// memory in proportion to the header's length, never to the declared sizes.
// The header must meet DefaultLimits.
func ParseHeader(prefix []byte, fileSize int64) (*Header, error) {
	h, err := parseHeader(prefix, fileSize, DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return h, nil
}

// headerLen reads and checks the 8-byte header length given the file size.
// first must hold at least 8 bytes.
func headerLen(first []byte, fileSize int64, lim Limits) (int64, error) {
	n := binary.LittleEndian.Uint64(first[:8])
	if max := lim.headerBytes(); n > uint64(max) {
		return 0, limitErrorf("header length %d exceeds the limit of %d bytes", n, max)
	}
	if int64(n) > fileSize-8 {
		return 0, fmt.Errorf("header length %d exceeds the %d bytes after the length field (file is %d bytes)", n, fileSize-8, fileSize)
	}
	return int64(n), nil
}

// parseHeader is ParseHeader without the package prefix on errors, so that
// callers can add the file name.
func parseHeader(prefix []byte, fileSize int64, lim Limits) (*Header, error) {
	if fileSize < 8 {
		return nil, fmt.Errorf("file is too short (%d bytes) to hold the 8-byte header length", fileSize)
	}
	if int64(len(prefix)) > fileSize {
		return nil, fmt.Errorf("prefix (%d bytes) is longer than the file (%d bytes)", len(prefix), fileSize)
	}
	if len(prefix) < 8 {
		return nil, fmt.Errorf("prefix holds %d bytes, need at least the 8-byte header length", len(prefix))
	}
	n, err := headerLen(prefix, fileSize, lim)
	if err != nil {
		return nil, err
	}
	if int64(len(prefix)) < 8+n {
		return nil, fmt.Errorf("prefix holds %d bytes, but the %d-byte header needs %d", len(prefix), n, 8+n)
	}
	js := prefix[8 : 8+n]
	if !utf8.Valid(js) {
		return nil, fmt.Errorf("header is not valid UTF-8")
	}
	if err := lim.precount(js, "header", "data_offsets"); err != nil {
		return nil, err
	}
	h := &Header{Tensors: make(map[string]Info), DataStart: 8 + n}
	dataSize := fileSize - h.DataStart

	dec := newDecoder(bytes.NewReader(js))
	err = object(dec, "header", "tensor name", func(name string) error {
		if name == metadataKey {
			md, err := parseMetadata(dec)
			if err != nil {
				return err
			}
			h.Metadata = md
			return nil
		}
		if len(h.Tensors) >= lim.Tensors {
			return lim.tooMany("header", len(h.Tensors)+1)
		}
		info, err := parseEntry(dec, name, dataSize)
		if err != nil {
			return err
		}
		h.Tensors[name] = info
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := expectEnd(dec, "header"); err != nil {
		return nil, err
	}
	if err := h.order(); err != nil {
		return nil, err
	}
	return h, nil
}

// parseMetadata reads the "__metadata__" value: a string-to-string object,
// or null (no metadata).
func parseMetadata(dec *json.Decoder) (map[string]string, error) {
	const what = metadataKey
	tok, err := nextToken(dec, what)
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if !isDelim(tok, '{') {
		return nil, fmt.Errorf("%s is %s, not an object of strings", what, describe(tok))
	}
	md := make(map[string]string)
	err = members(dec, what, "key", func(key string) error {
		v, err := stringValue(dec, fmt.Sprintf("%s[%q]", what, key))
		md[key] = v
		return err
	})
	return md, err
}

// parseEntry reads one tensor's {"dtype", "shape", "data_offsets"} object and
// checks it against itself and the data section size. Unknown fields are
// ignored, as the reference implementation does.
func parseEntry(dec *json.Decoder, name string, dataSize int64) (Info, error) {
	what := fmt.Sprintf("tensor %q", name)
	info := Info{Name: name}
	var haveDType, haveShape, haveOffsets bool
	var offsets []int64
	err := object(dec, what, "field", func(key string) error {
		var err error
		switch key {
		case "dtype":
			haveDType = true
			info.DType, err = stringValue(dec, what+": dtype")
		case "shape":
			haveShape = true
			var dims []int64
			dims, err = intArray(dec, what+": shape")
			if err == nil && len(dims) > MaxDims {
				err = fmt.Errorf("%s: shape has %d dimensions, at most %d allowed", what, len(dims), MaxDims)
			}
			if err == nil {
				info.Shape, err = toShape(dims)
				if err != nil {
					err = fmt.Errorf("%s: shape %v: %w", what, dims, err)
				}
			}
		case "data_offsets":
			haveOffsets = true
			offsets, err = intArray(dec, what+": data_offsets")
		default:
			err = skipValue(dec, what+": "+key)
		}
		return err
	})
	if err != nil {
		return Info{}, err
	}
	switch {
	case !haveDType:
		return Info{}, fmt.Errorf("%s: missing field \"dtype\"", what)
	case !haveShape:
		return Info{}, fmt.Errorf("%s: missing field \"shape\"", what)
	case !haveOffsets:
		return Info{}, fmt.Errorf("%s: missing field \"data_offsets\"", what)
	}
	size, ok := dtypeSizes[info.DType]
	if !ok {
		return Info{}, fmt.Errorf("%s: unknown dtype %q", what, info.DType)
	}
	if len(offsets) != 2 {
		return Info{}, fmt.Errorf("%s: data_offsets %v must be [begin, end]", what, offsets)
	}
	info.Begin, info.End = offsets[0], offsets[1]
	if info.Begin < 0 || info.End < info.Begin {
		return Info{}, fmt.Errorf("%s: data_offsets [%d, %d] are not 0 <= begin <= end", what, info.Begin, info.End)
	}
	if info.End > dataSize {
		return Info{}, fmt.Errorf("%s: data_offsets [%d, %d] end past the data section (%d bytes)", what, info.Begin, info.End, dataSize)
	}
	elems, ok := numElements(info.Shape)
	if !ok || elems > maxInt64/size {
		return Info{}, fmt.Errorf("%s: shape %v element count overflows", what, info.Shape)
	}
	if got := info.End - info.Begin; got != elems*size {
		return Info{}, fmt.Errorf("%s: shape %v of %s needs %d bytes, data_offsets [%d, %d] hold %d", what, info.Shape, info.DType, elems*size, info.Begin, info.End, got)
	}
	return info, nil
}

// toShape converts parsed dimensions to ints, rejecting negative ones and
// ones that do not fit in int.
func toShape(dims []int64) ([]int, error) {
	shape := make([]int, len(dims))
	for i, d := range dims {
		if d < 0 {
			return nil, fmt.Errorf("dimension %d is negative", i)
		}
		if int64(int(d)) != d {
			return nil, fmt.Errorf("dimension %d does not fit in int", i)
		}
		shape[i] = int(d)
	}
	return shape, nil
}

// order fills h.Order and rejects overlapping byte ranges. Empty ranges
// overlap nothing.
func (h *Header) order() error {
	h.Order = make([]string, 0, len(h.Tensors))
	for name := range h.Tensors {
		h.Order = append(h.Order, name)
	}
	sort.Slice(h.Order, func(i, j int) bool {
		a, b := h.Tensors[h.Order[i]], h.Tensors[h.Order[j]]
		if a.Begin != b.Begin {
			return a.Begin < b.Begin
		}
		if a.End != b.End {
			return a.End < b.End
		}
		return a.Name < b.Name
	})
	var last Info // the non-empty range reaching furthest so far
	for _, name := range h.Order {
		t := h.Tensors[name]
		if t.Begin == t.End {
			continue
		}
		if last.End > t.Begin {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q at [%d, %d]", t.Name, t.Begin, t.End, last.Name, last.Begin, last.End)
		}
		last = t
	}
	return nil
}

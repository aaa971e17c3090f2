package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// decoder reads little-endian GGUF primitives from a file image, checking
// every length against the bytes left. Its errors carry the offset but not
// the file name or context, which the caller adds.
type decoder struct {
	b   []byte
	pos int
}

// left is the number of unread bytes.
func (d *decoder) left() uint64 { return uint64(len(d.b) - d.pos) }

// next consumes n bytes, or fails naming what was being read.
func (d *decoder) next(n int, what string) ([]byte, error) {
	if uint64(n) > d.left() {
		return nil, fmt.Errorf("truncated at offset %d: %s needs %d bytes, %d left", d.pos, what, n, d.left())
	}
	p := d.b[d.pos : d.pos+n : d.pos+n]
	d.pos += n
	return p, nil
}

// scalar consumes size bytes, converted with conv, or fails naming what.
func scalar[T any](d *decoder, size int, what string, conv func([]byte) T) (T, error) {
	p, err := d.next(size, what)
	if err != nil {
		var zero T
		return zero, err
	}
	return conv(p), nil
}

func (d *decoder) u8(what string) (uint8, error) {
	return scalar(d, 1, what, func(p []byte) uint8 { return p[0] })
}

func (d *decoder) u16(what string) (uint16, error) {
	return scalar(d, 2, what, binary.LittleEndian.Uint16)
}

func (d *decoder) u32(what string) (uint32, error) {
	return scalar(d, 4, what, binary.LittleEndian.Uint32)
}

func (d *decoder) u64(what string) (uint64, error) {
	return scalar(d, 8, what, binary.LittleEndian.Uint64)
}

// str reads a length-prefixed string of at most max bytes and copies it out
// of the image.
func (d *decoder) str(what string, max int) (string, error) {
	at := d.pos
	n, err := d.u64(what + " length")
	if err != nil {
		return "", err
	}
	if n > uint64(max) {
		return "", fmt.Errorf("%s at offset %d: length %d exceeds the limit of %d", what, at, n, max)
	}
	p, err := d.next(int(n), what)
	if err != nil {
		return "", err
	}
	return string(p), nil
}

// value reads a value of type t; depth is the number of arrays it is inside.
func (d *decoder) value(t ValueType, depth int) (Value, error) {
	if ft, ok := fixedTypes[t]; ok {
		return ft.one(d)
	}
	switch t {
	case TypeBool:
		x, err := d.bool()
		return Of(x), err
	case TypeString:
		s, err := d.str("string", MaxStringLen)
		return Of(s), err
	case TypeArray:
		return d.array(depth)
	}
	return Value{}, fmt.Errorf("unknown value type %d at offset %d", uint32(t), d.pos-4)
}

// bool reads a bool, which must be 0 or 1.
func (d *decoder) bool() (bool, error) {
	x, err := d.u8("bool")
	if err != nil {
		return false, err
	}
	if x > 1 {
		return false, fmt.Errorf("bool at offset %d is %d, not 0 or 1", d.pos-1, x)
	}
	return x == 1, nil
}

// array reads an array's element type, count and elements; depth is the
// number of arrays it is inside.
func (d *decoder) array(depth int) (Value, error) {
	if depth >= MaxArrayDepth {
		return Value{}, fmt.Errorf("arrays nested more than %d deep at offset %d", MaxArrayDepth, d.pos)
	}
	et, err := d.u32("array element type")
	if err != nil {
		return Value{}, err
	}
	elem := ValueType(et)
	if !elem.valid() {
		return Value{}, fmt.Errorf("unknown array element type %d at offset %d", et, d.pos-4)
	}
	at := d.pos
	n64, err := d.u64("array length")
	if err != nil {
		return Value{}, err
	}
	if n64 > d.left()/elem.minSize() {
		return Value{}, fmt.Errorf("array at offset %d: %d elements of %s cannot fit in the %d bytes left", at, n64, elem, d.left())
	}
	n := int(n64) // at most the file size
	v := Value{typ: TypeArray, elem: elem}
	if ft, ok := fixedTypes[elem]; ok {
		v.v = ft.many(d, n)
		return v, nil
	}
	switch elem {
	case TypeBool:
		s := make([]bool, n)
		for i := range s {
			if s[i], err = d.bool(); err != nil {
				return Value{}, fmt.Errorf("element %d: %w", i, err)
			}
		}
		v.v = s
	case TypeString:
		s := make([]string, n)
		for i := range s {
			if s[i], err = d.str("string", MaxStringLen); err != nil {
				return Value{}, fmt.Errorf("element %d: %w", i, err)
			}
		}
		v.v = s
	case TypeArray:
		s := make([]Value, n)
		for i := range s {
			if s[i], err = d.array(depth + 1); err != nil {
				return Value{}, fmt.Errorf("element %d: %w", i, err)
			}
		}
		v.v = s
	}
	return v, nil
}

// fixed decodes n elements of size bytes each with conv. The caller has
// checked that n*size bytes are left.
func fixed[T any](d *decoder, n, size int, conv func([]byte) T) []T {
	s := make([]T, n)
	p := d.b[d.pos : d.pos+n*size]
	for i := range s {
		s[i] = conv(p[i*size:])
	}
	d.pos += n * size
	return s
}

// fixedType reads the values of one fixed-width scalar type: one as a
// scalar Value, or n as an array's elements (a []T).
type fixedType struct {
	one  func(d *decoder) (Value, error)
	many func(d *decoder, n int) any
}

// fixedOf is the fixedType of the Go type T, whose values take size bytes
// in a file and decode with conv.
func fixedOf[T Scalar](size int, conv func([]byte) T) fixedType {
	var zero T
	t, _ := scalarType(zero)
	return fixedType{
		one: func(d *decoder) (Value, error) {
			x, err := scalar(d, size, t.String(), conv)
			return Of(x), err
		},
		many: func(d *decoder, n int) any { return fixed(d, n, size, conv) },
	}
}

// fixedTypes are the scalar types of fixed width whose every bit pattern is
// a value: all but bool (0 or 1) and string.
var fixedTypes = map[ValueType]fixedType{
	TypeUint8:   fixedOf(1, func(p []byte) uint8 { return p[0] }),
	TypeInt8:    fixedOf(1, func(p []byte) int8 { return int8(p[0]) }),
	TypeUint16:  fixedOf(2, binary.LittleEndian.Uint16),
	TypeInt16:   fixedOf(2, func(p []byte) int16 { return int16(binary.LittleEndian.Uint16(p)) }),
	TypeUint32:  fixedOf(4, binary.LittleEndian.Uint32),
	TypeInt32:   fixedOf(4, func(p []byte) int32 { return int32(binary.LittleEndian.Uint32(p)) }),
	TypeFloat32: fixedOf(4, func(p []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(p)) }),
	TypeUint64:  fixedOf(8, binary.LittleEndian.Uint64),
	TypeInt64:   fixedOf(8, func(p []byte) int64 { return int64(binary.LittleEndian.Uint64(p)) }),
	TypeFloat64: fixedOf(8, func(p []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(p)) }),
}

package gguf

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// ValueType is the type of a metadata value, numbered as in GGUF files.
type ValueType uint32

// The metadata value types.
const (
	TypeUint8   ValueType = 0
	TypeInt8    ValueType = 1
	TypeUint16  ValueType = 2
	TypeInt16   ValueType = 3
	TypeUint32  ValueType = 4
	TypeInt32   ValueType = 5
	TypeFloat32 ValueType = 6
	TypeBool    ValueType = 7 // one byte, 0 or 1
	TypeString  ValueType = 8 // u64 length and UTF-8 bytes, no terminator
	TypeArray   ValueType = 9 // element type u32, u64 count, elements
	TypeUint64  ValueType = 10
	TypeInt64   ValueType = 11
	TypeFloat64 ValueType = 12
)

var valueTypeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32",
	"float32", "bool", "string", "array", "uint64", "int64", "float64"}

// String returns the lower-case name of t ("uint32"), or "ValueType(n)".
func (t ValueType) String() string {
	if t.valid() {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("ValueType(%d)", uint32(t))
}

// valid reports whether t is a defined value type.
func (t ValueType) valid() bool { return t <= TypeFloat64 }

// minSize is the fewest bytes a value of type t takes in a file: the size of
// a scalar, the length word of a string, the element type and count of an
// array. t must be valid.
func (t ValueType) minSize() uint64 {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeString, TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 12 // array
}

// Scalar is the set of Go types a scalar metadata value is held in, one per
// scalar ValueType.
type Scalar interface {
	uint8 | int8 | uint16 | int16 | uint32 | int32 | float32 | bool | string | uint64 | int64 | float64
}

// Value is one metadata value, a scalar or an array. Make values with Of,
// ArrayOf and Arrays; the zero Value is invalid.
type Value struct {
	typ  ValueType
	elem ValueType // element type of an array
	v    any       // a Scalar type, a slice of one, or []Value
}

// scalarType returns the ValueType of a Go value of a Scalar type.
func scalarType(x any) (ValueType, bool) {
	switch x.(type) {
	case uint8:
		return TypeUint8, true
	case int8:
		return TypeInt8, true
	case uint16:
		return TypeUint16, true
	case int16:
		return TypeInt16, true
	case uint32:
		return TypeUint32, true
	case int32:
		return TypeInt32, true
	case float32:
		return TypeFloat32, true
	case bool:
		return TypeBool, true
	case string:
		return TypeString, true
	case uint64:
		return TypeUint64, true
	case int64:
		return TypeInt64, true
	case float64:
		return TypeFloat64, true
	}
	return 0, false
}

// sliceType returns the element ValueType of a slice held by an array Value.
func sliceType(x any) (ValueType, bool) {
	if _, ok := x.([]Value); ok {
		return TypeArray, true
	}
	rv := reflect.ValueOf(x)
	if rv.Kind() != reflect.Slice {
		return 0, false
	}
	return scalarType(reflect.Zero(rv.Type().Elem()).Interface())
}

// Of returns the scalar value x; its type follows from x's Go type (an int32
// gives TypeInt32, a string TypeString).
func Of[T Scalar](x T) Value {
	t, _ := scalarType(x)
	return Value{typ: t, v: x}
}

// ArrayOf returns an array of the scalars xs (copied).
func ArrayOf[T Scalar](xs []T) Value {
	var zero T
	t, _ := scalarType(zero)
	return Value{typ: TypeArray, elem: t, v: append([]T{}, xs...)}
}

// Arrays returns an array whose elements are the arrays xs (copied), which may
// have different element types.
func Arrays(xs ...Value) Value {
	return Value{typ: TypeArray, elem: TypeArray, v: append([]Value{}, xs...)}
}

// Type is the value's type.
func (v Value) Type() ValueType { return v.typ }

// ElemType is the element type of an array (TypeArray for an array of
// arrays); it is meaningless for a scalar.
func (v Value) ElemType() ValueType { return v.elem }

// Len is the number of elements of an array, and 0 for a scalar.
func (v Value) Len() int {
	if v.typ != TypeArray || v.v == nil {
		return 0
	}
	return reflect.ValueOf(v.v).Len()
}

// Any returns the value as a Go value: a Scalar type for a scalar, a slice of
// one for an array of scalars (a []uint32 for an array of uint32), and
// []Value for an array of arrays. Slices are shared: do not modify them.
func (v Value) Any() any { return v.v }

// Index returns element i of an array; it panics when v is not an array or
// i is out of range.
func (v Value) Index(i int) Value {
	if v.typ != TypeArray {
		panic(fmt.Sprintf("gguf: Index of a %s value", v.typ))
	}
	if s, ok := v.v.([]Value); ok {
		return s[i]
	}
	x := reflect.ValueOf(v.v).Index(i).Interface()
	t, _ := scalarType(x)
	return Value{typ: t, v: x}
}

// Array returns the elements of an array as Values, and false for a scalar.
func (v Value) Array() ([]Value, bool) {
	if v.typ != TypeArray {
		return nil, false
	}
	out := make([]Value, v.Len())
	for i := range out {
		out[i] = v.Index(i)
	}
	return out, true
}

// Str returns a string value, and false for any other type.
func (v Value) Str() (string, bool) {
	s, ok := v.v.(string)
	return s, ok && v.typ == TypeString
}

// Bool returns a bool value, and false for any other type.
func (v Value) Bool() (bool, bool) {
	b, ok := v.v.(bool)
	return b, ok && v.typ == TypeBool
}

// Uint returns an integer value of any integer type as a uint64, and false
// for a negative integer or any other type.
func (v Value) Uint() (uint64, bool) {
	if v.typ == TypeArray {
		return 0, false
	}
	return toUint(v.v)
}

// Int returns an integer value of any integer type as an int64, and false for
// a uint64 above math.MaxInt64 or any other type.
func (v Value) Int() (int64, bool) {
	if v.typ == TypeArray {
		return 0, false
	}
	return toInt(v.v)
}

// Float returns a float32, float64 or integer value as a float64, and false
// for any other type.
func (v Value) Float() (float64, bool) {
	if v.typ == TypeArray {
		return 0, false
	}
	return toFloat(v.v)
}

// Strings returns a copy of an array of strings, and false for any other value.
func (v Value) Strings() ([]string, bool) {
	s, ok := v.v.([]string)
	if !ok || v.typ != TypeArray {
		return nil, false
	}
	return append([]string{}, s...), true
}

// Ints returns an array of any integer type as int64s, and false for any
// other value or when an element is a uint64 above math.MaxInt64.
func (v Value) Ints() ([]int64, bool) { return convertArray(v, toInt) }

// Uints returns an array of any integer type as uint64s, and false for any
// other value or when an element is negative.
func (v Value) Uints() ([]uint64, bool) { return convertArray(v, toUint) }

// Floats returns an array of floats or integers as float64s, and false for
// any other value.
func (v Value) Floats() ([]float64, bool) { return convertArray(v, toFloat) }

// convertArray converts each element of an array of scalars with conv.
func convertArray[U any](v Value, conv func(any) (U, bool)) ([]U, bool) {
	if v.typ != TypeArray || v.elem == TypeArray || v.v == nil {
		return nil, false
	}
	rv := reflect.ValueOf(v.v)
	out := make([]U, rv.Len())
	for i := range out {
		u, ok := conv(rv.Index(i).Interface())
		if !ok {
			return nil, false
		}
		out[i] = u
	}
	return out, true
}

// toUint converts a non-negative integer of any integer type.
func toUint(x any) (uint64, bool) {
	if bits, _, signed, ok := integerBits(x); ok && (!signed || int64(bits) >= 0) {
		return bits, true
	}
	return 0, false
}

// toInt converts an integer of any integer type that fits an int64.
func toInt(x any) (int64, bool) {
	if bits, _, signed, ok := integerBits(x); ok && (signed || bits <= math.MaxInt64) {
		return int64(bits), true
	}
	return 0, false
}

// integerBits returns a value of any integer type as its two's-complement
// bits (sign-extended), its size in bytes and whether the type is signed.
func integerBits(x any) (bits uint64, size int, signed, ok bool) {
	v := reflect.ValueOf(x)
	switch {
	case v.CanUint():
		return v.Uint(), int(v.Type().Size()), false, true
	case v.CanInt():
		return uint64(v.Int()), int(v.Type().Size()), true, true
	}
	return 0, 0, false, false
}

// toFloat converts a float or an integer.
func toFloat(x any) (float64, bool) {
	switch x := x.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case uint64:
		return float64(x), true
	}
	if i, ok := toInt(x); ok {
		return float64(i), true
	}
	return 0, false
}

// String formats the value for display: strings quoted (long ones cut),
// arrays as their first elements and their length.
func (v Value) String() string {
	const maxElems, maxRunes = 8, 80
	switch x := v.v.(type) {
	case nil:
		return "<invalid>"
	case string:
		n := 0
		for i := range x {
			if n == maxRunes {
				return strconv.Quote(x[:i]) + "…"
			}
			n++
		}
		return strconv.Quote(x)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	if v.typ != TypeArray {
		return fmt.Sprint(v.v)
	}
	n := v.Len()
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < n && i < maxElems; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.Index(i).String())
	}
	if n > maxElems {
		fmt.Fprintf(&b, ", … (%d × %s)", n, v.elem)
	}
	b.WriteByte(']')
	return b.String()
}

// check reports why v cannot be written: an invalid type, a Go value that
// does not match its type, an over-long string or arrays nested more than
// MaxArrayDepth deep. depth is the number of arrays v is inside.
func (v Value) check(depth int) error {
	if v.typ != TypeArray {
		if t, ok := scalarType(v.v); !ok || t != v.typ {
			return fmt.Errorf("invalid %s value (the zero Value?)", v.typ)
		}
		if s, ok := v.v.(string); ok && len(s) > MaxStringLen {
			return fmt.Errorf("string of %d bytes exceeds the limit of %d", len(s), MaxStringLen)
		}
		return nil
	}
	if depth >= MaxArrayDepth {
		return fmt.Errorf("arrays nested more than %d deep", MaxArrayDepth)
	}
	if t, ok := sliceType(v.v); !ok || t != v.elem {
		return fmt.Errorf("invalid array of %s", v.elem)
	}
	switch s := v.v.(type) {
	case []string:
		for i, e := range s {
			if len(e) > MaxStringLen {
				return fmt.Errorf("element %d: string of %d bytes exceeds the limit of %d", i, len(e), MaxStringLen)
			}
		}
	case []Value:
		for i, e := range s {
			if e.typ != TypeArray {
				return fmt.Errorf("element %d: a %s in an array of arrays", i, e.typ)
			}
			if err := e.check(depth + 1); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
	}
	return nil
}

package kvevents

import (
	"encoding/binary"
	"math"
)

// enc appends MessagePack values to a byte slice. It writes only the types
// the event schema uses (nil, unsigned and signed integers, float64,
// strings, array and map headers), always in the smallest encoding, as
// msgspec (vLLM's encoder) does.
type enc struct{ b []byte }

func (e *enc) nil() { e.b = append(e.b, 0xc0) }

// uint writes v in the smallest unsigned form: positive fixint, uint8..64.
func (e *enc) uint(v uint64) {
	switch {
	case v < 128:
		e.b = append(e.b, byte(v))
	case v <= math.MaxUint8:
		e.b = append(e.b, 0xcc, byte(v))
	case v <= math.MaxUint16:
		e.b = binary.BigEndian.AppendUint16(append(e.b, 0xcd), uint16(v))
	case v <= math.MaxUint32:
		e.b = binary.BigEndian.AppendUint32(append(e.b, 0xce), uint32(v))
	default:
		e.b = binary.BigEndian.AppendUint64(append(e.b, 0xcf), v)
	}
}

// int writes v: non-negative values as unsigned, negative ones as a
// negative fixint or int8..64.
func (e *enc) int(v int64) {
	switch {
	case v >= 0:
		e.uint(uint64(v))
	case v >= -32:
		e.b = append(e.b, byte(int8(v)))
	case v >= math.MinInt8:
		e.b = append(e.b, 0xd0, byte(int8(v)))
	case v >= math.MinInt16:
		e.b = binary.BigEndian.AppendUint16(append(e.b, 0xd1), uint16(int16(v)))
	case v >= math.MinInt32:
		e.b = binary.BigEndian.AppendUint32(append(e.b, 0xd2), uint32(int32(v)))
	default:
		e.b = binary.BigEndian.AppendUint64(append(e.b, 0xd3), uint64(v))
	}
}

func (e *enc) float64(v float64) {
	e.b = binary.BigEndian.AppendUint64(append(e.b, 0xcb), math.Float64bits(v))
}

func (e *enc) str(s string) {
	n := len(s)
	switch {
	case n < 32:
		e.b = append(e.b, 0xa0|byte(n))
	case n <= math.MaxUint8:
		e.b = append(e.b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		e.b = binary.BigEndian.AppendUint16(append(e.b, 0xda), uint16(n))
	default:
		e.b = binary.BigEndian.AppendUint32(append(e.b, 0xdb), uint32(n))
	}
	e.b = append(e.b, s...)
}

// header writes an array (fix 0x90, 0xdc, 0xdd) or map (fix 0x80, 0xde,
// 0xdf) header of n elements or pairs.
func (e *enc) header(n int, fix, b16, b32 byte) {
	switch {
	case n < 16:
		e.b = append(e.b, fix|byte(n))
	case n <= math.MaxUint16:
		e.b = binary.BigEndian.AppendUint16(append(e.b, b16), uint16(n))
	default:
		e.b = binary.BigEndian.AppendUint32(append(e.b, b32), uint32(n))
	}
}

func (e *enc) array(n int)  { e.header(n, 0x90, 0xdc, 0xdd) }
func (e *enc) mapHdr(n int) { e.header(n, 0x80, 0xde, 0xdf) }

package safetensors

import (
	"encoding/binary"
	"math"
	"math/bits"
	"sort"
	"testing"
)

// FuzzParseHeader checks that ParseHeader never panics and that whatever it
// accepts is safe to slice: every range inside the file, sizes matching
// shapes, no overlaps.
//
// The input is a JSON header; when raw is false the harness prepends its
// correct 8-byte length so that the fuzzer explores the JSON, and when raw is
// true the input is used as the whole prefix, length bytes included. extra
// bytes of data follow the prefix in the file.
func FuzzParseHeader(f *testing.F) {
	f.Add([]byte(`{}`), uint32(0), false)
	f.Add([]byte(`{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}`), uint32(16), false)
	f.Add([]byte(`{"a":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"U8","shape":[0],"data_offsets":[6,6]},"c":{"dtype":"I64","shape":[],"data_offsets":[6,14]}}  `), uint32(20), false)
	f.Add([]byte(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}`), uint32(8), false)
	f.Add([]byte(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}`), uint32(8), false)
	f.Add([]byte(`{"a":{"dtype":"F8_E4M3","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`), uint32(8), false)
	f.Add(rawFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{7}), uint32(0), true)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}'}, uint32(0), true)

	f.Fuzz(func(t *testing.T, in []byte, extra uint32, raw bool) {
		prefix := in
		if !raw {
			prefix = make([]byte, 8+len(in))
			binary.LittleEndian.PutUint64(prefix, uint64(len(in)))
			copy(prefix[8:], in)
		}
		size := int64(len(prefix)) + int64(extra)
		h, err := ParseHeader(prefix, size)
		if err != nil {
			if h != nil {
				t.Fatal("non-nil header with an error")
			}
			return
		}
		n := binary.LittleEndian.Uint64(prefix)
		if h.DataStart != int64(8+n) || h.DataStart > size {
			t.Fatalf("DataStart %d, header length %d, file %d", h.DataStart, n, size)
		}
		if len(h.Order) != len(h.Tensors) {
			t.Fatalf("Order has %d names, Tensors %d", len(h.Order), len(h.Tensors))
		}
		type span struct{ b, e int64 }
		var spans []span
		for i, name := range h.Order {
			in, ok := h.Tensors[name]
			if !ok || in.Name != name {
				t.Fatalf("Order[%d] = %q not in Tensors", i, name)
			}
			if i > 0 && h.Tensors[h.Order[i-1]].Begin > in.Begin {
				t.Fatalf("Order not sorted by Begin at %d", i)
			}
			if in.Begin < 0 || in.End < in.Begin || h.DataStart+in.End > size {
				t.Fatalf("%q: range [%d, %d) outside the %d-byte data section", name, in.Begin, in.End, size-h.DataStart)
			}
			es, ok := dtypeSizes[in.DType]
			if !ok {
				t.Fatalf("%q: unknown dtype %q accepted", name, in.DType)
			}
			elems := int64(1)
			zero := false
			for _, d := range in.Shape {
				if d < 0 {
					t.Fatalf("%q: negative dim in %v", name, in.Shape)
				}
				zero = zero || d == 0
			}
			if zero {
				elems = 0
			} else {
				for _, d := range in.Shape {
					p, ok := mul64(elems, int64(d))
					if !ok {
						t.Fatalf("%q: shape %v overflows", name, in.Shape)
					}
					elems = p
				}
			}
			if p, ok := mul64(elems, es); !ok || p != in.End-in.Begin {
				t.Fatalf("%q: %d elements of %s in %d bytes", name, elems, in.DType, in.End-in.Begin)
			}
			if in.End > in.Begin {
				spans = append(spans, span{in.Begin, in.End})
			}
		}
		sort.Slice(spans, func(i, j int) bool { return spans[i].b < spans[j].b })
		for i := 1; i < len(spans); i++ {
			if spans[i].b < spans[i-1].e {
				t.Fatalf("ranges %v and %v overlap", spans[i-1], spans[i])
			}
		}
	})
}

// mul64 returns a*b for non-negative a and b, and false when it does not
// fit in int64.
func mul64(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	return int64(lo), hi == 0 && lo <= math.MaxInt64
}

package kvcache

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/tensor"
)

// DType is the element type keys and values are stored in.
type DType uint8

// Cache element types. Q8_0 stores blocks of 32 values as an f16 scale and 32
// int8 (34 bytes per 32 values), the ggml Q8_0 layout.
const (
	F32 DType = iota
	BF16
	F16
	Q8_0
)

// ParseDType reads a --kv-type name: f32, bf16, f16 or q8_0.
func ParseDType(s string) (DType, error) {
	switch s {
	case "f32":
		return F32, nil
	case "bf16":
		return BF16, nil
	case "f16":
		return F16, nil
	case "q8_0":
		return Q8_0, nil
	}
	return 0, fmt.Errorf("kvcache: unknown cache type %q (want f32, bf16, f16 or q8_0)", s)
}

func (d DType) String() string {
	return [...]string{"f32", "bf16", "f16", "q8_0"}[d]
}

// RowBytes is the storage size of n values (n a multiple of 32 for Q8_0).
func (d DType) RowBytes(n int) int {
	switch d {
	case F32:
		return 4 * n
	case BF16, F16:
		return 2 * n
	case Q8_0:
		return n / 32 * 34
	}
	panic("kvcache: bad dtype")
}

// encode stores src (len n) into dst (RowBytes(n) bytes).
func (d DType) encode(dst []byte, src []float32) {
	switch d {
	case F32:
		for i, f := range src {
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(f))
		}
	case BF16:
		for i, f := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], tensor.F32ToBF16(f))
		}
	case F16:
		for i, f := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], tensor.F32ToF16(f))
		}
	case Q8_0:
		for b := 0; b < len(src)/32; b++ {
			blk := src[32*b : 32*b+32]
			out := dst[34*b : 34*b+34]
			var amax float32
			for _, f := range blk {
				amax = max(amax, float32(math.Abs(float64(f))))
			}
			dd := amax / 127
			id := float32(0)
			if dd != 0 {
				id = 1 / dd
			}
			binary.LittleEndian.PutUint16(out, tensor.F32ToF16(dd))
			for i, f := range blk {
				out[2+i] = byte(int8(math.Round(float64(f * id))))
			}
		}
	}
}

// decode reads n = len(dst) values from src.
func (d DType) decode(dst []float32, src []byte) {
	switch d {
	case F32:
		copy(dst, f32View(src[:4*len(dst)]))
	case BF16:
		src = src[:2*len(dst)]
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(src[2*i])<<16 | uint32(src[2*i+1])<<24)
		}
	case F16:
		lut := f16Table()
		src = src[:2*len(dst)]
		for i := range dst {
			dst[i] = lut[uint16(src[2*i])|uint16(src[2*i+1])<<8]
		}
	case Q8_0:
		for b := 0; b < len(dst)/32; b++ {
			in := src[34*b : 34*b+34]
			dd := tensor.F16ToF32(binary.LittleEndian.Uint16(in))
			for i := 0; i < 32; i++ {
				dst[32*b+i] = float32(int8(in[2+i])) * dd
			}
		}
	}
}

var (
	f16Once sync.Once
	f16LUT  []float32
)

// f16Table maps every half-precision bit pattern to its float32 value.
func f16Table() []float32 {
	f16Once.Do(func() {
		f16LUT = make([]float32, 1<<16)
		for i := range f16LUT {
			f16LUT[i] = tensor.F16ToF32(uint16(i))
		}
	})
	return f16LUT
}

// f32View reinterprets little-endian float32 bytes without copying (amd64,
// arm64 and the other little-endian targets Go supports for this project).
func f32View(b []byte) []float32 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// dots sets scores[j] = q·K_j for the stored rows K_j (len(q) values each) at
// k[j*stride:], reading them in place.
func (d DType) dots(scores, q []float32, k []byte, stride int) {
	switch d {
	case F32:
		kernels.DotsF32(scores, q, k, stride)
	case BF16:
		kernels.DotsBF16(scores, q, k, stride)
	case F16:
		kernels.DotsF16(scores, q, k, stride)
	case Q8_0:
		kernels.DotsQ8_0(scores, q, k, stride)
	}
}

// axpys adds Σ_j w[j]·V_j to acc for the stored rows V_j (len(acc) values
// each) at v[j*stride:], reading them in place.
func (d DType) axpys(acc, w []float32, v []byte, stride int) {
	switch d {
	case F32:
		kernels.AxpysF32(acc, w, v, stride)
	case BF16:
		kernels.AxpysBF16(acc, w, v, stride)
	case F16:
		kernels.AxpysF16(acc, w, v, stride)
	case Q8_0:
		kernels.AxpysQ8_0(acc, w, v, stride)
	}
}

package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/herd-llm/herd/tensor"
)

// codec is what package quant can do with one element type. A nil function
// means the type has no such operation.
type codec struct {
	quantize   func(dst []byte, src []float32)
	dequantize func(dst []float32, src []byte)
	dot        func(w, a []byte, n int) float32 // weight row · activation row (type act)
	act        tensor.DType                     // activation type of dot
}

// codecs is the codec table, indexed by tensor.DType.
var codecs = [...]codec{
	tensor.F32:    {quantize: encodeF32, dequantize: decodeF32},
	tensor.BF16:   {quantize: encode16(tensor.F32ToBF16), dequantize: decode16(tensor.BF16ToF32)},
	tensor.F16:    {quantize: encode16(tensor.F32ToF16), dequantize: decode16(tensor.F16ToF32)},
	tensor.F8E4M3: {dequantize: decodeF8E4M3}, // quantized per row: QuantizeFP8Row
	tensor.Q8_0:   {quantizeQ8_0, dequantizeQ8_0, DotQ8_0, tensor.Q8_0},
	tensor.Q4_0:   {quantizeQ4_0, dequantizeQ4_0, DotQ4_0, tensor.Q8_0},
	tensor.Q4K:    {quantizeQ4K, dequantizeQ4K, DotQ4K, tensor.Q8K},
	tensor.Q6K:    {quantizeQ6K, dequantizeQ6K, DotQ6K, tensor.Q8K},
	tensor.Int4:   {quantize: quantizeInt4, dequantize: dequantizeInt4},
	tensor.Q8K:    {quantize: quantizeQ8K, dequantize: dequantizeQ8K},
}

// codecOf returns d's codec; it panics with a message naming op when d is
// unknown or lacks the operation (has reports whether the codec has it).
func codecOf(op string, d tensor.DType, has func(*codec) bool) *codec {
	if int(d) < len(codecs) && has(&codecs[d]) {
		return &codecs[d]
	}
	panic(fmt.Sprintf("quant: %s: no %s codec for %s", op, op, d))
}

// Parse parses a --quant name: "q8_0", "q4_0", "q4_k", "q6_k" or "int4"
// (case-insensitive, surrounding space ignored). Q8_K is an activation-only
// type and FP8 is handled elsewhere, so neither is accepted here.
func Parse(s string) (tensor.DType, error) {
	d, err := tensor.ParseDType(s)
	if err != nil || !d.Quantized() || d == tensor.Q8K {
		return 0, fmt.Errorf("quant: unknown quantization %q (want q8_0, q4_0, q4_k, q6_k or int4)", s)
	}
	return d, nil
}

// ActivationType is the type an activation row must be quantized to for the
// integer dot product with weights of type d: Q8_0 for Q8_0 and Q4_0, Q8K
// for Q4K and Q6K. ok is false for types without an integer dot product.
func ActivationType(d tensor.DType) (act tensor.DType, ok bool) {
	if int(d) < len(codecs) && codecs[d].dot != nil {
		return codecs[d].act, true
	}
	return 0, false
}

// blocks checks that n values of type d fit in a buffer of nbytes bytes and
// returns the number of blocks; it panics with a message naming op otherwise.
func blocks(op string, d tensor.DType, n, nbytes int) int { return rowBlocks(op, "", d, n, nbytes) }

// dotBlocks checks the two rows of op, a dot product of n values: weight row
// w of type wt and activation row a of type act. It returns the number of
// blocks and panics with a message naming op and the row otherwise.
func dotBlocks(op string, wt, act tensor.DType, w, a []byte, n int) int {
	nb := rowBlocks(op, "weights", wt, n, len(w))
	rowBlocks(op, "activations", act, n, len(a))
	return nb
}

// rowBlocks is blocks for the row of op named row ("" when op has one).
func rowBlocks(op, row string, d tensor.DType, n, nbytes int) int {
	bs := d.BlockSize()
	if n < 0 || n%bs != 0 {
		panic(fmt.Sprintf("quant: %s %s: %d values is not a multiple of the block size %d", strings.TrimSpace(op+" "+row), d, n, bs))
	}
	nb := n / bs
	if nbytes < nb*d.BlockBytes() {
		panic(fmt.Sprintf("quant: %s %s: %d values need %d bytes, buffer has %d", strings.TrimSpace(op+" "+row), d, n, nb*d.BlockBytes(), nbytes))
	}
	return nb
}

// Quantize encodes all of src into dst as type d. For the ggml types it is
// ggml's quantize_row_<d>_ref, reproduced bit for bit; for Int4 Meta's
// int4_row_quantize; for F32, BF16 and F16 the element-wise conversion
// (round to nearest even). len(src) must be a multiple of d.BlockSize() and
// dst must hold len(src)/BlockSize blocks; Quantize panics otherwise, and for
// F8E4M3 (use QuantizeFP8Row) and unknown types. Only
// dst[:len(src)/BlockSize*BlockBytes] is written. Inputs with NaN or
// infinities give unspecified (but memory-safe) output for the block types.
func Quantize(d tensor.DType, dst []byte, src []float32) {
	c := codecOf("Quantize", d, func(c *codec) bool { return c.quantize != nil })
	nb := blocks("Quantize", d, len(src), len(dst))
	c.quantize(dst[:nb*d.BlockBytes()], src)
}

// Dequantize decodes len(dst) values of type d from src, with the same
// float32 arithmetic as ggml's dequantize_row_<d> for the ggml types (so the
// results are bit-equal), q·scale for Int4, and exact widening for the scalar
// types (F8E4M3 without its per-row scale: see DecodeRow). len(dst) must be a
// multiple of d.BlockSize() and src must hold len(dst)/BlockSize blocks;
// Dequantize panics otherwise. Any bytes are accepted: scales that decode to
// NaN or infinity simply propagate into dst.
func Dequantize(d tensor.DType, dst []float32, src []byte) {
	c := codecOf("Dequantize", d, func(c *codec) bool { return c.dequantize != nil })
	nb := blocks("Dequantize", d, len(dst), len(src))
	c.dequantize(dst, src[:nb*d.BlockBytes()])
}

// DecodeRow decodes row r of m into dst[:m.Cols] as float32, for every type
// (scalar, FP8 with its row scale, and block-quantized). It panics when r is
// out of range or dst is shorter than m.Cols.
func DecodeRow(m *tensor.Mat, r int, dst []float32) {
	rb := m.RowBytes()
	dst = dst[:m.Cols]
	Dequantize(m.DType, dst, m.Data[r*rb:(r+1)*rb])
	if m.DType == tensor.F8E4M3 {
		s := m.Scale[r]
		for i := range dst {
			dst[i] *= s
		}
	}
}

// Dot returns the integer-path dot product of n values of weight row w (type
// d) with activation row a, quantized to ActivationType(d): DotQ8_0,
// DotQ4_0, DotQ4K or DotQ6K. It panics for other types.
func Dot(d tensor.DType, w, a []byte, n int) float32 {
	return codecOf("Dot", d, func(c *codec) bool { return c.dot != nil }).dot(w, a, n)
}

// The scalar codecs: little-endian elements converted one by one.

func encodeF32(dst []byte, src []float32) {
	for i, f := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(f))
	}
}

func decodeF32(dst []float32, src []byte) {
	src = src[:4*len(dst)]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

// encode16 is the codec encoder of a 2-byte float type whose conversion
// from float32 is conv (tensor.F32ToBF16, tensor.F32ToF16).
func encode16(conv func(float32) uint16) func(dst []byte, src []float32) {
	return func(dst []byte, src []float32) {
		for i, f := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], conv(f))
		}
	}
}

// decode16 is the codec decoder of a 2-byte float type whose conversion to
// float32 is conv (tensor.BF16ToF32, tensor.F16ToF32).
func decode16(conv func(uint16) float32) func(dst []float32, src []byte) {
	return func(dst []float32, src []byte) {
		src = src[:2*len(dst)]
		for i := range dst {
			dst[i] = conv(binary.LittleEndian.Uint16(src[2*i:]))
		}
	}
}

func decodeF8E4M3(dst []float32, src []byte) {
	src = src[:len(dst)]
	for i, b := range src {
		dst[i] = tensor.F8E4M3ToF32(b)
	}
}

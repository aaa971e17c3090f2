package quant

import (
	"fmt"
	"strings"
)

// Format is a quantized block format. Every format packs a fixed number of
// values (BlockSize) into a fixed number of bytes (BlockBytes); a quantized
// row is its blocks back to back, so a row of cols values takes
// cols/BlockSize*BlockBytes bytes and has no header or padding.
type Format uint8

// The block formats. The ggml ones (Q8_0, Q4_0, Q4_K, Q6_K, Q8_K) have
// exactly the byte layout of the ggml type of the same name (little-endian,
// no padding), so their rows can be copied to and from GGUF tensor data
// unchanged. "f16" is an IEEE half, "f32" an IEEE float.
const (
	// Q8_0 is ggml's block_q8_0: 32 values in 34 bytes.
	//
	//	offset 0   d       f16   scale
	//	offset 2   qs[32]  int8  value j = qs[j]·d
	Q8_0 Format = iota

	// Q4_0 is ggml's block_q4_0: 32 values in 18 bytes.
	//
	//	offset 0   d       f16    scale
	//	offset 2   qs[16]  uint8  value j = (qs[j]&15 − 8)·d, value j+16 = (qs[j]>>4 − 8)·d
	Q4_0

	// Q4_K is ggml's block_q4_K: 256 values in 144 bytes, 8 sub-blocks of 32.
	//
	//	offset 0    d           f16    super-scale of the sub-block scales
	//	offset 2    dmin        f16    super-scale of the sub-block minimums
	//	offset 4    scales[12]  uint8  six-bit scale sc[j] and min m[j] of sub-block j:
	//	                               j<4: sc[j] = scales[j]&63, m[j] = scales[j+4]&63;
	//	                               j≥4: sc[j] = scales[j+4]&15 | (scales[j-4]>>6)<<4,
	//	                                    m[j]  = scales[j+4]>>4 | (scales[j]>>6)<<4
	//	offset 16   qs[128]     uint8  for chunk c = 0..3 and l = 0..31: qs[32c+l]&15 is
	//	                               value 64c+l (sub-block 2c), qs[32c+l]>>4 is value
	//	                               64c+32+l (sub-block 2c+1)
	//
	// A value q of sub-block j decodes to d·sc[j]·q − dmin·m[j].
	Q4_K

	// Q6_K is ggml's block_q6_K: 256 values in 210 bytes, 16 sub-blocks of 16.
	//
	//	offset 0    ql[128]     uint8  low 4 bits of the quants
	//	offset 128  qh[64]      uint8  high 2 bits of the quants
	//	offset 192  scales[16]  int8   sub-block scales
	//	offset 208  d           f16    super-scale
	//
	// Half h = 0, 1 (128 values) uses ql[64h:64h+64] and qh[32h:32h+32]; for
	// l = 0..31 its values l, l+32, l+64, l+96 have the 6-bit quants
	// ql[l]&15 | (qh[l]&3)<<4, ql[l+32]&15 | (qh[l]>>2&3)<<4,
	// ql[l]>>4 | (qh[l]>>4&3)<<4 and ql[l+32]>>4 | (qh[l]>>6)<<4 (indices
	// relative to the half). Value k decodes to d·scales[k/16]·(q − 32).
	Q6_K

	// Q8_K is ggml's block_q8_K: 256 values in 292 bytes. It is not a storage
	// format: activations are quantized to it on the fly for the dot products
	// with Q4_K and Q6_K weights. Quantize writes zero bsums for an all-zero
	// block (where ggml leaves them unwritten).
	//
	//	offset 0    d          f32    scale
	//	offset 4    qs[256]    int8   value j = d·qs[j]
	//	offset 260  bsums[16]  int16  bsums[k] = qs[16k] + … + qs[16k+15]
	Q8_K

	// Int4G128 is Meta's int4 (spec §6): 128 consecutive values of a row
	// (one quantization group) in 68 bytes.
	//
	//	offset 0   scale   f32    group scale
	//	offset 4   qs[64]  uint8  qs[k]&15 is value 2k, qs[k]>>4 is value 2k+1, each a
	//	                          two's-complement int4 q in [−8, 7]; value = q·scale
	//
	// The nibble order (even index low, odd index high) is Meta's pack_int4.
	// Meta keeps the fp32 scales apart from the packed weights, laid out
	// [K/128, N] for FBGEMM's kernel; herd puts each group's scale in front of
	// its 64 bytes instead, so a row of a [rows, cols] matrix is cols/128
	// self-contained blocks like the ggml formats. The values are the same.
	//
	// Quantize follows Meta's int4_row_quantize in float32:
	// scale = max(max|w|, 1e-6)/8 (the 1e-6 floor applies to max|w|, as in
	// Meta's code, so the smallest scale is 1.25e-7) and
	// q = clamp(round(w/scale), −8, 7) with torch.round's half-to-even.
	Int4G128

	numFormats
)

var formatInfo = [numFormats]struct {
	name         string
	block, bytes int
}{
	Q8_0:     {"q8_0", qk8_0, blockQ8_0Bytes},
	Q4_0:     {"q4_0", qk4_0, blockQ4_0Bytes},
	Q4_K:     {"q4_k", qkK, blockQ4KBytes},
	Q6_K:     {"q6_k", qkK, blockQ6KBytes},
	Q8_K:     {"q8_k", qkK, blockQ8KBytes},
	Int4G128: {"int4", int4Group, blockInt4Bytes},
}

// String returns the lower-case name of the format as the --quant flag spells
// it: "q8_0", "q4_0", "q4_k", "q6_k", "q8_k" or "int4".
func (f Format) String() string {
	if f < numFormats {
		return formatInfo[f].name
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// BlockSize is the number of values one block holds: 32 for Q8_0 and Q4_0,
// 256 for Q4_K, Q6_K and Q8_K, 128 for Int4G128. It panics on an unknown format.
func (f Format) BlockSize() int { return f.info().block }

// BlockBytes is the size in bytes of one block: 34 (Q8_0), 18 (Q4_0),
// 144 (Q4_K), 210 (Q6_K), 292 (Q8_K) or 68 (Int4G128). It panics on an
// unknown format.
func (f Format) BlockBytes() int { return f.info().bytes }

func (f Format) info() struct {
	name         string
	block, bytes int
} {
	if f >= numFormats {
		panic(fmt.Sprintf("quant: unknown format %d", uint8(f)))
	}
	return formatInfo[f]
}

// RowBytes returns the number of bytes a row of cols values takes in format f.
// It fails when f is unknown or cols is not a positive multiple of f's block size.
func RowBytes(f Format, cols int) (int, error) {
	if f >= numFormats {
		return 0, fmt.Errorf("quant: unknown format %d", uint8(f))
	}
	bs := f.BlockSize()
	if cols <= 0 || cols%bs != 0 {
		return 0, fmt.Errorf("quant: %s row of %d values: not a positive multiple of the block size %d", f, cols, bs)
	}
	return cols / bs * f.BlockBytes(), nil
}

// ParseFormat parses a --quant name: "q8_0", "q4_0", "q4_k", "q6_k" or "int4"
// (case-insensitive). Q8_K is an activation-only format and FP8 is handled
// elsewhere, so neither is accepted here.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "q8_0":
		return Q8_0, nil
	case "q4_0":
		return Q4_0, nil
	case "q4_k":
		return Q4_K, nil
	case "q6_k":
		return Q6_K, nil
	case "int4":
		return Int4G128, nil
	}
	return 0, fmt.Errorf("quant: unknown quantization %q (want q8_0, q4_0, q4_k, q6_k or int4)", s)
}

// ActivationFormat is the format an activation row must be quantized to for
// the integer dot product with weights in format f: Q8_0 for Q8_0 and Q4_0,
// Q8_K for Q4_K and Q6_K. ok is false for formats without an integer dot
// product (Q8_K, Int4G128).
func ActivationFormat(f Format) (act Format, ok bool) {
	switch f {
	case Q8_0, Q4_0:
		return Q8_0, true
	case Q4_K, Q6_K:
		return Q8_K, true
	}
	return 0, false
}

// blocks checks that n values in format f fit in a buffer of nbytes bytes and
// returns the number of blocks; it panics with a message naming op otherwise.
func blocks(op string, f Format, n, nbytes int) int {
	bs := f.BlockSize()
	if n < 0 || n%bs != 0 {
		panic(fmt.Sprintf("quant: %s %s: %d values is not a multiple of the block size %d", op, f, n, bs))
	}
	nb := n / bs
	if nbytes < nb*f.BlockBytes() {
		panic(fmt.Sprintf("quant: %s %s: %d values need %d bytes, buffer has %d", op, f, n, nb*f.BlockBytes(), nbytes))
	}
	return nb
}

// Quantize quantizes all of src into dst with f's reference quantizer:
// ggml's quantize_row_<f>_ref for the ggml formats, reproduced bit for bit,
// and Meta's int4_row_quantize for Int4G128. len(src) must be a multiple of
// f.BlockSize() and dst must hold len(src)/BlockSize blocks; Quantize panics
// otherwise. Only dst[:len(src)/BlockSize*BlockBytes] is written. Inputs with
// NaN or infinities give unspecified (but memory-safe) output.
func Quantize(f Format, dst []byte, src []float32) {
	nb := blocks("Quantize", f, len(src), len(dst))
	dst = dst[:nb*f.BlockBytes()]
	switch f {
	case Q8_0:
		quantizeQ8_0(dst, src)
	case Q4_0:
		quantizeQ4_0(dst, src)
	case Q4_K:
		quantizeQ4K(dst, src)
	case Q6_K:
		quantizeQ6K(dst, src)
	case Q8_K:
		quantizeQ8K(dst, src)
	case Int4G128:
		quantizeInt4(dst, src)
	}
}

// Dequantize decodes len(dst) values from the blocks in src, with the same
// float32 arithmetic as ggml's dequantize_row_<f> for the ggml formats (so the
// results are bit-equal) and q·scale for Int4G128. len(dst) must be a multiple
// of f.BlockSize() and src must hold len(dst)/BlockSize blocks; Dequantize
// panics otherwise. Any bytes are accepted: scales that decode to NaN or
// infinity simply propagate into dst.
func Dequantize(f Format, dst []float32, src []byte) {
	nb := blocks("Dequantize", f, len(dst), len(src))
	src = src[:nb*f.BlockBytes()]
	switch f {
	case Q8_0:
		dequantizeQ8_0(dst, src)
	case Q4_0:
		dequantizeQ4_0(dst, src)
	case Q4_K:
		dequantizeQ4K(dst, src)
	case Q6_K:
		dequantizeQ6K(dst, src)
	case Q8_K:
		dequantizeQ8K(dst, src)
	case Int4G128:
		dequantizeInt4(dst, src)
	}
}

// Dot returns the integer-path dot product of n values of weight row w (format
// f) with activation row a, quantized to ActivationFormat(f). It dispatches to
// DotQ8_0, DotQ4_0, DotQ4K or DotQ6K and panics for other formats.
func Dot(f Format, w, a []byte, n int) float32 {
	switch f {
	case Q8_0:
		return DotQ8_0(w, a, n)
	case Q4_0:
		return DotQ4_0(w, a, n)
	case Q4_K:
		return DotQ4K(w, a, n)
	case Q6_K:
		return DotQ6K(w, a, n)
	}
	panic(fmt.Sprintf("quant: Dot: no integer dot product for %s", f))
}

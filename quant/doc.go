// Package quant implements the codecs of herd's element types (tensor.DType):
// quantize, dequantize, the integer dot products and row decoding, in one
// table keyed by the type. The block types are ggml's Q8_0, Q4_0, Q4_K and
// Q6_K (plus Q8_K, the activation type of the K-quant dot products) and
// Meta's int4 with groups of 128 (tensor.Int4); the scalar types F32, BF16
// and F16 encode and decode element by element, and FP8 E4M3 rows have a
// per-row quantizer (QuantizeFP8Row).
//
// # Bit-exactness with ggml
//
// For the ggml formats the block layouts are byte for byte those of ggml's
// block_q8_0, block_q4_0, block_q4_K, block_q6_K and block_q8_K (little-endian,
// no padding), and Quantize, Dequantize and the Dot functions port ggml's
// reference C routines (quantize_row_*_ref, dequantize_row_*,
// ggml_vec_dot_*_generic) operation for operation: the same float32
// operations in the same order, the same rounding tricks (nearest_int's
// 1.5·2²³ magic add, i.e. round half to even; roundf for Q8_0, i.e. half away
// from zero; truncation for Q4_0) and the same integer wrap-arounds. Every
// product that feeds a sum is wrapped in an explicit float32 conversion so the
// Go compiler never fuses it into an FMA (it may on arm64, ppc64, s390x,
// riscv64 and amd64 with GOAMD64=v3). The reference is therefore ggml built
// without floating-point contraction, which is what a baseline x86-64 build
// (or -ffp-contract=off) gives; a ggml built with -march=native on an FMA
// machine contracts make_qkx2_quants's error sums and produces some different
// Q4_K bytes.
// testdata/README.md describes how the golden files that pin this down were
// produced.
//
// # Rows
//
// A quantized row of cols values is cols/BlockSize blocks back to back; a
// matrix is its rows back to back (tensor.DType.RowBytes per row). Quantize and Dequantize
// work on any whole number of blocks, so they can be applied per row or to a
// whole row-major matrix at once.
//
// # Block layouts
//
// The ggml types (tensor.Q8_0, Q4_0, Q4K, Q6K, Q8K) have exactly the byte
// layout of the ggml type of the same name (little-endian, no padding), so
// their rows can be copied to and from GGUF tensor data unchanged. "f16" is an
// IEEE half, "f32" an IEEE float.
//
// Q8_0 is ggml's block_q8_0: 32 values in 34 bytes.
//
//	offset 0   d       f16   scale
//	offset 2   qs[32]  int8  value j = qs[j]·d
//
// Q4_0 is ggml's block_q4_0: 32 values in 18 bytes.
//
//	offset 0   d       f16    scale
//	offset 2   qs[16]  uint8  value j = (qs[j]&15 − 8)·d, value j+16 = (qs[j]>>4 − 8)·d
//
// Q4_K (tensor.Q4K) is ggml's block_q4_K: 256 values in 144 bytes, 8 sub-blocks of 32.
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
//
// Q6_K (tensor.Q6K) is ggml's block_q6_K: 256 values in 210 bytes, 16 sub-blocks of 16.
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
//
// Q8_K (tensor.Q8K) is ggml's block_q8_K: 256 values in 292 bytes. It is not a storage
// format: activations are quantized to it on the fly for the dot products
// with Q4_K and Q6_K weights. Quantize writes zero bsums for an all-zero
// block (where ggml leaves them unwritten).
//
//	offset 0    d          f32    scale
//	offset 4    qs[256]    int8   value j = d·qs[j]
//	offset 260  bsums[16]  int16  bsums[k] = qs[16k] + … + qs[16k+15]
//
// INT4 (tensor.Int4) is Meta's int4 (spec §6): 128 consecutive values of a row
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
package quant

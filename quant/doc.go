// Package quant implements the quantized weight block formats herd stores and
// computes with: ggml's Q8_0, Q4_0, Q4_K and Q6_K (plus Q8_K, the activation
// format of the K-quant dot products), Meta's int4 with groups of 128
// (Int4G128), and a per-row FP8 E4M3 helper.
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
// matrix is its rows back to back (RowBytes per row). Quantize and Dequantize
// work on any whole number of blocks, so they can be applied per row or to a
// whole row-major matrix at once.
package quant

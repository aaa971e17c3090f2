//go:build ignore

// attn512_gen.go is the AVX-512F half of attn_gen.go (run together with it
// and asmgen.go): gen512 emits attn512_amd64.s, the kernels behind the
// two-head KV-cache products of attn512.go (DotsKV2, AxpysKV2).
//
// Each kernel serves two query heads that read the same stored rows (grouped-
// query attention) and computes, for each head, exactly the float32
// operations of the AVX2 kernel of attn_gen.go in the same order, so the
// results agree bit for bit; what it saves is the second head's loads,
// conversions and half of the FMAs (a ZMM register holds both heads' 8-lane
// accumulators, or 16 columns of one head). Only AVX-512F instructions.
package main

import "fmt"

// gen512 emits attn512_amd64.s into out.
func gen512() {
	header("attn_gen.go", `// AVX-512F kernels of the two-head KV-cache dot products and weighted sums
// (attn512.go; generator functions in attn512_gen.go), the same arithmetic
// per head as attn_amd64.s. Strides and offsets are in bytes; d8 counts
// 8-element chunks, nblk 32-element Q8_0 blocks; q is packed in chunk pairs
// (8 floats of head 0, then of head 1).

`)
	for _, k := range kinds {
		dotsKernel(avx512Dots, k)
		axpys2(k, 4)
		axpys2(k, 1)
	}
	dotsQ8Kernel(avx512Dots)
	axpys2Q8(2)
	axpys2Q8(1)
	packPair()
}

// pair8 loads the 8 elements of k at mem, as float32, into both 256-bit
// halves of Z(r).
func pair8(k kind, mem string, r int) {
	switch k.name {
	case "F32":
		p("VBROADCASTF64X4 %s, Z%d", mem, r)
	case "F16":
		p("VCVTPH2PS %s, Y%d", mem, r)
		p("VINSERTF64X4 $1, Y%d, Z%d, Z%d", r, r, r)
	case "BF16":
		p("VPMOVZXWD %s, Y%d", mem, r)
		p("VPSLLD $16, Y%d, Y%d", r, r)
		p("VINSERTF64X4 $1, Y%d, Z%d, Z%d", r, r, r)
	default:
		panic("attn512_gen: unknown kind " + k.name)
	}
}

// wide16 loads the 16 elements of k at off(DX), as float32, into Z(r) (BF16
// through two 8-element halves, with Y(tmp) as scratch: VPMOVZXWD to a ZMM
// register would need AVX-512BW; r and tmp below 16, as VEX encodes them).
func wide16(k kind, off, r, tmp int) {
	mem := fmt.Sprintf("%d(DX)", off)
	switch k.name {
	case "F32":
		p("VMOVUPS %s, Z%d", mem, r)
	case "F16":
		p("VCVTPH2PS %s, Z%d", mem, r)
	case "BF16":
		p("VPMOVZXWD %s, Y%d", mem, r)
		p("VPMOVZXWD %d(DX), Y%d", off+16, tmp)
		p("VPSLLD $16, Y%d, Y%d", r, r)
		p("VPSLLD $16, Y%d, Y%d", tmp, tmp)
		p("VINSERTF64X4 $1, Y%d, Z%d, Z%d", tmp, r, r)
	default:
		panic("attn512_gen: unknown kind " + k.name)
	}
}

// splitHalves copies the upper halves (head 1) of Z(0)..Z(n-1) to
// Y(to)..Y(to+n-1), leaving head 0 in the lower halves.
func splitHalves(n, to int) {
	for i := 0; i < n; i++ {
		p("VEXTRACTF64X4 $1, Z%d, Y%d", i, to+i)
	}
}

// head1Off loads into reg the byte offset of head 1's scores (4n).
func head1Off(reg string) {
	p("MOVQ n+32(FP), %s", reg)
	p("SHLQ $2, %s", reg)
}

// zeroZ clears Z0..Z(n-1).
func zeroZ(n int) {
	for i := 0; i < n; i++ {
		p("VPXORD Z%d, Z%d, Z%d", i, i, i)
	}
}

// avx512Dots is the two-head AVX-512F form of the dots kernels (dots2*):
// Z(i) holds row i's 8-lane accumulators of head 0 (low half) and head 1
// (high half), q is packed in chunk pairs, and each head's sums are reduced
// as the AVX2 kernel reduces them, so every score has its rounding.
var avx512Dots = dotsForm{"dots2", "AVX512", "Z", "Y", 64, zeroZ, pair8,
	func(off, r int) {
		p("VPBROADCASTQ %d(BX), X%d", off, r) // the 8 int8 twice
		p("VPMOVSXBD X%d, Z%d", r, r)
		p("VCVTDQ2PS Z%d, Z%d", r, r)
	},
	storePair}

// storePair reduces the accumulators of rows (8, 4 or 1) rows, both heads,
// and stores head 0's scores at (DI), head 1's at (DI)+4n.
func storePair(rows int) {
	to := max(rows, 2)
	splitHalves(rows, to)
	s0, s1 := rowSums(rows, 0), rowSums(rows, to)
	head1Off("R11")
	p(s0 + ", (DI)")
	p(s1 + ", (DI)(R11*1)")
}

// axpys2: acc[0:16W] += Σ_j w[j]·V_j and acc[aoff:][0:16W] += Σ_j w[n+j]·V_j,
// each element one FMA per row in increasing j, as the AVX2 kernels.
func axpys2(k kind, W int) {
	axpyFrame(fmt.Sprintf("axpys2%sx%dAVX512", k.name, W), 2, W, true, "", func() {
		for i := 0; i < W; i++ {
			r := 8 + i // VEX-encodable (Y0-Y15): AVX-512F has no VL
			wide16(k, 16*k.size*i, r, 12+i)
			p("VFMADD231PS Z%d, Z30, Z%d", r, i)
			p("VFMADD231PS Z%d, Z31, Z%d", r, W+i)
		}
	})
}

// axpys2Q8: as axpys2 for W Q8_0 blocks (32W elements): acc += (w[j]·d)·int8.
func axpys2Q8(W int) {
	axpyFrame(fmt.Sprintf("axpys2Q8_0x%dAVX512", W), 2, 2*W, false, "", func() {
		for b := 0; b < W; b++ {
			p("VPBROADCASTW %d(DX), Y15", 34*b)
			p("VCVTPH2PS Y15, Z15")
			p("VMULPS Z30, Z15, Z28")
			p("VMULPS Z31, Z15, Z29")
			for c := 0; c < 2; c++ {
				r := 16 + 2*b + c
				p("VPMOVSXBD %d(DX), Z%d", 34*b+2+16*c, r)
				p("VCVTDQ2PS Z%d, Z%d", r, r)
				p("VFMADD231PS Z%d, Z28, Z%d", r, 2*b+c)
				p("VFMADD231PS Z%d, Z29, Z%d", r, 2*W+2*b+c)
			}
		}
	})
}

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
		dots2(k)
		axpys2(k, 4)
		axpys2(k, 1)
	}
	dots2Q8()
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

// dots2: scores[j] = q0·K_j and scores[n+j] = q1·K_j for j < n, K_j at
// k + j·stride, over d8 chunks (d8 ≥ 1). Z(i) holds row i's 8-lane
// accumulators of head 0 (low half) and head 1 (high half). Rows go in
// groups of eight, then four, then one, each reduced as the AVX2 kernel
// reduces it, so every score has the AVX2 kernel's rounding.
func dots2(k kind) {
	name := "dots2" + k.name + "AVX512"
	text(name, "(scores, q *float32, k unsafe.Pointer, stride, n, d8 int)", "$0-48")
	args("scores DI", "q SI", "k DX", "stride R8", "n CX", "d8 R9")
	rows := eightRows(name)
	zeroZ(8)
	chunkLoop(name+"_eight_loop", 64, 8*k.size, func() {
		p("VMOVUPS (AX), Z8")
		for i, m := range rows {
			r := 9 + i%7
			pair8(k, m, r)
			p("VFMADD231PS Z%d, Z8, Z%d", r, i)
		}
	})
	splitHalves(8, 8)
	hsum8At(0)
	hsum8At(8)
	head1Off("R11")
	p("VMOVUPS Y0, (DI)")
	p("VMOVUPS Y8, (DI)(R11*1)")
	eightToFour(name)
	zeroZ(4)
	chunkLoop(name+"_four_loop", 64, 8*k.size, func() {
		p("VMOVUPS (AX), Z4")
		for i, m := range rows[:4] {
			pair8(k, m, 5+i)
			p("VFMADD231PS Z%d, Z4, Z%d", 5+i, i)
		}
	})
	splitHalves(4, 4)
	hsum4At(0)
	hsum4At(4)
	head1Off("R11")
	p("VMOVUPS X0, (DI)")
	p("VMOVUPS X4, (DI)(R11*1)")
	p("ADDQ $16, DI")
	p("LEAQ (DX)(R8*4), DX")
	p("SUBQ $4, CX")
	label(name + "_one")
	jz("CX", name+"_done")
	zeroZ(1)
	chunkLoop(name+"_one_loop", 64, 8*k.size, func() {
		pair8(k, "(BX)", 5)
		p("VFMADD231PS (AX), Z5, Z0")
	})
	storeOne()
	p("ADDQ R8, DX")
	p("DECQ CX")
	p("JMP %s_one", name)
	done(name)
}

// storeOne reduces Z0 (one row, both heads) as the AVX2 one-row path does
// and stores the two scores at (DI) and (DI)+4n, advancing DI.
func storeOne() {
	splitHalves(1, 2)
	hsum1At(0)
	hsum1At(2)
	head1Off("R11")
	p("VMOVSS X0, (DI)")
	p("VMOVSS X2, (DI)(R11*1)")
	p("ADDQ $4, DI")
}

// dots2Q8: as dots2 for Q8_0 rows of nblk blocks (34 bytes: f16 d, 32 int8),
// one row at a time as the AVX2 kernel goes: per block the 8-lane Σ q·int8
// (both heads in one ZMM) is scaled by d into the row's accumulators.
func dots2Q8() {
	name := "dots2Q8_0AVX512"
	text(name, "(scores, q *float32, k unsafe.Pointer, stride, n, nblk int)", "$0-48")
	args("scores DI", "q SI", "k DX", "stride R8", "n CX", "nblk R9")
	jz("CX", name+"_done")
	label(name + "_row")
	zeroZ(1)
	chunkLoop(name+"_blk", 256, 34, func() {
		for c := 0; c < 4; c++ {
			r := 2 + c
			p("VPBROADCASTQ %d(BX), X%d", 2+8*c, r) // the 8 int8 twice
			p("VPMOVSXBD X%d, Z%d", r, r)
			p("VCVTDQ2PS Z%d, Z%d", r, r)
			if c == 0 {
				p("VMULPS %d(AX), Z%d, Z1", 64*c, r)
			} else {
				p("VFMADD231PS %d(AX), Z%d, Z1", 64*c, r)
			}
		}
		p("VPBROADCASTW (BX), Y6")
		p("VCVTPH2PS Y6, Z6")
		p("VFMADD231PS Z6, Z1, Z0")
	})
	storeOne()
	p("ADDQ R8, DX")
	loopEnd("CX", name+"_row")
	done(name)
}

// axpy2Frame emits what the two-head axpys kernels share: head 0's
// accumulators acc[0:16·nacc] in Z0.., head 1's (at acc + aoff bytes) in
// Z(nacc)..; the loop over the n rows (V_j at DX; w[j] broadcast into Z30,
// w[n+j] into Z31) around body; and the stores. With prefetch, each row
// prefetches the one 16 rows ahead, as the AVX2 kernels do.
func axpy2Frame(name string, nacc int, prefetch bool, body func()) {
	text(name, "(acc, w *float32, v unsafe.Pointer, stride, n, aoff int)", "$0-48")
	args("acc DI", "w SI", "v DX", "stride R8", "n CX", "aoff R11")
	p("MOVQ CX, R10")
	p("SHLQ $2, R10") // w[n:] is head 1's
	if prefetch {
		p("MOVQ R8, R9")
		p("SHLQ $4, R9")
	}
	for i := 0; i < nacc; i++ {
		p("VMOVUPS %d(DI), Z%d", 64*i, i)
		p("VMOVUPS %d(DI)(R11*1), Z%d", 64*i, nacc+i)
	}
	jz("CX", name+"_done")
	label(name + "_loop")
	if prefetch {
		p("PREFETCHT0 (DX)(R9*1)")
		p("PREFETCHT0 64(DX)(R9*1)")
	}
	p("VBROADCASTSS (SI), Z30")
	p("VBROADCASTSS (SI)(R10*1), Z31")
	body()
	p("ADDQ $4, SI")
	p("ADDQ R8, DX")
	loopEnd("CX", name+"_loop")
	label(name + "_done")
	for i := 0; i < nacc; i++ {
		p("VMOVUPS Z%d, %d(DI)", i, 64*i)
		p("VMOVUPS Z%d, %d(DI)(R11*1)", nacc+i, 64*i)
	}
	ret()
}

// axpys2: acc[0:16W] += Σ_j w[j]·V_j and acc[aoff:][0:16W] += Σ_j w[n+j]·V_j,
// each element one FMA per row in increasing j, as the AVX2 kernels.
func axpys2(k kind, W int) {
	axpy2Frame(fmt.Sprintf("axpys2%sx%dAVX512", k.name, W), W, true, func() {
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
	axpy2Frame(fmt.Sprintf("axpys2Q8_0x%dAVX512", W), 2*W, false, func() {
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

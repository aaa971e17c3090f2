//go:build ignore

// attn_gen.go writes attn_amd64.s, the AVX2 kernels behind the KV-cache
// dot products and weighted sums of attn.go, and (with attn512_gen.go)
// attn512_amd64.s, their AVX-512F two-head forms:
//
//	go run attn_gen.go attn512_gen.go asmgen.go
package main

import "fmt"

// A stored element type: its name (as widen8 knows it) and size.
type kind struct {
	name string
	size int
}

var kinds = []kind{{"F16", 2}, {"BF16", 2}, {"F32", 4}}

// load widens the 8 elements at mem to float32 in reg.
func (k kind) load(mem, reg string) { widen8(k.name, mem, reg) }

func main() {
	header("attn_gen.go", `// AVX2 kernels of the KV-cache dot products and weighted sums (attn.go).
// Strides are in bytes; d8 counts 8-element chunks, nblk 32-element Q8_0
// blocks.

`)
	for _, k := range kinds {
		dotsKernel(avx2Dots, k)
		axpys(k, 8)
		axpys(k, 4)
		axpys(k, 1)
	}
	dotsQ8Kernel(avx2Dots)
	axpysQ8(2)
	axpysQ8(1)
	maxK()
	expSub()
	scale()
	write("attn_amd64.s")
	out.Reset()
	gen512()
	write("attn512_amd64.s")
}

// hsum4At leaves in X(b) the four sums of the 8 lanes of Y(b)..Y(b+3).
func hsum4At(b int) {
	p("VHADDPS Y%d, Y%d, Y%d", b+1, b, b)
	p("VHADDPS Y%d, Y%d, Y%d", b+3, b+2, b+2)
	p("VHADDPS Y%d, Y%d, Y%d", b+2, b, b)
	p("VEXTRACTF128 $1, Y%d, X%d", b, b+1)
	p("VADDPS X%d, X%d, X%d", b+1, b, b)
}

// hsum8At leaves in Y(b) the eight sums of the 8 lanes of Y(b)..Y(b+7)
// (the hsum4At tree for each).
func hsum8At(b int) {
	p("VHADDPS Y%d, Y%d, Y%d", b+1, b, b)
	p("VHADDPS Y%d, Y%d, Y%d", b+3, b+2, b+2)
	p("VHADDPS Y%d, Y%d, Y%d", b+2, b, b)
	p("VHADDPS Y%d, Y%d, Y%d", b+5, b+4, b+4)
	p("VHADDPS Y%d, Y%d, Y%d", b+7, b+6, b+6)
	p("VHADDPS Y%d, Y%d, Y%d", b+6, b+4, b+4)
	p("VPERM2F128 $0x20, Y%d, Y%d, Y%d", b+4, b, b+1)
	p("VPERM2F128 $0x31, Y%d, Y%d, Y%d", b+4, b, b)
	p("VADDPS Y%d, Y%d, Y%d", b+1, b, b)
}

// hsum1At leaves in X(b) the sum of the 8 lanes of Y(b) (X(b+1) scratch).
func hsum1At(b int) { hfold(b, "VADDPS", "VADDSS") }

// hfold folds the 8 lanes of Y(b) into X(b) with the packed op and, for the
// last step, the scalar sop: op(op(op(lanes 0-3, 4-7)…)), X(b+1) scratch.
func hfold(b int, op, sop string) {
	p("VEXTRACTF128 $1, Y%d, X%d", b, b+1)
	p("%s X%d, X%d, X%d", op, b+1, b, b)
	p("VPERMILPS $0x4e, X%d, X%d", b, b+1)
	p("%s X%d, X%d, X%d", op, b+1, b, b)
	p("VMOVSHDUP X%d, X%d", b, b+1)
	p("%s X%d, X%d, X%d", sop, b+1, b, b)
}

// chunkLoop emits a loop l over the R9 chunks of one or more rows: AX runs
// over q from SI and BX over the rows from DX, advancing by astep and bstep
// bytes after each body.
func chunkLoop(l string, astep, bstep int, body func()) {
	p("MOVQ SI, AX")
	p("MOVQ DX, BX")
	p("MOVQ R9, R11")
	label(l)
	body()
	p("ADDQ $%d, AX", astep)
	p("ADDQ $%d, BX", bstep)
	loopEnd("R11", l)
}

// zero clears Y0..Y(n-1).
func zero(n int) {
	for i := 0; i < n; i++ {
		p("VXORPS Y%d, Y%d, Y%d", i, i, i)
	}
}

// eightRows emits the start of a dots kernel's eight-row step (stride R8,
// rows from DX, n in CX): the row-offset registers, the label name_eight,
// the jump to name_four below eight rows and the prefetch of the rows two
// groups ahead (their first 128 bytes; a prefetch past the end of the buffer
// does not fault). It returns the eight row operands, based at BX.
func eightRows(name string) []string {
	p("LEAQ (R8)(R8*2), R10")
	p("LEAQ (R8)(R8*4), R12")
	p("LEAQ (R10)(R8*4), R13")
	rows := []string{"(BX)", "(BX)(R8*1)", "(BX)(R8*2)", "(BX)(R10*1)", "(BX)(R8*4)", "(BX)(R12*1)", "(BX)(R10*2)", "(BX)(R13*1)"}
	label(name + "_eight")
	p("CMPQ CX, $8")
	p("JLT %s_four", name)
	p("LEAQ (DX)(R8*8), BX")
	p("LEAQ (BX)(R8*8), BX")
	for _, m := range rows {
		p("PREFETCHT0 %s", m)
		p("PREFETCHT0 64%s", m)
	}
	return rows
}

// eightToFour ends a dots kernel's eight-row step (scores DI past 8, rows
// DX past 8 rows, back to name_eight) and opens its four-row step: the label
// name_four and the jump to name_one below four rows.
func eightToFour(name string) {
	p("ADDQ $32, DI")
	p("LEAQ (DX)(R8*8), DX")
	p("SUBQ $8, CX")
	p("JMP %s_eight", name)
	label(name + "_four")
	p("CMPQ CX, $4")
	p("JLT %s_one", name)
}

// A dotsForm is what a family's dots kernels make of the shared row loops of
// dotsKernel and dotsQ8Kernel: the one-head AVX2 form (avx2Dots) or the
// two-head AVX-512F one (avx512Dots in attn512_gen.go).
type dotsForm struct {
	prefix, suffix string                          // the kernel is prefix + kind + suffix
	reg, half      string                          // the accumulators' register class ("Y" or "Z") and its lower half's
	qstep          int                             // bytes of q per 8-element chunk
	zero           func(n int)                     // clears accumulators 0..n-1
	load           func(k kind, mem string, r int) // loads a row's chunk at mem into register r
	int8s          func(off, r int)                // loads the 8 int8 at off(BX) into register r as float32
	store          func(rows int)                  // reduces 8, 4 or 1 rows' accumulators and stores their scores at DI
}

// avx2Dots is the AVX2 form: one query head, an 8-lane accumulator per row.
var avx2Dots = dotsForm{"dots", "AVX2", "Y", "X", 32, zero,
	func(k kind, mem string, r int) { k.load(mem, fmt.Sprintf("Y%d", r)) },
	func(off, r int) {
		p("VPMOVSXBD %d(BX), Y%d", off, r)
		p("VCVTDQ2PS Y%d, Y%d", r, r)
	},
	func(rows int) { p(rowSums(rows, 0) + ", (DI)") }}

// dotsKernel emits the dots kernel of form f for kind k: scores[j] = q·K_j
// for j < n, K_j at k + j·stride, over d8 chunks (d8 ≥ 1). Eight rows at a
// time share the loads of q (and keep eight independent FMA chains in
// flight), then four, then one.
func dotsKernel(f dotsForm, k kind) {
	name := f.prefix + k.name + f.suffix
	text(name, "(scores, q *float32, k unsafe.Pointer, stride, n, d8 int)", "$0-48")
	args("scores DI", "q SI", "k DX", "stride R8", "n CX", "d8 R9")
	R := f.reg
	rows := eightRows(name)
	f.zero(8)
	chunkLoop(name+"_eight_loop", f.qstep, 8*k.size, func() {
		p("VMOVUPS (AX), %s8", R)
		for i, m := range rows {
			r := 9 + i%7
			f.load(k, m, r)
			p("VFMADD231PS %s%d, %s8, %s%d", R, r, R, R, i)
		}
	})
	f.store(8)
	eightToFour(name)
	f.zero(4)
	chunkLoop(name+"_four_loop", f.qstep, 8*k.size, func() {
		p("VMOVUPS (AX), %s4", R)
		for i, m := range rows[:4] {
			f.load(k, m, 5+i)
			p("VFMADD231PS %s%d, %s4, %s%d", R, 5+i, R, R, i)
		}
	})
	f.store(4)
	p("ADDQ $16, DI")
	p("LEAQ (DX)(R8*4), DX")
	p("SUBQ $4, CX")
	label(name + "_one")
	jz("CX", name+"_done")
	f.zero(1)
	chunkLoop(name+"_one_loop", f.qstep, 8*k.size, func() {
		f.load(k, "(BX)", 5)
		p("VFMADD231PS (AX), %s5, %s0", R, R)
	})
	f.store(1)
	p("ADDQ $4, DI")
	p("ADDQ R8, DX")
	p("DECQ CX")
	p("JMP %s_one", name)
	done(name)
}

// rowSums reduces the 8-lane accumulators of rows (8, 4 or 1) rows from Y(b)
// on to their sums, as hsum8At, hsum4At or hsum1At, and returns the store of
// the sums without its destination.
func rowSums(rows, b int) string {
	switch rows {
	case 8:
		hsum8At(b)
		return fmt.Sprintf("VMOVUPS Y%d", b)
	case 4:
		hsum4At(b)
		return fmt.Sprintf("VMOVUPS X%d", b)
	}
	hsum1At(b)
	return fmt.Sprintf("VMOVSS X%d", b)
}

// axpyFrame emits what the axpys kernels share, for one query head (AVX2:
// acc[0:8·nacc] in Y0.., w[j] broadcast into wreg) or two (AVX-512F: head 0's
// acc[0:16·nacc] in Z0.., head 1's at acc + aoff bytes in Z(nacc)..; w[j]
// broadcast into Z30, w[n+j] into Z31): the loads of the accumulators, the
// loop over the n rows (V_j at DX) around body, and their stores. With
// prefetch, each row prefetches the one 16 rows ahead.
func axpyFrame(name string, heads, nacc int, prefetch bool, wreg string, body func()) {
	R, size := "Y", 32
	if heads == 1 {
		text(name, "(acc, w *float32, v unsafe.Pointer, stride, n int)", "$0-40")
		args("acc DI", "w SI", "v DX", "stride R8", "n CX")
	} else {
		R, size = "Z", 64
		text(name, "(acc, w *float32, v unsafe.Pointer, stride, n, aoff int)", "$0-48")
		args("acc DI", "w SI", "v DX", "stride R8", "n CX", "aoff R11")
		p("MOVQ CX, R10")
		p("SHLQ $2, R10") // w[n:] is head 1's
	}
	if prefetch {
		p("MOVQ R8, R9")
		p("SHLQ $4, R9") // prefetch 16 rows ahead
	}
	accs := func(move func(mem string, r int)) {
		for i := 0; i < nacc; i++ {
			move(fmt.Sprintf("%d(DI)", size*i), i)
			if heads == 2 {
				move(fmt.Sprintf("%d(DI)(R11*1)", size*i), nacc+i)
			}
		}
	}
	accs(func(mem string, r int) { p("VMOVUPS %s, %s%d", mem, R, r) })
	jz("CX", name+"_done")
	label(name + "_loop")
	if prefetch {
		p("PREFETCHT0 (DX)(R9*1)")
		p("PREFETCHT0 64(DX)(R9*1)")
	}
	if heads == 1 {
		p("VBROADCASTSS (SI), %s", wreg)
	} else {
		p("VBROADCASTSS (SI), Z30")
		p("VBROADCASTSS (SI)(R10*1), Z31")
	}
	body()
	p("ADDQ $4, SI")
	p("ADDQ R8, DX")
	loopEnd("CX", name+"_loop")
	label(name + "_done")
	accs(func(mem string, r int) { p("VMOVUPS %s%d, %s", R, r, mem) })
	ret()
}

// axpys: acc[0:8W] += Σ_j w[j]·V_j[0:8W] for j < n, V_j at v + j·stride; the
// W accumulator chunks stay in registers.
func axpys(k kind, W int) {
	axpyFrame(fmt.Sprintf("axpys%sx%dAVX2", k.name, W), 1, W, true, "Y15", func() {
		for i := 0; i < W; i++ {
			r := 8 + i%7
			k.load(fmt.Sprintf("%d(DX)", 8*k.size*i), fmt.Sprintf("Y%d", r))
			p("VFMADD231PS Y%d, Y15, Y%d", r, i)
		}
	})
}

// dotsQ8Kernel emits the Q8_0 dots kernel of form f: as dotsKernel for rows
// of nblk blocks (34 bytes: f16 d, 32 int8), one row at a time: per block,
// the 8-lane Σ q·int8 is scaled by d into the row's accumulator.
func dotsQ8Kernel(f dotsForm) {
	name := f.prefix + "Q8_0" + f.suffix
	text(name, "(scores, q *float32, k unsafe.Pointer, stride, n, nblk int)", "$0-48")
	args("scores DI", "q SI", "k DX", "stride R8", "n CX", "nblk R9")
	R := f.reg
	jz("CX", name+"_done")
	label(name + "_row")
	f.zero(1)
	chunkLoop(name+"_blk", 4*f.qstep, 34, func() {
		for c := 0; c < 4; c++ {
			r := 2 + c
			f.int8s(2+8*c, r)
			if c == 0 {
				p("VMULPS %d(AX), %s%d, %s1", f.qstep*c, R, r, R)
			} else {
				p("VFMADD231PS %d(AX), %s%d, %s1", f.qstep*c, R, r, R)
			}
		}
		p("VPBROADCASTW (BX), %s6", f.half)
		p("VCVTPH2PS %s6, %s6", f.half, R)
		p("VFMADD231PS %s6, %s1, %s0", R, R, R)
	})
	f.store(1)
	p("ADDQ $4, DI")
	p("ADDQ R8, DX")
	loopEnd("CX", name+"_row")
	done(name)
}

// axpysQ8: as axpys for W Q8_0 blocks (32W elements): acc += (w[j]·d)·int8.
func axpysQ8(W int) {
	axpyFrame(fmt.Sprintf("axpysQ8_0x%dAVX2", W), 1, 4*W, false, "Y14", func() {
		for b := 0; b < W; b++ {
			p("VPBROADCASTW %d(DX), X15", 34*b)
			p("VCVTPH2PS X15, Y15")
			p("VMULPS Y14, Y15, Y15")
			for c := 0; c < 4; c++ {
				r := 8 + (4*b+c)%6
				p("VPMOVSXBD %d(DX), Y%d", 34*b+2+8*c, r)
				p("VCVTDQ2PS Y%d, Y%d", r, r)
				p("VFMADD231PS Y%d, Y15, Y%d", r, 4*b+c)
			}
		}
	})
}

// maxK: the largest of x[0:8·n8] (n8 ≥ 1).
func maxK() {
	name := "maxAVX2"
	text(name, "(x *float32, n8 int) float32", "$0-20")
	args("x SI", "n8 CX")
	p("VMOVUPS (SI), Y0")
	p("ADDQ $32, SI")
	p("DECQ CX")
	p("JZ %s_reduce", name)
	label(name + "_loop")
	p("VMAXPS (SI), Y0, Y0")
	p("ADDQ $32, SI")
	loopEnd("CX", name+"_loop")
	label(name + "_reduce")
	hfold(0, "VMAXPS", "VMAXSS")
	p("VMOVSS X0, ret+16(FP)")
	ret()
}

// expSub: x[i] = exp(x[i] − m) for i < 8·n8, returning their sum: the
// algorithm of Expf (exp.go) with FMAs.
func expSub() {
	name := "expSubAVX2"
	consts := map[string]uint32{
		"Log2e": 0x3fb8aa3b, // 1.44269504
		"Half":  0x3f000000,
		"Ln2hi": 0x3f318000, // 0.693359375
		"Ln2lo": 0xb95e8083, // -2.12194440e-4
		"C7":    0x3ab60b61, // 1/720
		"C6":    0x3c088889, // 1/120
		"C5":    0x3d2aaaab, // 1/24
		"C4":    0x3e2aaaab, // 1/6
		"One":   0x3f800000,
		"Min":   0xc2ae0000, // -87
	}
	for _, k := range []string{"Log2e", "Half", "Ln2hi", "Ln2lo", "C7", "C6", "C5", "C4", "One", "Min"} {
		data4("·exp"+k, fmt.Sprintf("0x%08x", consts[k]))
	}
	nl()
	text(name, "(x *float32, n8 int, m float32) float32", "$0-28")
	args("x SI", "n8 CX")
	p("VBROADCASTSS m+16(FP), Y15")
	p("VXORPS Y14, Y14, Y14")
	for i, k := range []string{"Log2e", "Half", "Ln2hi", "Ln2lo", "C7", "C6", "C5", "C4", "One", "Min"} {
		p("VBROADCASTSS ·exp%s<>(SB), Y%d", k, 4+i)
	}
	label(name + "_loop")
	p("VMOVUPS (SI), Y0")
	p("VSUBPS Y15, Y0, Y0")      // t = x − m
	p("VMOVAPS Y5, Y1")          // 0.5
	p("VFMADD231PS Y4, Y0, Y1")  // t·log2e + 0.5
	p("VROUNDPS $1, Y1, Y1")     // k = floor(…)
	p("VMOVAPS Y0, Y2")          // r = t
	p("VFNMADD231PS Y6, Y1, Y2") // r −= k·ln2hi
	p("VFNMADD231PS Y7, Y1, Y2") // r −= k·ln2lo
	p("VMOVAPS Y8, Y3")          // p = 1/720
	p("VFMADD213PS Y9, Y2, Y3")  // p = p·r + 1/120
	p("VFMADD213PS Y10, Y2, Y3") // + 1/24
	p("VFMADD213PS Y11, Y2, Y3") // + 1/6
	p("VFMADD213PS Y5, Y2, Y3")  // + 1/2
	p("VFMADD213PS Y12, Y2, Y3") // + 1
	p("VFMADD213PS Y12, Y2, Y3") // + 1
	p("VCVTPS2DQ Y1, Y1")        // 2^k
	p("VPSLLD $23, Y1, Y1")
	p("VPADDD Y12, Y1, Y1") // + bits of 1.0 = (k+127)<<23
	p("VMULPS Y1, Y3, Y3")
	p("VCMPPS $0x1d, Y13, Y0, Y2") // t ≥ −87 (GE_OQ)
	p("VANDPS Y2, Y3, Y3")
	p("VMOVUPS Y3, (SI)")
	p("VADDPS Y3, Y14, Y14")
	p("ADDQ $32, SI")
	loopEnd("CX", name+"_loop")
	p("VMOVAPS Y14, Y0")
	hsum1At(0)
	p("VMOVSS X0, ret+24(FP)")
	ret()
}

// scale: x[i] *= a for i < 8·n8 (n8 ≥ 1), four chunks at a time, then one.
func scale() {
	name := "scaleAVX2"
	text(name, "(x *float32, n8 int, a float32)", "$0-20")
	args("x SI", "n8 CX")
	p("VBROADCASTSS a+16(FP), Y15")
	label(name + "_four")
	p("CMPQ CX, $4")
	p("JLT %s_one", name)
	for i := 0; i < 4; i++ {
		p("VMULPS %d(SI), Y15, Y%d", 32*i, i)
	}
	for i := 0; i < 4; i++ {
		p("VMOVUPS Y%d, %d(SI)", i, 32*i)
	}
	p("ADDQ $128, SI")
	p("SUBQ $4, CX")
	p("JMP %s_four", name)
	label(name + "_one")
	jz("CX", name+"_done")
	p("VMULPS (SI), Y15, Y0")
	p("VMOVUPS Y0, (SI)")
	p("ADDQ $32, SI")
	p("DECQ CX")
	p("JMP %s_one", name)
	done(name)
}

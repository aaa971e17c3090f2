//go:build ignore

// avx512f_gen.go writes avx512f_amd64.s, the AVX-512F float micro-kernels of
// Gemm (training) and of MatMul's batched (prefill) path:
//
//	go run avx512f_gen.go asmgen.go
//
// Both are wider twins of the AVX2 kernels that compute every output element
// with the same arithmetic, so that the AVX-512F and AVX2 paths agree bit for
// bit:
//
//   - gemm6x64 and gemm6x64s hold a 6×64 tile of C in 24 ZMM registers (the
//     AVX2 gemm6x16 holds 6×16 in 12 YMM): four 16-column B panels of Gemm's
//     packing side by side, one fused multiply-add per term, p increasing.
//   - k8xR multiplies 8 activation rows by R float32 weight rows (R ≤ 6). An
//     output element owns 8 lanes, as in matmul_amd64.s; a ZMM register holds
//     the 8-lane accumulators of two activation rows (2i, 2i+1) for one
//     weight row, so the weight chunk is broadcast to both halves and the
//     activations are packed in row pairs, each 8-column chunk of row 2i
//     followed by the same chunk of row 2i+1.
//
// Only AVX-512F instructions are used (no DQ/BW/VL).
package main

import "fmt"

func main() {
	header("avx512f_gen.go", `// AVX-512F float micro-kernels of Gemm and of MatMul's batched path; see
// avx512f_gen.go for the scheme. They compute every output element with the
// arithmetic of the AVX2 kernels (gemm_amd64.s, matmul_amd64.s), so the two
// paths agree bit for bit.

`)
	gemm(false)
	gemm(true)
	for r := 1; r <= 6; r++ {
		k8(r)
	}
	packPair()
	write("avx512f_amd64.s")
}

func z(i int) string { return fmt.Sprintf("Z%d", i) }

// gemm writes gemm6x64 (A packed [k][6]) or, when inPlace, gemm6x64s (A row
// r at a + r*lda bytes, contiguous in depth). B panel q (q < 4) is at
// b + q*ldb bytes, [k][16]; C row r at c + r*ldc bytes. Row r, panel q of
// the tile lives in Z(4r+q); B in Z24-Z27; A broadcasts in Z28, Z29.
func gemm(inPlace bool) {
	name, params, frame := "gemm6x64", "(k int, a *float32, b *float32, ldb int, c *float32, ldc int, load int)", "$0-56"
	regs := []string{"k CX", "a SI", "b DI", "ldb R11", "c DX", "ldc R8", "load AX"}
	if inPlace {
		name, params, frame = "gemm6x64s", "(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, load int)", "$0-64"
		regs = []string{"k CX", "a SI", "lda R14", "b DI", "ldb R11", "c DX", "ldc R8", "load AX"}
	}
	text(name, params, frame)
	args(regs...)
	p("LEAQ (R11)(R11*2), R12 // 3*ldb")
	p("LEAQ (R8)(R8*2), R9")
	p("LEAQ (DX)(R9*1), R10 // C row 3")
	if inPlace {
		p("LEAQ (R14)(R14*2), R9")
		p("LEAQ (SI)(R9*1), R13 // A row 3")
	}
	cRow := []string{"(DX)", "(DX)(R8*1)", "(DX)(R8*2)", "(R10)", "(R10)(R8*1)", "(R10)(R8*2)"}
	jz("AX", name+"_zero")
	for r := range 6 {
		for q := range 4 {
			p("VMOVUPS %d%s, %s", 64*q, cRow[r], z(4*r+q))
		}
	}
	p("JMP %s_check", name)
	label(name + "_zero")
	for i := range 24 {
		p("VPXORD %s, %s, %s", z(i), z(i), z(i))
	}
	label(name + "_check")
	jz("CX", name+"_store")
	label(name + "_loop")
	bAddr := []string{"(DI)", "(DI)(R11*1)", "(DI)(R11*2)", "(DI)(R12*1)"}
	for q := range 4 {
		p("VMOVUPS %s, %s", bAddr[q], z(24+q))
	}
	aAddr := func(r int) string {
		if inPlace {
			return [...]string{"(SI)", "(SI)(R14*1)", "(SI)(R14*2)", "(R13)", "(R13)(R14*1)", "(R13)(R14*2)"}[r]
		}
		return fmt.Sprintf("%d(SI)", 4*r)
	}
	for r := range 6 {
		t := z(28 + r%2)
		p("VBROADCASTSS %s, %s", aAddr(r), t)
		for q := range 4 {
			p("VFMADD231PS %s, %s, %s", z(24+q), t, z(4*r+q))
		}
	}
	if inPlace {
		p("ADDQ $4, SI")
		p("ADDQ $4, R13")
	} else {
		p("ADDQ $24, SI")
	}
	p("ADDQ $64, DI")
	loopEnd("CX", name+"_loop")
	label(name + "_store")
	for r := range 6 {
		for q := range 4 {
			p("VMOVUPS %s, %d%s", z(4*r+q), 64*q, cRow[r])
		}
	}
	ret()
}

// k8 writes k8x<R>F32: 4 activation row pairs (pair i at x + i*ldx bytes,
// chunk c of rows 2i and 2i+1 at +64c and +64c+32) × R float32 weight rows
// (row j at w + j*ldw bytes), k 8-column chunks. Accumulator (i, j) lives at
// acc + i*ldacc + 32*j (bytes), zeroed (load == 0) or loaded first. Pair i,
// weight row j is Z(R·i+j): low half row 2i, high half row 2i+1; weight
// broadcasts in Z24-Z29, activations in Z30.
func k8(R int) {
	name := fmt.Sprintf("k8x%dF32", R)
	text(name, "(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int)", "$0-64")
	args("x SI", "ldx R8", "w DI", "ldw R9", "acc DX", "ldacc R10", "k CX", "load AX")
	p("LEAQ (R8)(R8*2), R11 // 3*ldx")
	if R > 3 {
		p("LEAQ (R9)(R9*2), R12")
		p("ADDQ DI, R12 // weight row 3")
	}
	a := func(i, j int) string { return z(R*i + j) }
	// Accumulator rows 2i and 2i+1 at (R13) and (R13)(R10*1), R13 stepping
	// by 2·ldacc.
	accRows := func(f func(i, j int, lo, hi string)) {
		p("MOVQ DX, R13")
		for i := range 4 {
			for j := range R {
				f(i, j, fmt.Sprintf("%d(R13)", 32*j), fmt.Sprintf("%d(R13)(R10*1)", 32*j))
			}
			if i < 3 {
				p("LEAQ (R13)(R10*2), R13")
			}
		}
	}
	jz("AX", name+"_zero")
	accRows(func(i, j int, lo, hi string) {
		p("VBROADCASTF64X4 %s, %s", lo, a(i, j))
		p("VINSERTF64X4 $1, %s, %s, %s", hi, a(i, j), a(i, j))
	})
	p("JMP %s_check", name)
	label(name + "_zero")
	for i := range 4 * R {
		p("VPXORD %s, %s, %s", z(i), z(i), z(i))
	}
	label(name + "_check")
	jz("CX", name+"_store")
	label(name + "_loop")
	wAddr := []string{"(DI)", "(DI)(R9*1)", "(DI)(R9*2)", "(R12)", "(R12)(R9*1)", "(R12)(R9*2)"}
	for j := range R {
		p("VBROADCASTF64X4 %s, %s", wAddr[j], z(24+j))
	}
	xAddr := []string{"(SI)", "(SI)(R8*1)", "(SI)(R8*2)", "(SI)(R11*1)"}
	for i := range 4 {
		p("VMOVUPS %s, Z30", xAddr[i])
		for j := range R {
			p("VFMADD231PS %s, Z30, %s", z(24+j), a(i, j))
		}
	}
	p("ADDQ $64, SI")
	p("ADDQ $32, DI")
	if R > 3 {
		p("ADDQ $32, R12")
	}
	loopEnd("CX", name+"_loop")
	label(name + "_store")
	accRows(func(i, j int, lo, hi string) {
		p("VEXTRACTF64X4 $0, %s, %s", a(i, j), lo)
		p("VEXTRACTF64X4 $1, %s, %s", a(i, j), hi)
	})
	ret()
}

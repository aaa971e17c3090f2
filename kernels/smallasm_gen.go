//go:build ignore

// smallasm_gen.go writes matmul_small_amd64.s, the AVX2 micro-kernels of
// MatMul's small-batch path (matmul_avx2_amd64.go, smallAVX2):
//
//	go run smallasm_gen.go asmgen.go
//
// Each kernel multiplies M activation rows by R weight rows read in place, in
// the weight's own dtype (float32, bfloat16 or IEEE half, widened in
// registers), with the arithmetic scheme of matmul_amd64.s: one 8-lane
// accumulator per output element and one fused multiply-add per 8-column
// chunk, chunks in increasing order. The shapes differ only in register
// allocation, which is why they are generated.
package main

import "fmt"

type dtype struct {
	name string
	step int // bytes of weight per 8-column chunk
}

var dtypes = []dtype{{"F32", 32}, {"BF16", 16}, {"F16", 16}}

func main() {
	header("smallasm_gen.go", `// AVX2 + FMA + F16C micro-kernels of MatMul's small-batch path. They follow
// the arithmetic scheme of matmul_amd64.s (one 8-lane accumulator per output
// element, one fused multiply-add per 8-column chunk, chunks in increasing
// order), so they agree bit for bit with its kernels.
//
// func smallMxR<T>(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int, pf uintptr, npf int)
//
// M float32 activation rows (row i at x + i*ldx) × R weight rows of type T
// (row j at w + j*ldw), k 8-column chunks; accumulator (i, j) lives at
// acc + i*ldacc + 32*j and is zeroed (load == 0) or loaded first. Strides
// are in bytes. The first min(k, npf) chunk steps also each prefetch one
// cache line, at pf, pf+64, … (the weights the caller reads next).

`)
	for _, s := range [][2]int{{4, 3}, {3, 4}, {2, 4}, {1, 4}} {
		for _, d := range dtypes {
			kernel(s[0], s[1], d)
		}
	}
	hsum()
	write("matmul_small_amd64.s")
}

// xAddr and wAddr are the addresses of activation row i and weight row j at
// byte offset 0 of the current chunk: x in SI (ldx R8, 3·ldx R11), w in DI
// (ldw R9, 3·ldw R12).
func xAddr(i int) string { return [...]string{"(SI)", "(SI)(R8*1)", "(SI)(R8*2)", "(SI)(R11*1)"}[i] }
func wAddr(j int) string { return [...]string{"(DI)", "(DI)(R9*1)", "(DI)(R9*2)", "(DI)(R12*1)"}[j] }

// accAddr is the address of accumulator (i, j): row bases DX, DX+ldacc, R13, BX.
func accAddr(i, j int) string {
	off := 32 * j
	switch i {
	case 0:
		return fmt.Sprintf("%d(DX)", off)
	case 1:
		return fmt.Sprintf("%d(DX)(R10*1)", off)
	case 2:
		return fmt.Sprintf("%d(R13)", off)
	}
	return fmt.Sprintf("%d(BX)", off)
}

// loadW widens 8 weights at m into register r.
func loadW(d dtype, m, r string) { widen8(d.name, m, r) }

func kernel(M, R int, d dtype) {
	name := fmt.Sprintf("small%dx%d%s", M, R, d.name)
	lbl := func(s string) string { return name + s }
	acc := func(i, j int) int { return i*R + j } // accumulator register
	text(name, "(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int, pf uintptr, npf int)", "$0-80")
	args("x SI", "ldx R8", "w DI", "ldw R9", "acc DX", "ldacc R10", "k CX", "load AX")
	if M > 3 {
		p("LEAQ (R8)(R8*2), R11")
	}
	if R > 3 {
		p("LEAQ (R9)(R9*2), R12")
	}
	if M > 2 {
		p("LEAQ (DX)(R10*2), R13")
	}
	if M > 3 {
		p("LEAQ (R13)(R10*1), BX")
	}
	jz("AX", lbl("zero"))
	for i := range M {
		for j := range R {
			p("VMOVUPS %s, %s", accAddr(i, j), y(acc(i, j)))
		}
	}
	p("JMP %s", lbl("go"))
	nl()
	label(lbl("zero"))
	for i := range M {
		for j := range R {
			p("VXORPS %[1]s, %[1]s, %[1]s", y(acc(i, j)))
		}
	}
	nl()
	label(lbl("go"))
	// AX = pf, BX = min(k, npf) steps with a prefetch, CX = the steps after.
	p("MOVQ pf+64(FP), AX")
	p("MOVQ npf+72(FP), BX")
	p("CMPQ BX, CX")
	p("CMOVQGT CX, BX")
	p("TESTQ BX, BX")
	p("JLE %s", lbl("plain"))
	p("SUBQ BX, CX")
	nl()
	label(lbl("pfloop"))
	p("PREFETCHT1 (AX)")
	body(M, R, d, acc)
	p("ADDQ $64, AX")
	loopEnd("BX", lbl("pfloop"))
	nl()
	label(lbl("plain"))
	jz("CX", lbl("store"))
	nl()
	label(lbl("loop"))
	body(M, R, d, acc)
	loopEnd("CX", lbl("loop"))
	nl()
	label(lbl("store"))
	if M > 2 {
		p("LEAQ (DX)(R10*2), R13")
	}
	if M > 3 {
		p("LEAQ (R13)(R10*1), BX")
	}
	for i := range M {
		for j := range R {
			p("VMOVUPS %s, %s", y(acc(i, j)), accAddr(i, j))
		}
	}
	ret()
}

// body is one 8-column chunk step: every accumulator gets one fused
// multiply-add, then x and w advance.
func body(M, R int, d dtype, acc func(i, j int) int) {
	if R == 3 {
		// Weights in Y12-Y14, one activation row at a time in Y15.
		for j := range R {
			loadW(d, wAddr(j), y(12+j))
		}
		for i := range M {
			p("VMOVUPS %s, Y15", xAddr(i))
			for j := range R {
				p("VFMADD231PS %s, Y15, %s", y(12+j), y(acc(i, j)))
			}
		}
	} else {
		// Activations in Y12…, one weight row at a time in Y15.
		for i := range M {
			p("VMOVUPS %s, %s", xAddr(i), y(12+i))
		}
		for j := range R {
			loadW(d, wAddr(j), "Y15")
			for i := range M {
				p("VFMADD231PS Y15, %s, %s", y(12+i), y(acc(i, j)))
			}
		}
	}
	p("ADDQ $32, SI")
	p("ADDQ $%d, DI", d.step)
}

// hsum writes hsum8: the horizontal sums of n accumulators in finish's order,
// ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)).
func hsum() {
	out.WriteString(`// func hsum8(dst *float32, acc *float32, n int)
//
// dst[j] = ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)) for the 8 lanes a of
// accumulator j at acc + 32*j, j in [0, n): finish's order, bit for bit.
`)
	out.WriteString("TEXT ·hsum8(SB), NOSPLIT, $0-24\n")
	args("dst DI", "acc SI", "n CX")
	jz("CX", "hsumdone")
	nl()
	label("hsumloop")
	p("VMOVUPS (SI), Y0")
	p("VEXTRACTF128 $1, Y0, X1")
	p("VADDPS X1, X0, X0 // a0+a4, a1+a5, a2+a6, a3+a7")
	p("VMOVHLPS X0, X0, X1")
	p("VADDPS X1, X0, X0 // (a0+a4)+(a2+a6), (a1+a5)+(a3+a7)")
	p("VMOVSHDUP X0, X1")
	p("VADDSS X1, X0, X0")
	p("VMOVSS X0, (DI)")
	p("ADDQ $32, SI")
	p("ADDQ $4, DI")
	loopEnd("CX", "hsumloop")
	nl()
	label("hsumdone")
	p("VZEROUPPER")
	p("RET")
}

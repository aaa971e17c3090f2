//go:build ignore

// qasm_gen.go writes qmatmul_amd64.s, the AVX2 kernels of the integer
// (block-quantized) MatMul path and of the activation quantizers, then (with
// qavx512_gen.go) qmatmul_avx512_amd64.s, their AVX-512 VNNI variants:
//
//	go run qasm_gen.go qavx512_gen.go asmgen.go
//
// The kernels come in tile-size variants that differ only in offsets and in
// the number of accumulators, which is why they are generated.
package main

import (
	"fmt"
)

// tilePre is the number of blocks whose |w| (Q4_0: unpacked nibbles) tile8
// writes to its stack buffer before their block loop: 512 bytes of frame,
// within the NOSPLIT limit.
const tilePre = 16

// Packed activation layouts (see qmatmul.go, which must agree).
const (
	q8BlockPer = 40  // bytes per Q8_0 block per activation row: 32 quants, f32 d, i32 8·Σq
	q8KBytes   = 292 // bytes per Q8_K block: f32 d, 256 q, 16 int16 bsums
)

func main() {
	header("qasm_gen.go", `// AVX2 kernels of the integer MatMul path (qmatmul.go describes the packed
// activation layouts and the arithmetic each kernel reproduces).
//
// Go assembler operand order is the reverse of Intel's: VPSIGNB b, a, d is
// d = a·sign(b); VPMADDUBSW s, u, d multiplies unsigned bytes u by signed
// bytes s; VPSUBD b, a, d is d = a − b.

`)
	consts()
	tile8(false)
	tile8(true)
	tile8xR(false, 2)
	tile8xR(true, 2)
	tile8xR(false, 4)
	tile8xR(true, 4)
	rows8(false)
	rows8(true)
	q8Sums()
	q8Float8()
	kRows1Pair(false, false)
	kDot(false, 4)
	kRows1Pair(true, false)
	kDot(true, 4)
	quantQ8_0()
	quantQ8K()
	widenInt4()
	write("qmatmul_amd64.s")
	out.Reset()
	avx512()
}

func data32(name string, b [32]byte) { dataBytes(name, b[:]) }

// dataBytes writes the read-only symbol name<> holding b (a multiple of 8
// bytes).
func dataBytes(name string, b []byte) {
	for i := 0; i < len(b); i += 8 {
		var v uint64
		for j := 7; j >= 0; j-- {
			v = v<<8 | uint64(b[i+j])
		}
		fmt.Fprintf(&out, "DATA %s<>+%d(SB)/8, $0x%016x\n", name, i, v)
	}
	fmt.Fprintf(&out, "GLOBL %s<>(SB), RODATA|NOPTR, $%d\n\n", name, len(b))
}

func splat(v byte) (b [32]byte) {
	for i := range b {
		b[i] = v
	}
	return
}

func splat16(v uint16) (b [32]byte) {
	for i := 0; i < 32; i += 2 {
		b[i], b[i+1] = byte(v), byte(v>>8)
	}
	return
}

func splat32(v uint32) (b [32]byte) {
	for i := 0; i < 32; i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	return
}

func consts() {
	data32("·qMask0F", splat(0x0f))
	data32("·qMask30", splat(0x30))
	data32("·qOnes8", splat(1))
	data32("·qOnes16", splat16(1))
	data32("·qMaskFF", splat32(0xff))
	// Q4_K scale patterns: every word = word j of the scale words.
	for j := 0; j < 8; j++ {
		var b [32]byte
		for i := 0; i < 32; i += 2 {
			b[i], b[i+1] = byte(2*j), byte(2*j+1)
		}
		data32(fmt.Sprintf("·qScW%d", j), b)
	}
	// Q4_K scale/min unpacking (see kDot): bytes 0-3 q0-3&63, 4-7 q8-11&15,
	// 8-11 q4-7&63, 12-15 q8-11>>4, or'd with the top bits (q>>6)<<4 of q0-3
	// (into 4-7) and q4-7 (into 12-15).
	var lo, hi, m1, m2, c0, mdup [32]byte
	copy(lo[:], []byte{0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11})
	copy(hi[:], []byte{0x80, 0x80, 0x80, 0x80, 0, 1, 2, 3, 0x80, 0x80, 0x80, 0x80, 4, 5, 6, 7})
	copy(m1[:], []byte{63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 0, 0, 0, 0})
	copy(m2[:], []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 15, 15, 15})
	copy(c0[:], []byte{0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0})
	copy(mdup[:], []byte{8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15})
	data32("·qK4Lo", lo)
	data32("·qK4Hi", hi)
	data32("·qK4M1", m1)
	data32("·qK4M2", m2)
	data32("·qK4C0", c0)
	data32("·qK4Mdup", mdup)
	// Q6_K scale patterns: from the words s0..s7 (scales of one half) in
	// both lanes, quarter m needs s(2m) in lane 0 and s(2m+1) in lane 1.
	for m := 0; m < 4; m++ {
		var b [32]byte
		for i := 0; i < 16; i += 2 {
			b[i], b[i+1] = byte(4*m), byte(4*m+1)
			b[16+i], b[17+i] = byte(4*m+2), byte(4*m+3)
		}
		data32(fmt.Sprintf("·qQ6Q%d", m), b)
	}
	// VPERMD index that puts the dwords of a VPACKUS*-packed vector back in order.
	var perm [32]byte
	for i, v := range []byte{0, 4, 1, 5, 2, 6, 3, 7} {
		perm[4*i] = v
	}
	data32("·qPackPerm", perm)
	data32("·qAbs", splat32(0x7fffffff))
	data32("·qSign", splat32(0x80000000))
	data32("·qHalfDown", splat32(0x3effffff)) // 0.49999997f: roundf(x) = trunc(x + copysign(0.49999997, x))
	// Int4 nibble shifts: lane i holds nibble i of the dword at the top.
	var sh [32]byte
	for i := 0; i < 8; i++ {
		sh[4*i] = byte(28 - 4*i)
	}
	data32("·qInt4Shift", sh)
	for _, k := range [][2]string{{"·qF127", "0x42fe0000"}, {"·qFM127", "0xc2fe0000"}, {"·qF1", "0x3f800000"}, {"·qI127", "127"}} {
		data4(k[0], k[1])
		nl()
	}
}

// reduce macros: 8 int32x8 vectors → one vector of their 8 totals.

// r2: a = [a0+a2, b0+b2, a1+a3, b1+b3 | same for the high lane].
func r2(a, b, t int) {
	p("VPUNPCKLDQ %s, %s, %s", y(b), y(a), y(t))
	p("VPUNPCKHDQ %s, %s, %s", y(b), y(a), y(a))
	p("VPADDD %s, %s, %s", y(t), y(a), y(a))
}

// r4: from two r2 results, a = [Σa, Σb, Σc, Σd] per 128-bit lane.
func r4(a, b, t int) {
	p("VPUNPCKLQDQ %s, %s, %s", y(b), y(a), y(t))
	p("VPUNPCKHQDQ %s, %s, %s", y(b), y(a), y(a))
	p("VPADDD %s, %s, %s", y(t), y(a), y(a))
}

// r8: from two r4 results, a = the 8 totals.
func r8(a, b, t int) {
	p("VPERM2I128 $0x20, %s, %s, %s", y(b), y(a), y(t))
	p("VPERM2I128 $0x31, %s, %s, %s", y(b), y(a), y(a))
	p("VPADDD %s, %s, %s", y(t), y(a), y(a))
}

// tree8 reduces the 8 vectors that gen(i, reg) produces into Y2, using
// Y2-Y5 and the temporary t.
func tree8(gen func(i, r int), t int) {
	gen(0, 2)
	gen(1, 3)
	r2(2, 3, t)
	gen(2, 3)
	gen(3, 4)
	r2(3, 4, t)
	r4(2, 3, t)
	gen(4, 3)
	gen(5, 4)
	r2(3, 4, t)
	gen(6, 4)
	gen(7, 5)
	r2(4, 5, t)
	r4(3, 4, t)
	r8(2, 3, t)
}

// nibbles unpacks the 16 bytes at mem (through X(src), with the temporary
// X(tmp)) into Y(dst): their 32 nibbles as bytes, low nibbles first.
func nibbles(mem string, src, tmp, dst int) {
	p("VMOVDQU %s, %s", mem, x(src))
	p("VPSRLW $4, %s, %s", x(src), x(tmp))
	p("VINSERTI128 $1, %s, %s, %s", x(tmp), y(src), y(dst))
	p("VPAND ·qMask0F<>(SB), %s, %s", y(dst), y(dst))
}

// tile8: one Q8_0 (q4 false) or Q4_0 (q4 true) weight row against a tile of
// 8 activation rows; acc[t] continues the float sum of activation row t.
//
// The tile's quants are stored [8 groups][8 rows][4 bytes], so that group g
// of a block against the broadcast weight bytes 4g..4g+3 puts row t's
// products in dword lane t: the block sums need no horizontal reduction.
// The blocks go tilePre at a time: first their |w| (Q4_0: nibbles) to the
// stack, then the block loop, which broadcasts them from there.
func tile8(q4 bool) {
	name, bb := "q8_0Tile8", 34
	if q4 {
		name, bb = "q4_0Tile8", 18
	}
	const T = 8
	text(name, "(w, a unsafe.Pointer, acc *float32, nb int)", fmt.Sprintf("$%d-32", 32*tilePre))
	args("w SI", "a DI", "acc DX", "nb CX")
	p("VMOVUPS (DX), Y15")
	p("VMOVDQU ·qOnes16<>(SB), Y14")
	jz("CX", name+"_done")
	nl()
	label(name + "_chunk")
	c("R8 = the chunk's blocks, min(nb left, %d)", tilePre)
	p("MOVQ $%d, R8", tilePre)
	p("CMPQ CX, R8")
	p("CMOVQLT CX, R8")
	p("SUBQ R8, CX")
	if q4 {
		c("the chunk's weights as 32 unsigned nibbles per block, in value order, to the stack")
	} else {
		c("the chunk's |w|, 32 bytes per block, to the stack")
	}
	c("(a pass of its own: broadcasting from a vector stored in the same")
	c("block iteration cost 13%% (Q8_0) and 27%% (Q4_0) of the tile's speed on Zen 5)")
	p("MOVQ SI, R9")
	p("LEAQ (SP), R10")
	p("MOVQ R8, R11")
	label(name + "_pre")
	if q4 {
		nibbles("2(R9)", 0, 1, 0)
	} else {
		p("VMOVDQU 2(R9), Y0")
		p("VPABSB Y0, Y0")
	}
	p("VMOVDQU Y0, (R10)")
	p("ADDQ $%d, R9", bb)
	p("ADDQ $32, R10")
	loopEnd("R11", name+"_pre")
	p("LEAQ (SP), R10")
	nl()
	label(name + "_loop")
	if q4 {
		c("8 groups: int16 sums stay below 8·2·15·127 = 30480")
		for g := 0; g < 8; g++ {
			p("VPBROADCASTD %d(R10), Y%d", 4*g, 8+g%2)
			if g < 2 {
				p("VPMADDUBSW %d(DI), Y%d, Y%d", 32*g, 8+g%2, 2+g%2)
			} else {
				p("VPMADDUBSW %d(DI), Y%d, Y%d", 32*g, 8+g%2, 8+g%2)
				p("VPADDW Y%d, Y%d, Y%d", 8+g%2, 2+g%2, 2+g%2)
			}
		}
		p("VPADDW Y3, Y2, Y2")
		p("VPMADDWD Y14, Y2, Y2")
		c("sumi = Σ nibble·q − 8·Σq")
		p("VPSUBD %d(DI), Y2, Y2", T*36)
	} else {
		for g := 0; g < 8; g++ {
			wr, ar, tr := 4+g%2, 6+g%2, 8+g%2
			p("VPBROADCASTD %d(SI), Y%d", 2+4*g, wr)
			p("VPBROADCASTD %d(R10), Y%d", 4*g, ar)
			p("VMOVDQU %d(DI), Y%d", 32*g, tr)
			p("VPSIGNB Y%d, Y%d, Y%d", wr, tr, tr)
			p("VPMADDUBSW Y%d, Y%d, Y%d", tr, ar, tr)
			if g < 2 {
				p("VPMADDWD Y14, Y%d, Y%d", tr, 2+g%2)
			} else {
				p("VPMADDWD Y14, Y%d, Y%d", tr, tr)
				p("VPADDD Y%d, Y%d, Y%d", tr, 2+g%2, 2+g%2)
			}
		}
		p("VPADDD Y3, Y2, Y2")
	}
	tile8Step(q4, 2, bb)
	p("ADDQ $32, R10")
	loopEnd("R8", name+"_loop")
	p("TESTQ CX, CX")
	p("JNZ %s_chunk", name)
	nl()
	label(name + "_done")
	p("VMOVUPS Y15, (DX)")
	p("VZEROUPPER")
	p("RET")
	nl()
}

// tile8Step ends one block of a tile8 (or tile8V) loop: Y15[t] += the block's
// float step for the int32 sums Y(sumi)[t] of the 8 tile rows (Y3 is
// scratch), then SI and DI move to the next block (bb weight bytes).
func tile8Step(q4 bool, sumi, bb int) {
	const T = 8
	s := y(sumi)
	p("VCVTDQ2PS %s, %s", s, s)
	p("VPBROADCASTW (SI), X3")
	p("VCVTPH2PS X3, Y3")
	if q4 {
		c("sumf += (sumi·d_w)·d_a")
		p("VMULPS Y3, %s, %s", s, s)
		p("VMULPS %d(DI), %s, %s", T*32, s, s)
	} else {
		c("sumf += sumi·(d_w·d_a)")
		p("VMULPS %d(DI), Y3, Y3", T*32)
		p("VMULPS Y3, %s, %s", s, s)
	}
	p("VADDPS %s, Y15, Y15", s)
	p("ADDQ $%d, SI", bb)
	p("ADDQ $%d, DI", T*q8BlockPer)
}

// q8Sums: the exact int32 block sums of one Q8_0 weight row (w) against the
// single packed activation row at a, ng groups of 8 blocks read in order (one
// sequential stream); block k's sum goes to sums[8k] (the caller offsets sums
// by the row's index in its group of 8, so a group's sums interleave).
func q8Sums() {
	const name, bb = "q8_0Sums", 34
	text(name, "(w, a unsafe.Pointer, sums *int32, ng, pf int)", "$0-40")
	p("MOVQ w+0(FP), SI")
	p("MOVQ a+8(FP), DX")
	p("MOVQ sums+16(FP), DI")
	p("MOVQ ng+24(FP), CX")
	p("MOVQ pf+32(FP), R14")
	p("VMOVDQU ·qOnes16<>(SB), Y14")
	jz("CX", name+"_done")
	nl()
	label(name + "_loop")
	for o := 0; o < 8*bb; o += 64 {
		p("PREFETCHT0 %d(SI)(R14*1)", o)
	}
	tree8(func(i, r int) {
		p("VMOVDQU %d(DX), Y0", i*q8BlockPer)
		p("VMOVDQU %d(SI), %s", 2+i*bb, y(r))
		p("VPABSB %s, Y1", y(r))
		p("VPSIGNB %s, Y0, %s", y(r), y(r))
		p("VPMADDUBSW %s, Y1, %s", y(r), y(r))
		p("VPMADDWD Y14, %s, %s", y(r), y(r))
	}, 13)
	p("VEXTRACTI128 $1, Y2, X3")
	for i := 0; i < 4; i++ {
		p("VPEXTRD $%d, X2, %d(DI)", i, 32*i)
		p("VPEXTRD $%d, X3, %d(DI)", i, 32*(i+4))
	}
	p("ADDQ $%d, SI", 8*bb)
	p("ADDQ $%d, DX", 8*q8BlockPer)
	p("ADDQ $256, DI")
	loopEnd("CX", name+"_loop")
	nl()
	label(name + "_done")
	p("VZEROUPPER")
	p("RET")
	nl()
}

// q8Float8: the float steps of rows8 (Q8_0) for 8 weight rows (pointers in
// *w) whose exact block sums q8Sums left in sums ([nb][8]int32, lane j: row
// j); acc[j] continues row j's float sum, in the same order as rows8.
func q8Float8() {
	const name, bb = "q8_0Float8", 34
	text(name, "(w *[8]unsafe.Pointer, a unsafe.Pointer, sums *int32, acc *float32, nb int)", "$0-40")
	loadRows8()
	p("MOVQ a+8(FP), DX")
	p("MOVQ sums+16(FP), R14")
	p("MOVQ acc+24(FP), AX")
	p("MOVQ nb+32(FP), CX")
	p("XORQ BX, BX")
	p("VMOVUPS (AX), Y15")
	jz("CX", name+"_done")
	nl()
	label(name + "_loop")
	p("VMOVDQU (R14), Y2")
	rows8Float(false)
	p("ADDQ $%d, BX", bb)
	p("ADDQ $32, R14")
	p("ADDQ $%d, DX", q8BlockPer)
	loopEnd("CX", name+"_loop")
	nl()
	label(name + "_done")
	p("MOVQ acc+24(FP), AX")
	p("VMOVUPS Y15, (AX)")
	p("VZEROUPPER")
	p("RET")
	nl()
}

// rows8Regs hold the 8 weight row pointers of rows8 and q8Float8.
var rows8Regs = []string{"R8", "R9", "R10", "R11", "R12", "R13", "SI", "DI"}

// loadRows8 loads the 8 row pointers of the *[8]unsafe.Pointer argument w
// into rows8Regs.
func loadRows8() {
	p("MOVQ w+0(FP), AX")
	for i, r := range rows8Regs {
		p("MOVQ %d(AX), %s", 8*i, r)
	}
}

// rows8Float is the float step of rows8 for one block: with Y2 the 8 rows'
// int32 block sums, the rows' block at offset BX and the activation block at
// DX, Y15[j] += float32(sumi_j)·(d_w·d_a) (Q4_0: (sumi_j − 8·Σa)·d_w·d_a, in
// that order).
func rows8Float(q4 bool) {
	c("X4 = the 8 weight scales (f16)")
	p("VPXOR X4, X4, X4")
	for j, rr := range rows8Regs {
		p("VPINSRW $%d, (%s)(BX*1), X4, X4", j, rr)
	}
	if q4 {
		p("VPBROADCASTD 36(DX), Y5")
		p("VPSUBD Y5, Y2, Y2")
	}
	p("VCVTDQ2PS Y2, Y2")
	p("VCVTPH2PS X4, Y4")
	p("VBROADCASTSS 32(DX), Y5")
	if q4 {
		p("VMULPS Y4, Y2, Y2")
		p("VMULPS Y5, Y2, Y2")
	} else {
		p("VMULPS Y5, Y4, Y4")
		p("VMULPS Y4, Y2, Y2")
	}
	p("VADDPS Y2, Y15, Y15")
}

// rows8: 8 weight rows (pointers in *w) against one activation row;
// acc[j] continues the float sum of row j.
func rows8(q4 bool) {
	name, bb := "q8_0Rows8", 34
	if q4 {
		name, bb = "q4_0Rows8", 18
	}
	regs := rows8Regs
	text(name, "(w *[8]unsafe.Pointer, a unsafe.Pointer, acc *float32, nb, pf int)", "$0-40")
	loadRows8()
	p("MOVQ a+8(FP), DX")
	p("MOVQ acc+16(FP), AX")
	p("MOVQ nb+24(FP), CX")
	p("MOVQ pf+32(FP), R14")
	p("XORQ BX, BX")
	p("VMOVUPS (AX), Y15")
	p("VMOVDQU ·qOnes16<>(SB), Y14")
	jz("CX", name+"_done")
	nl()
	label(name + "_loop")
	p("VMOVDQU (DX), Y0")
	tree8(func(j, r int) {
		rr := regs[j]
		p("PREFETCHT0 (%s)(R14*1)", rr)
		if q4 {
			nibbles(fmt.Sprintf("2(%s)(BX*1)", rr), 1, 12, r)
			p("VPMADDUBSW Y0, %s, %s", y(r), y(r))
		} else {
			p("VMOVDQU 2(%s)(BX*1), %s", rr, y(r))
			p("VPABSB %s, Y1", y(r))
			p("VPSIGNB %s, Y0, %s", y(r), y(r))
			p("VPMADDUBSW %s, Y1, %s", y(r), y(r))
		}
		p("VPMADDWD Y14, %s, %s", y(r), y(r))
	}, 13)
	rows8Float(q4)
	p("ADDQ $%d, BX", bb)
	p("ADDQ $%d, R14", bb)
	p("ADDQ $%d, DX", q8BlockPer)
	loopEnd("CX", name+"_loop")
	nl()
	label(name + "_done")
	p("MOVQ acc+16(FP), AX")
	p("VMOVUPS Y15, (AX)")
	p("VZEROUPPER")
	p("RET")
	nl()
}

// kAddr is the address of byte off of activation row t's current block
// (rows at DI, DI+R13, DI+2·R13, DI+R14 = DI+3·R13).
func kAddr(t, off int) string {
	return fmt.Sprintf([...]string{"%d(DI)", "%d(DI)(R13*1)", "%d(DI)(R13*2)", "%d(DI)(R14*1)"}[t], off)
}

// kAcc adds the int32 products (already scaled by VPMADDWD) in Y(tmp) into
// row t's accumulator Y(t), or initialises it.
func kAcc(t, tmp int, first bool) {
	if first {
		p("VMOVDQA %s, %s", y(tmp), y(t))
	} else {
		p("VPADDD %s, %s, %s", y(tmp), y(t), y(t))
	}
}

// kGatherDA loads X9 = the T activation rows' d_a (lane t: row t).
func kGatherDA(T int) {
	c("X9 = the rows' d_a")
	p("VMOVSS (DI), X9")
	for t := 1; t < T; t++ {
		p("VINSERTPS $0x%02x, %s, X9, X9", t<<4, kAddr(t, 0))
	}
}

// kTree4 reduces the int32x8 vectors Y(a)..Y(a+3) to X(a) = their 4 totals.
func kTree4(a int) {
	p("VPHADDD %s, %s, %s", y(a+1), y(a), y(a))
	p("VPHADDD %s, %s, %s", y(a+3), y(a+2), y(a+2))
	p("VPHADDD %s, %s, %s", y(a+2), y(a), y(a))
	p("VEXTRACTI128 $1, %s, %s", y(a), x(a+1))
	p("VPADDD %s, %s, %s", x(a+1), x(a), x(a))
}

// k4ScalesMins unpacks the 6-bit scales and mins of the Q4_K super-block at
// SI (ggml's get_scale_min_k4) in vectors: X14 = sc0..7 | m0..7 as bytes
// (X12, X13 scratch).
func k4ScalesMins() { k4ScalesMinsAt("4(SI)", 12, 13, 14) }

// k4ScalesMinsAt is k4ScalesMins for the 12 scale bytes at mem, into X(dst)
// with X(t0), X(t1) as scratch (all below X16: VEX encodings).
func k4ScalesMinsAt(mem string, t0, t1, dst int) {
	c("X%d = sc0..7 | m0..7 as bytes (ggml's get_scale_min_k4)", dst)
	p("VMOVDQU %s, X%d", mem, t0)
	p("VPSHUFB ·qK4Lo<>(SB), X%d, X%d", t0, t1)
	p("VPSHUFB ·qK4Hi<>(SB), X%d, X%d", t0, t0)
	p("VPSRLW $4, X%d, X%d", t1, dst)
	p("VPAND ·qK4M2<>(SB), X%d, X%d", dst, dst)
	p("VPAND ·qK4M1<>(SB), X%d, X%d", t1, t1)
	p("VPOR X%d, X%d, X%d", t1, dst, dst)
	p("VPAND ·qK4C0<>(SB), X%d, X%d", t0, t0)
	p("VPSRLW $2, X%d, X%d", t0, t0)
	p("VPOR X%d, X%d, X%d", t0, dst, dst)
}

// kDotHead starts kernel kDot(q6, T) (named with suffix): the declaration,
// the row loop's set-up and the super-block loop's label; kDotTail ends it.
// setup, if not nil, writes instructions run once per call, before the rows.
func kDotHead(q6 bool, T int, suffix string, setup func()) (name string, bb int) {
	name, bb = fmt.Sprintf("q4kDot%d%s", T, suffix), 144
	if q6 {
		name, bb = fmt.Sprintf("q6kDot%d%s", T, suffix), 210
	}
	text(name, "(w, a unsafe.Pointer, astride int, acc *float32, nsb, nrows, wstride int, fin *float32, fstride int)", "$16-72")
	if setup != nil {
		setup()
	}
	p("MOVQ w+0(FP), SI")
	p("MOVQ acc+24(FP), DX")
	c("R12 counts the weight rows; wbase is the current one")
	p("MOVQ nrows+40(FP), R12")
	jz("R12", name+"_done")
	p("MOVQ SI, wbase-8(SP)")
	p("MOVQ fin+56(FP), AX")
	p("MOVQ AX, finp-16(SP)")
	p("MOVQ astride+16(FP), R13")
	p("LEAQ (R13)(R13*2), R14")
	label(name + "_row")
	p("MOVQ wbase-8(SP), SI")
	p("MOVQ a+8(FP), DI")
	p("MOVQ nsb+32(FP), CX")
	p("VMOVUPS (DX), X7")
	jz("CX", name+"_store")
	nl()
	label(name + "_loop")
	return name, bb
}

// kDot: Q4_K (q6 false) or Q6_K (q6 true) weight rows against T = 4 plain
// Q8_K activation rows (row t at a + t·astride): for each of nrows weight
// rows (wstride bytes apart), acc[4i+t] continues the sum of row t in the
// order quant.DotKBlocks defines, one float step per super-block, and with fin ≠ nil
// is also stored to fin + t·fstride + 4i. (One activation row, n = 1, is
// kRows1Pair's.)
func kDot(q6 bool, T int) {
	name, bb := kDotHead(q6, T, "", nil)
	// Y0..Y(T-1): int32 accumulators of isum per row.
	if !q6 {
		k4ScalesMins()
		c("Y15 = the scales as words, in both lanes")
		p("VPMOVZXBW X14, X15")
		p("VINSERTI128 $1, X15, Y15, Y15")
		for ch := 0; ch < 4; ch++ {
			c("chunk %d: sub-blocks %d (low nibbles) and %d (high nibbles)", ch, 2*ch, 2*ch+1)
			p("VMOVDQU %d(SI), Y10", 16+32*ch)
			p("VPSRLW $4, Y10, Y9")
			p("VPAND ·qMask0F<>(SB), Y10, Y8")
			p("VPAND ·qMask0F<>(SB), Y9, Y9")
			p("VPSHUFB ·qScW%d<>(SB), Y15, Y10", 2*ch)
			p("VPSHUFB ·qScW%d<>(SB), Y15, Y11", 2*ch+1)
			for t := 0; t < T; t++ {
				p("VPMADDUBSW %s, Y8, Y12", kAddr(t, 4+64*ch))
				p("VPMADDWD Y10, Y12, Y12")
				p("VPMADDUBSW %s, Y9, Y13", kAddr(t, 4+64*ch+32))
				p("VPMADDWD Y11, Y13, Y13")
				p("VPADDD Y13, Y12, Y12")
				kAcc(t, 12, ch == 0)
			}
		}
		kFinish(false, T)
	} else {
		for h := 0; h < 2; h++ {
			c("half %d: Y14 = scales %d..%d as words, in both lanes", h, 8*h, 8*h+7)
			p("VPMOVSXBW %d(SI), X14", 192+8*h)
			p("VINSERTI128 $1, X14, Y14, Y14")
			p("VMOVDQU %d(SI), Y10", 64*h)
			p("VMOVDQU %d(SI), Y11", 64*h+32)
			p("VMOVDQU %d(SI), Y12", 128+32*h)
			for m := 0; m < 4; m++ {
				c("quarter %d: values %d..%d", m, 128*h+32*m, 128*h+32*m+31)
				lo, sh := 10+m%2, [...]int{4, 2, 0, -2}[m]
				if m < 2 {
					p("VPAND ·qMask0F<>(SB), %s, Y8", y(lo))
				} else {
					p("VPSRLW $4, %s, Y8", y(lo))
					p("VPAND ·qMask0F<>(SB), Y8, Y8")
				}
				switch {
				case sh > 0:
					p("VPSLLW $%d, Y12, Y9", sh)
					p("VPAND ·qMask30<>(SB), Y9, Y9")
				case sh == 0:
					p("VPAND ·qMask30<>(SB), Y12, Y9")
				default:
					p("VPSRLW $%d, Y12, Y9", -sh)
					p("VPAND ·qMask30<>(SB), Y9, Y9")
				}
				p("VPOR Y9, Y8, Y8")
				p("VPSHUFB ·qQ6Q%d<>(SB), Y14, Y9", m)
				for t := 0; t < T; t++ {
					p("VPMADDUBSW %s, Y8, Y13", kAddr(t, 4+128*h+32*m))
					p("VPMADDWD Y9, Y13, Y13")
					kAcc(t, 13, h == 0 && m == 0)
				}
			}
		}
		kFinish(true, T)
	}
	kDotTail(name, T, bb)
}

// kRows1Pair writes the K-family decode kernels q4kRows1 (q6 false) and
// q6kRows1 (q6 true), or with v their AVX-512 VNNI versions q4kRows1V and
// q6kRows1V: kDot(q6, 1) (kDotV(q6, 1)) two super-blocks at a time.
// Super-blocks A (at SI, against the activation block at DI) and B (R11 and
// R10 bytes further) go side by side, their scales, sums and float steps in
// the lanes of one set of registers, so that two independent reduction
// chains are in flight where one super-block's left the core waiting on
// latency, while the weights are still read as one forward stream. A's
// float step is added to the row's sum before B's, and each lane takes
// exactly the one-super-block kernel's steps, so the results are bit for
// bit the same. An odd last super-block runs as a pair with itself
// (R11 = R10 = 0) and adds A's step only.
func kRows1Pair(q6, v bool) {
	name, bb := "q4kRows1", 144
	if q6 {
		name, bb = "q6kRows1", 210
	}
	if v {
		name += "V"
	}
	text(name, "(w, a unsafe.Pointer, nrows int, dst *float32, nsb, pf int)", "$0-48")
	if v {
		kConstsV(q6)
	}
	p("MOVQ w+0(FP), SI")
	p("MOVQ dst+24(FP), DX")
	p("MOVQ pf+40(FP), R12")
	p("MOVQ nrows+16(FP), R13")
	jz("R13", name+"_done")
	label(name + "_row")
	p("MOVQ a+8(FP), DI")
	p("MOVQ nsb+32(FP), CX")
	p("VXORPS X7, X7, X7")
	p("MOVQ $%d, R11", bb)
	p("MOVQ $%d, R10", q8KBytes)
	p("SHRQ $1, CX")
	jz("CX", name+"_rest")
	nl()
	label(name + "_loop")
	c("prefetch the weights pf bytes ahead")
	for o := 0; o < 2*bb; o += 64 {
		p("PREFETCHT0 %d(SI)(R12*1)", o)
	}
	body := k4PairBody
	if q6 {
		body = k6PairBody
	}
	body(true, v)
	p("ADDQ $%d, SI", 2*bb)
	p("ADDQ $%d, DI", 2*q8KBytes)
	loopEnd("CX", name+"_loop")
	nl()
	label(name + "_rest")
	p("TESTQ $1, nsb+32(FP)")
	p("JZ %s_store", name)
	c("an odd last super-block: paired with itself")
	p("XORQ R11, R11")
	p("XORQ R10, R10")
	body(false, v)
	p("ADDQ $%d, SI", bb)
	label(name + "_store")
	p("VMOVSS X7, (DX)")
	p("ADDQ $4, DX")
	loopEnd("R13", name+"_row")
	label(name + "_done")
	p("VZEROUPPER")
	p("RET")
	nl()
}

// k4PairBody is the Q4_K step of kRows1Pair over super-blocks A and B (A's
// int32 sums in Y0/Z0, B's in Y1/Z1, their totals in lanes 0 and 2 of X0);
// both true adds B's float step to X7 after A's.
func k4PairBody(both, v bool) {
	k4ScalesMinsAt("4(SI)", 12, 13, 14)
	k4ScalesMinsAt("4(SI)(R11*1)", 2, 3, 4)
	p("VPMOVZXBW X14, X15")
	p("VPMOVZXBW X4, X5")
	if !v {
		c("Y15, Y5 = A's, B's scales as words, in both lanes")
		p("VINSERTI128 $1, X15, Y15, Y15")
		p("VINSERTI128 $1, X5, Y5, Y5")
	}
	for ch := 0; ch < 4; ch++ {
		c("chunk %d: sub-blocks %d (low nibbles) and %d (high nibbles) of A, then of B", ch, 2*ch, 2*ch+1)
		if v {
			p("VMOVDQU %d(SI), Y9", 16+32*ch)
			p("VMOVDQU64 %d(SI)(R11*1), Y21", 16+32*ch)
			p("VPSRLW $4, Y9, Y10")
			p("VPSRLW $4, Y21, Y22")
			p("VINSERTI64X4 $1, Y10, Z9, Z9")
			p("VINSERTI64X4 $1, Y22, Z21, Z21")
			p("VPANDD Z20, Z9, Z8")
			p("VPANDD Z20, Z21, Z23")
			p("VPERMW Z15, Z%d, Z10", 16+ch)
			p("VPERMW Z5, Z%d, Z24", 16+ch)
			p("VPMADDUBSW %d(DI), Z8, Z12", 4+64*ch)
			p("VPMADDUBSW %d(DI)(R10*1), Z23, Z25", 4+64*ch)
			op := "VPDPWSSD"
			if ch == 0 {
				op = "VPMADDWD"
			}
			p("%s Z10, Z12, Z0", op)
			p("%s Z24, Z25, Z1", op)
			continue
		}
		for _, r := range []struct {
			w, a    string
			sc, acc int
		}{{"(SI)", "(DI)", 15, 0}, {"(SI)(R11*1)", "(DI)(R10*1)", 5, 1}} {
			p("VMOVDQU %d%s, Y10", 16+32*ch, r.w)
			p("VPSRLW $4, Y10, Y9")
			p("VPAND ·qMask0F<>(SB), Y10, Y8")
			p("VPAND ·qMask0F<>(SB), Y9, Y9")
			p("VPSHUFB ·qScW%d<>(SB), Y%d, Y10", 2*ch, r.sc)
			p("VPSHUFB ·qScW%d<>(SB), Y%d, Y11", 2*ch+1, r.sc)
			p("VPMADDUBSW %d%s, Y8, Y12", 4+64*ch, r.a)
			p("VPMADDWD Y10, Y12, Y12")
			p("VPMADDUBSW %d%s, Y9, Y13", 4+64*ch+32, r.a)
			p("VPMADDWD Y11, Y13, Y13")
			if ch == 0 {
				p("VPADDD Y13, Y12, Y%d", r.acc)
			} else {
				p("VPADDD Y13, Y12, Y12")
				p("VPADDD Y12, Y%d, Y%d", r.acc, r.acc)
			}
		}
	}
	if v {
		c("fold each super-block's sums to 256 bits")
		p("VEXTRACTI64X4 $1, Z0, Y12")
		p("VPADDD Y12, Y0, Y0")
		p("VEXTRACTI64X4 $1, Z1, Y13")
		p("VPADDD Y13, Y1, Y1")
	}
	c("msum: the mins, each twice (one per bsum), against the bsums")
	p("VPSHUFB ·qK4Mdup<>(SB), X14, X13")
	p("VPMOVZXBW X13, Y13")
	p("VPMADDWD 260(DI), Y13, Y8")
	p("VPSHUFB ·qK4Mdup<>(SB), X4, X3")
	p("VPMOVZXBW X3, Y3")
	p("VPMADDWD 260(DI)(R10*1), Y3, Y9")
	c("X0 = [isum A, msum A, isum B, msum B]")
	p("VPHADDD Y8, Y0, Y0")
	p("VPHADDD Y9, Y1, Y1")
	p("VPHADDD Y1, Y0, Y0")
	p("VEXTRACTI128 $1, Y0, X1")
	p("VPADDD X1, X0, X0")
	p("VCVTDQ2PS X0, X0")
	c("[d, dmin] of A | of B, times their d_a")
	p("VMOVD (SI), X10")
	p("VPINSRD $1, (SI)(R11*1), X10, X10")
	p("VCVTPH2PS X10, X10")
	p("VMOVSS (DI), X9")
	p("VINSERTPS $0x20, (DI)(R10*1), X9, X9")
	p("VMOVSLDUP X9, X9")
	p("VMULPS X9, X10, X10")
	p("VMULPS X10, X0, X0")
	p("VMOVSHDUP X0, X1")
	p("VSUBPS X1, X0, X0")
	p("VADDSS X0, X7, X7")
	if both {
		p("VMOVHLPS X0, X0, X1")
		p("VADDSS X1, X7, X7")
	}
}

// k6PairBody is the Q6_K step of kRows1Pair over super-blocks A and B (A's
// int32 sums in Y0/Z0, B's in Y1/Z1, their totals in lanes 0 and 1 of X0);
// both true adds B's float step to X7 after A's.
func k6PairBody(both, v bool) {
	if v {
		k6PairV()
	} else {
		k6PairAVX2()
	}
	c("the −32 offset: isum −= 32·Σ sc_k·bsums_k")
	p("VPMOVSXBW 192(SI), Y14")
	p("VPMOVSXBW 192(SI)(R11*1), Y15")
	p("VPMADDWD 260(DI), Y14, Y13")
	p("VPSLLD $5, Y13, Y13")
	p("VPSUBD Y13, Y0, Y0")
	p("VPMADDWD 260(DI)(R10*1), Y15, Y12")
	p("VPSLLD $5, Y12, Y12")
	p("VPSUBD Y12, Y1, Y1")
	c("X0 = [isum A, isum B, isum A, isum B]")
	p("VEXTRACTI128 $1, Y0, X2")
	p("VPADDD X2, X0, X0")
	p("VEXTRACTI128 $1, Y1, X3")
	p("VPADDD X3, X1, X1")
	p("VPHADDD X1, X0, X0")
	p("VPHADDD X0, X0, X0")
	p("VCVTDQ2PS X0, X0")
	c("[d_w·d_a of A, of B]")
	p("VPBROADCASTW 208(SI), X10")
	p("VPINSRW $1, 208(SI)(R11*1), X10, X10")
	p("VCVTPH2PS X10, X10")
	p("VMOVSS (DI), X9")
	p("VINSERTPS $0x10, (DI)(R10*1), X9, X9")
	p("VMULPS X9, X10, X10")
	p("VMULPS X10, X0, X0")
	p("VADDSS X0, X7, X7")
	if both {
		p("VMOVSHDUP X0, X1")
		p("VADDSS X1, X7, X7")
	}
}

// k6PairAVX2 is kDot(true, 1)'s sums for super-blocks A and B: A's data in
// Y10-Y12 and scales in Y14, B's in Y2-Y4 and Y15, each quarter's values
// and scale words in Y8, Y9 (A) and Y5, Y6 (B).
func k6PairAVX2() {
	for h := 0; h < 2; h++ {
		c("half %d: scales %d..%d as words, in both lanes (A: Y14, B: Y15), ql and qh bytes", h, 8*h, 8*h+7)
		for _, r := range []struct {
			w      string
			sc, d0 int
		}{{"(SI)", 14, 10}, {"(SI)(R11*1)", 15, 2}} {
			p("VPMOVSXBW %d%s, X%d", 192+8*h, r.w, r.sc)
			p("VINSERTI128 $1, X%d, Y%d, Y%d", r.sc, r.sc, r.sc)
			p("VMOVDQU %d%s, Y%d", 64*h, r.w, r.d0)
			p("VMOVDQU %d%s, Y%d", 64*h+32, r.w, r.d0+1)
			p("VMOVDQU %d%s, Y%d", 128+32*h, r.w, r.d0+2)
		}
		for m := 0; m < 4; m++ {
			c("quarter %d: values %d..%d of A, then of B", m, 128*h+32*m, 128*h+32*m+31)
			sh := [...]int{4, 2, 0, -2}[m]
			for _, r := range []struct {
				a                     string
				sc, d0, val, tmp, acc int
			}{{"(DI)", 14, 10, 8, 9, 0}, {"(DI)(R10*1)", 15, 2, 5, 6, 1}} {
				lo, qh := r.d0+m%2, r.d0+2
				if m < 2 {
					p("VPAND ·qMask0F<>(SB), Y%d, Y%d", lo, r.val)
				} else {
					p("VPSRLW $4, Y%d, Y%d", lo, r.val)
					p("VPAND ·qMask0F<>(SB), Y%d, Y%d", r.val, r.val)
				}
				switch {
				case sh > 0:
					p("VPSLLW $%d, Y%d, Y%d", sh, qh, r.tmp)
					p("VPAND ·qMask30<>(SB), Y%d, Y%d", r.tmp, r.tmp)
				case sh == 0:
					p("VPAND ·qMask30<>(SB), Y%d, Y%d", qh, r.tmp)
				default:
					p("VPSRLW $%d, Y%d, Y%d", -sh, qh, r.tmp)
					p("VPAND ·qMask30<>(SB), Y%d, Y%d", r.tmp, r.tmp)
				}
				p("VPOR Y%d, Y%d, Y%d", r.tmp, r.val, r.val)
				p("VPSHUFB ·qQ6Q%d<>(SB), Y%d, Y%d", m, r.sc, r.tmp)
				p("VPMADDUBSW %d%s, Y%d, Y%d", 4+128*h+32*m, r.a, r.val, r.val)
				if h == 0 && m == 0 {
					p("VPMADDWD Y%d, Y%d, Y%d", r.tmp, r.val, r.acc)
				} else {
					p("VPMADDWD Y%d, Y%d, Y%d", r.tmp, r.val, r.val)
					p("VPADDD Y%d, Y%d, Y%d", r.val, r.acc, r.acc)
				}
			}
		}
	}
}

// k6PairV is kDotV(true, 1)'s sums for super-blocks A and B, folded to 256
// bits in Y0 (A) and Y1 (B).
func k6PairV() {
	p("VPMOVSXBW 192(SI), Y14")
	p("VPMOVSXBW 192(SI)(R11*1), Y15")
	for h := 0; h < 2; h++ {
		c("half %d: ql bytes in Z11 (A) and Z24 (B), qh bytes twice in Z12 and Z25", h)
		p("VMOVDQU64 %d(SI), Z11", 64*h)
		p("VMOVDQU64 %d(SI)(R11*1), Z24", 64*h)
		p("VBROADCASTI64X4 %d(SI), Z12", 128+32*h)
		p("VBROADCASTI64X4 %d(SI)(R11*1), Z25", 128+32*h)
		for pp := 0; pp < 2; pp++ {
			c("quarters %d|%d: values %d..%d; A in Z8, B in Z26", 2*pp, 2*pp+1, 128*h+64*pp, 128*h+64*pp+63)
			q6ValuesV(pp, 11, 12, 8, 9)
			q6ValuesV(pp, 24, 25, 26, 27)
			p("VPERMW Z14, Z%d, Z9", 16+2*h+pp)
			p("VPERMW Z15, Z%d, Z27", 16+2*h+pp)
			p("VPMADDUBSW %d(DI), Z8, Z13", 4+128*h+64*pp)
			p("VPMADDUBSW %d(DI)(R10*1), Z26, Z28", 4+128*h+64*pp)
			op := "VPDPWSSD"
			if h == 0 && pp == 0 {
				op = "VPMADDWD"
			}
			p("%s Z9, Z13, Z0", op)
			p("%s Z27, Z28, Z1", op)
		}
	}
	c("fold each super-block's sums to 256 bits")
	p("VEXTRACTI64X4 $1, Z0, Y12")
	p("VPADDD Y12, Y0, Y0")
	p("VEXTRACTI64X4 $1, Z1, Y13")
	p("VPADDD Y13, Y1, Y1")
}

// kFinish ends a super-block of kDot(q6, T) once Y0..Y(T-1) hold the rows'
// int32 partial sums of sc_j·(q·a) (any lane split): the mins (Q4_K) or the
// −32 offset (Q6_K), the reduction to totals and the float step into X7.
func kFinish(q6 bool, T int) {
	if !q6 {
		c("msum: the mins, each twice (one per bsum), against the bsums")
		p("VPSHUFB ·qK4Mdup<>(SB), X14, X13")
		p("VPMOVZXBW X13, Y13")
		for t := 0; t < T; t++ {
			p("VPMADDWD %s, Y13, %s", kAddr(t, 260), y(8+t))
		}
		kTree4(0)
		kTree4(8)
		p("VCVTDQ2PS X0, X0")
		p("VCVTDQ2PS X8, X8")
		kGatherDA(T)
		p("VPBROADCASTW (SI), X10")
		p("VCVTPH2PS X10, X10")
		p("VPBROADCASTW 2(SI), X11")
		p("VCVTPH2PS X11, X11")
		p("VMULPS X9, X10, X10")
		p("VMULPS X9, X11, X11")
		p("VMULPS X10, X0, X0")
		p("VMULPS X11, X8, X8")
		p("VSUBPS X8, X0, X0")
		p("VADDPS X0, X7, X7")
		return
	}
	c("the −32 offset: isum −= 32·Σ sc_k·bsums_k")
	p("VPMOVSXBW 192(SI), Y14")
	for t := 0; t < T; t++ {
		p("VPMADDWD %s, Y14, Y13", kAddr(t, 260))
		p("VPSLLD $5, Y13, Y13")
		p("VPSUBD Y13, %s, %s", y(t), y(t))
	}
	p("VPBROADCASTW 208(SI), X10")
	p("VCVTPH2PS X10, X10")
	kTree4(0)
	p("VCVTDQ2PS X0, X0")
	kGatherDA(T)
	p("VMULPS X9, X10, X10")
	p("VMULPS X10, X0, X0")
	p("VADDPS X0, X7, X7")
}

// kDotTail ends kernel name of kDotHead: the next super-block, the stores and
// the row loop.
func kDotTail(name string, T, bb int) {
	p("ADDQ $%d, SI", bb)
	p("ADDQ $%d, DI", q8KBytes)
	loopEnd("CX", name+"_loop")
	nl()
	label(name + "_store")
	p("VMOVUPS X7, (DX)")
	p("ADDQ $16, DX")
	c("with fin ≠ nil: fin[t·fstride/4 + i] = acc[4i+t]")
	p("MOVQ finp-16(SP), AX")
	jz("AX", name+"_nofin")
	p("MOVQ fstride+64(FP), BX")
	p("VMOVSS X7, (AX)")
	p("VEXTRACTPS $1, X7, (AX)(BX*1)")
	p("VEXTRACTPS $2, X7, (AX)(BX*2)")
	p("LEAQ (AX)(BX*2), R8")
	p("VEXTRACTPS $3, X7, (R8)(BX*1)")
	p("ADDQ $4, AX")
	p("MOVQ AX, finp-16(SP)")
	label(name + "_nofin")
	p("MOVQ wbase-8(SP), SI")
	p("ADDQ wstride+48(FP), SI")
	p("MOVQ SI, wbase-8(SP)")
	p("DECQ R12")
	p("JNZ %s_row", name)
	label(name + "_done")
	p("VZEROUPPER")
	p("RET")
	nl()
}

// packBytes turns the int32 vectors Y0-Y3 (32 values in order) into their low
// bytes, in order, in Y0 (int8 wrap-around, as Go's int8(int32) conversion).
func packBytes() {
	for i := 0; i < 4; i++ {
		p("VPAND ·qMaskFF<>(SB), %s, %s", y(i), y(i))
	}
	p("VPACKUSDW Y1, Y0, Y0")
	p("VPACKUSDW Y3, Y2, Y2")
	p("VPACKUSWB Y2, Y0, Y0")
	p("VMOVDQU ·qPackPerm<>(SB), Y1")
	p("VPERMD Y0, Y1, Y0")
}

// hsum32 adds the 8 int32 lanes of Y(r) into the low lane of X(r), using t.
func hsum32(r, t int) {
	p("VEXTRACTI128 $1, %s, %s", y(r), x(t))
	p("VPADDD %s, %s, %s", x(t), x(r), x(r))
	p("VPSHUFD $0x4e, %s, %s", x(r), x(t))
	p("VPADDD %s, %s, %s", x(t), x(r), x(r))
	p("VPSHUFD $0xb1, %s, %s", x(r), x(t))
	p("VPADDD %s, %s, %s", x(t), x(r), x(r))
}

// hmax leaves the largest of the 8 lanes of Y0 in every lane of X0.
func hmax() {
	p("VEXTRACTF128 $1, Y0, X1")
	p("VMAXPS X1, X0, X0")
	p("VPERMILPS $0x4e, X0, X1")
	p("VMAXPS X1, X0, X0")
	p("VPERMILPS $0xb1, X0, X1")
	p("VMAXPS X1, X0, X0")
}

// quantQ8_0 is quant's Q8_0 quantizer (ggml's quantize_row_q8_0_ref) into the
// packed layout: per block, the 8 groups of 4 quants at q + g·gstride, the
// f16-rounded scale as f32 at d and 8·Σq at s, each advancing by stride bytes
// per block.
func quantQ8_0() {
	const name = "quantQ8_0"
	text(name, "(q, d, s unsafe.Pointer, stride, gstride int, src *float32, nb int)", "$0-56")
	args("q DI", "d R8", "s R9", "stride R10", "gstride R11", "src SI", "nb CX")
	jz("CX", name+"_done")
	label(name + "_loop")
	for i := 0; i < 4; i++ {
		p("VMOVUPS %d(SI), %s", 32*i, y(4+i))
	}
	c("amax")
	p("VMOVUPS ·qAbs<>(SB), Y8")
	p("VANDPS Y8, Y4, Y0")
	p("VANDPS Y8, Y5, Y1")
	p("VANDPS Y8, Y6, Y2")
	p("VANDPS Y8, Y7, Y3")
	p("VMAXPS Y1, Y0, Y0")
	p("VMAXPS Y3, Y2, Y2")
	p("VMAXPS Y2, Y0, Y0")
	hmax()
	c("d = amax/127, id = d ≠ 0 ? 1/d : 0")
	p("VDIVSS ·qF127<>(SB), X0, X0")
	p("VMOVSS ·qF1<>(SB), X1")
	p("VDIVSS X0, X1, X1")
	p("VXORPS X2, X2, X2")
	p("VCMPSS $4, X2, X0, X2")
	p("VANDPS X2, X1, X1")
	c("the stored scale: d rounded to f16 and back")
	p("VCVTPS2PH $0, X0, X0")
	p("VCVTPH2PS X0, X0")
	p("VMOVSS X0, (R8)")
	p("VBROADCASTSS X1, Y1")
	c("q = roundf(x·id) = trunc(x·id + copysign(0.49999997, x·id))")
	p("VMOVUPS ·qSign<>(SB), Y9")
	p("VMOVUPS ·qHalfDown<>(SB), Y10")
	for i := 0; i < 4; i++ {
		r := y(4 + i)
		p("VMULPS Y1, %s, %s", r, r)
		p("VANDPS Y9, %s, Y11", r)
		p("VORPS Y10, Y11, Y11")
		p("VADDPS Y11, %s, %s", r, r)
	}
	for i := 0; i < 4; i++ {
		p("VCVTTPS2DQ %s, %s", y(4+i), y(i))
	}
	packBytes()
	c("store the 8 dwords of quants gstride bytes apart")
	p("MOVQ DI, AX")
	p("VEXTRACTI128 $1, Y0, X2")
	for g := 0; g < 8; g++ {
		r := "X0"
		if g >= 4 {
			r = "X2"
		}
		if g%4 == 0 {
			p("VMOVD %s, (AX)", r)
		} else {
			p("VPEXTRD $%d, %s, (AX)", g%4, r)
		}
		if g < 7 {
			p("ADDQ R11, AX")
		}
	}
	c("8·Σq")
	p("VMOVDQU ·qOnes8<>(SB), Y1")
	p("VPMADDUBSW Y0, Y1, Y1")
	p("VPMADDWD ·qOnes16<>(SB), Y1, Y1")
	hsum32(1, 2)
	p("VPSLLD $3, X1, X1")
	p("VMOVD X1, (R9)")
	p("ADDQ $128, SI")
	p("ADDQ R10, DI")
	p("ADDQ R10, R8")
	p("ADDQ R10, R9")
	loopEnd("CX", name+"_loop")
	done(name)
}

// quantQ8K: nsb 256-value blocks of src to plain Q8_K blocks at dst (f32 d,
// 256 int8 quants, 16 int16 bsums), byte for byte ggml's
// quantize_row_q8_K_ref (quant.Quantize).
func quantQ8K() {
	const name = "quantQ8K"
	text(name, "(dst unsafe.Pointer, src *float32, nsb int)", "$0-24")
	args("dst DI", "src SI", "nsb CX")
	jz("CX", name+"_done")
	label(name + "_loop")
	c("amax over the 256 values")
	p("VMOVUPS ·qAbs<>(SB), Y8")
	p("VXORPS Y0, Y0, Y0")
	p("VXORPS Y1, Y1, Y1")
	for i := 0; i < 32; i++ {
		p("VANDPS %d(SI), Y8, Y2", 32*i)
		p("VMAXPS Y2, %s, %s", y(i%2), y(i%2))
	}
	p("VMAXPS Y1, Y0, Y0")
	hmax()
	p("VXORPS X1, X1, X1")
	p("VUCOMISS X1, X0")
	p("JNE %s_nonzero", name)
	c("all-zero block: d, quants and bsums all zero")
	p("VPXOR Y0, Y0, Y0")
	for o := 0; o < 288; o += 32 {
		p("VMOVDQU Y0, %d(DI)", o)
	}
	p("VMOVSS X0, 288(DI)")
	p("JMP %s_next", name)
	label(name + "_nonzero")
	c("max = the first value of largest magnitude (sign kept)")
	p("VBROADCASTSS X0, Y0")
	p("XORQ AX, AX")
	label(name + "_find")
	p("CMPQ AX, $256")
	p("JGE %s_scale", name) // not found (NaN inputs): use amax
	p("VANDPS (SI)(AX*4), Y8, Y2")
	p("VCMPPS $0, Y0, Y2, Y2")
	p("VMOVMSKPS Y2, BX")
	p("TESTL BX, BX")
	p("JNZ %s_found", name)
	p("ADDQ $8, AX")
	p("JMP %s_find", name)
	label(name + "_found")
	p("TZCNTL BX, BX")
	p("ADDQ BX, AX")
	p("VMOVSS (SI)(AX*4), X0")
	label(name + "_scale")
	c("iscale = −127/max; d = 1/iscale")
	p("VMOVSS ·qFM127<>(SB), X1")
	p("VDIVSS X0, X1, X1")
	p("VMOVSS ·qF1<>(SB), X2")
	p("VDIVSS X1, X2, X2")
	p("VMOVSS X2, (DI)")
	p("VBROADCASTSS X1, Y9")
	p("VPBROADCASTD ·qI127<>(SB), Y10")
	p("VMOVDQU ·qOnes8<>(SB), Y11")
	p("VMOVDQU ·qOnes16<>(SB), Y12")
	for k := 0; k < 8; k++ {
		c("chunk %d", k)
		for i := 0; i < 4; i++ {
			p("VMULPS %d(SI), Y9, %s", 128*k+32*i, y(i))
			p("VCVTPS2DQ %s, %s", y(i), y(i))
			p("VPMINSD Y10, %s, %s", y(i), y(i))
		}
		packBytes()
		p("VMOVDQU Y0, %d(DI)", 4+32*k)
		c("bsums %d and %d: the sums of each 128-bit lane", 2*k, 2*k+1)
		p("VPMADDUBSW Y0, Y11, Y1")
		p("VPMADDWD Y12, Y1, Y1")
		p("VPHADDD Y1, Y1, Y1")
		p("VPHADDD Y1, Y1, Y1")
		p("VPEXTRW $0, X1, DX")
		p("MOVW DX, %d(DI)", 260+4*k)
		p("VEXTRACTI128 $1, Y1, X1")
		p("VPEXTRW $0, X1, DX")
		p("MOVW DX, %d(DI)", 262+4*k)
	}
	label(name + "_next")
	p("ADDQ $1024, SI")
	p("ADDQ $%d, DI", q8KBytes)
	loopEnd("CX", name+"_loop")
	done(name)
}

// widenInt4 decodes ngroups Int4G128 blocks to float32: dst[i] = float32(q)·scale,
// as quant.Dequantize does.
func widenInt4() {
	const name = "widenInt4"
	text(name, "(dst *float32, src unsafe.Pointer, ngroups int)", "$0-24")
	args("dst DI", "src SI", "ngroups CX")
	p("VMOVDQU ·qInt4Shift<>(SB), Y15")
	jz("CX", name+"_done")
	label(name + "_loop")
	p("VBROADCASTSS (SI), Y14")
	for i := 0; i < 16; i++ {
		r := y(i % 4)
		p("VPBROADCASTD %d(SI), %s", 4+4*i, r)
		p("VPSLLVD Y15, %s, %s", r, r)
		p("VPSRAD $28, %s, %s", r, r)
		p("VCVTDQ2PS %s, %s", r, r)
		p("VMULPS Y14, %s, %s", r, r)
		p("VMOVUPS %s, %d(DI)", r, 32*i)
	}
	p("ADDQ $68, SI")
	p("ADDQ $512, DI")
	loopEnd("CX", name+"_loop")
	done(name)
}

// tile8xR: tile8 for R weight rows (w + r·wstride) sharing the tile's loads,
// their |w| (Q4_0: nibbles) 16/R blocks at a time in a stack buffer of
// 32·R bytes per block: acc[8r+t] continues row r's sum. The float steps are
// tile8's, so the results are too.
func tile8xR(q4 bool, R int) {
	const T = 8
	pre := 16 / R
	name, bb := fmt.Sprintf("q8_0Tile8x%d", R), 34
	if q4 {
		name, bb = fmt.Sprintf("q4_0Tile8x%d", R), 18
	}
	text(name, "(w unsafe.Pointer, wstride int, a unsafe.Pointer, acc *float32, nb int)", fmt.Sprintf("$%d-40", 32*R*pre))
	args("w SI", "wstride BX", "a DI", "acc DX", "nb CX")
	p("LEAQ (BX)(BX*2), R12")
	rowAddr := func(off, r int) string {
		return fmt.Sprintf([]string{"%d(SI)", "%d(SI)(BX*1)", "%d(SI)(BX*2)", "%d(SI)(R12*1)"}[r], off)
	}
	preAddr := func(r int) string {
		return fmt.Sprintf([]string{"2(R9)", "2(R9)(BX*1)", "2(R9)(BX*2)", "2(R9)(R12*1)"}[r])
	}
	acc := func(r int) int { return 15 - r }
	ones := 15 - R
	for r := 0; r < R; r++ {
		p("VMOVUPS %d(DX), %s", 32*r, y(acc(r)))
	}
	p("VMOVDQU ·qOnes16<>(SB), %s", y(ones))
	jz("CX", name+"_done")
	label(name + "_chunk")
	c("R8 = the chunk's blocks, min(nb left, %d)", pre)
	p("MOVQ $%d, R8", pre)
	p("CMPQ CX, R8")
	p("CMOVQLT CX, R8")
	p("SUBQ R8, CX")
	if q4 {
		c("the chunk's nibbles of the %d rows to the stack, %d bytes per block", R, 32*R)
	} else {
		c("the chunk's |w| of the %d rows to the stack, %d bytes per block", R, 32*R)
	}
	p("MOVQ SI, R9")
	p("LEAQ (SP), R10")
	p("MOVQ R8, R11")
	label(name + "_pre")
	for r := 0; r < R; r++ {
		if q4 {
			nibbles(preAddr(r), 0, 1, 0)
		} else {
			p("VMOVDQU %s, Y0", preAddr(r))
			p("VPABSB Y0, Y0")
		}
		p("VMOVDQU Y0, %d(R10)", 32*r)
	}
	p("ADDQ $%d, R9", bb)
	p("ADDQ $%d, R10", 32*R)
	loopEnd("R11", name+"_pre")
	p("LEAQ (SP), R10")
	nl()
	label(name + "_loop")
	if q4 {
		c("int16 sums stay below 8·2·15·127 = 30480")
	}
	// Y0..Y(R-1) the rows' sums, Y4 the tile's group, temporaries from Y5.
	const a = 4
	for g := 0; g < 8; g++ {
		p("VMOVDQU %d(DI), %s", 32*g, y(a))
		for r := 0; r < R; r++ {
			wr, ar, tr := 5+3*(r%2), 6+3*(r%2), 7+3*(r%2)
			if q4 {
				p("VPBROADCASTD %d(R10), Y%d", 32*r+4*g, ar)
				if g == 0 {
					p("VPMADDUBSW %s, Y%d, Y%d", y(a), ar, r)
				} else {
					p("VPMADDUBSW %s, Y%d, Y%d", y(a), ar, tr)
					p("VPADDW Y%d, Y%d, Y%d", tr, r, r)
				}
				continue
			}
			p("VPBROADCASTD %s, Y%d", rowAddr(2+4*g, r), wr)
			p("VPBROADCASTD %d(R10), Y%d", 32*r+4*g, ar)
			p("VPSIGNB Y%d, %s, Y%d", wr, y(a), tr)
			p("VPMADDUBSW Y%d, Y%d, Y%d", tr, ar, tr)
			if g == 0 {
				p("VPMADDWD %s, Y%d, Y%d", y(ones), tr, r)
			} else {
				p("VPMADDWD %s, Y%d, Y%d", y(ones), tr, tr)
				p("VPADDD Y%d, Y%d, Y%d", tr, r, r)
			}
		}
	}
	for r := 0; r < R; r++ {
		s := y(r)
		if q4 {
			c("row %d: sumi = Σ nibble·q − 8·Σq; sumf += (sumi·d_w)·d_a", r)
			p("VPMADDWD %s, %s, %s", y(ones), s, s)
			p("VPSUBD %d(DI), %s, %s", T*36, s, s)
		} else {
			c("row %d: sumf += sumi·(d_w·d_a)", r)
		}
		p("VCVTDQ2PS %s, %s", s, s)
		p("VPBROADCASTW %s, X5", rowAddr(0, r))
		p("VCVTPH2PS X5, Y5")
		if q4 {
			p("VMULPS Y5, %s, %s", s, s)
			p("VMULPS %d(DI), %s, %s", T*32, s, s)
		} else {
			p("VMULPS %d(DI), Y5, Y5", T*32)
			p("VMULPS Y5, %s, %s", s, s)
		}
		p("VADDPS %s, %s, %s", s, y(acc(r)), y(acc(r)))
	}
	p("ADDQ $%d, SI", bb)
	p("ADDQ $%d, DI", T*q8BlockPer)
	p("ADDQ $%d, R10", 32*R)
	loopEnd("R8", name+"_loop")
	p("TESTQ CX, CX")
	p("JNZ %s_chunk", name)
	label(name + "_done")
	for r := 0; r < R; r++ {
		p("VMOVUPS %s, %d(DX)", y(acc(r)), 32*r)
	}
	p("VZEROUPPER")
	p("RET")
	nl()
}

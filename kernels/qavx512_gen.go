//go:build ignore

// qavx512_gen.go holds the AVX-512 (F/BW/VL) and AVX-512 VNNI kernels of the
// integer MatMul path, which qasm_gen.go writes to qmatmul_avx512_amd64.s
// after the AVX2 ones (it shares their emitters):
//
//	go run qasm_gen.go qavx512_gen.go asmgen.go
//
// They read the same packed activation layouts as the AVX2 kernels
// (qmatmul.go describes them) and reproduce the same integer sums and the same
// float steps, so their results are bit for bit the AVX2 ones.
package main

import "fmt"

// avx512 writes qmatmul_avx512_amd64.s.
func avx512() {
	header("qasm_gen.go", `// AVX-512 VNNI kernels of the integer MatMul path (qmatmul.go describes the
// packed activation layouts, qmatmul_avx512_amd64.go what each kernel computes).
//
// Go assembler operand order is the reverse of Intel's: VPDPBUSD s, u, d is
// d += the dword sums of 4 products of unsigned bytes u by signed bytes s;
// VPDPWSSD b, a, d is d += VPMADDWD(a, b); VPERMW src, idx, d is d[i] = src[idx[i]].

`)
	consts() // the AVX2 constants, which the shared emitters use
	consts512()
	tile8V(false)
	tile8V(true)
	kRows1Pair(false, true)
	kDotV(false, 4)
	kRows1Pair(true, true)
	kDotV(true, 4)
	kDot16V(false)
	kDot16V(true)
	write("qmatmul_avx512_amd64.s")
}

// data64 writes the 64-byte read-only symbol name<> holding b.
func data64(name string, b [64]byte) { dataBytes(name, b[:]) }

func consts512() {
	// VPERMD indices for the group pair k of a Q8_0 block: dword 2k in
	// lanes 0-7, dword 2k+1 in lanes 8-15.
	for k := 0; k < 4; k++ {
		var b [64]byte
		for l := 0; l < 16; l++ {
			b[4*l] = byte(2*k + l/8)
		}
		data64(fmt.Sprintf("·vGrp%d", k), b)
	}
	// VPERMW indices: Q4_K chunk ch takes scale word 2ch in words 0-15 and
	// 2ch+1 in words 16-31; Q6_K quarter pair k = 2h+pp takes scale words
	// 4k..4k+3, eight words each.
	for k := 0; k < 4; k++ {
		var b4, b6 [64]byte
		for i := 0; i < 32; i++ {
			b4[2*i] = byte(2*k + i/16)
			b6[2*i] = byte(4*k + i/8)
		}
		data64(fmt.Sprintf("·vK4Sc%d", k), b4)
		data64(fmt.Sprintf("·vK6Sc%d", k), b6)
	}
	// Q6_K high-bit shifts (words): quarters 0|1 take qh<<4 | qh<<2, quarters
	// 2|3 take qh | qh>>2.
	var shl, shr [64]byte
	for i := 0; i < 32; i++ {
		shl[2*i] = byte(4 - 2*(i/16))
		shr[2*i] = byte(2 * (i / 16))
	}
	var iota [64]byte
	for l := 0; l < 16; l++ {
		iota[4*l] = byte(l)
	}
	data64("·vIota", iota)
	// VPERMI2D indices over (rows 0-7, rows 8-15) in lane pairs: lane t
	// takes the first (vPairLo) or second (vPairHi) lane of row t.
	var plo, phi [64]byte
	for t := 0; t < 16; t++ {
		plo[4*t] = byte(2*(t%8) + 16*(t/8))
		phi[4*t] = plo[4*t] + 1
	}
	data64("·vPairLo", plo)
	data64("·vPairHi", phi)
	data64("·vQ6Shl", shl)
	data64("·vQ6Shr", shr)
	data4("·vX80", "0x80808080")
	nl()
	data4("·vM30", "0x30303030")
	nl()
	data4("·vM0F", "0x0f0f0f0f")
	nl()
}

// tile8V: nrows Q8_0 (q4 false) or Q4_0 (q4 true) weight rows (wstride
// bytes apart) against a packed tile of 8 activation rows: for weight row i,
// acc[8i+t] continues the float sum of activation row t, as tile8 of
// qasm_gen.go does for one row, with VPDPBUSD on two groups at a time.
//
// A block's tile quants are [8 groups][8 rows][4 bytes]: the 64 bytes of the
// group pair (2k, 2k+1) against weight dword 2k in lanes 0-7 and 2k+1 in
// lanes 8-15 put row t's products in dword lanes t and 8+t. VPDPBUSD needs
// unsigned weights: Q4_0 nibbles are; Q8_0 weights are flipped to w+128, and
// 128·Σq (16 times the tile's 8·Σq) taken off again. The integer sums are
// exact, so the float steps see what the AVX2 kernel sees.
func tile8V(q4 bool) {
	name, bb := "q8_0Tile8V", 34
	if q4 {
		name, bb = "q4_0Tile8V", 18
	}
	const T = 8
	text(name, "(w, a unsafe.Pointer, acc *float32, nb, nrows, wstride int)", "$0-48")
	args("w R10", "a R11", "acc DX", "nb R12", "nrows R8", "wstride R9")
	for k := 0; k < 4; k++ {
		p("VMOVDQU64 ·vGrp%d<>(SB), Z%d", k, 10+k)
	}
	if q4 {
		p("VPBROADCASTD ·vM0F<>(SB), Y14")
	} else {
		p("VPBROADCASTD ·vX80<>(SB), Y14")
	}
	jz("R8", name+"_done")
	label(name + "_row")
	p("MOVQ R10, SI")
	p("MOVQ R11, DI")
	p("MOVQ R12, CX")
	p("VMOVUPS (DX), Y15")
	jz("CX", name+"_store")
	nl()
	label(name + "_loop")
	if q4 {
		c("Y0 = the 32 nibbles (unsigned), in value order")
		p("VMOVDQU 2(SI), X0")
		p("VPSRLW $4, X0, X1")
		p("VINSERTI128 $1, X1, Y0, Y0")
		p("VPAND Y14, Y0, Y0")
	} else {
		c("Y0 = w+128 (unsigned)")
		p("VPXOR 2(SI), Y14, Y0")
	}
	for k := 0; k < 4; k++ {
		acc := 1 + k%2
		p("VPERMD Z0, Z%d, Z%d", 10+k, 3+k%2)
		if k < 2 {
			p("VPXORD Z%d, Z%d, Z%d", acc, acc, acc)
		}
		p("VPDPBUSD %d(DI), Z%d, Z%d", 64*k, 3+k%2, acc)
	}
	p("VPADDD Z2, Z1, Z1")
	p("VEXTRACTI64X4 $1, Z1, Y2")
	p("VPADDD Y2, Y1, Y1")
	if q4 {
		c("sumi = Σ nibble·q − 8·Σq")
		p("VPSUBD %d(DI), Y1, Y1", T*36)
	} else {
		c("sumi = Σ (w+128)·q − 16·(8·Σq)")
		p("VPSLLD $4, %d(DI), Y2", T*36)
		p("VPSUBD Y2, Y1, Y1")
	}
	tile8Step(q4, 1, bb)
	loopEnd("CX", name+"_loop")
	nl()
	label(name + "_store")
	p("VMOVUPS Y15, (DX)")
	p("ADDQ $%d, DX", 4*T)
	p("ADDQ R9, R10")
	loopEnd("R8", name+"_row")
	done(name)
}

// kConstsV loads the K-family AVX-512 kernels' constants: the scale-word
// permutations in Z16-Z19, the nibble mask in Z20 and, for Q6_K, the
// high-bit shifts and mask in Z21-Z23.
func kConstsV(q6 bool) {
	k := "K4"
	if q6 {
		k = "K6"
	}
	for i := 0; i < 4; i++ {
		p("VMOVDQU64 ·v%sSc%d<>(SB), Z%d", k, i, 16+i)
	}
	p("VPBROADCASTD ·vM0F<>(SB), Z20")
	if q6 {
		p("VMOVDQU64 ·vQ6Shl<>(SB), Z21")
		p("VMOVDQU64 ·vQ6Shr<>(SB), Z22")
		p("VPBROADCASTD ·vM30<>(SB), Z23")
	}
}

// q6ValuesV assembles the 64 six-bit values of Q6_K quarters 2pp, 2pp+1 in
// Z(val) from a half's ql bytes in Z(ql) and its qh bytes (twice) in Z(qh),
// Z(hi) scratch, with kConstsV's masks and shifts.
func q6ValuesV(pp, ql, qh, val, hi int) {
	if pp == 0 {
		p("VPANDD Z20, Z%d, Z%d", ql, val)
		p("VPSLLVW Z21, Z%d, Z%d", qh, hi)
	} else {
		p("VPSRLW $4, Z%d, Z%d", ql, val)
		p("VPANDD Z20, Z%d, Z%d", val, val)
		p("VPSRLVW Z22, Z%d, Z%d", qh, hi)
	}
	p("VPANDD Z23, Z%d, Z%d", hi, hi)
	p("VPORD Z%d, Z%d, Z%d", hi, val, val)
}

// kDotV: Q4_K (q6 false) or Q6_K (q6 true) weight rows against T = 4 plain
// Q8_K activation rows, kDot(q6, T) with 512-bit vectors: 64 weight values
// (two 32-value Q4_K sub-blocks, or four 16-value Q6_K ones) against 64
// contiguous activation bytes per VPMADDUBSW, the scales applied by VPDPWSSD
// (VPMADDWD for the first). The int32 sums per row are those of kDot, split
// over other lanes; kFinish takes them from there as kDot does.
func kDotV(q6 bool, T int) {
	name, bb := kDotHead(q6, T, "V", func() { kConstsV(q6) })
	// acc adds the word products in Z(tmp), weighted by the scale words in
	// Z(sc), into row t's accumulator Z(t), or initialises it.
	acc := func(t, tmp, sc int, first bool) {
		if first {
			p("VPMADDWD Z%d, Z%d, Z%d", sc, tmp, t)
		} else {
			p("VPDPWSSD Z%d, Z%d, Z%d", sc, tmp, t)
		}
	}
	if !q6 {
		k4ScalesMins()
		p("VPMOVZXBW X14, X15")
		for ch := 0; ch < 4; ch++ {
			c("chunk %d: Z8 = sub-block %d (low nibbles) | %d (high nibbles)", ch, 2*ch, 2*ch+1)
			p("VMOVDQU %d(SI), Y9", 16+32*ch)
			p("VPSRLW $4, Y9, Y10")
			p("VINSERTI64X4 $1, Y10, Z9, Z9")
			p("VPANDD Z20, Z9, Z8")
			p("VPERMW Z15, Z%d, Z10", 16+ch)
			for t := 0; t < T; t++ {
				p("VPMADDUBSW %s, Z8, Z12", kAddr(t, 4+64*ch))
				acc(t, 12, 10, ch == 0)
			}
		}
	} else {
		p("VPMOVSXBW 192(SI), Y14")
		for h := 0; h < 2; h++ {
			c("half %d: Z11 = its 64 ql bytes, Z12 = its 32 qh bytes twice", h)
			p("VMOVDQU64 %d(SI), Z11", 64*h)
			p("VBROADCASTI64X4 %d(SI), Z12", 128+32*h)
			for pp := 0; pp < 2; pp++ {
				c("quarters %d|%d: values %d..%d", 2*pp, 2*pp+1, 128*h+64*pp, 128*h+64*pp+63)
				q6ValuesV(pp, 11, 12, 8, 9)
				p("VPERMW Z14, Z%d, Z9", 16+2*h+pp)
				for t := 0; t < T; t++ {
					p("VPMADDUBSW %s, Z8, Z13", kAddr(t, 4+128*h+64*pp))
					acc(t, 13, 9, h == 0 && pp == 0)
				}
			}
		}
	}
	c("fold the rows' sums to 256 bits")
	for t := 0; t < T; t++ {
		p("VEXTRACTI64X4 $1, Z%d, Y12", t)
		p("VPADDD Y12, Y%d, Y%d", t, t)
	}
	kFinish(q6, T)
	kDotTail(name, T, bb)
}

// K16 activation tile (qmatmul_k16.go packs it): per super-block, for 16
// activation rows t, the quants as [32 group pairs][2 row halves][8 rows][8
// bytes] (pair P = values 8P..8P+7), then the bsums as [8 pairs][16 rows][2 int16] (pair i =
// bsums 2i, 2i+1), then [16]float32 d.
const (
	k16Bsums = 4096
	k16D     = 4608
	k16Bytes = 4672 // 16·q8KBytes
)

// kDot16V: Q4_K (q6 false) or Q6_K (q6 true) weight rows against a K16
// tile of 16 activation rows, the integer sums in two lanes per row and the
// float step in one, so that no sum needs a horizontal reduction: for each of nrows weight rows i (nsb
// super-blocks from w + i·wstride), acc[16i+t] continues the sum of row t in
// quant.DotKBlocks's order, and with fin non-nil is also stored to
// fin + t·fstride + 4i.
//
// Per super-block the weights' nibbles are unpacked once to a 64-byte
// aligned stack buffer in value order; each group pair (8 values) is
// broadcast to all qword lanes and two VPDPBUSD add its products with the
// pair of rows 0-7 and of rows 8-15 (nibbles are unsigned, quants signed).
// A sub-block's 4 pairs go into fresh sums that VPMULLD scales by sc_j;
// VPERMI2D then adds each row's two lanes. msum is the mins against the
// bsum pairs (VPDPWSSD), and the float step is kFinish's, 16 rows wide.
// Q6_K has 16 sub-blocks of 2 group pairs, run in two passes of 8 for the
// registers, signed scales, and the −32 offset from the bsums against the
// scales in place of the mins.
func kDot16V(q6 bool) {
	name, bb, nsc := "q4kDot16V", 144, 8
	if q6 {
		name, bb, nsc = "q6kDot16V", 210, 16
	}
	frame := 320 + 4*nsc + 32
	wb := func(k int) string { return fmt.Sprintf("%d(BX)", k) }               // unpacked weights, 256 bytes
	sc := func(j int) string { return fmt.Sprintf("sc-%d(SP)", 4*nsc+32-4*j) } // scale j as a dword
	mn := func(j int) string { return fmt.Sprintf("mn-%d(SP)", 32-4*j) }       // Q4_K: min j twice; Q6_K: scales 2j, 2j+1 (words)
	text(name, "(w, a unsafe.Pointer, acc *float32, nsb, nrows, wstride int, fin *float32, fstride int)", fmt.Sprintf("$%d-64", frame))
	args("w R10", "a R11", "acc DX", "nsb R12", "nrows R8", "wstride R9", "fin AX")
	c("BX = wb, 64-byte aligned in the frame's first 320 bytes (whole-line stores forward to the broadcasts)")
	p("LEAQ wb-%d(SP), BX", frame)
	p("ADDQ $63, BX")
	p("ANDQ $~63, BX")
	p("VPBROADCASTD ·vM0F<>(SB), Z31")
	if q6 {
		p("VPBROADCASTD ·vM30<>(SB), Z26")
	}
	c("Z27 = the lanes' output offsets t·fstride")
	p("VPBROADCASTD fstride+56(FP), Z27")
	p("VPMULLD ·vIota<>(SB), Z27, Z27")
	jz("R8", name+"_done")
	label(name + "_row")
	p("MOVQ R10, SI")
	p("MOVQ R11, DI")
	p("MOVQ R12, CX")
	p("VMOVUPS (DX), Z30")
	jz("CX", name+"_store")
	nl()
	label(name + "_loop")
	if !q6 {
		c("the 256 nibbles as bytes, in value order, to wb")
		for ch := 0; ch < 4; ch++ {
			p("VMOVDQU %d(SI), Y0", 16+32*ch)
			p("VPSRLW $4, Y0, Y1")
			p("VPANDD Y31, Y0, Y0")
			p("VPANDD Y31, Y1, Y1")
			p("VMOVDQU Y0, %s", wb(64*ch))
			p("VMOVDQU Y1, %s", wb(64*ch+32))
		}
		k4ScalesMins()
		p("VPMOVZXBD X14, Y13")
		p("VMOVDQU Y13, %s", sc(0))
		p("VPSHUFB ·qK4Mdup<>(SB), X14, X13")
		p("VPMOVZXBW X13, Y13")
		p("VMOVDQU Y13, %s", mn(0))
	} else {
		c("the 256 6-bit values as bytes, in value order, to wb (q6Value)")
		for h := 0; h < 2; h++ {
			p("VMOVDQU %d(SI), Y2", 64*h)
			p("VMOVDQU %d(SI), Y3", 64*h+32)
			p("VMOVDQU %d(SI), Y4", 128+32*h)
			for m := 0; m < 4; m++ {
				lo := 2 + m%2
				if m < 2 {
					p("VPANDD Y31, Y%d, Y0", lo)
				} else {
					p("VPSRLW $4, Y%d, Y0", lo)
					p("VPANDD Y31, Y0, Y0")
				}
				switch sh := [...]int{4, 2, 0, -2}[m]; {
				case sh > 0:
					p("VPSLLW $%d, Y4, Y1", sh)
					p("VPANDD Y26, Y1, Y1")
				case sh == 0:
					p("VPANDD Y26, Y4, Y1")
				default:
					p("VPSRLW $%d, Y4, Y1", -sh)
					p("VPANDD Y26, Y1, Y1")
				}
				p("VPORD Y1, Y0, Y0")
				p("VMOVDQU Y0, %s", wb(128*h+32*m))
			}
		}
		p("VPMOVSXBD 192(SI), Z13")
		p("VMOVDQU64 Z13, %s", sc(0))
		p("VPMOVSXBW 192(SI), Y13")
		p("VMOVDQU Y13, %s", mn(0))
	}
	c("Z29 = isum = Σ_j sc_j · (sub-block j's group pairs); in each pass, sub-block")
	c("j's sums of rows 0-7 in Z(2j), of rows 8-15 in Z(2j+1), two lanes a row,")
	c("interleaved for latency")
	npass, npairs := 1, 4 // Q4_K: 8 sub-blocks of 4 group pairs
	if q6 {
		npass, npairs = 2, 2 // Q6_K: 16 sub-blocks of 2
	}
	for pass := 0; pass < npass; pass++ {
		for j := 0; j < 16; j++ {
			p("VPXORD Z%d, Z%d, Z%d", j, j, j)
		}
		for q := 0; q < npairs; q++ {
			for j := 0; j < 8; j++ {
				P := npairs*(8*pass+j) + q
				p("VPBROADCASTQ %s, Z%d", wb(8*P), 16+j)
				p("VPDPBUSD %d(DI), Z%d, Z%d", 128*P, 16+j, 2*j)
				p("VPDPBUSD %d(DI), Z%d, Z%d", 128*P+64, 16+j, 2*j+1)
			}
		}
		for j := 0; j < 16; j++ {
			p("VPMULLD.BCST %s, Z%d, Z%d", sc(8*pass+j/2), j, j)
		}
		for _, pr := range [][2]int{{0, 2}, {4, 6}, {8, 10}, {12, 14}, {0, 4}, {8, 12}, {0, 8}} {
			p("VPADDD Z%d, Z%d, Z%d", pr[1], pr[0], pr[0])
			p("VPADDD Z%d, Z%d, Z%d", pr[1]+1, pr[0]+1, pr[0]+1)
		}
		if pass == 0 && npass > 1 {
			p("VMOVDQA64 Z0, Z24")
			p("VMOVDQA64 Z1, Z25")
		} else if pass > 0 {
			p("VPADDD Z24, Z0, Z0")
			p("VPADDD Z25, Z1, Z1")
		}
	}
	c("add each row's two lanes: Z29 lane t = row t")
	p("VMOVDQU64 ·vPairLo<>(SB), Z2")
	p("VPERMI2D Z1, Z0, Z2")
	p("VMOVDQU64 ·vPairHi<>(SB), Z3")
	p("VPERMI2D Z1, Z0, Z3")
	p("VPADDD Z3, Z2, Z29")
	if !q6 {
		c("Z28 = msum = Σ_j m_j · (bsum 2j + bsum 2j+1)")
	} else {
		c("Z28 = Σ_k sc_k · bsum_k, for the −32 offset")
	}
	p("VPXORD Z28, Z28, Z28")
	for j := 0; j < 8; j++ {
		p("VMOVDQU64 %d(DI), Z%d", k16Bsums+64*j, 12+j%2)
		p("VPDPWSSD.BCST %s, Z%d, Z28", mn(j), 12+j%2)
	}
	if q6 {
		c("the float step: acc += (d_w·d_a)·(isum − 32·Σ sc_k·bsum_k)")
		p("VPSLLD $5, Z28, Z28")
		p("VPSUBD Z28, Z29, Z29")
		p("VCVTDQ2PS Z29, Z29")
		p("VPBROADCASTW 208(SI), Y10")
		p("VCVTPH2PS Y10, Z10")
		p("VMULPS %d(DI), Z10, Z10", k16D)
		p("VMULPS Z10, Z29, Z29")
	} else {
		c("the float step: acc += (d_w·d_a)·isum − (dmin_w·d_a)·msum")
		p("VCVTDQ2PS Z29, Z29")
		p("VCVTDQ2PS Z28, Z28")
		p("VPBROADCASTW (SI), Y10")
		p("VCVTPH2PS Y10, Z10")
		p("VMULPS %d(DI), Z10, Z10", k16D)
		p("VPBROADCASTW 2(SI), Y11")
		p("VCVTPH2PS Y11, Z11")
		p("VMULPS %d(DI), Z11, Z11", k16D)
		p("VMULPS Z10, Z29, Z29")
		p("VMULPS Z11, Z28, Z28")
		p("VSUBPS Z28, Z29, Z29")
	}
	p("VADDPS Z29, Z30, Z30")
	p("ADDQ $%d, SI", bb)
	p("ADDQ $%d, DI", k16Bytes)
	loopEnd("CX", name+"_loop")
	nl()
	label(name + "_store")
	p("VMOVUPS Z30, (DX)")
	p("ADDQ $64, DX")
	jz("AX", name+"_nofin")
	p("KXNORW K1, K1, K1")
	p("VSCATTERDPS Z30, K1, (AX)(Z27*1)")
	p("ADDQ $4, AX")
	label(name + "_nofin")
	p("ADDQ R9, R10")
	loopEnd("R8", name+"_row")
	done(name)
}

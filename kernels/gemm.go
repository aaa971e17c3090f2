package kernels

import (
	"fmt"
	"sync"
)

// Gemm computes C = A·B, or C += A·B when acc, for A [m, k], B [k, n] and
// C [m, n] given by element strides:
//
//	A(i, p) = a[i*rsa + p*csa],  B(p, j) = b[p*rsb + j*csb],  C(i, j) = c[i*ldc + j].
//
// The strides cover every layout of a linear layer's three products without
// transposing: x·Wᵀ (B = Wᵀ: rsb = 1, csb = k), x·W and, for a weight
// gradient, dYᵀ·X (A = dYᵀ: rsa = 1, csa = m). It is the training
// counterpart of MatMul, for float32 operands that change every step: both
// are packed into contiguous panels (GotoBLAS style) and multiplied by a
// 6×16 register-blocked kernel that broadcasts A and needs no horizontal
// sums.
//
// Every output element is computed by one goroutine as one float32 sum in
// increasing p, starting from 0 (or from C(i, j) when acc), each term added
// with a fused multiply-add on AVX2 (a multiply and an add in portable Go),
// so the result does not depend on the thread count, on m or n, or on how
// the product is tiled. C must not overlap A or B. Gemm may be called from
// several goroutines at once.
func Gemm(m, n, k int, a []float32, rsa, csa int, b []float32, rsb, csb int, c []float32, ldc int, acc bool) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: Gemm: negative shape %d×%d×%d", m, n, k))
	}
	if m == 0 || n == 0 {
		return
	}
	need := func(name string, s []float32, rows, rs, cols, cs int) {
		if rs < 0 || cs < 0 || (rows > 0 && cols > 0 && (rows-1)*rs+(cols-1)*cs >= len(s)) {
			panic(fmt.Sprintf("kernels: Gemm: %s has %d elements, too few for %d×%d with strides %d, %d", name, len(s), rows, cols, rs, cs))
		}
	}
	need("A", a, m, rsa, k, csa)
	need("B", b, k, rsb, n, csb)
	need("C", c, m, ldc, n, 1)
	if ldc < n {
		panic(fmt.Sprintf("kernels: Gemm: ldc %d < n %d", ldc, n))
	}
	if k == 0 {
		if !acc {
			for i := range m {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	// Bound the packed copy of B: big products run in column and depth
	// chunks (partial sums stored in C round nothing).
	kc := min(k, max(gemmKB, gemmPackMax/roundUp(n, gemmNR)/gemmKB*gemmKB))
	nc := min(n, max(gemmNR, gemmPackMax/kc/gemmNR*gemmNR))
	avx2, avx512 := useAVX2(), useAVX512F()
	for j0 := 0; j0 < n; j0 += nc {
		for p0 := 0; p0 < k; p0 += kc {
			g := gemmJobs.Get().(*gemmJob)
			*g = gemmJob{m: m, n: min(nc, n-j0), k: min(kc, k-p0), a: a[p0*csa:], rsa: rsa, csa: csa,
				b: b[p0*rsb+j0*csb:], rsb: rsb, csb: csb, c: c[j0:], ldc: ldc, acc: acc || p0 > 0, avx2: avx2, avx512: avx512}
			g.run()
			*g = gemmJob{}
			gemmJobs.Put(g)
		}
	}
}

// gemmPackMax bounds the packed copy of B, in floats (4 MiB).
const gemmPackMax = 1 << 20

func roundUp(x, m int) int { return (x + m - 1) / m * m }

const (
	gemmMR = 6   // rows of a micro-tile
	gemmNR = 16  // columns of a micro-tile (two 8-lane registers)
	gemmKB = 256 // depth of a packed block: a B panel block is 16 KiB, in L1
)

// gemmJob is one Gemm call. It runs in two phases on the worker pool: B is
// packed into panels of gemmNR columns (one task per panel), then the output
// is computed in tasks of rowsPer rows × colsPer columns, each packing its
// own rows of A.
type gemmJob struct {
	m, n, k        int
	a, b, c        []float32
	rsa, csa       int
	rsb, csb, ldc  int
	acc, avx2      bool
	avx512         bool // AVX-512F: 6×64 tiles (gemm6x64), same arithmetic
	packing        bool
	bp             []float32 // packed B: panel jp, depth p at bp[(jp*k+p)*gemmNR:]
	rowsPer        int       // multiple of gemmMR
	colsPer        int       // multiple of gemmNR
	rowTasks, npan int
}

var (
	gemmJobs    = sync.Pool{New: func() any { return new(gemmJob) }}
	gemmBuffers = sync.Pool{New: func() any { return new([]float32) }}
)

func getBuf(n int) *[]float32 {
	p := gemmBuffers.Get().(*[]float32)
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

// gemmParallelMin is the size (m·n·k multiply-adds) below which Gemm runs on
// the caller alone.
const gemmParallelMin = 1 << 17

func (g *gemmJob) run() {
	g.npan = (g.n + gemmNR - 1) / gemmNR
	bp := getBuf(g.npan * g.k * gemmNR)
	defer gemmBuffers.Put(bp)
	g.bp = *bp
	nt := Threads()
	if int64(g.m)*int64(g.n)*int64(g.k) < gemmParallelMin {
		nt = 1
	}
	g.packing = true
	parallel(g.npan, nt, g)
	g.packing = false
	// Tasks: about 4 per thread, whole micro-tiles, rows first.
	tiles := (g.m + gemmMR - 1) / gemmMR
	want := 4 * nt
	if nt == 1 {
		want = 1
	}
	rt := min(tiles, want)
	g.rowsPer = (tiles + rt - 1) / rt * gemmMR
	g.rowTasks = (g.m + g.rowsPer - 1) / g.rowsPer
	ct := min(g.npan, max(1, want/g.rowTasks))
	g.colsPer = (g.npan + ct - 1) / ct * gemmNR
	colTasks := (g.n + g.colsPer - 1) / g.colsPer
	parallel(g.rowTasks*colTasks, nt, g)
}

func (g *gemmJob) runTask(i int) {
	if g.packing {
		g.packB(i)
		return
	}
	r0 := (i % g.rowTasks) * g.rowsPer
	c0 := (i / g.rowTasks) * g.colsPer
	g.block(r0, min(r0+g.rowsPer, g.m), c0, min(c0+g.colsPer, g.n))
}

// packB writes panel jp of B: columns [16jp, 16jp+16) for every depth p,
// zero beyond column n.
func (g *gemmJob) packB(jp int) {
	j0 := jp * gemmNR
	nc := min(gemmNR, g.n-j0)
	dst := g.bp[jp*g.k*gemmNR : (jp+1)*g.k*gemmNR]
	b, rs, cs := g.b, g.rsb, g.csb
	if cs == 1 {
		for p := range g.k {
			d := dst[p*gemmNR : (p+1)*gemmNR]
			copy(d, b[p*rs+j0:p*rs+j0+nc])
			clear(d[nc:])
		}
		return
	}
	if nc < gemmNR {
		clear(dst)
	}
	for j := range nc {
		src := b[(j0+j)*cs:]
		for p := range g.k {
			dst[p*gemmNR+j] = src[p*rs]
		}
	}
}

// packA writes the rows [r0, r1) of A at depths [p0, p0+kb) as micro-panels:
// tile t, depth p, row r at dst[(t*kb+p)*gemmMR+r], zero beyond row r1.
func (g *gemmJob) packA(dst []float32, r0, r1, p0, kb int) {
	a, rs, cs := g.a, g.rsa, g.csa
	for t := 0; r0+t*gemmMR < r1; t++ {
		i0 := r0 + t*gemmMR
		nr := min(gemmMR, r1-i0)
		d := dst[t*kb*gemmMR : (t+1)*kb*gemmMR]
		if rs == 1 {
			for p := range kb {
				src := a[(p0+p)*cs+i0:]
				dp := d[p*gemmMR : (p+1)*gemmMR]
				if nr == gemmMR { // element moves, not a memmove call
					s := src[:gemmMR:gemmMR]
					dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = s[0], s[1], s[2], s[3], s[4], s[5]
					continue
				}
				copy(dp, src[:nr])
				clear(dp[nr:])
			}
			continue
		}
		if cs == 1 && nr == gemmMR { // six contiguous rows, interleaved
			r0 := a[i0*rs+p0 : i0*rs+p0+kb]
			r1 := a[(i0+1)*rs+p0 : (i0+1)*rs+p0+kb]
			r2 := a[(i0+2)*rs+p0 : (i0+2)*rs+p0+kb]
			r3 := a[(i0+3)*rs+p0 : (i0+3)*rs+p0+kb]
			r4 := a[(i0+4)*rs+p0 : (i0+4)*rs+p0+kb]
			r5 := a[(i0+5)*rs+p0 : (i0+5)*rs+p0+kb]
			for p := range kb {
				dp := d[p*gemmMR : p*gemmMR+gemmMR : p*gemmMR+gemmMR]
				dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
			continue
		}
		if nr < gemmMR {
			clear(d)
		}
		for r := range nr {
			src := a[(i0+r)*rs+p0*cs:]
			for p := range kb {
				d[p*gemmMR+r] = src[p*cs]
			}
		}
	}
}

// block computes C rows [r0, r1) × columns [c0, c1) (c0 a multiple of 16),
// in depth blocks of gemmKB: partial sums are stored in C between blocks,
// which rounds nothing (they are float32 either way).
func (g *gemmJob) block(r0, r1, c0, c1 int) {
	tiles := (r1 - r0 + gemmMR - 1) / gemmMR
	kbMax := min(gemmKB, g.k)
	// With A rows contiguous in depth, the AVX2 kernel reads full tiles of A
	// in place (gemm6x16s, the same arithmetic) and only a last partial
	// tile is packed.
	inPlace := g.avx2 && g.csa == 1
	packFrom := r0
	if inPlace {
		packFrom = r0 + (r1-r0)/gemmMR*gemmMR
	}
	ap := getBuf(max(1, (r1-packFrom+gemmMR-1)/gemmMR) * kbMax * gemmMR)
	defer gemmBuffers.Put(ap)
	var e gemmEdge
	for p0 := 0; p0 < g.k; p0 += gemmKB {
		kb := min(gemmKB, g.k-p0)
		apk := (*ap)[:(r1-packFrom+gemmMR-1)/gemmMR*kb*gemmMR]
		g.packA(apk, packFrom, r1, p0, kb)
		load := g.acc || p0 > 0
		l := 0
		if load {
			l = 1
		}
		for j0 := c0; j0 < c1; {
			// On AVX-512F, four whole 16-column panels at a time.
			panels := 1
			if g.avx512 && j0+4*gemmNR <= c1 {
				panels = 4
			}
			bpan := g.bp[((j0/gemmNR)*g.k+p0)*gemmNR:]
			for t := range tiles {
				i0 := r0 + t*gemmMR
				if panels == 4 && i0+gemmMR <= r1 {
					_ = bpan[3*g.k*gemmNR+kb*gemmNR-1]
					c := g.c[i0*g.ldc+j0 : (i0+gemmMR-1)*g.ldc+j0+4*gemmNR]
					if i0 < packFrom {
						a := g.a[i0*g.rsa+p0 : (i0+gemmMR-1)*g.rsa+p0+kb]
						gemm6x64s(kb, &a[0], 4*g.rsa, &bpan[0], 4*g.k*gemmNR, &c[0], 4*g.ldc, l)
					} else {
						a := apk[(i0-packFrom)/gemmMR*kb*gemmMR:]
						_ = a[kb*gemmMR-1]
						gemm6x64(kb, &a[0], &bpan[0], 4*g.k*gemmNR, &c[0], 4*g.ldc, l)
					}
					continue
				}
				for q := range panels {
					g.tile16(&e, i0, min(gemmMR, r1-i0), j0+q*gemmNR, min(gemmNR, c1-j0-q*gemmNR),
						p0, kb, bpan[q*g.k*gemmNR:], apk, packFrom, load)
				}
			}
			j0 += panels * gemmNR
		}
	}
}

// gemmEdge is block's scratch for tiles that are not read in place: a
// packed full tile of A rows, and a full 6×16 C tile for ragged edges.
type gemmEdge struct {
	a [gemmKB * gemmMR]float32
	c [gemmMR * gemmNR]float32
}

// tile16 computes the nr×nc tile of C at rows i0, columns j0 (nr ≤ 6,
// nc ≤ 16) over depths [p0, p0+kb), with B panel bpan and the packed A
// rows apk from row packFrom on (rows above it are read in place).
func (g *gemmJob) tile16(e *gemmEdge, i0, nr, j0, nc, p0, kb int, bpan, apk []float32, packFrom int, load bool) {
	if i0 < packFrom && nc == gemmNR {
		l := 0
		if load {
			l = 1
		}
		a := g.a[i0*g.rsa+p0 : (i0+gemmMR-1)*g.rsa+p0+kb]
		c := g.c[i0*g.ldc+j0 : (i0+gemmMR-1)*g.ldc+j0+gemmNR]
		_ = bpan[kb*gemmNR-1]
		gemm6x16s(kb, &a[0], 4*g.rsa, &bpan[0], &c[0], 4*g.ldc, l)
		return
	}
	var at []float32
	if i0 >= packFrom {
		at = apk[(i0-packFrom)/gemmMR*kb*gemmMR:]
	} else { // a full tile of rows at the ragged right edge
		at = e.a[:kb*gemmMR]
		g.packA(at, i0, i0+gemmMR, p0, kb)
	}
	if nr == gemmMR && nc == gemmNR {
		g.kernel(kb, at, bpan, g.c[i0*g.ldc+j0:], g.ldc, load)
		return
	}
	// Edge tile: through a full 6×16 temporary.
	e.c = [gemmMR * gemmNR]float32{}
	if load {
		for r := range nr {
			copy(e.c[r*gemmNR:r*gemmNR+nc], g.c[(i0+r)*g.ldc+j0:])
		}
	}
	g.kernel(kb, at, bpan, e.c[:], gemmNR, load)
	for r := range nr {
		copy(g.c[(i0+r)*g.ldc+j0:(i0+r)*g.ldc+j0+nc], e.c[r*gemmNR:])
	}
}

// kernel computes the 6×16 tile c (row stride ldc) from the packed A
// micro-panel a [kb][6] and B panel b [kb][16], adding to c when load.
func (g *gemmJob) kernel(kb int, a, b, c []float32, ldc int, load bool) {
	if g.avx2 {
		l := 0
		if load {
			l = 1
		}
		_ = c[(gemmMR-1)*ldc+gemmNR-1]
		_ = a[kb*gemmMR-1]
		_ = b[kb*gemmNR-1]
		gemm6x16(kb, &a[0], &b[0], &c[0], 4*ldc, l)
		return
	}
	gemmTilePortable(kb, a, b, c, ldc, load)
}

// gemmTilePortable is the pure-Go micro-kernel.
func gemmTilePortable(kb int, a, b, c []float32, ldc int, load bool) {
	for r := range gemmMR {
		var acc [gemmNR]float32
		cr := c[r*ldc : r*ldc+gemmNR]
		if load {
			copy(acc[:], cr)
		}
		for p := range kb {
			x := a[p*gemmMR+r]
			bp := b[p*gemmNR : (p+1)*gemmNR]
			for j := range acc {
				acc[j] += x * bp[j]
			}
		}
		copy(cr, acc[:])
	}
}

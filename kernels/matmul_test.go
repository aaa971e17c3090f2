package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

var (
	testDims = []int{1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 1000}
	testNs   = []int{1, 2, 3, 4, 5, 7, 8, 9, 33}
)

// TestMatMulShapes checks every dtype × implementation × shape against
// MatMulRef, inline on one thread and split over three pool threads (which
// must agree bit for bit).
func TestMatMulShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	maxN := testNs[len(testNs)-1]
	for _, dt := range dtypes {
		for _, rows := range testDims {
			for _, cols := range testDims {
				if (testing.Short() || raceEnabled) && rows*cols > 20000 {
					continue
				}
				w := randMat(rng, dt, rows, cols)
				x := randVec(rng, maxN*cols)
				want, abs := refMatMul(x, maxN, w)
				for _, ic := range impls() {
					name := fmt.Sprintf("%s/%s/%dx%d", dt, ic.name, rows, cols)
					t.Run(name, func(t *testing.T) {
						useImpl(t, ic)
						for _, n := range testNs {
							if rows*cols > 20000 && n != 1 && n != 5 && n != 9 && n != 33 {
								continue
							}
							got1 := matMulThreads(t, x, n, w, 3)
							checkClose(t, got1, want[:n*rows], abs[:n*rows], cols)
						}
					})
				}
			}
		}
	}
}

// TestMatMulDeterministic checks that the thread count and the batch size do
// not change a single bit, on shapes that cross every blocking boundary
// (several tasks, weight-row blocks, activation blocks and column panels).
func TestMatMulDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rows, cols, n := 1001, 1203, 70 // > gemmRBig, > 2·gemmKC, > gemmTB
	if raceEnabled {
		rows = 401
	}
	for _, dt := range dtypes {
		w := randMat(rng, dt, rows, cols)
		x := randVec(rng, n*cols)
		for _, ic := range impls() {
			t.Run(dt.String()+"/"+ic.name, func(t *testing.T) {
				useImpl(t, ic)
				got1 := matMulThreads(t, x, n, w, 4)
				// Each activation row alone gives the same bits as in the batch.
				one := make([]float32, rows)
				for tt := range n {
					MatMul(one, x[tt*cols:(tt+1)*cols], 1, w)
					if i := bitsEqual(one, got1[tt*rows:(tt+1)*rows]); i >= 0 {
						t.Fatalf("row %d alone differs from the batch at %d: %g vs %g", tt, i, one[i], got1[tt*rows+i])
					}
				}
				want, abs := refMatMul(x, n, w)
				checkClose(t, got1, want, abs, cols)
			})
		}
	}
}

// TestMatMulWidenExact checks the weight decoding of every BF16 and F16 bit
// pattern (and F8E4M3 byte) against the tensor package: with x a unit vector,
// MatMul returns one weight column exactly.
func TestMatMulWidenExact(t *testing.T) {
	for _, dt := range dtypes[1:] {
		const cols = 8
		npat := 1 << (8 * dt.Size())
		rows := npat / cols
		w := &tensor.Mat{DType: dt, Rows: rows, Cols: cols, Data: make([]byte, npat*dt.Size())}
		want := make([]float32, npat) // W[r, c] at r*cols+c
		for p := range npat {
			var v float32
			switch dt {
			case tensor.BF16:
				v = tensor.BF16ToF32(uint16(p))
			case tensor.F16:
				v = tensor.F16ToF32(uint16(p))
			default:
				v = tensor.F8E4M3ToF32(uint8(p))
			}
			if math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
				p, v = 0, 0 // 0·Inf would poison the other columns
			}
			if dt.Size() == 2 {
				w.Data[2*p], w.Data[2*p+1] = byte(p), byte(p>>8)
			} else {
				w.Data[p] = byte(p)
			}
			want[p] = v
		}
		if dt == tensor.F8E4M3 {
			w.Scale = make([]float32, rows)
			for r := range w.Scale {
				w.Scale[r] = 1
			}
		}
		x := make([]float32, cols*cols) // identity: row c is the unit vector e_c
		for c := range cols {
			x[c*cols+c] = 1
		}
		for _, ic := range impls() {
			t.Run(dt.String()+"/"+ic.name, func(t *testing.T) {
				useImpl(t, ic)
				for _, n := range []int{1, cols} { // matrix-vector and batched paths
					got := make([]float32, cols*rows)
					for c0 := 0; c0 < cols; c0 += n {
						MatMul(got[c0*rows:], x[c0*cols:], n, w)
					}
					for r := range rows {
						for c := range cols {
							if g, e := got[c*rows+r], want[r*cols+c]; g != e {
								t.Fatalf("n=%d: W[%d,%d] (pattern %#x) = %g, want %g", n, r, c, r*cols+c, g, e)
							}
						}
					}
				}
			})
		}
	}
}

// TestMatMulMisalignedF32 reads F32 weights that are not 4-byte aligned.
func TestMatMulMisalignedF32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	w := randMat(rng, tensor.F32, 37, 45)
	buf := make([]byte, len(w.Data)+1)
	copy(buf[1:], w.Data)
	wm := *w
	wm.Data = buf[1:]
	x := randVec(rng, 5*45)
	want := make([]float32, 5*37)
	MatMulRef(want, x, 5, w)
	eachImpl(t, func(t *testing.T) {
		for _, n := range []int{1, 5} {
			got := make([]float32, n*37)
			MatMul(got, x, n, &wm)
			checkClose(t, got, want[:n*37], absDot(x, n, w), 45)
		}
	})
}

// TestMatMulEmpty covers n = 0 and Cols = 0.
func TestMatMulEmpty(t *testing.T) {
	for _, ic := range impls() {
		useImpl(t, ic)
		w := &tensor.Mat{DType: tensor.BF16, Rows: 3, Cols: 0}
		dst := []float32{1, 2, 3, 4, 5, 6}
		MatMul(dst, nil, 2, w)
		for _, v := range dst {
			if v != 0 {
				t.Fatalf("%s: Cols=0 gave %v", ic.name, dst)
			}
		}
		MatMul(nil, nil, 0, randMat(rand.New(rand.NewPCG(1, 1)), tensor.F32, 4, 4))
	}
}

// TestMatMulShapePanics checks that short buffers are refused before any
// assembly reads them.
func TestMatMulShapePanics(t *testing.T) {
	w := randMat(rand.New(rand.NewPCG(1, 1)), tensor.F8E4M3, 4, 8)
	cases := map[string]func(){
		"short x":     func() { MatMul(make([]float32, 4), make([]float32, 7), 1, w) },
		"short dst":   func() { MatMul(make([]float32, 3), make([]float32, 8), 1, w) },
		"short data":  func() { w2 := *w; w2.Data = w2.Data[:31]; MatMul(make([]float32, 4), make([]float32, 8), 1, &w2) },
		"short scale": func() { w2 := *w; w2.Scale = w2.Scale[:3]; MatMul(make([]float32, 4), make([]float32, 8), 1, &w2) },
	}
	for name, f := range cases {
		mustPanic(t, name, f)
	}
}

// TestMatMulConcurrent runs MatMul from many goroutines at once over a shared
// pool (run it with -race).
func TestMatMulConcurrent(t *testing.T) {
	useThreads(t, 3, 0)
	rng := rand.New(rand.NewPCG(7, 8))
	var ps []matMulProblem
	for i, dt := range dtypes {
		rows, cols, n := 97+i, 131+2*i, 1+3*i
		p := matMulProblem{w: randMat(rng, dt, rows, cols), x: randVec(rng, n*cols), n: n}
		p.want = make([]float32, n*rows)
		MatMul(p.want, p.x, n, p.w)
		ps = append(ps, p)
	}
	matMulConcurrently(t, ps, 8, 25)
}

// TestNoAsmEnv checks that HERD_NOASM=1 selects the portable kernels, in a
// child process (the variable is read at start-up).
func TestNoAsmEnv(t *testing.T) {
	if os.Getenv("HERD_TEST_CHILD") == "1" {
		if Impl() != "portable" {
			t.Fatalf("with HERD_NOASM=1, Impl() = %q", Impl())
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoAsmEnv$")
	cmd.Env = append(os.Environ(), "HERD_NOASM=1", "HERD_TEST_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func TestCPUReport(t *testing.T) {
	t.Logf("CPU features %q, implementation %q, threads %d", CPUFeatures(), Impl(), Threads())
}

// TestMatMulAllocs checks that steady-state calls, inline or pooled, do not
// allocate.
func TestMatMulAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	var ws []*tensor.Mat
	for _, dt := range dtypes {
		ws = append(ws, randMat(rng, dt, 129, 257))
	}
	checkMatMulAllocs(t, rng, ws)
}

// TestMatMulSmallBatch covers the small-batch path (2 ≤ n ≤ smallMaxN) and
// its neighbours: every n from 1 to 20 on odd shapes that cross its row
// blocks (12 rows, with 3- and 4-row micro-kernels and a decoded tail for
// 16-bit weights) and column panels, inline and split over 3 pool threads.
// Every activation row of a batch must equal, bit for bit, the same row
// computed alone, and stay within the bound of MatMulRef.
func TestMatMulSmallBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	shapes := [][2]int{{1, 8}, {5, 9}, {12, 17}, {13, 64}, {25, 200}, {37, 1030}, {100, 31}}
	if testing.Short() || raceEnabled {
		shapes = shapes[:5]
	}
	const maxN = 20
	for _, dt := range dtypes {
		for _, sh := range shapes {
			rows, cols := sh[0], sh[1]
			w := randMat(rng, dt, rows, cols)
			x := randVec(rng, maxN*cols)
			want, abs := refMatMul(x, maxN, w)
			for _, ic := range impls() {
				t.Run(fmt.Sprintf("%s/%s/%dx%d", dt, ic.name, rows, cols), func(t *testing.T) {
					useImpl(t, ic)
					alone := make([]float32, maxN*rows)
					useThreads(t, 1, 1<<18)
					for tt := range maxN {
						MatMul(alone[tt*rows:(tt+1)*rows], x[tt*cols:(tt+1)*cols], 1, w)
					}
					checkClose(t, alone, want, abs, cols)
					for n := 1; n <= maxN; n++ {
						for _, nt := range []int{1, 3} {
							useThreads(t, nt, 0)
							got := make([]float32, n*rows)
							MatMul(got, x, n, w)
							if i := bitsEqual(got, alone[:n*rows]); i >= 0 {
								t.Fatalf("n=%d threads=%d: element %d (row %d) differs from the row alone: %g vs %g",
									n, nt, i, i/rows, got[i], alone[i])
							}
						}
					}
				})
			}
		}
	}
}

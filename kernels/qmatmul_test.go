package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

var intDTypes = []tensor.DType{tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K}

// randQuantMat returns a [rows, cols] matrix of a block-quantized dtype. With
// raw false it is quant.Quantize of Gaussian rows (with the occasional zero,
// tiny or huge row); with raw true every byte is random except the f16
// scales, which are random finite values, so that every quant pattern (Q8_0
// −128, Q4_K 6-bit scales and mins, Q6_K negative scales) is exercised.
func randQuantMat(rng *rand.Rand, dt tensor.DType, rows, cols int, raw bool) *tensor.Mat {
	f := dt
	rb, err := dt.RowBytes(cols)
	if err != nil {
		panic(err)
	}
	m := &tensor.Mat{DType: dt, Rows: rows, Cols: cols, Data: make([]byte, rows*rb)}
	if !raw {
		row := make([]float32, cols)
		for r := range rows {
			s := float32(rng.ExpFloat64())
			switch rng.IntN(16) {
			case 0:
				s = 0
			case 1:
				s = 1e-6
			case 2:
				s = 1e3
			}
			for c := range row {
				row[c] = float32(rng.NormFloat64()) * s
			}
			quant.Quantize(f, m.Data[r*rb:(r+1)*rb], row)
		}
		return m
	}
	for i := range m.Data {
		m.Data[i] = byte(rng.Uint32())
	}
	bb := dt.BlockBytes()
	var scaleOffs []int
	switch dt {
	case tensor.Q8_0, tensor.Q4_0:
		scaleOffs = []int{0}
	case tensor.Q4K:
		scaleOffs = []int{0, 2}
	case tensor.Q6K:
		scaleOffs = []int{208}
	case tensor.Int4:
		for b := 0; b < len(m.Data); b += bb {
			binary.LittleEndian.PutUint32(m.Data[b:], math.Float32bits(float32(rng.NormFloat64())*0.01))
		}
		return m
	}
	for b := 0; b < len(m.Data); b += bb {
		for _, o := range scaleOffs {
			v := float32(rng.NormFloat64()) * 0.01
			if rng.IntN(32) == 0 {
				v = 0
			}
			binary.LittleEndian.PutUint16(m.Data[b+o:], tensor.F32ToF16(v))
		}
	}
	return m
}

// randActs returns n activation rows of cols values: Gaussian rows of random
// scale, with some all-zero rows, rows with zero blocks, tiny and huge values,
// and exact quantization ties.
func randActs(rng *rand.Rand, n, cols int) []float32 {
	x := make([]float32, n*cols)
	for t := range n {
		row := x[t*cols : (t+1)*cols]
		kind := rng.IntN(10)
		s := float32(rng.ExpFloat64()) * 3
		for c := range row {
			row[c] = float32(rng.NormFloat64()) * s
		}
		switch kind {
		case 0:
			clear(row)
		case 1: // zero blocks and blocks of one value
			for b := 0; b+32 <= cols; b += 32 {
				switch rng.IntN(3) {
				case 0:
					clear(row[b : b+32])
				case 1:
					clear(row[b : b+32])
					row[b+rng.IntN(32)] = -s
				}
			}
		case 2: // ties: amax 127 gives d = 1, so x·id = x exactly
			for c := range row {
				row[c] = float32(rng.IntN(255)-127) + 0.5*float32(rng.IntN(2))
				if c%32 == 0 {
					row[c] = 127
				}
			}
		case 3: // tiny and huge magnitudes
			m := []float32{1e-30, 1e-38, 1e30, 3e-39}[rng.IntN(4)]
			for c := range row {
				row[c] *= m
			}
		case 4: // ±max of equal magnitude: the first one wins in Q8_K
			for b := 0; b+16 <= cols; b += 16 {
				row[b+rng.IntN(8)] = 100
				row[b+8+rng.IntN(8)] = -100
			}
		}
	}
	return x
}

// refOutputs is the definition the integer path must match bit for bit:
// quant.Dot (quant.DotKBlocks for the K family) of each weight row with the
// quant.Quantize'd activation row.
func refOutputs(w *tensor.Mat, x []float32, n int) []float32 {
	f := w.DType
	af, _ := quant.ActivationType(f)
	arb, _ := af.RowBytes(w.Cols)
	rb := w.RowBytes()
	act := make([]byte, n*arb)
	for t := range n {
		quant.Quantize(af, act[t*arb:(t+1)*arb], x[t*w.Cols:(t+1)*w.Cols])
	}
	out := make([]float32, n*w.Rows)
	for t := range n {
		for r := range w.Rows {
			wr, ar := w.Data[r*rb:(r+1)*rb], act[t*arb:(t+1)*arb]
			if af == tensor.Q8K {
				out[t*w.Rows+r] = quant.DotKBlocks(f, wr, ar, w.Cols)
			} else {
				out[t*w.Rows+r] = quant.Dot(f, wr, ar, w.Cols)
			}
		}
	}
	return out
}

// TestMatMulQuantExact checks every integer dtype × implementation × shape ×
// batch size × thread count bit for bit against quant.Dot.
func TestMatMulQuantExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, dt := range intDTypes {
		bs := dt.BlockSize()
		colsList := []int{bs, 2 * bs, 3 * bs, 5 * bs}
		if bs == 32 {
			colsList = append(colsList, 33*bs) // more than one column panel
		} else {
			colsList = append(colsList, 5*bs, 9*bs)
		}
		for _, rows := range []int{1, 3, 7, 8, 9, 17, 33, 100} {
			for _, cols := range colsList {
				if (testing.Short() || raceEnabled) && rows*cols > 20000 {
					continue
				}
				for _, raw := range []bool{false, true} {
					w := randQuantMat(rng, dt, rows, cols, raw)
					maxN := testNs[len(testNs)-1]
					x := randActs(rng, maxN, cols)
					want := refOutputs(w, x, maxN)
					for _, ic := range impls() {
						name := fmt.Sprintf("%s/%s/%dx%d/raw=%v", dt, ic.name, rows, cols, raw)
						t.Run(name, func(t *testing.T) {
							useImpl(t, ic)
							for _, n := range testNs {
								for _, nt := range []int{1, 3} {
									useThreads(t, nt, 0)
									got := make([]float32, n*rows)
									MatMul(got, x, n, w)
									if i := bitsEqual(got, want[:n*rows]); i >= 0 {
										t.Fatalf("n=%d threads=%d: element %d (t=%d r=%d) = %g (%#x), quant.Dot %g (%#x)",
											n, nt, i, i/rows, i%rows, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
									}
								}
							}
						})
					}
				}
			}
		}
	}
}

// TestMatMulQuantDeterministic crosses every blocking boundary (tasks, tiles,
// single rows, column panels) on one larger shape per dtype.
func TestMatMulQuantDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, dt := range intDTypes {
		rows, cols, n := 203, 9*256, 43 // 9 super-blocks > 2 panels; 72 blocks > 2 panels
		if raceEnabled {
			rows, n = 37, 13
		}
		w := randQuantMat(rng, dt, rows, cols, false)
		x := randActs(rng, n, cols)
		want := refOutputs(w, x, n)
		for _, ic := range impls() {
			t.Run(dt.String()+"/"+ic.name, func(t *testing.T) {
				useImpl(t, ic)
				for _, nt := range []int{1, 2, 5} {
					useThreads(t, nt, 0)
					got := make([]float32, n*rows)
					MatMul(got, x, n, w)
					if i := bitsEqual(got, want); i >= 0 {
						t.Fatalf("threads=%d: element %d = %g, quant.Dot %g", nt, i, got[i], want[i])
					}
				}
			})
		}
	}
}

// TestMatMulQuantCloseToRef is a sanity check of the integer path against the
// float definition (dequantized weights, float activations): the difference is
// the activation quantization error, a few parts per thousand of Σ|x·W|.
func TestMatMulQuantCloseToRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	tol := map[tensor.DType]float64{tensor.Q8_0: 0.01, tensor.Q4_0: 0.01, tensor.Q4K: 0.01, tensor.Q6K: 0.01}
	for _, dt := range intDTypes {
		rows, cols, n := 31, 1024, 9
		w := randQuantMat(rng, dt, rows, cols, false)
		x := randVec(rng, n*cols)
		want := make([]float32, n*rows)
		MatMulRef(want, x, n, w)
		got := make([]float32, n*rows)
		MatMul(got, x, n, w)
		row := make([]float32, cols)
		for r := range rows {
			quant.DecodeRow(w, r, row)
			for tt := range n {
				var abs float64
				for c, v := range row {
					abs += math.Abs(float64(v) * float64(x[tt*cols+c]))
				}
				i := tt*rows + r
				if d := math.Abs(float64(got[i] - want[i])); d > tol[dt]*abs+1e-30 {
					t.Errorf("%s t=%d r=%d: integer path %g, float %g (|diff| %g > %g·%g)", dt, tt, r, got[i], want[i], d, tol[dt], abs)
				}
			}
		}
	}
}

// packQ8_0Ref writes the quant.Quantize Q8_0 row q (nb blocks) into the packed
// layout of a T-row tile at position i.
func packQ8_0Ref(dst []byte, T, i int, q []byte, nb int) {
	for b := range nb {
		blk := q[34*b : 34*b+34]
		o := b * T * q8BlockPer
		for g := range 8 {
			copy(dst[o+(g*T+i)*4:o+(g*T+i)*4+4], blk[2+4*g:6+4*g])
		}
		binary.LittleEndian.PutUint32(dst[o+T*32+4*i:], math.Float32bits(tensor.F16ToF32(binary.LittleEndian.Uint16(blk))))
		var s int32
		for _, v := range blk[2:34] {
			s += int32(int8(v))
		}
		binary.LittleEndian.PutUint32(dst[o+T*36+4*i:], uint32(8*s))
	}
}

// TestQuantizeActivationsAsm checks the assembly activation quantizers byte
// for byte against quant.Quantize (repacked), on adversarial rows.
func TestQuantizeActivationsAsm(t *testing.T) {
	if !haveAsm || !cpu.AVX2 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(27, 28))
	const cols = 1024
	for it := range 400 {
		x := randActs(rng, 1, cols)
		if it%7 == 0 { // single extreme or subnormal elements
			x[rng.IntN(cols)] = []float32{3e38, -3e38, 1e-45, -0.0, 7e-39}[rng.IntN(5)]
		}
		if it%11 == 0 { // an all-zero Q8_K block (and Q8_0 blocks)
			clear(x[256:512])
		}
		for _, T := range []int{1, 8} {
			i := rng.IntN(T)
			// Q8_0
			nb := cols / 32
			q := make([]byte, nb*34)
			quant.Quantize(tensor.Q8_0, q, x)
			want := make([]byte, nb*T*q8BlockPer)
			got := make([]byte, len(want))
			packQ8_0Ref(want, T, i, q, nb)
			quantQ8_0(unsafe.Pointer(&got[4*i]), unsafe.Pointer(&got[T*32+4*i]), unsafe.Pointer(&got[T*36+4*i]), T*q8BlockPer, 4*T, &x[0], nb)
			if j := firstDiff(got, want); j >= 0 {
				b := j / (T * q8BlockPer)
				t.Fatalf("Q8_0 T=%d i=%d: byte %d (block %d) = %#x, want %#x; block %v", T, i, j, b, got[j], want[j], x[32*b:32*b+32])
			}
			if T > 1 {
				continue
			}
			// Q8_K: the plain layout, identical bytes.
			nsb := cols / 256
			want = make([]byte, nsb*q8KBytes)
			got = make([]byte, len(want))
			quant.Quantize(tensor.Q8K, want, x)
			quantQ8K(unsafe.Pointer(&got[0]), &x[0], nsb)
			if j := firstDiff(got, want); j >= 0 {
				t.Fatalf("Q8_K: byte %d (block %d, offset %d) = %#x, want %#x", j, j/q8KBytes, j%q8KBytes, got[j], want[j])
			}
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// TestMatMulInt4 checks that Int4 weights give, bit for bit, MatMul of the
// dequantized F32 matrix on every implementation, and stay within the float
// bound of MatMulRef.
func TestMatMulInt4(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	for _, rows := range []int{1, 3, 5, 8, 13, 100} {
		for _, cols := range []int{128, 384, 640, 1280} {
			for _, raw := range []bool{false, true} {
				w := randQuantMat(rng, tensor.Int4, rows, cols, raw)
				deq := make([]float32, rows*cols)
				for r := range rows {
					quant.DecodeRow(w, r, deq[r*cols:(r+1)*cols])
				}
				wf := tensor.NewF32Mat(rows, cols, deq)
				maxN := 33
				x := randVec(rng, maxN*cols)
				ref := make([]float32, maxN*rows)
				MatMulRef(ref, x, maxN, w)
				abs := absDot(x, maxN, wf)
				for _, ic := range impls() {
					t.Run(fmt.Sprintf("%s/%dx%d/raw=%v", ic.name, rows, cols, raw), func(t *testing.T) {
						useImpl(t, ic)
						for _, n := range testNs {
							for _, nt := range []int{1, 3} {
								useThreads(t, nt, 0)
								got := make([]float32, n*rows)
								want := make([]float32, n*rows)
								MatMul(got, x, n, w)
								MatMul(want, x, n, wf)
								if i := bitsEqual(got, want); i >= 0 {
									t.Fatalf("n=%d threads=%d: element %d = %g, dequantized F32 %g", n, nt, i, got[i], want[i])
								}
								checkClose(t, got, ref[:n*rows], abs[:n*rows], cols)
							}
						}
					})
				}
			}
		}
	}
}

// TestMatMulQuantPanics checks that malformed quantized matrices are refused.
func TestMatMulQuantPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, dt := range append(intDTypes[:len(intDTypes):len(intDTypes)], tensor.Int4) {
		w := randQuantMat(rng, dt, 4, dt.BlockSize(), false)
		cases := map[string]func(){
			"short data": func() {
				w2 := *w
				w2.Data = w2.Data[:len(w2.Data)-1]
				MatMul(make([]float32, 4), make([]float32, w.Cols), 1, &w2)
			},
			"bad cols": func() { w2 := *w; w2.Cols--; MatMul(make([]float32, 4), make([]float32, w.Cols), 1, &w2) },
			"short x":  func() { MatMul(make([]float32, 4), make([]float32, w.Cols-1), 1, w) },
		}
		for name, f := range cases {
			mustPanic(t, fmt.Sprintf("%s %s", dt, name), f)
		}
	}
}

// TestMatMulQuantAllocs checks that steady-state integer MatMul calls do not
// allocate.
func TestMatMulQuantAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	var ws []*tensor.Mat
	for _, dt := range append(intDTypes[:len(intDTypes):len(intDTypes)], tensor.Int4) {
		ws = append(ws, randQuantMat(rng, dt, 129, 512, false))
	}
	checkMatMulAllocs(t, rng, ws)
}

// TestConcurrentQuant runs integer MatMuls from several goroutines (for -race).
func TestMatMulQuantConcurrent(t *testing.T) {
	useThreads(t, 3, 0)
	rng := rand.New(rand.NewPCG(35, 36))
	var ps []matMulProblem
	for i, dt := range intDTypes {
		rows, cols, n := 41+i, 512, 1+4*i
		p := matMulProblem{w: randQuantMat(rng, dt, rows, cols, false), x: randActs(rng, n, cols), n: n}
		p.want = refOutputs(p.w, p.x, n)
		ps = append(ps, p)
	}
	matMulConcurrently(t, ps, 6, 10)
}

// TestMatMulQuantBigSums checks Q8_0 and Q4_0 bit for bit on blocks whose
// integer sums are large (every product of one sign), where the float steps'
// order shows: sumi·d_w needs more than 24 bits once |sumi| ≥ 2¹³, so
// (sumi·d_w)·d_a and sumi·(d_w·d_a) often round differently. The rows share
// their quants and differ in their random scales.
func TestMatMulQuantBigSums(t *testing.T) {
	const rows, n = 23, 9
	for _, dt := range []tensor.DType{tensor.Q8_0, tensor.Q4_0} {
		w, x := bigSumsData(dt)
		for _, ic := range impls() {
			want := refOutputs(w, x, n)
			t.Run(dt.String()+"/"+ic.name, func(t *testing.T) {
				useImpl(t, ic)
				useThreads(t, 1, 0)
				got := make([]float32, n*rows)
				MatMul(got, x, n, w)
				if i := bitsEqual(got, want); i >= 0 {
					t.Fatalf("element %d (t=%d r=%d) = %g, reference %g", i, i/rows, i%rows, got[i], want[i])
				}
			})
		}
	}
}

// bigSumsData returns TestMatMulQuantBigSums's [23, 160] weights of type dt
// and 9 activation rows whose every product with them has one sign and whose
// quants are near ±127: block sums of 2¹³ to 2¹⁵ in magnitude.
func bigSumsData(dt tensor.DType) (*tensor.Mat, []float32) {
	rng := rand.New(rand.NewPCG(37, uint64(dt)))
	const rows, cols, n = 23, 5 * 32, 9
	w := randQuantMat(rng, dt, rows, cols, true)
	bb, rb := dt.BlockBytes(), w.RowBytes()
	sign := make([]float32, cols) // the sign of each weight value
	for b := range cols / 32 {
		for k := range bb - 2 {
			v := []byte{0x00, 0xff, 0x0f, 0xf0, 0x81, 0x7f}[rng.IntN(6)]
			if dt == tensor.Q8_0 {
				sign[32*b+k] = float32(1 - 2*int(v>>7))
			} else {
				sign[32*b+k] = nibbleSign(v & 0xf)
				sign[32*b+k+16] = nibbleSign(v >> 4)
			}
			for r := range rows {
				w.Data[r*rb+b*bb+2+k] = v
			}
		}
	}
	x := make([]float32, n*cols)
	for t := range n {
		s := float32(rng.ExpFloat64())
		for c := range cols { // quants of 115..127 in magnitude
			x[t*cols+c] = sign[c] * s * (1 - 0.09*rng.Float32())
		}
	}
	return w, x
}

// nibbleSign is the sign of the Q4_0 value of nibble q (q − 8), 1 for 0.
func nibbleSign(q byte) float32 {
	if q < 8 {
		return -1
	}
	return 1
}

package attention

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/kernels/internal/kerneltest"
	"github.com/herd-llm/herd/tensor"
)

var kvKinds = []struct {
	name string
	k    tensor.DType
	dots func(scores, q []float32, k []byte, stride int)
	axps func(acc, w []float32, v []byte, stride int)
}{
	{"f16", tensor.F16, DotsF16, AxpysF16},
	{"bf16", tensor.BF16, DotsBF16, AxpysBF16},
	{"f32", tensor.F32, DotsF32, AxpysF32},
	{"q8_0", tensor.Q8_0, DotsQ8_0, AxpysQ8_0},
}

// randKVRows returns n rows of d random elements of kind k, stride bytes
// apart (the gaps hold garbage), and their decoded values. F16 rows include
// subnormal halves; Q8_0 rows have random int8 and scales.
func randKVRows(rng *rand.Rand, k tensor.DType, n, d, stride int) ([]byte, [][]float32) {
	b := make([]byte, (n-1)*stride+kvRowBytes(k, d)+rng.IntN(3))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	vals := make([][]float32, n)
	for j := range n {
		row := b[j*stride:]
		switch k {
		case tensor.Q8_0:
			for blk := 0; blk < d/32; blk++ {
				binary.LittleEndian.PutUint16(row[34*blk:], tensor.F32ToF16(float32(rng.NormFloat64())*0.02))
			}
		default:
			v := make([]float32, d)
			for i := range v {
				v[i] = float32(rng.NormFloat64())
				if rng.IntN(16) == 0 {
					v[i] *= 1e-6 // F16 subnormals
				}
			}
			kerneltest.PutFloats(k, row, v)
		}
		vals[j] = make([]float32, d)
		kvDecode(k, vals[j], row)
	}
	return b, vals
}

// kvTol is the documented bound for a float32 sum of m terms.
func kvTol(m int, abs float64) float64 { return float64(m+8) * 0x1p-23 * abs }

func TestKVKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, kk := range kvKinds {
		for _, d := range []int{1, 7, 8, 13, 32, 64, 72, 96, 128, 130, 160, 192, 320} {
			if kk.k == tensor.Q8_0 && d%32 != 0 {
				continue
			}
			for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 64} {
				stride := kvRowBytes(kk.k, d) + []int{0, 2, 34, 4096}[rng.IntN(4)]
				kb, kv := randKVRows(rng, kk.k, n, d, stride)
				q := kerneltest.RandVec(rng, d)
				w := kerneltest.RandVec(rng, n)
				acc0 := kerneltest.RandVec(rng, d)
				for _, ic := range impls() {
					t.Run(fmt.Sprintf("%s/%s/d=%d/n=%d", kk.name, ic.name, d, n), func(t *testing.T) {
						useImpl(t, ic)
						scores := make([]float32, n)
						kk.dots(scores, q, kb, stride)
						for j := range n {
							var s, abs float64
							for i, v := range kv[j] {
								s += float64(q[i]) * float64(v)
								abs += math.Abs(float64(q[i]) * float64(v))
							}
							if e := math.Abs(float64(scores[j]) - s); !(e <= kvTol(d, abs)) {
								t.Fatalf("Dots row %d: %g, float64 %g (|err| %g > %g)", j, scores[j], s, e, kvTol(d, abs))
							}
						}
						acc := append([]float32(nil), acc0...)
						kk.axps(acc, w, kb, stride)
						for i := range d {
							s, abs := float64(acc0[i]), math.Abs(float64(acc0[i]))
							for j := range n {
								s += float64(w[j]) * float64(kv[j][i])
								abs += math.Abs(float64(w[j]) * float64(kv[j][i]))
							}
							if e := math.Abs(float64(acc[i]) - s); !(e <= kvTol(n, abs)) {
								t.Fatalf("Axpys element %d: %g, float64 %g (|err| %g > %g)", i, acc[i], s, e, kvTol(n, abs))
							}
						}
					})
				}
			}
		}
	}
}

// TestKVKernelsSingle checks the one-row helpers against the block kernels.
func TestKVKernelsSingle(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, ic := range impls() {
		useImpl(t, ic)
		for _, d := range []int{5, 64, 128} {
			q := kerneltest.RandVec(rng, d)
			for _, c := range []struct {
				k   tensor.DType
				dot func([]float32, []byte) float32
				axp func([]float32, float32, []byte)
				ds  func([]float32, []float32, []byte, int)
				as  func([]float32, []float32, []byte, int)
			}{{tensor.F16, DotF16, AxpyF16, DotsF16, AxpysF16}, {tensor.BF16, DotBF16, AxpyBF16, DotsBF16, AxpysBF16}} {
				kb, _ := randKVRows(rng, c.k, 1, d, 0)
				var s [1]float32
				c.ds(s[:], q, kb, 0)
				if g := c.dot(q, kb); g != s[0] {
					t.Errorf("%s d=%d: Dot %g, Dots %g", ic.name, d, g, s[0])
				}
				a1, a2 := append([]float32(nil), q...), append([]float32(nil), q...)
				c.axp(a1, 0.3, kb)
				c.as(a2, []float32{0.3}, kb, 0)
				if i := kerneltest.BitsEqual(a1, a2); i >= 0 {
					t.Errorf("%s d=%d: Axpy and Axpys differ at %d", ic.name, d, i)
				}
			}
		}
	}
}

func TestKVKernelsPanics(t *testing.T) {
	q := make([]float32, 64)
	for name, f := range map[string]func(){
		"short k":      func() { DotsF16(make([]float32, 2), q, make([]byte, 255), 128) },
		"short v":      func() { AxpysBF16(q, make([]float32, 3), make([]byte, 2*128+127), 128) },
		"q8 not 32":    func() { DotsQ8_0(make([]float32, 1), q[:40], make([]byte, 100), 0) },
		"neg stride":   func() { DotsF32(make([]float32, 2), q, make([]byte, 1024), -4) },
		"short single": func() { DotF16(q, make([]byte, 127)) },
	} {
		kerneltest.MustPanic(t, name, f)
	}
}

// BenchmarkKVAttention measures the dot products and weighted sums of one
// query head over a block of 64 cached positions (head dim 128, the Llama 4
// shape, and 64), against decoding the rows to float32 and using Dot/Axpy.
func BenchmarkKVAttention(b *testing.B) {
	rng := rand.New(rand.NewPCG(45, 46))
	const n = 64
	for _, d := range []int{64, 128} {
		for _, kk := range kvKinds {
			stride := 8 * kvRowBytes(kk.k, d) // 8 KV heads per row
			kb, _ := randKVRows(rng, kk.k, n, d, stride)
			q, w := kerneltest.RandVec(rng, d), kerneltest.RandVec(rng, n)
			acc, scores := make([]float32, d), make([]float32, n)
			for _, ic := range impls() {
				b.Run(fmt.Sprintf("d=%d/%s/%s", d, kk.name, ic.name), func(b *testing.B) {
					useImpl(b, ic)
					b.SetBytes(int64(2 * n * kvRowBytes(kk.k, d)))
					c0 := kerneltest.CPUSeconds()
					for b.Loop() {
						kk.dots(scores, q, kb, stride)
						kk.axps(acc, w, kb, stride)
					}
					b.ReportMetric((kerneltest.CPUSeconds()-c0)*1e9/float64(b.N), "cpu-ns/op")
				})
			}
			b.Run(fmt.Sprintf("d=%d/%s/decode+Dot+Axpy", d, kk.name), func(b *testing.B) {
				buf := make([]float32, n*d)
				b.SetBytes(int64(2 * n * kvRowBytes(kk.k, d)))
				c0 := kerneltest.CPUSeconds()
				defer func() { b.ReportMetric((kerneltest.CPUSeconds()-c0)*1e9/float64(b.N), "cpu-ns/op") }()
				for b.Loop() {
					for j := range n {
						kvDecode(kk.k, buf[j*d:(j+1)*d], kb[j*stride:])
					}
					for j := range n {
						scores[j] = kernels.Dot(q, buf[j*d:(j+1)*d])
					}
					for j := range n {
						kvDecode(kk.k, buf[j*d:(j+1)*d], kb[j*stride:])
					}
					for j := range n {
						kernels.Axpy(acc, w[j], buf[j*d:(j+1)*d])
					}
				}
			})
		}
	}
}

func TestMaxExpSub(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	for _, ic := range impls() {
		useImpl(t, ic)
		for _, n := range []int{1, 5, 8, 9, 16, 63, 64, 100} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64()) * 30
				if rng.IntN(8) == 0 {
					x[i] = float32(math.Inf(-1))
				}
			}
			x[rng.IntN(n)] = 5
			want := float32(math.Inf(-1))
			for _, v := range x {
				want = max(want, v)
			}
			m := Max(x)
			if m != want {
				t.Fatalf("%s n=%d: Max %g, want %g", ic.name, n, m, want)
			}
			y := append([]float32(nil), x...)
			s := ExpSub(y, m)
			var ws, abs float64
			for i, v := range x {
				arg := v - m // the float32 argument, as the callers form it
				e := math.Exp(float64(arg))
				if arg < -87 {
					e = 0
				}
				if d := math.Abs(float64(y[i]) - e); d > 4e-7*e {
					t.Fatalf("%s n=%d: exp(%g) = %g, want %g (rel err %g)", ic.name, n, v-m, y[i], e, d/e)
				}
				ws += e
				abs += e
			}
			if d := math.Abs(float64(s) - ws); d > float64(n+8)*0x1p-23*abs+4e-7*abs {
				t.Fatalf("%s n=%d: sum %g, want %g", ic.name, n, s, ws)
			}
		}
		// The whole argument range of a softmax, against math.Exp.
		x := make([]float32, 4096)
		for i := range x {
			x[i] = -90 * float32(i) / float32(len(x))
		}
		y := append([]float32(nil), x...)
		ExpSub(y, 0)
		for i, v := range x {
			e := math.Exp(float64(v))
			if v < -87 {
				e = 0
			}
			if d := math.Abs(float64(y[i]) - e); d > 4e-7*e {
				t.Fatalf("%s: exp(%g) = %g, want %g (rel err %g)", ic.name, v, y[i], e, d/e)
			}
		}
	}
}

// TestKVTypeChecked checks that DotsKV and AxpysKV match the per-type
// functions and refuse the types the KV kernels do not read.
func TestKVTypeChecked(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, kk := range kvKinds {
		if !IsKVType(kk.k) {
			t.Errorf("IsKVType(%s) = false", kk.k)
		}
		kb, _ := randKVRows(rng, kk.k, 3, 64, kvRowBytes(kk.k, 64))
		q := kerneltest.RandVec(rng, 64)
		want, got := make([]float32, 3), make([]float32, 3)
		kk.dots(want, q, kb, kvRowBytes(kk.k, 64))
		DotsKV(kk.k, got, q, kb, kvRowBytes(kk.k, 64))
		if !slices.Equal(got, want) {
			t.Errorf("%s: DotsKV = %v, want %v", kk.name, got, want)
		}
	}
	for _, d := range []tensor.DType{tensor.F8E4M3, tensor.Q4_0, tensor.Q4K, tensor.Int4, tensor.Q8K} {
		if IsKVType(d) {
			t.Errorf("IsKVType(%s) = true", d)
		}
		kerneltest.MustPanic(t, fmt.Sprintf("AxpysKV(%s)", d), func() {
			AxpysKV(d, make([]float32, 32), make([]float32, 1), make([]byte, 64), 64)
		})
	}
}

// TestScale checks Scale against the scalar product, bit for bit, on every
// length remainder of the 4-chunk and 1-chunk loops and every implementation.
func TestScale(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	for _, ic := range impls() {
		useImpl(t, ic)
		for _, n := range []int{0, 1, 7, 8, 9, 24, 31, 32, 33, 40, 64, 100} {
			x := kerneltest.RandVec(rng, n)
			a := float32(rng.NormFloat64())
			got := append([]float32(nil), x...)
			Scale(got, a)
			for i, v := range x {
				if want := v * a; math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("%s n=%d: x[%d]·%g = %g, want %g", ic.name, n, i, a, got[i], want)
				}
			}
		}
	}
}

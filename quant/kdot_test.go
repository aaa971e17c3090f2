package quant

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// kRows returns rows Q4_K/Q6_K rows of nb blocks: quantized random rows of
// varied scale, or (raw) random bytes with finite random scale fields.
func kRows(rng *rand.Rand, f tensor.DType, rows, nb int, raw bool) [][]byte {
	bb := f.BlockBytes()
	out := make([][]byte, rows)
	src := make([]float32, nb*qkK)
	for r := range out {
		w := make([]byte, nb*bb)
		if !raw {
			s := float32(rng.ExpFloat64()) * []float32{1, 1e-6, 1e3, 1}[rng.IntN(4)]
			for i := range src {
				src[i] = float32(rng.NormFloat64()) * s
			}
			Quantize(f, w, src)
		} else {
			for i := range w {
				w[i] = byte(rng.Uint32())
			}
			for b := range nb {
				offs := []int{q6kD}
				if f == tensor.Q4K {
					offs = []int{0, 2}
				}
				for _, o := range offs {
					binary.LittleEndian.PutUint16(w[b*bb+o:], tensor.F32ToF16(float32(rng.NormFloat64())))
				}
			}
		}
		out[r] = w
	}
	return out
}

// classMagnitude returns S of DotKBlocks's bound for one row.
func classMagnitude(f tensor.DType, w, a []byte, nb int) float64 {
	var s float64
	bb := f.BlockBytes()
	for b := range nb {
		x, y := w[b*bb:], a[b*blockQ8KBytes:]
		dA := getF32(y)
		var aux [8]int64
		for v := range qkK {
			av := int64(int8(y[q8kQs+v]))
			if f == tensor.Q4K {
				j := v / 32
				sc, _ := scaleMinK4(j, x[q4kScales:])
				q := x[q4kQs+32*(j/2)+v%32]
				if j%2 == 1 {
					q >>= 4
				}
				aux[v%8] += int64(sc) * int64(q&0xf) * av
			} else {
				aux[v%8] += int64(int8(x[q6kScales+v/16])) * int64(q6Value(x, v)-32) * av
			}
		}
		dOff := 0
		if f == tensor.Q6K {
			dOff = q6kD
		}
		d := float64(float32(getF16(x[dOff:]) * dA))
		for _, v := range aux {
			s += math.Abs(d * float64(v))
		}
		if f == tensor.Q4K {
			_, msum := blockQ4K(x, y)
			s += math.Abs(float64(float32(getF16(x[2:])*dA)) * float64(msum))
		}
	}
	return s
}

// TestDotKBlocksNearGGML checks DotKBlocks against ggml's reference (Dot,
// eight float sums per row) on quantized and raw-byte rows: both sum the same
// exact integers, so they may differ only by float32 rounding, bounded by
// (2·nb + 12)·2⁻²⁴·S (S ≥ the magnitude of every partial sum either order
// forms).
func TestDotKBlocksNearGGML(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, f := range []tensor.DType{tensor.Q4K, tensor.Q6K} {
		for _, nb := range []int{1, 2, 5, 16, 40} {
			n := qkK * nb
			for _, raw := range []bool{false, true} {
				a := make([]byte, nb*blockQ8KBytes)
				x := make([]float32, n)
				for r, w := range kRows(rng, f, 20, nb, raw) {
					for i := range x {
						x[i] = float32(rng.NormFloat64())
					}
					Quantize(tensor.Q8K, a, x)
					got, want := DotKBlocks(f, w, a, n), Dot(f, w, a, n)
					bound := float64(2*nb+12) * 0x1p-24 * classMagnitude(f, w, a, nb)
					if d := math.Abs(float64(got) - float64(want)); !(d <= bound) {
						t.Fatalf("%s nb=%d raw=%v row %d: DotKBlocks %g, ggml %g: |diff| %g > bound %g", f, nb, raw, r, got, want, d, bound)
					}
				}
			}
		}
	}
}

// TestDotKBlocksDefinition checks the integer parts against the dequantized
// definition: Σ dequant(w)·dequant(a) in float64.
func TestDotKBlocksDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, f := range []tensor.DType{tensor.Q4K, tensor.Q6K} {
		const nb = 3
		n := qkK * nb
		a := make([]byte, nb*blockQ8KBytes)
		x, wf, af := make([]float32, n), make([]float32, n), make([]float32, n)
		for r, w := range kRows(rng, f, 10, nb, false) {
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			Quantize(tensor.Q8K, a, x)
			Dequantize(tensor.Q8K, af, a)
			Dequantize(f, wf, w)
			want, mag := dot64(wf, af)
			got := float64(DotKBlocks(f, w, a, n))
			if d := math.Abs(got - want); d > 1e-5*mag+1e-30 {
				t.Errorf("%s row %d: DotKBlocks %g, dequantized %g (Σ|·| %g)", f, r, got, want, mag)
			}
		}
	}
}

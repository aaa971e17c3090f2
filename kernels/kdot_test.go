package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// TestKDotNearGGML checks the K-family order (dotK) against ggml's reference
// (quant.Dot, eight float sums per row) on random and raw-byte rows: both
// sum the same exact integers, so they may differ only by float32 rounding,
// bounded by (2·nb + 12)·2⁻²⁴·S, S = Σ_b(Σ_l |d·aux_b[l]| + |dmin·msum_b|)
// with aux_b[l] ggml's integer sum of the positions ≡ l (mod 8) (S ≥ the
// magnitude of every partial sum either order forms).
func TestKDotNearGGML(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, dt := range []tensor.DType{tensor.Q4K, tensor.Q6K} {
		f := mustQuant(dt)
		for _, nb := range []int{1, 2, 5, 16, 40} {
			cols := 256 * nb
			for _, raw := range []bool{false, true} {
				w := randQuantMat(rng, dt, 20, cols, raw)
				x := randActs(rng, 20, cols)
				a := make([]byte, nb*q8KBytes)
				rb := w.RowBytes()
				for r := range 20 {
					quant.Quantize(quant.Q8_K, a, x[r*cols:(r+1)*cols])
					wr := w.Data[r*rb : (r+1)*rb]
					got, want := dotK(f, wr, a, cols), quant.Dot(f, wr, a, cols)
					s := classMagnitude(dt, wr, a, nb)
					bound := float64(2*nb+12) * 0x1p-24 * s
					if d := math.Abs(float64(got) - float64(want)); !(d <= bound) {
						t.Fatalf("%s nb=%d raw=%v row %d: dotK %g, ggml %g: |diff| %g > bound %g", dt, nb, raw, r, got, want, d, bound)
					}
				}
			}
		}
	}
}

// TestKDotDefinition checks dotK's integer parts against the dequantized
// definition: Σ dequant(w)·dequant(a) in float64 stays within the float32
// rounding of the per-block products.
func TestKDotDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, dt := range []tensor.DType{tensor.Q4K, tensor.Q6K} {
		f := mustQuant(dt)
		const nb = 3
		cols := 256 * nb
		w := randQuantMat(rng, dt, 10, cols, false)
		x := randActs(rng, 10, cols)
		a := make([]byte, nb*q8KBytes)
		wf, af := make([]float32, cols), make([]float32, cols)
		rb := w.RowBytes()
		for r := range 10 {
			quant.Quantize(quant.Q8_K, a, x[r*cols:(r+1)*cols])
			quant.Dequantize(quant.Q8_K, af, a)
			quant.Dequantize(f, wf, w.Data[r*rb:(r+1)*rb])
			var want, mag float64
			for i := range cols {
				want += float64(wf[i]) * float64(af[i])
				mag += math.Abs(float64(wf[i]) * float64(af[i]))
			}
			got := float64(dotK(f, w.Data[r*rb:(r+1)*rb], a, cols))
			if d := math.Abs(got - want); d > 1e-5*mag+1e-30 {
				t.Errorf("%s row %d: dotK %g, dequantized %g (Σ|·| %g)", dt, r, got, want, mag)
			}
		}
	}
}

// classMagnitude returns S of TestKDotNearGGML for one row.
func classMagnitude(dt tensor.DType, w, a []byte, nb int) float64 {
	var s float64
	for b := range nb {
		x, y := w[b*dt.BlockBytes():], a[b*q8KBytes:]
		dA := math.Float32frombits(binary.LittleEndian.Uint32(y))
		var aux [8]int64
		for v := range 256 {
			av := int64(int8(y[4+v]))
			if dt == tensor.Q4K {
				j := v / 32
				sc, _ := scaleMinK4(j, x[4:16])
				q := x[16+32*(j/2)+v%32]
				if j%2 == 1 {
					q >>= 4
				}
				aux[v%8] += int64(sc) * int64(q&0xf) * av
			} else {
				h, m, l := v/128, v%128/32, v%32
				ql := x[64*h+l+32*(m&1)]
				if m >= 2 {
					ql >>= 4
				}
				q := int64(ql&0xf|(x[128+32*h+l]>>(2*m)&3)<<4) - 32
				aux[v%8] += int64(int8(x[192+v/16])) * q * av
			}
		}
		dOff := 0
		if dt == tensor.Q6K {
			dOff = 208
		}
		d := float64(float32(f16(x[dOff:]) * dA))
		for _, v := range aux {
			s += math.Abs(d * float64(v))
		}
		if dt == tensor.Q4K {
			_, msum := sbQ4K(x, y)
			s += math.Abs(float64(float32(f16(x[2:])*dA)) * float64(msum))
		}
	}
	return s
}

package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// laneMagnitude returns M of DotQ8_0Lanes's bound: Σ_b |d_w·d_a|·Σ_l |s_bl|.
func laneMagnitude(w, a []byte, nb int) float64 {
	var m float64
	for b := range nb {
		x, y := w[b*blockQ8_0Bytes:], a[b*blockQ8_0Bytes:]
		var s float64
		for l := range Q8Lanes {
			var sl int64
			for k := 4 * l; k < 4*l+4; k++ {
				sl += int64(int8(x[2+k])) * int64(int8(y[2+k]))
			}
			s += math.Abs(float64(sl))
		}
		m += math.Abs(float64(getF16(x))*float64(getF16(y))) * s
	}
	return m
}

// q8Rows returns count Q8_0 rows of nb blocks: quantized Gaussian rows, or
// (raw) random bytes with random finite scales, so −128 quants occur.
func q8Rows(rng *rand.Rand, count, nb int, raw bool) [][]byte {
	rows := make([][]byte, count)
	x := make([]float32, nb*qk8_0)
	for r := range rows {
		row := make([]byte, nb*blockQ8_0Bytes)
		if raw {
			for i := range row {
				row[i] = byte(rng.Uint32())
			}
			for b := range nb {
				putF16(row[b*blockQ8_0Bytes:], float32(rng.NormFloat64())*0.01)
			}
		} else {
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			Quantize(tensor.Q8_0, row, x)
		}
		rows[r] = row
	}
	return rows
}

// TestDotQ8_0LanesNearGGML checks DotQ8_0Lanes against ggml's reference order
// (DotQ8_0) within the documented bound (2·nb + 8)·2⁻²⁴·M, and that the
// bound is not vacuous: over all rows the orders do differ.
func TestDotQ8_0LanesNearGGML(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	differ := 0
	for _, nb := range []int{1, 2, 5, 32, 128} {
		n := qk8_0 * nb
		for _, raw := range []bool{false, true} {
			as := q8Rows(rng, 20, nb, false)
			for r, w := range q8Rows(rng, 20, nb, raw) {
				a := as[r]
				got, want := DotQ8_0Lanes(w, a, n), DotQ8_0(w, a, n)
				bound := float64(2*nb+8) * 0x1p-24 * laneMagnitude(w, a, nb)
				if d := math.Abs(float64(got) - float64(want)); !(d <= bound) {
					t.Fatalf("nb=%d raw=%v row %d: lanes %g, ggml %g: |diff| %g > bound %g", nb, raw, r, got, want, d, bound)
				}
				if got != want {
					differ++
				}
			}
		}
	}
	if differ == 0 {
		t.Error("the lane order never differed from ggml's: the test does not exercise it")
	}
}

// TestDotQ8_0LanesDefinition checks the lane order bit for bit against a
// direct transcription of its definition (lane sums in float32, products
// rounded as documented, LaneSum's tree), on one row with hand-made blocks.
func TestDotQ8_0LanesDefinition(t *testing.T) {
	const nb = 3
	w, a := make([]byte, nb*blockQ8_0Bytes), make([]byte, nb*blockQ8_0Bytes)
	for b := range nb {
		putF16(w[b*blockQ8_0Bytes:], []float32{0.5, -0.25, 3}[b])
		putF16(a[b*blockQ8_0Bytes:], []float32{0.125, 2, 0.1}[b])
		for k := range qk8_0 {
			w[b*blockQ8_0Bytes+2+k] = byte(int8(k*7%255 - 127))
			a[b*blockQ8_0Bytes+2+k] = byte(int8(127 - (k*13+b)%255))
		}
	}
	w[2] = 0x80 // −128
	var lanes [8]float64
	var acc [8]float32
	for b := range nb {
		dw, da := getF16(w[b*blockQ8_0Bytes:]), getF16(a[b*blockQ8_0Bytes:])
		for k := range qk8_0 {
			lanes[k/4] += float64(int8(w[b*blockQ8_0Bytes+2+k])) * float64(int8(a[b*blockQ8_0Bytes+2+k]))
		}
		for l := range acc {
			p := float32(lanes[l]) * dw
			p = float32(p) * da
			acc[l] = float32(acc[l] + p)
			lanes[l] = 0
		}
	}
	h := [4]float32{acc[0] + acc[4], acc[1] + acc[5], acc[2] + acc[6], acc[3] + acc[7]}
	want := (h[0] + h[2]) + (h[1] + h[3])
	if got := DotQ8_0Lanes(w, a, nb*qk8_0); math.Float32bits(got) != math.Float32bits(want) {
		t.Fatalf("DotQ8_0Lanes = %g (%#x), definition %g (%#x)", got, math.Float32bits(got), want, math.Float32bits(want))
	}
}

// TestLaneSumOrder pins LaneSum's tree on lanes where the order matters:
// 2²⁴ + 1 rounds back to 2²⁴ in float32 unless the ±2²⁴ lanes (0 and 4)
// cancel first.
func TestLaneSumOrder(t *testing.T) {
	a := [Q8Lanes]float32{0x1p24, 1, 1, 1, -0x1p24, 1, 1, 1}
	if got := LaneSum(&a); got != 6 {
		t.Fatalf("LaneSum = %g, want 6 (((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)))", got)
	}
}

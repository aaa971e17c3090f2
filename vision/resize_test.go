package vision

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactFMA32 rounds a·b+c computed exactly (big.Float) to float32.
func exactFMA32(a, b, c float32) float32 {
	x := new(big.Float).SetPrec(200).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetFloat64(float64(c)))
	f, _ := x.Float32()
	return f
}

// TestFMA32 checks the single-rounding float32 FMA against exact arithmetic,
// including constructed float64 ties.
func TestFMA32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		a := float32(r.NormFloat64() * 100)
		b := float32(r.Float64())
		c := float32(r.NormFloat64() * 1000)
		if i%3 == 0 { // near-cancellation and tie-prone cases
			c = -a * b
			c = math.Nextafter32(c, float32(r.NormFloat64()))
		}
		if got, want := fma32(a, b, c), exactFMA32(a, b, c); got != want {
			t.Fatalf("fma32(%v, %v, %v) = %v, want %v", a, b, c, got, want)
		}
	}
	// a·b = 2⁻²⁴ − 2⁻⁶⁰ and c = 1 + 2⁻²³: the float64 sum is exactly halfway
	// between two float32 values, so rounding it again would go to the even
	// 1 + 2⁻²², while the exact value lies just below: 1 + 2⁻²³.
	a := float32((1 + 1.0/(1<<18)) / (1 << 12))
	b := float32((1 - 1.0/(1<<18)) / (1 << 12))
	c := float32(1 + 1.0/(1<<23))
	if got, want := fma32(a, b, c), c; got != want || exactFMA32(a, b, c) != want {
		t.Errorf("tie case: %v, want %v", got, want)
	}
	if float32(float64(a)*float64(b)+float64(c)) == c {
		t.Errorf("the tie case no longer exercises double rounding")
	}
}

// TestResizeIdentityAndConstant checks two properties of the filter: a
// resize to the same size is the identity, and a constant image stays
// constant at any size.
func TestResizeIdentityAndConstant(t *testing.T) {
	img := &Image{W: 7, H: 5, Pix: make([]uint8, 3*35)}
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 13)
	}
	out := Resize(img, 5, 7)
	for c := 0; c < 3; c++ {
		for i := 0; i < 35; i++ {
			if out[c*35+i] != img.Pix[3*i+c] {
				t.Fatalf("identity resize changed channel %d pixel %d", c, i)
			}
		}
	}
	flat := &Image{W: 9, H: 4, Pix: make([]uint8, 3*36)}
	for i := range flat.Pix {
		flat.Pix[i] = 201
	}
	for _, sz := range [][2]int{{1, 1}, {3, 20}, {17, 2}, {336, 336}} {
		for i, v := range Resize(flat, sz[0], sz[1]) {
			if v != 201 {
				t.Fatalf("constant image resized to %v: value %d at %d", sz, v, i)
			}
		}
	}
}

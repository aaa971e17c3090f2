package nn

import (
	"math"
	"testing"
)

func TestCentralDiff(t *testing.T) {
	for _, tc := range []struct {
		name string
		x, h float64
		f    func(x float64) float64
		want float64 // f'(x)
	}{
		{"cube", 2, 1e-5, func(x float64) float64 { return x * x * x }, 12},
		{"exp", -1, 1e-6, math.Exp, math.Exp(-1)},
		{"linear", 0.5, 1e-3, func(x float64) float64 { return 3*x - 1 }, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := tc.x
			got := CentralDiff(&x, tc.h, func() float64 { return tc.f(x) })
			if math.Abs(got-tc.want) > 1e-6*math.Max(1, math.Abs(tc.want)) {
				t.Errorf("CentralDiff = %.12g, want %.12g", got, tc.want)
			}
			if x != tc.x {
				t.Errorf("x left at %v, want it restored to %v", x, tc.x)
			}
		})
	}
}

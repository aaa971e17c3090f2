package plot

import (
	"math"
	"testing"
)

// TestTicks checks the axis ticks are round and cover the range.
func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   []float64
	}{
		{0, 800, []float64{0, 100, 200, 300, 400, 500, 600, 700, 800}},
		{4.5, 9, []float64{5, 6, 7, 8, 9}},
		{0, 3, []float64{0, 0.5, 1, 1.5, 2, 2.5, 3}},
	} {
		got := Ticks(tc.lo, tc.hi, 8)
		if len(got) != len(tc.want) {
			t.Errorf("Ticks(%g, %g, 8) = %v, want %v", tc.lo, tc.hi, got, tc.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-9 {
				t.Errorf("Ticks(%g, %g, 8) = %v, want %v", tc.lo, tc.hi, got, tc.want)
				break
			}
		}
	}
}

package kernels

import (
	"math"
	"testing"
)

func TestExpf(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 870000; i++ {
		x := -float32(i) * 1e-4
		want := math.Exp(float64(x))
		got := float64(Expf(x))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 3e-7 {
		t.Fatalf("Expf worst relative error %g", worst)
	}
	if Expf(-100) != 0 || Expf(0) != 1 {
		t.Fatalf("Expf(-100) = %v, Expf(0) = %v", Expf(-100), Expf(0))
	}
}

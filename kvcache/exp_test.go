package kvcache

import (
	"math"
	"testing"
)

func TestExpf(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 870000; i++ {
		x := -float32(i) * 1e-4
		want := math.Exp(float64(x))
		got := float64(expf(x))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 3e-7 {
		t.Fatalf("expf worst relative error %g", worst)
	}
	if expf(-100) != 0 || expf(0) != 1 {
		t.Fatalf("expf(-100) = %v, expf(0) = %v", expf(-100), expf(0))
	}
}

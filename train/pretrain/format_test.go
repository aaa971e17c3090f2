package pretrain

import "testing"

func TestFloatList(t *testing.T) {
	for _, tc := range []struct {
		in   []float32
		want string
	}{
		{nil, "none"},
		{[]float32{0.0123, -0.5, 3}, "0.0123, -0.5, 3"},
	} {
		if got := floatList(tc.in); got != tc.want {
			t.Errorf("floatList(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

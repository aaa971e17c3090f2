package engine

import "testing"

type maskAll struct{ idle bool }

func (m *maskAll) Mask(x []float32) {
	for i := range x {
		x[i] = -1
	}
}
func (m *maskAll) Accept(int32) {}

type idleMask struct{ maskAll }

func (m *idleMask) Idle() bool { return m.idle }

func TestMasks(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Constraint
		want bool
	}{
		{"none", nil, false},
		{"plain constraint", &maskAll{}, true},
		{"idle", &idleMask{maskAll{idle: true}}, false},
		{"active", &idleMask{maskAll{idle: false}}, true},
	} {
		if got := masks(tc.c); got != tc.want {
			t.Errorf("%s: masks = %v, want %v", tc.name, got, tc.want)
		}
	}
}

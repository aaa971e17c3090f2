package testmodel

import (
	"math"
	"testing"
)

func TestMaxAbsDiff(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		name  string
		a, b  []float32
		worst float64
		at    int
	}{
		{"empty", nil, nil, 0, -1},
		{"equal", []float32{1, 2}, []float32{1, 2}, 0, -1},
		{"largest", []float32{1, 2, 3}, []float32{1.5, 2, 1}, 2, 2},
		{"first of ties", []float32{0, 1, 0}, []float32{1, 0, 0}, 1, 0},
		{"NaN", []float32{0, nan, 5}, []float32{0, 0, 0}, math.Inf(1), 1},
	} {
		worst, at := MaxAbsDiff(tc.a, tc.b)
		if worst != tc.worst || at != tc.at {
			t.Errorf("%s: MaxAbsDiff = %g at %d, want %g at %d", tc.name, worst, at, tc.worst, tc.at)
		}
	}
}

func TestArgmax(t *testing.T) {
	for _, tc := range []struct {
		v    []float32
		want int32
	}{
		{nil, 0},
		{[]float32{-3}, 0},
		{[]float32{1, 5, 2}, 1},
		{[]float32{4, 1, 4}, 0},
	} {
		if got := Argmax(tc.v); got != tc.want {
			t.Errorf("Argmax(%v) = %d, want %d", tc.v, got, tc.want)
		}
	}
}

func TestTinyPaths(t *testing.T) {
	in := ReadTinyInputs(t)
	if len(in.Sequences["len40"]) != 40 || in.NewTokens == 0 {
		t.Errorf("inputs.json: len40 has %d ids, %d new tokens", len(in.Sequences["len40"]), in.NewTokens)
	}
	if man := ReadTinyManifest(t, "base-f32"); len(man.RopeInvFreq) == 0 {
		t.Error("manifest.json: no rope_inv_freq")
	}
}

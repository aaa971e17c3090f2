package bench

import (
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

func TestParallel(t *testing.T) {
	m := tinyModel(t)
	for _, p := range []int{1, 3} {
		dec, e2e, err := Parallel(m, p, 6, 2, tensor.F16)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []Result{dec, e2e} {
			if r.Tokens != 6*p || r.TokensPerS <= 0 || len(r.Samples) != 2 {
				t.Errorf("p=%d %s: %+v", p, r.Test, r)
			}
		}
		if !strings.HasPrefix(dec.Test, "tg6×") || !strings.HasPrefix(e2e.Test, "e2e6×") {
			t.Errorf("test names %q, %q", dec.Test, e2e.Test)
		}
	}
	if _, _, err := Parallel(m, 2, 1, 1, tensor.F16); err == nil {
		t.Error("one token per stream: no error (the decode cannot be timed)")
	}
}

func TestWarmup(t *testing.T) {
	m := tinyModel(t)
	for _, tc := range []struct{ n, batch int }{{0, 512}, {7, 3}, {16, 16}} {
		if err := Warmup(m, tc.n, tc.batch, tensor.F16); err != nil {
			t.Errorf("Warmup(n=%d, batch=%d): %v", tc.n, tc.batch, err)
		}
	}
}

// tinyModel returns the random-weight "tiny" preset model.
func tinyModel(t *testing.T) *llama4.Model {
	t.Helper()
	cfg, err := checkpoint.PresetConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	m, err := checkpoint.RandomModel(cfg, tensor.F32, 1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

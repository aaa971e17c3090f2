package main

import (
	"os"
	"testing"

	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
)

// corpus is the text train's tests use (train/testdata/dickens.txt).
var corpus = func() string {
	b, err := os.ReadFile("../../train/testdata/dickens.txt")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// TestMetaPCoordCheck is a small coordinate check: a few Adam steps at a
// fixed learning rate on models 64 and 256 wide. Without MetaP the change
// of the logits and of the final hidden state grows with the width (about
// ∝ width for Adam); under MetaP it stays within a factor 1.6.
func TestMetaPcoordCheck(t *testing.T) {
	data, err := dataset.New([]byte(corpus+corpus), dataset.ByteTokenizer{}, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	o := train.DefaultOptions()
	o.EvalBatches, o.Seed = 2, 42 // as train's tests' smallOptions
	o.Batch, o.SeqLen, o.Steps, o.Warmup = 2, 32, 4, 0
	o.LR, o.MinLR = 1e-2, 1e-2
	o.GradClip = 0
	const steps = 4
	pts, err := coordCheck(data, []int{64, 256}, 2, o, steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := map[bool]map[int]CoordPoint{false: {}, true: {}}
	for _, p := range pts {
		if p.Step == steps {
			at[p.MetaP][p.Width] = p
		}
	}
	for _, metap := range []bool{false, true} {
		a, b := at[metap][64], at[metap][256]
		rh, rl := b.DHidden/a.DHidden, b.DLogit/a.DLogit
		t.Logf("%s: |Δh| %.4f → %.4f (×%.2f), |Δlogits| %.4f → %.4f (×%.2f) from width 64 to 256",
			paramName(metap), a.DHidden, b.DHidden, rh, a.DLogit, b.DLogit, rl)
		for _, r := range []float64{rh, rl} {
			if metap && (r > 1.6 || r < 1/1.6) {
				t.Errorf("MetaP: activation change varies ×%.2f from width 64 to 256, want within 1.6", r)
			}
			if !metap && r < 2 {
				t.Errorf("standard parametrisation: activation change grows only ×%.2f from width 64 to 256, want ≥ 2", r)
			}
		}
	}
}

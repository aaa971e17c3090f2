package evals

import (
	"testing"

	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/tensor"
)

// TestRunNIAHEmbedded runs the built-in model: one run over several
// depths (reusing the cached haystack between them) answers exactly as a
// run per depth from an empty cache, and a seed gives the same prompts.
func TestRunNIAHEmbedded(t *testing.T) {
	m, tok, err := embedded.Load()
	if err != nil {
		t.Fatal(err)
	}
	tg := NewTarget(m, tok)
	for _, form := range []Form{FormKV, FormNeedle} {
		o := NIAHOptions{Lengths: []int{150}, Depths: []float64{0, 0.5, 1}, Form: form, Trials: 1, Seed: 5, KVType: tensor.F16, Batch: 32}
		all, err := RunNIAH(tg, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range o.Depths {
			one := o
			one.Depths = []float64{d}
			r, err := RunNIAH(tg, one, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, want := r.Trials[0], all.Trials[i]
			if got != want || got.Tokens != 150 {
				t.Errorf("%s depth %g: alone %+v, with the others %+v", form, d, got, want)
			}
		}
		again, err := RunNIAH(tg, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range again.Trials {
			if again.Trials[i] != all.Trials[i] {
				t.Errorf("%s: seeded rerun differs: %+v vs %+v", form, again.Trials[i], all.Trials[i])
			}
		}
	}
}

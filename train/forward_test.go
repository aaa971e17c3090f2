package train

import (
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/model/llama4"
)

// TestForwardMatchesInference is the "one definition" check: the training
// forward's logits equal llama4.Model.Forward's (the inference path with its
// KV cache and online softmax) within 1e-5, and the golden upstream logits
// within 1e-4, for the 40-token golden sequence (it crosses two chunk
// boundaries and the temperature-tuning steps of the tiny model).
func TestForwardMatchesInference(t *testing.T) {
	p := loadTinyParams(t)
	in := testmodel.ReadTinyInputs(t)
	m := testmodel.LoadTiny(t, "f32", checkpoint.LoadHF)
	for _, name := range []string{"len7", "len40"} {
		ids := in.Sequences[name]
		want, err := m.Forward(m.NewCache(len(ids)), ids, llama4.ForwardOptions{AllLogits: true})
		if err != nil {
			t.Fatal(err)
		}
		// Two rows: the sequence, and the sequence again, to exercise B > 1.
		ws, err := NewWorkspace[float32](p.Config, 2, len(ids))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ws.Forward(p, append(append([]int32(nil), ids...), ids...))
		if err != nil {
			t.Fatal(err)
		}
		V := p.Config.VocabSize
		for row := 0; row < 2; row++ {
			_, d := relErr(got[row*len(ids)*V:(row+1)*len(ids)*V], want)
			t.Logf("%s row %d: max |train − inference| = %.3g", name, row, d)
			if d > 1e-5 {
				t.Errorf("%s row %d: max |train − inference| = %.3g > 1e-5", name, row, d)
			}
		}
		gl := testmodel.ReadF32(t, filepath.Join(tinyDir, "golden", "base-f32", "logits_"+name+".f32"))
		_, d := relErr(got[:len(ids)*V], gl)
		t.Logf("%s: max |train − golden| = %.3g", name, d)
		if d > 1e-4 {
			t.Errorf("%s: max |train − golden| = %.3g > 1e-4", name, d)
		}
	}
}

// TestReferenceLogits compares the training forward on the reference batch
// with the reference's own training-pass logits (logits.f32) within 1e-4.
func TestReferenceLogits(t *testing.T) {
	p := loadTinyParams(t)
	b := loadRefBatch(t)
	ws := newWorkspace(t, p, b)
	got, err := ws.Forward(p, b.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	want := testmodel.ReadF32(t, filepath.Join(refDir, "logits.f32"))
	_, d := relErr(got, want)
	t.Logf("max |logit − reference| = %.3g", d)
	if d > 1e-4 {
		t.Errorf("max |logit − reference| = %.3g", d)
	}
}

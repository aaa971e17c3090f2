package train

import (
	"strings"
	"testing"
)

// TestStagesResumeBitExact: a run whose sequence length changes twice
// (with the document mask on) resumes bit for bit across the changes, and
// each step trains on its stage's shape.
func TestStagesResumeBitExact(t *testing.T) {
	o := smallOptions()
	o.SaveEvery, o.DocMask, o.LongFrac = 3, true, 0.5
	o.Stages = []Stage{{Step: 2, SeqLen: 32, Batch: 1}, {Step: 4, SeqLen: 24, Batch: 2}}
	testResumeBitExact(t, o)

	tr := trainerOn(t, smallConfig(t), o, byteData(t, corpus, 0.1))
	for step, want := range []int{32, 32, 32, 32, 48, 48} {
		st, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		if st.Tokens != want {
			t.Errorf("step %d trained on %d tokens, want %d", step+1, st.Tokens, want)
		}
	}
}

// TestStagesValidate refuses stages out of order or outside the run.
func TestStagesValidate(t *testing.T) {
	for _, st := range [][]Stage{
		{{Step: 0, SeqLen: 8, Batch: 1}},
		{{Step: 3, SeqLen: 8, Batch: 1}, {Step: 3, SeqLen: 16, Batch: 1}},
		{{Step: 6, SeqLen: 8, Batch: 1}},
		{{Step: 2, SeqLen: 0, Batch: 1}},
	} {
		o := smallOptions()
		o.Stages = st
		if _, err := NewTrainer(smallConfig(t), o, byteData(t, corpus, 0.1)); err == nil || !strings.Contains(err.Error(), "stage") {
			t.Errorf("stages %+v: error %v", st, err)
		}
	}
}

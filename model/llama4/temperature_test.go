package llama4_test

import (
	"math"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel"
	. "github.com/herd-llm/herd/model/llama4"
)

// TestWithTempTuning switches temperature tuning on the tiny model (floor
// 8, so positions ≥ 7 of its NoPE layer are scaled): the same setting gives
// the same logits, off changes them, a floor beyond the sequence equals
// off, and the original model is left as it was.
func TestWithTempTuning(t *testing.T) {
	m := loadTiny(t, "f32")
	seq := testmodel.ReadTinyInputs(t).Sequences["len100"][:40]
	orig := m.Config.TempTuningSetting()
	if !orig.On || orig.FloorScale != 8 {
		t.Fatalf("tiny model temperature tuning %+v, want on with floor 8", orig)
	}
	logits := func(m *Model) []float32 {
		out, err := m.Forward(m.NewCache(len(seq)), seq, ForwardOptions{AllLogits: true})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	base := logits(m)
	V := m.Config.VocabSize
	for _, tc := range []struct {
		name string
		set  TempTuning
		same bool // logits equal to the model's own
		off  bool // logits equal to tuning off
	}{
		{"unchanged", orig, true, false},
		{"off", TempTuning{On: false, FloorScale: 8, AttnScale: 0.1}, false, true},
		{"floor beyond the sequence", TempTuning{On: true, FloorScale: 1000, AttnScale: 0.1}, false, true},
		{"scale zero", TempTuning{On: true, FloorScale: 8, AttnScale: 0}, false, true},
		{"stronger", TempTuning{On: true, FloorScale: 8, AttnScale: 1}, false, false},
	} {
		mm, err := m.WithTempTuning(tc.set)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := logits(mm)
		d, _ := testmodel.MaxAbsDiff(got, base)
		if tc.same != (d == 0) {
			t.Errorf("%s: max |Δ| vs the model's own logits %g, want same=%v", tc.name, d, tc.same)
		}
		if !tc.same {
			// Positions before the floor are never scaled.
			if d0, _ := testmodel.MaxAbsDiff(got[:6*V], base[:6*V]); d0 != 0 {
				t.Errorf("%s: positions 0-5 changed by %g", tc.name, d0)
			}
		}
		off, _ := m.WithTempTuning(TempTuning{FloorScale: 8, AttnScale: 0.1})
		if d, _ := testmodel.MaxAbsDiff(got, logits(off)); tc.off != (d == 0) {
			t.Errorf("%s: max |Δ| vs tuning off %g, want same=%v", tc.name, d, tc.off)
		}
		if m.Config.TempTuningSetting() != orig {
			t.Errorf("%s: the original model's setting changed to %+v", tc.name, m.Config.TempTuningSetting())
		}
	}
}

// TestTempTuningValidate names the bad floor or scale.
func TestTempTuningValidate(t *testing.T) {
	for _, tc := range []struct {
		set  TempTuning
		want string // "" = valid
	}{
		{TempTuning{On: true, FloorScale: 8192, AttnScale: 0.1}, ""},
		{TempTuning{On: false, FloorScale: 1, AttnScale: -0.5}, ""},
		{TempTuning{On: true, FloorScale: 0, AttnScale: 0.1}, "floor 0"},
		{TempTuning{On: true, FloorScale: -3, AttnScale: 0.1}, "floor -3"},
		{TempTuning{On: true, FloorScale: math.Inf(1), AttnScale: 0.1}, "floor +Inf"},
		{TempTuning{On: true, FloorScale: 8, AttnScale: math.NaN()}, "scale NaN"},
	} {
		err := tc.set.Validate()
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.set, err, tc.want)
		}
	}
	m := loadTiny(t, "f32")
	if _, err := m.WithTempTuning(TempTuning{On: true, FloorScale: 0}); err == nil {
		t.Error("WithTempTuning with floor 0: no error")
	}
}

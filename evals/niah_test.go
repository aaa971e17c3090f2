package evals

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/tensor"
)

// byteTarget is a fake model over the byte tokenizer (BOS 256).
func byteTarget(t *testing.T, constant int32) Target {
	tok := tinymodel.ByteTokenizer(t)
	return Target{Model: copyModel{vocab: tinymodel.ByteVocab, constant: constant}, Tok: tok, BOS: tok.BOS(),
		Stops: tok.StopTokens(), MaxPositions: 4096, Special: tok.IsSpecial}
}

// mustPromptMaker is newPromptMaker, failing t on an error.
func mustPromptMaker(t *testing.T, tg Target, form Form, lines []string, seed uint64) *promptMaker {
	t.Helper()
	pm, err := newPromptMaker(tg, form, lines, seed)
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

// TestBuildPrompt: every form's prompt has exactly the length asked, the
// needle where the depth says, the question last, and one trial's
// haystack is the same at every depth (FormWords's, cut at its start, up
// to where it starts).
func TestBuildPrompt(t *testing.T) {
	tg := byteTarget(t, -1)
	lines := []string{"First line of the play.", "Second line.", "Third line, longer than the others."}
	for _, tc := range []struct {
		form  Form
		lines []string
	}{{FormNeedle, nil}, {FormNeedle, lines}, {FormKV, nil}, {FormIDs, nil}, {FormWords, nil}} {
		pm := mustPromptMaker(t, tg, tc.form, tc.lines, 7)
		for _, length := range []int{200, 333} {
			var hays [][]int32
			for _, depth := range []float64{0, 0.3, 0.5, 1} {
				p, err := pm.build(length, depth, 1)
				if err != nil {
					t.Fatalf("%s %d %g: %v", tc.form, length, depth, err)
				}
				pt := pm.parts(1, depth)
				name := string(tc.form) + " " + FormatLength(length)
				if len(p.IDs) != length || p.IDs[0] != tg.BOS {
					t.Errorf("%s depth %g: %d tokens starting %d, want %d starting with BOS", name, depth, len(p.IDs), p.IDs[0], length)
				}
				if !slices.Equal(p.IDs[p.NeedleAt:p.NeedleAt+p.Needle], pt.needle) {
					t.Errorf("%s depth %g: no needle at %d", name, depth, p.NeedleAt)
				}
				if !slices.Equal(p.IDs[length-len(pt.question):], pt.question) {
					t.Errorf("%s depth %g: the prompt does not end with the question", name, depth)
				}
				H := length - 1 - p.Needle - len(pt.question)
				// The needle sits at a piece boundary near depth·H (pieces
				// are at most ~100 tokens here; ids are single tokens).
				slack := 60.0
				if tc.form == FormIDs {
					slack = 0.5
				}
				if d := math.Abs(float64(p.NeedleAt-1) - depth*float64(H)); d > slack {
					t.Errorf("%s depth %g: needle at %d of a %d-token haystack", name, depth, p.NeedleAt-1, H)
				}
				if depth == 0 && p.NeedleAt != 1 || depth == 1 && p.NeedleAt+p.Needle != length-len(pt.question) {
					t.Errorf("%s depth %g: needle at %d", name, depth, p.NeedleAt)
				}
				hay := append(slices.Clone(p.IDs[1:p.NeedleAt]), p.IDs[p.NeedleAt+p.Needle:length-len(pt.question)]...)
				hays = append(hays, hay)
			}
			for i := 1; i < len(hays); i++ {
				n := min(len(hays[0]), len(hays[i]))
				a, b := hays[0][:n-10], hays[i][:n-10]
				if tc.form == FormWords { // cut at its start: the same haystack ends alike
					a, b = hays[0][len(hays[0])-n+10:], hays[i][len(hays[i])-n+10:]
				}
				if !slices.Equal(a, b) {
					t.Errorf("%s %d: depth %d's haystack differs from depth 0's", tc.form, length, i)
				}
			}
		}
	}
}

// TestBuildPromptErrors: a length that leaves less haystack than needle,
// a depth outside [0, 1], and a text form without a tokenizer.
func TestBuildPromptErrors(t *testing.T) {
	tg := byteTarget(t, -1)
	pm := mustPromptMaker(t, tg, FormNeedle, nil, 1)
	if _, err := pm.build(80, 0.5, 0); err == nil || !strings.Contains(err.Error(), "the needle (25 tokens) is longer than the 12-token haystack") ||
		!strings.Contains(err.Error(), "at least 93") {
		t.Errorf("length 80: error %v", err)
	}
	if _, err := pm.build(93, 0.5, 0); err != nil {
		t.Errorf("length 93 (the shortest): %v", err)
	}
	if _, err := pm.build(500, 1.2, 0); err == nil || !strings.Contains(err.Error(), "depth 1.2") {
		t.Errorf("depth 1.2: error %v", err)
	}
	tg.Tok = nil
	for _, f := range []Form{FormNeedle, FormKV, FormWords} {
		if _, err := newPromptMaker(tg, f, nil, 1); err == nil || !strings.Contains(err.Error(), "needs a tokenizer") {
			t.Errorf("form %s without a tokenizer: error %v", f, err)
		}
	}
	if _, err := newPromptMaker(tg, FormIDs, nil, 1); err != nil {
		t.Errorf("form ids without a tokenizer: %v", err)
	}
}

// TestRunNIAHScoring: a perfect copier answers every prompt of every form
// and a model that always says the same token answers none; results come
// in lengths × depths × trials order whatever order they ran in.
func TestRunNIAHScoring(t *testing.T) {
	for _, form := range Forms {
		for _, tc := range []struct {
			constant int32
			want     float64
		}{{-1, 1}, {'7', 0}} {
			o := NIAHOptions{Lengths: []int{150, 300}, Depths: []float64{0, 0.5, 1}, Form: form, Trials: 2, Seed: 3, KVType: tensor.F32, Batch: 64}
			var seen int
			r, err := RunNIAH(byteTarget(t, tc.constant), o, func(Trial) { seen++ })
			if err != nil {
				t.Fatalf("%s: %v", form, err)
			}
			if seen != 12 || len(r.Trials) != 12 {
				t.Fatalf("%s: %d trials reported, %d returned; want 12", form, seen, len(r.Trials))
			}
			for i, tr := range r.Trials {
				wl, wd, wt := o.Lengths[i/6], o.Depths[i/2%3], i%2
				if tr.Length != wl || tr.Depth != wd || tr.Trial != wt || tr.Tokens != wl {
					t.Errorf("%s: trial %d is %+v, want length %d depth %g trial %d", form, i, tr, wl, wd, wt)
				}
				if tr.Correct != (tc.want == 1) || tr.Correct != (tr.Got == tr.Expected) {
					t.Errorf("%s constant %d: %+v", form, tc.constant, tr)
				}
			}
			for _, row := range r.Accuracy() {
				for _, a := range row {
					if a != tc.want {
						t.Errorf("%s constant %d: accuracy %v, want all %g", form, tc.constant, r.Accuracy(), tc.want)
					}
				}
			}
		}
	}
}

// TestNIAHCheck: lengths beyond the model's positions and too short for
// the needle are refused before anything runs.
func TestNIAHCheck(t *testing.T) {
	tg := byteTarget(t, -1)
	base := NIAHOptions{Lengths: []int{512, 4000}, Depths: []float64{0.5}, Form: FormKV, Trials: 1, KVType: tensor.F32, Batch: 64}
	ctx, err := base.Check(tg)
	if err != nil || ctx <= 4000 || ctx > 4096 {
		t.Errorf("Check: ctx %d, %v", ctx, err)
	}
	for _, tc := range []struct {
		edit func(*NIAHOptions)
		want string
	}{
		{func(o *NIAHOptions) { o.Lengths = []int{512, 4096} }, "length 4096 with its 8 answer tokens exceeds the model's 4096 positions"},
		{func(o *NIAHOptions) { o.Lengths = []int{20, 512} }, "length 20 is too short"},
		{func(o *NIAHOptions) { o.Depths = []float64{2} }, "depth 2 is outside"},
		{func(o *NIAHOptions) { o.Trials = 0 }, "trials 0"},
		{func(o *NIAHOptions) { o.Depths = []float64{0.5, 0.5} }, "depth 0.5 is listed twice"},
		{func(o *NIAHOptions) { o.Lengths = []int{512, 512} }, "length 512 is listed twice"},
		{func(o *NIAHOptions) { o.Form = "x" }, `unknown prompt form "x"`},
	} {
		o := base
		tc.edit(&o)
		if _, err := RunNIAH(tg, o, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}

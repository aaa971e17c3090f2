package sft

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel/tinytrain"
	"github.com/herd-llm/herd/train"
)

// smallModel is tinytrain.SmallParams with 1024 positions.
func smallModel(t testing.TB, seed uint64) *train.Params[float32] {
	return tinytrain.SmallParams(t, 1024, seed)
}

// testSeqs are the encoded examples of testdata/chat.jsonl.
func testSeqs(t testing.TB) []Seq {
	t.Helper()
	tok := testTokenizer(t)
	exs, err := ReadJSONLFile("testdata/chat.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var seqs []Seq
	for i := range exs {
		s, err := Encode(tok, &exs[i])
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, s)
	}
	return seqs
}

func testOptions() Options {
	o := DefaultOptions()
	o.Steps, o.Batch, o.SeqLen, o.Warmup, o.LR, o.MinLR = 4, 2, 640, 1, 3e-3, 3e-4
	return o
}

// TestTrainerResume checks that a run interrupted after 2 of 4 steps and
// resumed from its checkpoint ends with the very same parameters and
// optimizer state as an uninterrupted run, and that the export loads.
func TestTrainerResume(t *testing.T) {
	o := testOptions()
	rows, err := Pack(testSeqs(t), o.SeqLen, int32(smallModel(t, 1).Config.Pad), false)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := NewTrainer(smallModel(t, 1), rows, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := whole.Run(t.TempDir(), nil, 0); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first, err := NewTrainer(smallModel(t, 1), rows, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Run(dir, nil, 2); err != nil {
		t.Fatal(err)
	}
	if !HasCheckpoint(dir) {
		t.Fatal("no checkpoint after the interrupted run")
	}
	resumed, err := Resume(dir, rows, 0)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Step() != 2 || resumed.Tokens != first.Tokens {
		t.Fatalf("resumed at step %d with %d tokens, want 2 and %d", resumed.Step(), resumed.Tokens, first.Tokens)
	}
	var log strings.Builder
	if err := resumed.Run(dir, &log, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "step 4/4 | loss ") {
		t.Errorf("progress %q", log.String())
	}
	for i, a := range whole.Params.Tensors {
		for j, v := range a.Data {
			if w := resumed.Params.Tensors[i].Data[j]; math.Float32bits(v) != math.Float32bits(w) {
				t.Fatalf("%s[%d]: %v uninterrupted, %v resumed", a.Name, j, v, w)
			}
			if m, n := whole.Optim.V.Tensors[i].Data[j], resumed.Optim.V.Tensors[i].Data[j]; m != n {
				t.Fatalf("exp_avg_sq %s[%d]: %v uninterrupted, %v resumed", a.Name, j, m, n)
			}
		}
	}
	// The export is a Hugging Face model that herd loads.
	m, err := checkpoint.LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	back, err := train.LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Tensors[3].Data[5] != resumed.Params.Tensors[3].Data[5] {
		t.Error("the export differs from the trained parameters")
	}
	// Other rows are refused.
	other, _ := Pack(testSeqs(t)[:2], o.SeqLen, int32(back.Config.Pad), false)
	if _, err := Resume(dir, other, 0); err == nil || !strings.Contains(err.Error(), "other rows") {
		t.Errorf("resume on other rows: %v", err)
	}
	if _, err := Resume(t.TempDir(), rows, 0); err == nil {
		t.Error("resume without a checkpoint: want an error")
	}
	if _, err := Resume(filepath.Join(dir, "nope"), rows, 0); err == nil {
		t.Error("resume from a missing directory: want an error")
	}
}

// TestTrainerLearnsAndJudge fine-tunes on two test conversations until
// the model reproduces them: the loss falls, the judge then finds the
// examples easy (greedy and probable) and PruneEasy drops them.
func TestTrainerLearnsAndJudge(t *testing.T) {
	p := smallModel(t, 2)
	all := testSeqs(t)
	seqs := []Seq{all[0], all[2]}
	before, err := Judge(p, seqs, 2)
	if err != nil {
		t.Fatal(err)
	}
	// The verdicts do not depend on the judge's batch size.
	one, err := Judge(p, seqs, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range before {
		if math.Abs(before[i].LogProb-one[i].LogProb) > 1e-4*math.Abs(one[i].LogProb) || before[i].Greedy != one[i].Greedy {
			t.Errorf("example %d: verdict %+v in batches of 2, %+v alone", i, before[i], one[i])
		}
		if before[i].Greedy || before[i].Prob() > 1e-6 {
			t.Errorf("example %d: an untrained model already solves it: %+v", i, before[i])
		}
	}
	o := testOptions()
	o.Steps, o.Warmup, o.LR, o.MinLR, o.Batch, o.SeqLen = 80, 2, 1e-2, 3e-3, 2, 64
	rows, err := Pack(seqs, o.SeqLen, int32(p.Config.Pad), false)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(p, rows, o)
	if err != nil {
		t.Fatal(err)
	}
	first, err := tr.TrainStep()
	if err != nil {
		t.Fatal(err)
	}
	var last StepStats
	for tr.Step() < o.Steps {
		if last, err = tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	if !(last.Loss < 0.05*first.Loss) {
		t.Errorf("loss %.4f → %.4f: the model did not learn the examples", first.Loss, last.Loss)
	}
	after, err := Judge(p, seqs, 3)
	if err != nil {
		t.Fatal(err)
	}
	kept, rep, err := PruneEasy(seqs, after, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after %d steps: loss %.4f → %.4f; verdicts %+v; prune %+v", o.Steps, first.Loss, last.Loss, after, rep)
	if rep.Dropped != 2 || len(kept) != 0 || rep.Greedy != 2 {
		t.Errorf("prune report %+v, kept %d: the memorised examples should be easy", rep, len(kept))
	}
	if _, _, err := PruneEasy(seqs, after, 0); err == nil {
		t.Error("threshold 0: want an error")
	}
	if _, _, err := PruneEasy(seqs, after[:1], 0.5); err == nil {
		t.Error("verdicts and examples differ: want an error")
	}
}

func TestTrainerErrors(t *testing.T) {
	p := smallModel(t, 1)
	rows, _ := Pack(testSeqs(t), 640, int32(p.Config.Pad), false)
	cases := []struct {
		name string
		mod  func(o *Options)
		rows []Row
		want string
	}{
		{"no steps", func(o *Options) { o.Steps = 0 }, rows, "steps"},
		{"bad lr", func(o *Options) { o.LR = 0 }, rows, "lr"},
		{"warmup", func(o *Options) { o.Warmup = 99 }, rows, "warmup"},
		{"dtype", func(o *Options) { o.ExportDType = "int8" }, rows, "export dtype"},
		{"no rows", func(o *Options) {}, nil, "no training rows"},
		{"row length", func(o *Options) { o.SeqLen = 128 }, rows, "has 640 tokens"},
	}
	for _, c := range cases {
		o := testOptions()
		c.mod(&o)
		if _, err := NewTrainer(p, c.rows, o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

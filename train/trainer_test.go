package train

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/runlog"
)

// smallConfig is a byte-level model for the training-loop tests.
func smallConfig(t testing.TB) *llama4.Config {
	t.Helper()
	js := `{"model_type":"llama4_text","vocab_size":259,"hidden_size":32,"intermediate_size":32,
	"intermediate_size_mlp":64,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,
	"head_dim":8,"num_local_experts":2,"moe_layers":[1],"no_rope_layers":[1,0],"attention_chunk_size":8,
	"floor_scale":4,"bos_token_id":256,"eos_token_id":257,"pad_token_id":258,"max_position_embeddings":1024}`
	c, err := checkpoint.ParseConfig([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// corpus is the text the training-loop tests train on: the opening of A
// Tale of Two Cities (testdata/dickens.txt).
var corpus = string(must(os.ReadFile("testdata/dickens.txt")))

func smallOptions() Options {
	o := DefaultOptions()
	o.Steps, o.Batch, o.SeqLen, o.Warmup = 6, 2, 16, 2
	o.LR, o.MinLR = 3e-3, 3e-4
	o.EvalBatches = 2
	o.Seed = 42
	return o
}

func TestScheduleWarmupCosine(t *testing.T) {
	s := Schedule{LR: 1, MinLR: 0.1, Warmup: 4, Total: 14}
	for _, c := range []struct {
		step int
		want float64
	}{{0, 0.25}, {3, 1}, {4, 1}, {9, 0.55}, {14, 0.1}, {20, 0.1}} {
		if got := s.At(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("At(%d) = %v, want %v", c.step, got, c.want)
		}
	}
	for i := 5; i < 14; i++ {
		if s.At(i) >= s.At(i-1) {
			t.Errorf("not decreasing at step %d", i)
		}
	}
}

// TestInitLoss checks that a freshly initialised model predicts nearly
// uniformly: loss within 0.05 of ln(vocab).
func TestInitLoss(t *testing.T) {
	cfg := smallConfig(t)
	data := byteData(t, corpus, 0.1)
	tr, err := NewTrainer(cfg, smallOptions(), data)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tr.TrainStep()
	if err != nil {
		t.Fatal(err)
	}
	want := math.Log(float64(cfg.VocabSize))
	t.Logf("initial loss %.4f, ln(V) = %.4f", st.Loss, want)
	if math.Abs(st.Loss-want) > 0.05 {
		t.Errorf("initial loss %.4f, want ≈ ln(%d) = %.4f", st.Loss, cfg.VocabSize, want)
	}
	if pad := tr.Params.Embed.Data[dataset.BytePad*cfg.Hidden : (dataset.BytePad+1)*cfg.Hidden]; maxAbs(pad) != 0 {
		t.Errorf("pad embedding row is not zero after a step")
	}
}

// TestOverfitSingleBatch trains on one fixed batch until the loss is near 0.
func TestOverfitSingleBatch(t *testing.T) {
	cfg := smallConfig(t)
	o := smallOptions()
	o.LR, o.WeightDecay, o.GradClip, o.Batch, o.SeqLen = 1e-2, 0, 0, 2, 16
	tr, err := newTrainer(mustInit(t, cfg, o.Seed), o, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := dataset.New([]byte(corpus), dataset.ByteTokenizer{}, 0)
	b := dataset.NewBatch(o.Batch, o.SeqLen)
	copy(b.Inputs, data.Train[:32])
	copy(b.Targets, data.Train[1:33])
	var loss float64
	for step := 0; step < 150; step++ {
		if loss, err = tr.accumulate([]*dataset.Batch{b}, dataset.CountValid(b.Targets)); err != nil {
			t.Fatal(err)
		}
		if err := tr.Optim.Update(tr.Params, tr.Grads, o.LR); err != nil {
			t.Fatal(err)
		}
		if loss < 0.02 {
			t.Logf("loss %.4f after %d steps", loss, step+1)
			return
		}
	}
	t.Fatalf("loss %.4f after 150 steps on one batch, want < 0.02", loss)
}

func mustInit(t *testing.T, cfg *llama4.Config, seed uint64) *Params[float32] {
	p, err := NewParams[float32](cfg)
	if err != nil {
		t.Fatal(err)
	}
	InitParams(p, seed, 0.02)
	return p
}

// TestResumeBitExact runs N steps straight, and N steps as K steps, a
// checkpoint, two more steps that are lost (a kill before the next
// checkpoint), and a resume from the checkpoint: the final parameters,
// optimizer state and loss must be identical bit for bit. It also uses
// gradient accumulation and clipping.
//
// The variants also carry the expert-selection bias (the default balancing)
// and the FP8 simulation's counters, and check the auxiliary loss.
func TestResumeBitExact(t *testing.T) {
	for _, v := range []struct{ name, balance, fp8 string }{{"bias", "bias", ""}, {"aux-fp8", "aux", "hybrid"}} {
		t.Run(v.name, func(t *testing.T) {
			o := smallOptions()
			o.Accum, o.GradClip, o.SaveEvery = 2, 0.5, 3
			o.Balance, o.FP8, o.FP8Scaling = v.balance, v.fp8, "row"
			testResumeBitExact(t, o)
		})
	}
}

func testResumeBitExact(t *testing.T, o Options) {
	cfg := smallConfig(t)
	data := byteData(t, corpus, 0.1)
	dirA, dirB := t.TempDir(), t.TempDir()

	a := trainerOn(t, cfg, o, data)
	if err := a.Run(RunConfig{OutDir: dirA}); err != nil {
		t.Fatal(err)
	}

	b := trainerOn(t, cfg, o, data)
	if err := b.Run(RunConfig{OutDir: dirB, StopAfter: 3}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // work after the checkpoint, lost in the "kill"
		if _, err := b.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	// A save killed mid-write leaves its temporary file; resuming removes it.
	stale := filepath.Join(dirB, "."+CheckpointFile+".tmp12345")
	if err := os.WriteFile(stale, []byte("torn"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := ResumeTrainer(dirB, data, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale %s survived the resume: %v", stale, err)
	}
	if c.Step() != 3 {
		t.Fatalf("resumed at step %d, want 3", c.Step())
	}
	if err := c.Run(RunConfig{OutDir: dirB}); err != nil {
		t.Fatal(err)
	}
	for i, ta := range a.Params.Tensors {
		for _, pair := range [][2][]float32{
			{ta.Data, c.Params.Tensors[i].Data},
			{a.Optim.M.Tensors[i].Data, c.Optim.M.Tensors[i].Data},
			{a.Optim.V.Tensors[i].Data, c.Optim.V.Tensors[i].Data},
		} {
			for j := range pair[0] {
				if math.Float32bits(pair[0][j]) != math.Float32bits(pair[1][j]) {
					t.Fatalf("%s[%d]: straight run %v, resumed run %v", ta.Name, j, pair[0][j], pair[1][j])
				}
			}
		}
	}
	for l, b := range a.ExpertBias {
		for e := range b {
			if math.Float32bits(b[e]) != math.Float32bits(c.ExpertBias[l][e]) {
				t.Fatalf("expert bias layer %d: straight run %v, resumed %v", l, b, c.ExpertBias[l])
			}
		}
	}
	if o.Balance == "bias" && (a.ExpertBias == nil || maxAbs(a.ExpertBias[1]) == 0) {
		t.Fatalf("bias balancing left no bias: %v", a.ExpertBias)
	}
	if a.FP8Total != c.FP8Total || (o.FP8 != "") != (a.FP8Total.Values > 0) {
		t.Fatalf("fp8 counts: straight run %+v, resumed %+v", a.FP8Total, c.FP8Total)
	}
	la, _, _ := a.Evaluate()
	lc, _, _ := c.Evaluate()
	if math.Float64bits(la) != math.Float64bits(lc) {
		t.Fatalf("final validation loss %v straight, %v resumed", la, lc)
	}
	// The logs agree step for step on the loss column.
	if ca, cc := logLosses(t, dirA), logLosses(t, dirB); ca != cc {
		t.Fatalf("logs differ:\n%s\nvs\n%s", ca, cc)
	}
	if _, err := checkpoint.LoadHF(dirB); err != nil {
		t.Fatalf("the run directory does not load as a Hugging Face model: %v", err)
	}
}

func logLosses(t *testing.T, dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, runlog.File))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, ",")
		out = append(out, strings.Join(append([]string{f[0], f[2], f[3]}, f[9:]...), ","))
	}
	return strings.Join(out, "\n")
}

// TestRunWritesLoadableModel checks the run directory: progress lines, the
// CSV log, and a Hugging Face export that checkpoint.LoadHF loads and whose
// logits equal the trainer's.
func TestRunWritesLoadableModel(t *testing.T) {
	cfg := smallConfig(t)
	data := byteData(t, corpus, 0.1)
	o := smallOptions()
	o.Steps, o.EvalEvery = 3, 2
	tr := trainerOn(t, cfg, o, data)
	dir := t.TempDir()
	var prog bytes.Buffer
	if err := tr.Run(RunConfig{OutDir: dir, Progress: &prog}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"step 3/3", "tok/s", "ETA", "validation loss", "bits per byte"} {
		if !strings.Contains(prog.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, prog.String())
		}
	}
	lines := strings.Split(strings.TrimSpace(logLosses(t, dir)), "\n")
	if len(lines) != 4 {
		t.Errorf("log has %d lines, want header + 3", len(lines))
	}
	if _, err := os.Stat(filepath.Join(dir, runlog.ExpertPlotFile)); err != nil {
		t.Errorf("no tokens-per-expert plot: %v", err)
	}
	rows, err := runlog.Read(filepath.Join(dir, runlog.File))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if len(r.ExpertTokens) != 1 || len(r.ExpertTokens[0]) != cfg.Experts {
			t.Fatalf("step %d expert counts %v, want one MoE layer of %d experts", r.Step, r.ExpertTokens, cfg.Experts)
		}
		var n int64
		for _, v := range r.ExpertTokens[0] {
			n += v
		}
		if n != int64(o.Batch*o.SeqLen) {
			t.Errorf("step %d routed %d tokens, want %d", r.Step, n, o.Batch*o.SeqLen)
		}
	}
	m, err := checkpoint.LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ids := data.Train[:12]
	want, err := m.Forward(m.NewCache(len(ids)), ids, llama4.ForwardOptions{AllLogits: true})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := NewWorkspace[float32](tr.Params.Config, 1, len(ids))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ws.Forward(tr.Params, ids)
	if err != nil {
		t.Fatal(err)
	}
	if _, d := relErr(got, want); d > 1e-5 {
		t.Errorf("exported model's logits differ from the trainer's by %.3g", d)
	}
}

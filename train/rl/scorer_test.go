package rl

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/nn"
)

// microParams is a model small enough for float64 finite differences with
// the Llama 4 features (as train's own finite-difference tests): GQA,
// chunked RoPE layers with QK-norm, a global NoPE layer with temperature
// tuning, a dense and two MoE layers; random weights from seed.
func microParams(t *testing.T, seed uint64) *train.Params[float64] {
	t.Helper()
	js := `{"model_type":"llama4_text","vocab_size":23,"hidden_size":16,"intermediate_size":12,
	"intermediate_size_mlp":20,"num_hidden_layers":3,"num_attention_heads":4,"num_key_value_heads":2,
	"head_dim":8,"rms_norm_eps":1e-5,"rope_theta":10000,"num_local_experts":3,"moe_layers":[1,2],
	"no_rope_layers":[1,1,0],"attention_chunk_size":4,"floor_scale":2,"attn_scale":0.5,
	"pad_token_id":22,"bos_token_id":1,"eos_token_id":2,"max_position_embeddings":64}`
	c, err := checkpoint.ParseConfig([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	p, err := train.NewParams[float64](c)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 1))
	for _, ts := range p.Tensors {
		for i := range ts.Data {
			switch {
			case !train.Decays(ts):
				ts.Data[i] = 1 + 0.1*r.NormFloat64()
			case strings.HasSuffix(ts.Name, "router.weight"):
				ts.Data[i] = r.NormFloat64()
			default:
				ts.Data[i] = 0.35 * r.NormFloat64()
			}
		}
	}
	return p
}

// microTokens are random inputs and targets (some ignored) for B×T.
func microTokens(B, T, V int, seed uint64) (inputs, targets []int32) {
	r := rand.New(rand.NewPCG(seed, 2))
	inputs, targets = make([]int32, B*T), make([]int32, B*T)
	for i := range inputs {
		inputs[i] = int32(3 + r.IntN(V-4))
		targets[i] = int32(r.IntN(V))
		if r.IntN(4) == 0 {
			targets[i] = dataset.IgnoreIndex
		}
	}
	return inputs, targets
}

// checkParamFD compares g with central differences of lossAt on the largest
// and three random coordinates of every tensor.
func checkParamFD(t *testing.T, p, g *train.Params[float64], r *rand.Rand, lossAt func() float64) {
	t.Helper()
	for ti, pt := range p.Tensors {
		gt := g.Tensors[ti]
		best := 0
		for j, v := range gt.Data {
			if math.Abs(v) > math.Abs(gt.Data[best]) {
				best = j
			}
		}
		for _, j := range []int{best, r.IntN(len(pt.Data)), r.IntN(len(pt.Data)), r.IntN(len(pt.Data))} {
			fd, an := nn.CentralDiff(&pt.Data[j], 1e-5, lossAt), gt.Data[j]
			if math.Abs(fd-an) > 1e-7+1e-5*math.Abs(an) {
				t.Errorf("%s[%d]: analytic %.10g, finite difference %.10g", pt.Name, j, an, fd)
			}
		}
	}
}

// TestScorerMatchesCrossEntropy checks that log-probs and their backward
// agree with train's cross-entropy: Σ logp = −Σ NLL, and the gradient of
// −mean(logp) equals LossAndGrad's.
func TestScorerMatchesCrossEntropy(t *testing.T) {
	p := microParams(t, 3)
	const B, T = 2, 10
	in, tg := microTokens(B, T, p.Config.VocabSize, 4)
	s, logp := scored(t, p, B, T, in, tg)
	n := dataset.CountValid(tg)
	V := p.Config.VocabSize
	for i, gr := range s.Greedy() {
		best := 0
		for v := range V {
			if logits := s.logits[i*V : (i+1)*V]; logits[v] > logits[best] {
				best = v
			}
		}
		if want := tg[i] != dataset.IgnoreIndex && int(tg[i]) == best; gr != want {
			t.Errorf("position %d: greedy %v, want %v", i, gr, want)
		}
	}
	d := make([]float64, len(logp))
	var sum float64
	for i, y := range tg {
		if y != dataset.IgnoreIndex {
			sum += logp[i]
			d[i] = -1 / float64(n)
		} else if logp[i] != 0 {
			t.Fatalf("ignored position %d has log-prob %v", i, logp[i])
		}
	}
	g := p.ZerosLike()
	if err := s.Backward(p, g, d); err != nil {
		t.Fatal(err)
	}
	ws, _ := train.NewWorkspace[float64](p.Config, B, T)
	g2 := p.ZerosLike()
	mean, _, err := train.LossAndGrad(ws, p, g2, &dataset.Batch{B: B, T: T, Inputs: in, Targets: tg})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(-sum/float64(n)-mean) > 1e-12 {
		t.Errorf("−mean log-prob %.15g, cross-entropy %.15g", -sum/float64(n), mean)
	}
	for i, a := range g.Tensors {
		for j, v := range a.Data {
			if w := g2.Tensors[i].Data[j]; math.Abs(v-w) > 1e-12+1e-10*math.Abs(w) {
				t.Fatalf("%s[%d]: scorer gradient %.15g, cross-entropy gradient %.15g", a.Name, j, v, w)
			}
		}
	}
}

// TestPolicyLossParamGradient checks the end-to-end parameter gradient of
// the GRPO / decoupled-PPO loss (clipping, behaviour weights, KL) and of the
// DPO loss through the model against finite differences.
func TestPolicyLossParamGradient(t *testing.T) {
	p := microParams(t, 7)
	const B, T = 2, 10
	V := p.Config.VocabSize
	in, tg := microTokens(B, T, V, 8)
	s, logp0 := scored(t, p, B, T, in, tg)
	r := rand.New(rand.NewPCG(9, 9))
	// Row b is sequence b; ignored targets are not completion tokens.
	seq := make([]int32, B*T)
	for i, y := range tg {
		seq[i] = int32(i / T)
		if y == dataset.IgnoreIndex {
			seq[i] = -1
		}
	}
	cfg := PolicyConfig{EpsLow: 0.2, EpsHigh: 0.28, KLCoef: 0.1, Norm: NormSequence, BehaviourCap: 1.5}
	b := &PolicyBatch{Seq: seq, NSeq: B, Adv: SpreadSequences([]float64{1.3, -0.7}, seq),
		Old: make([]float64, B*T), Behav: make([]float64, B*T), Ref: make([]float64, B*T)}
	for i, lp := range logp0 {
		if seq[i] < 0 {
			continue
		}
		for { // ratios away from the clip boundaries
			b.Old[i] = min(lp+0.3*r.NormFloat64(), 0)
			if ratio := math.Exp(lp - b.Old[i]); math.Abs(ratio-0.8) > 1e-3 && math.Abs(ratio-1.28) > 1e-3 {
				break
			}
		}
		b.Behav[i] = min(b.Old[i]+0.4*r.NormFloat64(), 0)
		b.Ref[i] = min(lp+0.2*r.NormFloat64(), 0)
	}
	losses := []struct {
		name string
		f    func(logp []float64) (float64, []float64, error)
	}{
		{"grpo", func(logp []float64) (float64, []float64, error) {
			l, d, st, err := PolicyLoss(cfg, b, logp)
			if err == nil && (st.ClipFrac == 0 || st.TruncFrac == 0) {
				t.Errorf("stats %+v: the test should clip and truncate some tokens", st)
			}
			return l, d, err
		}},
		{"dpo", func(logp []float64) (float64, []float64, error) {
			pol, err := SequenceSums(logp, seq, B)
			if err != nil {
				return 0, nil, err
			}
			l, d, _, err := DPOLoss(0.5, pol, []float64{-20, -25})
			return l, SpreadSequences(d, seq), err
		}},
	}
	for _, lc := range losses {
		t.Run(lc.name, func(t *testing.T) {
			// eval runs the scorer forward and the loss on its output.
			eval := func() (float64, []float64) {
				logp, err := s.Forward(p, in, tg)
				if err != nil {
					t.Fatal(err)
				}
				l, d, err := lc.f(logp)
				if err != nil {
					t.Fatal(err)
				}
				return l, d
			}
			_, d := eval()
			g := p.ZerosLike()
			if err := s.Backward(p, g, d); err != nil {
				t.Fatal(err)
			}
			lossAt := func() float64 { l, _ := eval(); return l }
			checkParamFD(t, p, g, rand.New(rand.NewPCG(1, 1)), lossAt)
		})
	}
}

func TestScorerErrors(t *testing.T) {
	p := microParams(t, 1)
	s, err := NewScorer(p, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	in := []int32{3, 4, 5, 6}
	if err := s.Backward(p, p.ZerosLike(), make([]float64, 4)); err == nil || !strings.Contains(err.Error(), "without a Forward") {
		t.Errorf("Backward before Forward: %v", err)
	}
	if _, err := s.Forward(p, in, []int32{1, 2}); err == nil || !strings.Contains(err.Error(), "2 targets") {
		t.Errorf("short targets: %v", err)
	}
	if _, err := s.Forward(p, in, []int32{1, 2, 3, 99}); err == nil || !strings.Contains(err.Error(), "target 99") {
		t.Errorf("bad target: %v", err)
	}
	tg := []int32{1, dataset.IgnoreIndex, 3, 4}
	if _, err := s.Forward(p, in, tg); err != nil {
		t.Fatal(err)
	}
	if err := s.Backward(p, p.ZerosLike(), []float64{0, 1, 0, 0}); err == nil || !strings.Contains(err.Error(), "ignored") {
		t.Errorf("gradient on an ignored position: %v", err)
	}
	if err := s.Backward(p, p.ZerosLike(), []float64{math.NaN(), 0, 0, 0}); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN gradient: %v", err)
	}
	if err := s.Backward(p, p.ZerosLike(), []float64{1, 0, 0}); err == nil {
		t.Error("short gradient: want an error")
	}
	if err := s.Backward(p, p.ZerosLike(), []float64{1, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if err := s.Backward(p, p.ZerosLike(), []float64{1, 0, 0, 0}); err == nil {
		t.Error("second Backward after one Forward: want an error")
	}
}

// scored returns a Scorer of B×T tokens for p and its log-probabilities of
// targets tg after inputs in.
func scored(t *testing.T, p *train.Params[float64], B, T int, in, tg []int32) (*Scorer[float64], []float64) {
	t.Helper()
	s, err := NewScorer(p, B, T)
	if err != nil {
		t.Fatal(err)
	}
	logp, err := s.Forward(p, in, tg)
	if err != nil {
		t.Fatal(err)
	}
	return s, logp
}

package rl

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/wanterr"
	"github.com/herd-llm/herd/train/nn"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12+1e-12*math.Abs(b) }

// TestPolicyLossClosedForm checks the loss and its gradient on fixed
// log-probs against values worked out by hand.
func TestPolicyLossClosedForm(t *testing.T) {
	ln := math.Log
	one := func(adv, logp, old float64) (*PolicyBatch, []float64) {
		return &PolicyBatch{Seq: []int32{0}, NSeq: 1, Adv: []float64{adv}, Old: []float64{old}}, []float64{logp}
	}
	type tc struct {
		name      string
		cfg       PolicyConfig
		b         *PolicyBatch
		logp      []float64
		loss      float64
		grad      []float64
		clip, kl  float64
		maskFrac  float64
		truncFrac float64
	}
	ppo := DefaultPolicyConfig()
	var cases []tc
	add := func(name string, cfg PolicyConfig, adv, logp, old, loss, grad, clip float64) {
		b, lp := one(adv, logp, old)
		cases = append(cases, tc{name: name, cfg: cfg, b: b, logp: lp, loss: loss, grad: []float64{grad}, clip: clip})
	}
	add("on-policy, A>0", ppo, 1, -1, -1, -1, -1, 0)
	add("A>0, r=1.5 clipped at 1.2", ppo, 1, -1+ln(1.5), -1, -1.2, 0, 1)
	add("A>0, r=0.5 not clipped (pessimistic min)", ppo, 1, -1+ln(0.5), -1, -0.5, -0.5, 0)
	add("A<0, r=1.5 not clipped", ppo, -1, -1+ln(1.5), -1, 1.5, 1.5, 0)
	add("A<0, r=0.5 clipped at 0.8", ppo, -1, -1+ln(0.5), -1, 0.8, 0, 1)
	add("A=2, r=1.1 inside", ppo, 2, -2+ln(1.1), -2, -2.2, -2.2, 0)
	add("clip-higher: r=1.25 inside [0.8, 1.28]", PolicyConfig{EpsLow: 0.2, EpsHigh: 0.28}, 1, -1+ln(1.25), -1, -1.25, -1.25, 0)
	add("clip-higher: r=1.3 clipped at 1.28", PolicyConfig{EpsLow: 0.2, EpsHigh: 0.28}, 1, -1+ln(1.3), -1, -1.28, 0, 1)
	// Decoupled PPO: behaviour weight w = π_prox/π_behav = 2.
	behav := func(name string, cfg PolicyConfig, loss, grad, mask, trunc float64) {
		b, lp := one(1, -1, -1)
		b.Behav = []float64{-1 - ln(2)}
		cases = append(cases, tc{name: name, cfg: cfg, b: b, logp: lp, loss: loss, grad: []float64{grad}, maskFrac: mask, truncFrac: trunc})
	}
	behav("behaviour weight 2", ppo, -2, -2, 0, 0)
	behav("behaviour weight truncated to 1.5", PolicyConfig{EpsLow: 0.2, BehaviourCap: 1.5}, -1.5, -1.5, 0, 1)
	behav("behaviour weight masked over 1.5", PolicyConfig{EpsLow: 0.2, BehaviourCap: 1.5, BehaviourMask: true}, 0, 0, 1, 0)
	behav("behaviour weight under the cap", PolicyConfig{EpsLow: 0.2, BehaviourCap: 3, BehaviourMask: true}, -2, -2, 0, 0)
	// KL (k3) to a reference twice as likely: d = ln 2, kl = 1 − ln 2,
	// ∂kl/∂logp = 1 − e^d = −1.
	{
		b, lp := one(0, -1, -1)
		b.Ref = []float64{-1 + ln(2)}
		cases = append(cases, tc{name: "KL only", cfg: PolicyConfig{EpsLow: 0.2, KLCoef: 0.1}, b: b, logp: lp,
			loss: 0.1 * (1 - ln(2)), grad: []float64{-0.1}, kl: 1 - ln(2)})
		b2, lp2 := one(1, -1, -1)
		b2.Ref = b.Ref
		cases = append(cases, tc{name: "KL and advantage", cfg: PolicyConfig{EpsLow: 0.2, KLCoef: 0.1}, b: b2, logp: lp2,
			loss: -1 + 0.1*(1-ln(2)), grad: []float64{-1.1}, kl: 1 - ln(2)})
	}
	// Normalisations: sequence 0 has 1 token (A=1), sequence 1 three (A=−1),
	// and one ignored position; all on-policy (r = 1).
	norm := func(name string, cfg PolicyConfig, loss float64, grad []float64) {
		b := &PolicyBatch{Seq: []int32{0, -1, 1, 1, 1}, NSeq: 2, Adv: []float64{1, 7, -1, -1, -1},
			Old: []float64{-1, -2, -3, -1, -2}}
		cases = append(cases, tc{name: name, cfg: cfg, b: b, logp: []float64{-1, -9, -3, -1, -2}, loss: loss, grad: grad})
	}
	norm("token (DAPO)", ppo, -(1-3)/4.0, []float64{-0.25, 0, 0.25, 0.25, 0.25})
	norm("sequence (GRPO)", PolicyConfig{EpsLow: 0.2, Norm: NormSequence}, 0, []float64{-0.5, 0, 1 / 6.0, 1 / 6.0, 1 / 6.0})
	norm("constant (Dr. GRPO)", PolicyConfig{EpsLow: 0.2, Norm: NormConstant, MaxTokens: 4}, 0.25, []float64{-0.125, 0, 0.125, 0.125, 0.125})

	for _, c := range cases {
		loss, grad, st, err := PolicyLoss(c.cfg, c.b, c.logp)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !near(loss, c.loss) {
			t.Errorf("%s: loss %.15g, want %.15g", c.name, loss, c.loss)
		}
		for i := range grad {
			if !near(grad[i], c.grad[i]) {
				t.Errorf("%s: gradient %v, want %v", c.name, grad, c.grad)
				break
			}
		}
		if !near(st.ClipFrac, c.clip) || !near(st.KL, c.kl) || !near(st.MaskedFrac, c.maskFrac) || !near(st.TruncFrac, c.truncFrac) {
			t.Errorf("%s: stats %+v, want clip %v, KL %v, masked %v, truncated %v", c.name, st, c.clip, c.kl, c.maskFrac, c.truncFrac)
		}
	}
}

// randomPolicyBatch makes a batch of nseq sequences over n positions with
// ratios kept away from the clip boundaries (so that finite differences see
// a smooth loss).
func randomPolicyBatch(r *rand.Rand, n, nseq int, lo, hi float64) (*PolicyBatch, []float64) {
	b := &PolicyBatch{NSeq: nseq, Seq: make([]int32, n), Adv: make([]float64, n), Old: make([]float64, n),
		Behav: make([]float64, n), Ref: make([]float64, n)}
	logp := make([]float64, n)
	for i := range n {
		b.Seq[i] = int32(r.IntN(nseq+1) - 1)
		if i < nseq {
			b.Seq[i] = int32(i) // every sequence has a token
		}
		b.Adv[i] = r.NormFloat64()
		logp[i] = -0.1 - 3*r.Float64()
		for {
			b.Old[i] = logp[i] + 0.3*r.NormFloat64()
			ratio := math.Exp(logp[i] - b.Old[i])
			if b.Old[i] < 0 && math.Abs(ratio-lo) > 1e-3 && math.Abs(ratio-hi) > 1e-3 {
				break
			}
		}
		b.Behav[i] = min(b.Old[i]+0.5*r.NormFloat64(), 0)
		b.Ref[i] = min(logp[i]+0.3*r.NormFloat64(), 0)
	}
	return b, logp
}

// TestPolicyLossFiniteDifferences checks the gradient against central
// differences of the loss in every configuration.
func TestPolicyLossFiniteDifferences(t *testing.T) {
	cfgs := []PolicyConfig{
		DefaultPolicyConfig(),
		{EpsLow: 0.2, EpsHigh: 0.28, KLCoef: 0.04, Norm: NormSequence},
		{EpsLow: 0.1, KLCoef: 0.5, Norm: NormConstant, MaxTokens: 50, BehaviourCap: 2},
		{EpsLow: 0.3, Norm: NormSequence, BehaviourCap: 1.5, BehaviourMask: true},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for ci, c := range cfgs {
		hi := 1 + c.EpsHigh
		if c.EpsHigh == 0 {
			hi = 1 + c.EpsLow
		}
		b, logp := randomPolicyBatch(r, 40, 5, 1-c.EpsLow, hi)
		if ci == 0 {
			b.Behav, b.Ref = nil, nil
		}
		_, grad, st, err := PolicyLoss(c, b, logp)
		if err != nil {
			t.Fatal(err)
		}
		if ci == 1 && st.ClipFrac == 0 {
			t.Errorf("config %d: no token clipped: the test covers too little", ci)
		}
		for i := range logp {
			loss := func() float64 { l, _, _, _ := PolicyLoss(c, b, logp); return l }
			if fd := nn.CentralDiff(&logp[i], 1e-6, loss); math.Abs(fd-grad[i]) > 1e-8+1e-6*math.Abs(fd) {
				t.Errorf("config %d, token %d: analytic %.10g, finite difference %.10g", ci, i, grad[i], fd)
			}
		}
	}
}

func TestPolicyLossErrors(t *testing.T) {
	ok := func() *PolicyBatch {
		return &PolicyBatch{Seq: []int32{0, 0}, NSeq: 1, Adv: []float64{1, 1}, Old: []float64{-1, -1}}
	}
	lp := []float64{-1, -1}
	cases := []struct {
		name string
		cfg  PolicyConfig
		b    func() *PolicyBatch
		want string
	}{
		{"eps 0", PolicyConfig{}, ok, "clip range"},
		{"eps 1", PolicyConfig{EpsLow: 1}, ok, "clip range"},
		{"negative KL", PolicyConfig{EpsLow: 0.2, KLCoef: -1}, ok, "KL coefficient"},
		{"constant without max", PolicyConfig{EpsLow: 0.2, Norm: NormConstant}, ok, "MaxTokens"},
		{"cap below 1", PolicyConfig{EpsLow: 0.2, BehaviourCap: 0.5}, ok, "cap"},
		{"KL without reference", PolicyConfig{EpsLow: 0.2, KLCoef: 0.1}, ok, "reference log-probs"},
		{"nil batch", DefaultPolicyConfig(), func() *PolicyBatch { return nil }, "nil policy batch"},
		{"short advantages", DefaultPolicyConfig(), func() *PolicyBatch { b := ok(); b.Adv = b.Adv[:1]; return b }, "1 advantages"},
		{"bad seq id", DefaultPolicyConfig(), func() *PolicyBatch { b := ok(); b.Seq[1] = 3; return b }, "sequence id 3"},
		{"NaN advantage", DefaultPolicyConfig(), func() *PolicyBatch { b := ok(); b.Adv[0] = math.NaN(); return b }, "advantage NaN"},
		{"positive log-prob", DefaultPolicyConfig(), func() *PolicyBatch { b := ok(); b.Old[1] = 0.5; return b }, "old log-prob 0.5"},
		{"no completion tokens", DefaultPolicyConfig(), func() *PolicyBatch { b := ok(); b.Seq = []int32{-1, -1}; return b }, "no completion tokens"},
		{"behaviour length", DefaultPolicyConfig(), func() *PolicyBatch { b := ok(); b.Behav = []float64{-1}; return b }, "behaviour log-probs"},
	}
	for _, c := range cases {
		if _, _, _, err := PolicyLoss(c.cfg, c.b(), lp); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := ParseNorm("mean"); err == nil {
		t.Error(`ParseNorm("mean"): want an error`)
	}
	for _, n := range []Norm{NormToken, NormSequence, NormConstant} {
		if m, err := ParseNorm(n.String()); err != nil || m != n {
			t.Errorf("ParseNorm(%q) = %v, %v", n, m, err)
		}
	}
}

func TestGroupAdvantages(t *testing.T) {
	s := math.Sqrt(1.0 / 3) // sample std of {1, 0, 0, 1}
	cases := []struct {
		rewards []float64
		size    int
		scale   bool
		want    []float64
		err     string
	}{
		{[]float64{1, 0, 0, 1, 1, 1, 1, 1}, 4, false, []float64{0.5, -0.5, -0.5, 0.5, 0, 0, 0, 0}, ""},
		{[]float64{1, 0, 0, 1, 1, 1, 1, 1}, 4, true, []float64{0.5 / (s + 1e-4), -0.5 / (s + 1e-4), -0.5 / (s + 1e-4), 0.5 / (s + 1e-4), 0, 0, 0, 0}, ""},
		{[]float64{1, 0.1, 0, 0.1}, 2, false, []float64{0.45, -0.45, -0.05, 0.05}, ""},
		{[]float64{3, 1}, 2, true, []float64{1 / (math.Sqrt2 + 1e-4), -1 / (math.Sqrt2 + 1e-4)}, ""},
		{[]float64{1}, 1, false, nil, "group size 1"},
		{[]float64{1, 2, 3}, 2, false, nil, "whole groups"},
		{[]float64{1, math.NaN()}, 2, false, nil, "reward NaN"},
	}
	for _, c := range cases {
		got, err := GroupAdvantages(c.rewards, c.size, c.scale)
		if wanterr.Case(t, fmt.Sprint(c.rewards), err, c.err) {
			continue
		}
		for i := range got {
			if !near(got[i], c.want[i]) {
				t.Errorf("GroupAdvantages(%v, %d, %v) = %v, want %v", c.rewards, c.size, c.scale, got, c.want)
				break
			}
		}
	}
}

func TestDPOLoss(t *testing.T) {
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	cases := []struct {
		name        string
		beta        float64
		policy, ref []float64
		loss        float64
		grad        []float64
		acc         float64
	}{
		{"policy = reference", 0.1, []float64{-5, -7}, []float64{-5, -7}, math.Ln2, []float64{-0.05, 0.05}, 0},
		// z = 0.1·((−3 − −5) − (−10 − −7)) = 0.5
		{"one pair", 0.1, []float64{-3, -10}, []float64{-5, -7}, math.Log1p(math.Exp(-0.5)), []float64{-0.1 * sig(-0.5), 0.1 * sig(-0.5)}, 1},
		// pair 2: z = 0.5·((−2 − −1) − (−1 − −1)) = −0.5
		{"two pairs", 0.5, []float64{-1, -1, -2, -1}, []float64{-1, -1, -1, -1},
			(math.Ln2 + math.Log1p(math.Exp(0.5))) / 2, []float64{-0.125, 0.125, -0.25 * sig(0.5), 0.25 * sig(0.5)}, 0},
		// z = −1000: the loss is 1000 without overflow.
		{"far wrong", 1, []float64{-1001, -1}, []float64{-1, -1}, 1000, []float64{-1, 1}, 0},
	}
	for _, c := range cases {
		loss, grad, st, err := DPOLoss(c.beta, c.policy, c.ref)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !near(loss, c.loss) || !near(st.Accuracy, c.acc) {
			t.Errorf("%s: loss %.15g, accuracy %v, want %.15g, %v", c.name, loss, st.Accuracy, c.loss, c.acc)
		}
		for i := range grad {
			if !near(grad[i], c.grad[i]) {
				t.Errorf("%s: gradient %v, want %v", c.name, grad, c.grad)
				break
			}
			const h = 1e-6
			p := append([]float64(nil), c.policy...)
			p[i] += h
			lp, _, _, _ := DPOLoss(c.beta, p, c.ref)
			p[i] -= 2 * h
			lm, _, _, _ := DPOLoss(c.beta, p, c.ref)
			if fd := (lp - lm) / (2 * h); math.Abs(fd-grad[i]) > 1e-8 {
				t.Errorf("%s: ∂L/∂π_%d analytic %.10g, finite difference %.10g", c.name, i, grad[i], fd)
			}
		}
	}
	for _, c := range []struct {
		name        string
		beta        float64
		policy, ref []float64
	}{
		{"β 0", 0, []float64{-1, -1}, []float64{-1, -1}},
		{"odd", 0.1, []float64{-1}, []float64{-1}},
		{"empty", 0.1, nil, nil},
		{"lengths", 0.1, []float64{-1, -1}, []float64{-1, -1, -1, -1}},
		{"NaN", 0.1, []float64{math.NaN(), -1}, []float64{-1, -1}},
		{"positive", 0.1, []float64{-1, -1}, []float64{2, -1}},
	} {
		if _, _, _, err := DPOLoss(c.beta, c.policy, c.ref); err == nil {
			t.Errorf("%s: want an error", c.name)
		}
	}
}

func TestSequenceSums(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5}
	seq := []int32{0, -1, 1, 0, 1}
	got, err := SequenceSums(v, seq, 3)
	if err != nil || got[0] != 5 || got[1] != 8 || got[2] != 0 {
		t.Errorf("SequenceSums = %v, %v; want [5 8 0]", got, err)
	}
	sp := SpreadSequences([]float64{10, 20, 30}, seq)
	if want := []float64{10, 0, 20, 10, 20}; !slices.Equal(sp, want) {
		t.Errorf("SpreadSequences = %v, want %v", sp, want)
	}
	if _, err := SequenceSums(v, seq, 1); err == nil {
		t.Error("sequence id out of range: want an error")
	}
	if _, err := SequenceSums(v[:2], seq, 3); err == nil {
		t.Error("lengths differ: want an error")
	}
}

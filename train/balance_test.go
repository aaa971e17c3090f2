package train

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/nn"
	"github.com/herd-llm/herd/train/runlog"
)

// TestUpdateExpertBias: overloaded experts lose bias, underloaded ones gain
// it, balanced ones only follow the re-centring, and the bias stays centred.
func TestUpdateExpertBias(t *testing.T) {
	bias := [][]float32{nil, {0, 0, 0, 0}, {0.5, -0.5, 0, 0}}
	load := [][]int64{nil, {10, 2, 4, 4}, {5, 5, 5, 5}}
	UpdateExpertBias(bias, load, 0.01)
	const r = 0.01
	want := []float64{-1.5 * r, 0.5 * r, 0.5 * r, 0.5 * r} // Δ = (−r, r, r, r) − r/2
	for e, w := range want {
		if math.Abs(float64(bias[1][e])-w) > 1e-9 {
			t.Errorf("expert %d bias %g, want %g", e, bias[1][e], w)
		}
	}
	if bias[1][0] >= 0 || bias[1][1] <= 0 {
		t.Errorf("overloaded expert 0 must lose bias, underloaded expert 1 gain it: %v", bias[1])
	}
	if bias[2][0] != 0.5 || bias[2][1] != -0.5 {
		t.Errorf("balanced layer changed: %v", bias[2])
	}
	// Routing follows the bias: a large bias sends every token to that
	// expert, while the gate is still the unbiased sigmoid score.
	c, p := microParams(t, "", 4)
	b := microBatch(c, 1, 8, 4)
	ws := newWorkspace(t, p, b)
	eb := [][]float64{nil, {0, 0, 5}, {0, 5, 0}}
	if err := ws.SetExpertBias(eb); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.Forward(p, b.Inputs); err != nil {
		t.Fatal(err)
	}
	E := c.Experts
	for l, want := range []int{-1, 2, 1} {
		if want < 0 {
			continue
		}
		la := &ws.layers[l]
		for n := 0; n < ws.N; n++ {
			if int(la.pick[n]) != want || la.score[n] != nn.Sigmoid(la.rlog[n*E+want]) {
				t.Fatalf("layer %d token %d: pick %d score %g, want expert %d with σ(ℓ) = %g", l, n, la.pick[n], la.score[n], want, nn.Sigmoid(la.rlog[n*E+want]))
			}
		}
	}
}

// TestFiniteDifferencesBalance checks the gradient of the training loss
// with the Switch auxiliary loss, with a nonzero expert-selection bias (it
// changes which experts run, not the gradient formulas), against central
// finite differences in float64, on every parameter tensor.
func TestFiniteDifferencesBalance(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra string
	}{{"top1", ``}, {"top2", `,"num_experts_per_tok":2,"num_local_experts":4`}} {
		t.Run(tc.name, func(t *testing.T) {
			c, p := microParams(t, tc.extra, 31)
			b := microBatch(c, 2, 10, 32)
			ws := newWorkspace(t, p, b)
			r := rand.New(rand.NewPCG(9, 9))
			bias := make([][]float64, c.Layers)
			for l := range bias {
				if c.LayerIsMoE[l] {
					bias[l] = make([]float64, c.Experts)
					for e := range bias[l] {
						bias[l][e] = 0.2 * r.NormFloat64()
					}
				}
			}
			if err := ws.SetExpertBias(bias); err != nil {
				t.Fatal(err)
			}
			const coef = 0.3 // large, so that the auxiliary term matters in the check
			ws.SetAuxLoss(coef)
			g, _, _ := backprop(t, ws, p, b)
			if ws.AuxLoss() < coef*float64(c.NumMoELayers())*0.999 {
				t.Fatalf("aux loss %g below its minimum %g", ws.AuxLoss(), coef*float64(c.NumMoELayers()))
			}
			if gap := minKeyGap(ws); gap < 1e-3 {
				t.Fatalf("selection gap %.3g too small for finite differences; pick another seed", gap)
			}
			lossAt := func() float64 { return meanLoss(t, ws, p, b) + ws.AuxLoss() }
			worst := checkFD(t, p, g, b, c.Hidden, r, lossAt)
			// Every router row gets gradient from the auxiliary loss, used or not.
			for l := range p.Layers {
				if rt := g.Layers[l].Router; rt != nil {
					for e := 0; e < c.Experts; e++ {
						if maxAbs(rt.Data[e*c.Hidden:(e+1)*c.Hidden]) == 0 {
							t.Errorf("layer %d router row %d has no gradient", l, e)
						}
					}
				}
			}
			t.Logf("worst relative error %.3g", worst)
		})
	}
}

// minKeyGap is the smallest gap between the K-th and (K+1)-th selection key
// (σ(ℓ) + bias) over all MoE evaluations of the last Forward.
func minKeyGap(ws *Workspace[float64]) float64 {
	gap := math.Inf(1)
	E, K := ws.cfg.Experts, ws.K
	for l, la := range ws.layers {
		if !ws.cfg.LayerIsMoE[l] {
			continue
		}
		for n := 0; n < ws.N; n++ {
			keys := append([]float64(nil), ws.selectKeys(l, la.rlog[n*E:(n+1)*E])...)
			for i := 0; i < K+1 && i < E; i++ { // partial selection sort, descending
				for j := i + 1; j < E; j++ {
					if keys[j] > keys[i] {
						keys[i], keys[j] = keys[j], keys[i]
					}
				}
			}
			if K < E {
				gap = math.Min(gap, keys[K-1]-keys[K])
			}
		}
	}
	return gap
}

// TestBiasBalancingKeepsExpertsAlive trains a tiny 4-expert top-1 model for
// 40 steps (fixed seed) with and without bias balancing (rate 0.01). Without
// it the router collapses onto one expert (this seed: 316 of the last 320
// tokens, one expert dead); with it every expert gets tokens in each of the
// last 5 steps.
func TestBiasBalancingKeepsExpertsAlive(t *testing.T) {
	run := func(balance string) [][]int64 {
		cfg := smallConfig(t)
		cfg.Experts = 4
		data, err := dataset.New([]byte(strings.Repeat(corpus, 3)), dataset.ByteTokenizer{}, 0.1)
		if err != nil {
			t.Fatal(err)
		}
		o := smallOptions()
		o.Steps, o.Batch, o.SeqLen, o.Balance, o.BalanceRate = 40, 2, 32, balance, 0.01
		tr := trainerOn(t, cfg, o, data)
		var last [][]int64
		for s := 0; s < o.Steps; s++ {
			st, err := tr.TrainStep()
			if err != nil {
				t.Fatal(err)
			}
			if s >= o.Steps-5 {
				if last == nil {
					last = newExpertCounts(cfg)
				}
				runlog.AddCounts(last, st.ExpertTokens)
				if balance == "bias" {
					if _, dead := runlog.LoadSpread(st.ExpertTokens); dead > 0 {
						t.Errorf("step %d: %d experts got no token: %v", st.Step, dead, st.ExpertTokens)
					}
				}
			}
		}
		return last
	}
	none, bias := run("none"), run("bias")
	rn, dn := runlog.LoadSpread(none)
	rb, db := runlog.LoadSpread(bias)
	t.Logf("last 5 steps: none %v (max/min %.2f, %d dead); bias %v (max/min %.2f, %d dead)", none, rn, dn, bias, rb, db)
	if db != 0 || rb > 3 {
		t.Errorf("with bias balancing: max/min load %.2f, %d experts without tokens", rb, db)
	}
	if rn < 2*rb {
		t.Errorf("without balancing the load is as even as with it (max/min %.2f vs %.2f): the test shows nothing", rn, rb)
	}
}

package train

import (
	"fmt"
	"math"

	"github.com/herd-llm/herd/train/nn"
)

// Expert balancing (Options.Balance). Meta has not published how Llama 4's
// routed experts were kept balanced, so herd offers the two usual methods:
//
//   - "bias": auxiliary-loss-free balancing as DeepSeek-V3 (Wang et al.
//     2024, "Auxiliary-Loss-Free Load Balancing Strategy for
//     Mixture-of-Experts") and torchtitan implement it. Each MoE layer keeps a
//     per-expert bias b that is added to the sigmoid scores for the top-k
//     choice only — the expert's input is still scaled by the unbiased score
//     σ(ℓ_e), so the bias has no gradient and changes no gradient formula.
//     After every optimizer step b_i += γ·sign(mean load − load_i) over the
//     step's tokens, re-centred to mean zero (torchtitan), γ =
//     Options.BalanceRate. The bias is training state: it is saved in the
//     checkpoint but not in the Hugging Face export, whose format has no
//     such tensor, so an exported model routes on the raw scores (see
//     docs/moe-balance.md for how much that changes).
//   - "aux": the Switch Transformer auxiliary loss α·E·Σ_i f_i·P_i per MoE
//     layer, added to the training loss, with f_i the fraction of the
//     layer's token-expert assignments that go to expert i (no gradient) and
//     P_i the mean over tokens of softmax(router logits)_i; α =
//     Options.AuxLossCoef (Llama 4's config.json carries
//     router_aux_loss_coef 0.001; herd's default is Switch's 0.01).
//
// Whatever the method, every forward computes the Switch statistic
// E·Σ_i f_i·P_i (1 when perfectly balanced) and the tokens per expert, which
// the trainer logs.

// balance is a workspace's expert-balancing state.
type balance[F Float] struct {
	bias [][]F     // per layer: selection bias [E] on MoE layers; nil = none
	aux  float64   // auxiliary-loss coefficient in the loss Backward differentiates; 0 = none
	keys []F       // [E] selection keys of one token
	stat []float64 // per layer: E·Σ f_i P_i of the last Forward
	prob []float64 // [E] softmax scratch
	cnt  [][]int64 // per layer: tokens per expert of the last Forward
}

// SetExpertBias makes the MoE layers choose their experts by σ(ℓ) + bias[l]
// (bias[l] has one entry per expert on MoE layers); nil turns it off. The
// workspace keeps the slices: later changes to them apply to later Forwards.
func (ws *Workspace[F]) SetExpertBias(bias [][]F) error {
	if bias != nil {
		if len(bias) != ws.cfg.Layers {
			return fmt.Errorf("train: expert bias for %d layers, model has %d", len(bias), ws.cfg.Layers)
		}
		for l, b := range bias {
			if ws.cfg.LayerIsMoE[l] && len(b) != ws.cfg.Experts {
				return fmt.Errorf("train: layer %d expert bias has %d entries, want %d", l, len(b), ws.cfg.Experts)
			}
		}
	}
	ws.bal.bias = bias
	return nil
}

// SetAuxLoss adds coef·E·Σ_i f_i·P_i of every MoE layer (the Switch
// auxiliary loss) to the loss whose gradient Backward computes; 0 turns it
// off.
func (ws *Workspace[F]) SetAuxLoss(coef float64) { ws.bal.aux = coef }

// AuxLoss is the auxiliary-loss term (coef·Σ over MoE layers of
// E·Σ_i f_i·P_i) of the last Forward: 0 unless SetAuxLoss.
func (ws *Workspace[F]) AuxLoss() float64 {
	s := 0.0
	for _, v := range ws.bal.stat {
		s += v
	}
	return ws.bal.aux * s
}

// BalanceStat is the mean over the MoE layers of the Switch balance
// statistic E·Σ_i f_i·P_i of the last Forward (1 when every expert gets the
// same share of tokens and of router probability); NaN without MoE layers.
func (ws *Workspace[F]) BalanceStat() float64 {
	s, n := 0.0, 0
	for l, v := range ws.bal.stat {
		if ws.cfg.LayerIsMoE[l] {
			s += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// AddExpertCounts adds the tokens each expert received in the last Forward
// to dst[l][e] (dst[l] is nil or has E entries; dense layers are skipped).
func (ws *Workspace[F]) AddExpertCounts(dst [][]int64) {
	for l, c := range ws.bal.cnt {
		if c != nil && l < len(dst) && dst[l] != nil {
			for e, n := range c {
				dst[l][e] += n
			}
		}
	}
}

// routeStats records layer l's tokens per expert and Switch statistic.
func (ws *Workspace[F]) routeStats(l int, la *layerActs[F]) {
	c := ws.cfg
	E, N, K := c.Experts, ws.N, ws.K
	b := &ws.bal
	if b.stat == nil {
		b.stat = make([]float64, c.Layers)
		b.cnt = make([][]int64, c.Layers)
		b.prob = make([]float64, E)
	}
	if b.cnt[l] == nil {
		b.cnt[l] = make([]int64, E)
	}
	for e := 0; e < E; e++ {
		b.cnt[l][e] = int64(la.off[e+1] - la.off[e])
	}
	// P_i = mean softmax probability; f_i = share of the N·K assignments.
	P := make([]float64, E)
	for n := 0; n < N; n++ {
		nn.SoftmaxRow(b.prob, la.rlog[n*E:(n+1)*E])
		for e, p := range b.prob {
			P[e] += p
		}
	}
	s := 0.0
	for e := 0; e < E; e++ {
		s += float64(b.cnt[l][e]) / float64(N*K) * P[e] / float64(N)
	}
	b.stat[l] = float64(E) * s
}

// auxBackward adds the gradient of the auxiliary loss coef·E·Σ_i f_i·P_i of
// one MoE layer to the router weights and to dx: with p_n = softmax(ℓ_n)
// and g_n = Σ_i f_i·p_{n,i},
//
//	dℓ_{n,j} = coef·E/N · p_{n,j}·(f_j − g_n),
//	dRouter[j] += dℓ_{n,j}·x_n,   dx_n += Σ_j dℓ_{n,j}·Router[j].
func (ws *Workspace[F]) auxBackward(l int, lp, gl *Layer[F], la *layerActs[F], dx []F) {
	c := ws.cfg
	E, N, K, D := c.Experts, ws.N, ws.K, c.Hidden
	b := &ws.bal
	x, router, drouter := la.xn2, lp.Router.Data, gl.Router.Data
	f := make([]float64, E)
	for e := range f {
		f[e] = float64(b.cnt[l][e]) / float64(N*K)
	}
	k := b.aux * float64(E) / float64(N)
	for n := 0; n < N; n++ {
		nn.SoftmaxRow(b.prob, la.rlog[n*E:(n+1)*E])
		g := 0.0
		for e, p := range b.prob {
			g += f[e] * p
		}
		xn, dxn := x[n*D:(n+1)*D], dx[n*D:(n+1)*D]
		for e, p := range b.prob {
			dl := F(k * p * (f[e] - g))
			nn.Axpy(drouter[e*D:(e+1)*D], dl, xn)
			nn.Axpy(dxn, dl, router[e*D:(e+1)*D])
		}
	}
}

// selectKeys returns the values top-k routing ranks for token n of layer l:
// the raw router logits, or σ(ℓ) + bias with an expert bias.
func (ws *Workspace[F]) selectKeys(l int, lg []F) []F {
	bias := ws.bal.bias
	if bias == nil || bias[l] == nil {
		return lg
	}
	if len(ws.bal.keys) != len(lg) {
		ws.bal.keys = make([]F, len(lg))
	}
	for e, v := range lg {
		ws.bal.keys[e] = nn.Sigmoid(v) + bias[l][e]
	}
	return ws.bal.keys
}

// UpdateExpertBias moves each MoE layer's selection bias towards balance
// after an optimizer step that routed load[l][e] tokens to expert e:
// Δ_i = rate·sign(mean load − load_i), re-centred to mean zero, as
// torchtitan's auxiliary-loss-free load balancing.
func UpdateExpertBias(bias [][]float32, load [][]int64, rate float64) {
	for l, b := range bias {
		if b == nil {
			continue
		}
		E := len(b)
		var tot int64
		for _, n := range load[l] {
			tot += n
		}
		mean := float64(tot) / float64(E)
		d := make([]float64, E)
		var dm float64
		for e, n := range load[l] {
			switch {
			case float64(n) < mean:
				d[e] = rate
			case float64(n) > mean:
				d[e] = -rate
			}
			dm += d[e]
		}
		dm /= float64(E)
		for e := range b {
			b[e] += float32(d[e] - dm)
		}
	}
}

// ParseBalance checks the balancing options.
func ParseBalance(method string, rate, coef float64) error {
	switch method {
	case "", "none":
	case "bias":
		if !(rate > 0) {
			return fmt.Errorf("train: balance bias needs a positive balance rate, have %g", rate)
		}
	case "aux":
		if !(coef > 0) {
			return fmt.Errorf("train: balance aux needs a positive aux-loss coefficient, have %g", coef)
		}
	default:
		return fmt.Errorf("train: balance %q is not one of none, bias, aux", method)
	}
	return nil
}

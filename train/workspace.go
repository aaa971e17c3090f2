package train

import (
	"math"

	"github.com/herd-llm/herd/model/llama4"

	"github.com/herd-llm/herd/kernels"

	"github.com/herd-llm/herd/train/fp8"
	"github.com/herd-llm/herd/train/nn"
)

// Workspace holds the activations of one forward/backward pass over B rows
// of T tokens (positions 0…T-1 in every row), laid out by the same code that
// computes the Plan. One Workspace serves any number of steps of that shape;
// it is not safe for concurrent use.
type Workspace[F Float] struct {
	cfg     *llama4.Config
	B, T, N int
	K       int // experts per token in MoE layers (0 without MoE layers)
	nw      int // worker goroutines the per-worker scratch is sized for
	plan    Plan

	cos, sin  []F // [T, d/2] RoPE rotation of position t (llama4.InvFreq angles)
	tempScale []F // [T] NoPE query scale llama4.TempScale(t) (1 when tuning is off)

	ids    []int32 // [N] input tokens of the last Forward
	h      [][]F   // Layers+1 residual streams [N, D]: h[l] enters layer l, h[Layers] enters the final norm
	layers []layerActs[F]
	rstdF  []F // [N] final-norm 1/rms
	xnF    []F // [N, D] final-norm output
	logits []F // [N, V] logits; after the loss, their gradient

	// Scratch, reused by every layer.
	tmpD, dh, dx []F   // [N, D]
	datt, dq     []F   // [N, H·d]
	dk, dv       []F   // [N, Hkv·d]
	ffA, ffB     []F   // [max(N, N·K), max(Fm, F)]
	ffC          []F   // [max(N, N·K), max(Fm, F)] σ(gate) during backward
	rows, rows2  []F   // [N·K, D] gathered expert rows
	dgu          []F   // [N·K, 2F]
	attRow       [][]F // per worker [3T] attention scores
	nll          []float64

	fp8 *fp8.Sim[F] // FP8 simulation of the linear layers (SetFP8); nil = float32 products
	bal balance[F]  // expert-balancing state (SetExpertBias, SetAuxLoss)

	docBOS int32   // packed documents begin at this token (SetDocumentMask); < 0: off
	docs   nn.Docs // documents of the last Forward's rows (zero when off)
}

// layerActs are the activations one decoder layer saves for its backward pass.
type layerActs[F Float] struct {
	rstd1, xn1 []F // [N] 1/rms and [N, D] output of input_layernorm
	q          []F // [N, H·d] queries as attention sees them (after RoPE+QK-norm or temperature)
	k, v       []F // [N, Hkv·d] keys (after RoPE+QK-norm on RoPE layers) and values
	qr, kr     []F // [N·H], [N·Hkv] QK-norm 1/rms (RoPE layers with use_qk_norm only)
	lse        []F // [N·H] log-sum-exp of each query's scaled scores
	att        []F // [N, H·d] attention output, input of o_proj
	hMid       []F // [N, D] residual after attention
	rstd2, xn2 []F // [N], [N, D] post_attention_layernorm
	g, u       []F // [N, Fw] gate and up pre-activations of the dense MLP or shared expert

	rlog  []F     // [N, E] router logits
	pick  []int32 // [N·K] expert of pick n·K+j
	score []F     // [N·K] sigmoid(router logit) of each pick: the expert input scale
	order []int32 // [N·K] pick indices grouped by expert
	off   []int32 // [E+1] group of expert e is order[off[e]:off[e+1]]
	egu   []F     // [N·K, 2F] expert gate|up pre-activations, row i for pick order[i]
}

// NewWorkspace allocates the planned activations for B×T steps of cfg.
func NewWorkspace[F Float](cfg *llama4.Config, B, T int) (*Workspace[F], error) {
	plan, err := PlanFor(cfg, B, T)
	if err != nil {
		return nil, err
	}
	ws := &Workspace[F]{}
	a := arena[F]{bump: bump[F]{buf: make([]F, plan.Saved+plan.Logits+plan.Scratch)}}
	ints := intArena{buf: make([]int32, plan.ints)}
	layoutWorkspace(ws, cfg, B, T, &a, &ints)
	ws.plan = plan
	ws.nll = make([]float64, ws.N)
	ws.docBOS = -1
	ws.fillTables()
	return ws, nil
}

// Plan returns the workspace's memory plan.
func (ws *Workspace[F]) Plan() Plan { return ws.plan }

// layoutWorkspace takes every buffer of ws from the arenas (or, counting,
// just sizes them). It is the single definition of the activation memory.
func layoutWorkspace[F Float](ws *Workspace[F], cfg *llama4.Config, B, T int, a *arena[F], ints *intArena) {
	N := B * T
	D, V := cfg.Hidden, cfg.VocabSize
	H, Hkv, d := cfg.Heads, cfg.KVHeads, cfg.HeadDim
	qd, kd := H*d, Hkv*d
	K, E, Fe, Fm := 0, cfg.Experts, cfg.Intermediate, cfg.IntermediateMLP
	if cfg.NumMoELayers() > 0 {
		K = cfg.ExpertsPerToken
	}
	NK := N * K
	hasDense := cfg.NumMoELayers() < cfg.Layers
	fw := 0 // widest MLP
	if hasDense {
		fw = Fm
	}
	if K > 0 {
		fw = max(fw, Fe)
	}
	*ws = Workspace[F]{cfg: cfg, B: B, T: T, N: N, K: K, nw: kernels.Threads()}
	ws.cos = a.take(T*d/2, scratchKind)
	ws.sin = a.take(T*d/2, scratchKind)
	ws.tempScale = a.take(T, scratchKind)
	ws.ids = ints.take(N)
	ws.h = make([][]F, cfg.Layers+1)
	for i := range ws.h {
		ws.h[i] = a.take(N*D, savedKind)
	}
	ws.layers = make([]layerActs[F], cfg.Layers)
	for l := range ws.layers {
		la := &ws.layers[l]
		la.rstd1, la.xn1 = a.take(N, savedKind), a.take(N*D, savedKind)
		la.q, la.k, la.v = a.take(N*qd, savedKind), a.take(N*kd, savedKind), a.take(N*kd, savedKind)
		if cfg.LayerUsesRoPE[l] && cfg.UseQKNorm {
			la.qr, la.kr = a.take(N*H, savedKind), a.take(N*Hkv, savedKind)
		}
		la.lse, la.att = a.take(N*H, savedKind), a.take(N*qd, savedKind)
		la.hMid = a.take(N*D, savedKind)
		la.rstd2, la.xn2 = a.take(N, savedKind), a.take(N*D, savedKind)
		w := Fm
		if cfg.LayerIsMoE[l] {
			w = Fe
			la.rlog = a.take(N*E, savedKind)
			la.pick, la.order, la.off = ints.take(NK), ints.take(NK), ints.take(E+1)
			la.score = a.take(NK, savedKind)
			la.egu = a.take(NK*2*Fe, savedKind)
		}
		la.g, la.u = a.take(N*w, savedKind), a.take(N*w, savedKind)
	}
	ws.rstdF, ws.xnF = a.take(N, savedKind), a.take(N*D, savedKind)
	ws.logits = a.take(N*V, logitsKind)

	ws.tmpD, ws.dh, ws.dx = a.take(N*D, scratchKind), a.take(N*D, scratchKind), a.take(N*D, scratchKind)
	ws.datt, ws.dq = a.take(N*qd, scratchKind), a.take(N*qd, scratchKind)
	ws.dk, ws.dv = a.take(N*kd, scratchKind), a.take(N*kd, scratchKind)
	ffRows := max(N, NK)
	ws.ffA, ws.ffB = a.take(ffRows*fw, scratchKind), a.take(ffRows*fw, scratchKind)
	ws.ffC = a.take(ffRows*fw, scratchKind)
	if K > 0 {
		ws.rows, ws.rows2 = a.take(NK*D, scratchKind), a.take(NK*D, scratchKind)
		ws.dgu = a.take(NK*2*Fe, scratchKind)
	}
	ws.attRow = make([][]F, ws.nw)
	for i := range ws.attRow {
		ws.attRow[i] = a.take(3*T, scratchKind)
	}
}

// fillTables computes the per-position RoPE rotations and NoPE query scales
// with the inference definitions (llama4.InvFreq, llama4.TempScale): the
// angle is the float32 product t·θ_i, as in the reference.
func (ws *Workspace[F]) fillTables() {
	c := ws.cfg
	inv := llama4.InvFreq(c.HeadDim, c.RopeTheta, c.RopeScaling)
	half := c.HeadDim / 2
	for t := 0; t < ws.T; t++ {
		p := float32(t)
		for i, f := range inv {
			sn, cs := math.Sincos(float64(p * f))
			ws.cos[t*half+i], ws.sin[t*half+i] = F(float32(cs)), F(float32(sn))
		}
		ws.tempScale[t] = 1
		if c.TempTuning {
			ws.tempScale[t] = F(llama4.TempScale(t, c.FloorScale, c.AttnScale))
		}
	}
}

// Hidden returns the residual stream [B·T, D] entering layer l as the last
// Forward left it; l = Layers gives the final norm's input. The slice
// belongs to the workspace and is overwritten by the next Forward.
func (ws *Workspace[F]) Hidden(l int) []F { return ws.h[l] }

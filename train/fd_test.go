package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"

	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/nn"
)

// microConfig is a model small enough for float64 finite differences that
// still has every feature: GQA (4 query heads on 2 KV heads), chunked RoPE
// layers with QK-norm (chunk 4 < T), a global NoPE layer whose temperature
// scale changes within the sequence (floor_scale 2), a dense and MoE layers.
func microConfig(t testing.TB, extra string) *llama4.Config {
	t.Helper()
	js := `{"model_type":"llama4_text","vocab_size":23,"hidden_size":16,"intermediate_size":12,
	"intermediate_size_mlp":20,"num_hidden_layers":3,"num_attention_heads":4,"num_key_value_heads":2,
	"head_dim":8,"rms_norm_eps":1e-5,"rope_theta":10000,"num_local_experts":3,"moe_layers":[1,2],
	"no_rope_layers":[1,1,0],"attention_chunk_size":4,"floor_scale":2,"attn_scale":0.5,
	"pad_token_id":22,"bos_token_id":1,"eos_token_id":2,"max_position_embeddings":64` + extra + `}`
	c, err := checkpoint.ParseConfig([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// randomParams fills p with N(0, std) values (norm weights 1 + 0.1·N, router
// rows with std 1 so routing gaps are clear).
// microParams returns a microConfig model (extra appended to its JSON) with
// random float64 weights (std 0.35) drawn from seed.
func microParams(t testing.TB, extra string, seed uint64) (*llama4.Config, *Params[float64]) {
	t.Helper()
	c := microConfig(t, extra)
	p, err := NewParams[float64](c)
	if err != nil {
		t.Fatal(err)
	}
	randomParams(p, seed, 0.35)
	return c, p
}

func randomParams[F Float](p *Params[F], seed uint64, std float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	for _, t := range p.Tensors {
		for i := range t.Data {
			switch {
			case !Decays(t):
				t.Data[i] = F(1 + 0.1*r.NormFloat64())
			case len(t.Name) > 13 && t.Name[len(t.Name)-13:] == "router.weight":
				t.Data[i] = F(r.NormFloat64())
			default:
				t.Data[i] = F(std * r.NormFloat64())
			}
		}
	}
}

func microBatch(c *llama4.Config, B, T int, seed uint64) *dataset.Batch {
	r := rand.New(rand.NewPCG(seed, 2))
	b := &dataset.Batch{B: B, T: T, Inputs: make([]int32, B*T), Targets: make([]int32, B*T)}
	for i := range b.Inputs {
		b.Inputs[i] = int32(3 + r.IntN(c.VocabSize-4)) // never the pad token (V−1)
		b.Targets[i] = int32(r.IntN(c.VocabSize))
		if r.IntN(5) == 0 {
			b.Targets[i] = dataset.IgnoreIndex
		}
	}
	return b
}

// minRouterGap is the smallest top-1/top-2 router-logit gap over all MoE
// evaluations of the last Forward.
func minRouterGap[F Float](ws *Workspace[F]) float64 {
	gap := math.Inf(1)
	E := ws.cfg.Experts
	for l, la := range ws.layers {
		if !ws.cfg.LayerIsMoE[l] {
			continue
		}
		for n := 0; n < ws.N; n++ {
			lg := la.rlog[n*E : (n+1)*E]
			a, b := math.Inf(-1), math.Inf(-1)
			for _, v := range lg {
				v := float64(v)
				if v > a {
					a, b = v, a
				} else if v > b {
					b = v
				}
			}
			gap = math.Min(gap, a-b)
		}
	}
	return gap
}

// TestFiniteDifferencesModel checks the analytic gradient of every parameter
// tensor against central finite differences of the float64 loss, on several
// micro models covering every op: embeddings, RMSNorm, q/k/v/o, RoPE,
// QK-norm, temperature tuning, chunked and global masks, GQA, dense SwiGLU,
// MoE routing (sigmoid score, router, expert stacks, shared expert), top-2
// routing, tied embeddings, and cross-entropy with ignored targets.
func TestFiniteDifferencesModel(t *testing.T) {
	cases := []struct {
		name  string
		extra string
	}{
		{"base", ``},
		{"top2-tied", `,"num_experts_per_tok":2,"tie_word_embeddings":true`},
		{"no-qknorm-no-temp", `,"use_qk_norm":false,"attn_temperature_tuning":false,"no_rope_layers":[1,0,1]`},
	}
	for ci, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, p := microParams(t, tc.extra, uint64(10+ci))
			b := microBatch(c, 2, 10, uint64(20+ci))
			ws := newWorkspace(t, p, b)
			g, _, _ := backprop(t, ws, p, b)
			if gap := minRouterGap(ws); gap < 1e-3 {
				t.Fatalf("router gap %.3g too small for finite differences; pick another seed", gap)
			}
			lossAt := func() float64 { return meanLoss(t, ws, p, b) }
			worst := checkFD(t, p, g, b, c.Hidden, rand.New(rand.NewPCG(uint64(ci), 3)), lossAt)
			t.Logf("%d tensors, worst relative error %.3g", len(p.Tensors), worst)
		})
	}
}

// checkFD compares every tensor's analytic gradient g with a central finite
// difference of lossAt (step 1e-5) at fdCoords' coordinates, failing t where
// |fd − analytic| > 1e-7 + 1e-5·|analytic|; it returns the worst relative error.
func checkFD(t *testing.T, p, g *Params[float64], b *dataset.Batch, D int, r *rand.Rand, lossAt func() float64) float64 {
	t.Helper()
	used := map[int]bool{}
	for _, id := range b.Inputs {
		used[int(id)] = true
	}
	worst := 0.0
	for ti, pt := range p.Tensors {
		gt := g.Tensors[ti]
		for _, j := range fdCoords(pt, gt, used, D, r) {
			fd := nn.CentralDiff(&pt.Data[j], 1e-5, lossAt)
			an := gt.Data[j]
			err := math.Abs(fd - an)
			worst = math.Max(worst, err/math.Max(1e-3, math.Abs(an)))
			if err > 1e-7+1e-5*math.Abs(an) {
				t.Errorf("%s[%d]: analytic %.10g, finite difference %.10g", pt.Name, j, an, fd)
			}
		}
	}
	return worst
}

// fdCoords picks the coordinates to check in one tensor: its largest
// gradient and three random ones (embedding rows of tokens in the batch).
func fdCoords(pt, gt *Tensor[float64], used map[int]bool, D int, r *rand.Rand) []int {
	best := 0
	for j, v := range gt.Data {
		if math.Abs(v) > math.Abs(gt.Data[best]) {
			best = j
		}
	}
	idx := []int{best}
	for len(idx) < 4 {
		j := r.IntN(len(pt.Data))
		if pt.Shape[0] > D && len(pt.Shape) == 2 && !used[j/pt.Shape[1]] && r.IntN(4) != 0 {
			continue // mostly rows of tokens that occur
		}
		idx = append(idx, j)
	}
	return idx
}

// TestFiniteDifferencesOps checks each op's backward function in isolation,
// in float64, against central differences of L = Σ c⊙op(x) for random c.
func TestFiniteDifferencesOps(t *testing.T) {
	type op struct {
		name string
		in   []int // sizes of the inputs
		out  int
		fwd  func(in [][]float64, out []float64)
		bwd  func(in [][]float64, dout []float64, din [][]float64)
	}
	const D = 8
	cs, sn := make([]float64, D/2), make([]float64, D/2)
	for i := range cs {
		a := float64(float32(3) * float32(math.Pow(100, -2*float64(i)/D)))
		cs[i], sn[i] = math.Cos(a), math.Sin(a)
	}
	attn := func(B, T, H, Hkv, d, chunk int) op {
		N := B * T
		scale := 1 / math.Sqrt(float64(d))
		scr := [][]float64{make([]float64, T), make([]float64, T)}
		return op{
			name: fmt.Sprintf("attention B%d T%d H%d Hkv%d chunk%d", B, T, H, Hkv, chunk),
			in:   []int{N * H * d, N * Hkv * d, N * Hkv * d}, out: N * H * d,
			fwd: func(in [][]float64, out []float64) {
				nn.AttnForward(out, make([]float64, N*H), in[0], in[1], in[2], B, T, H, Hkv, d, chunk, scale, scr)
			},
			bwd: func(in [][]float64, dout []float64, din [][]float64) {
				out, lse := make([]float64, N*H*d), make([]float64, N*H)
				nn.AttnForward(out, lse, in[0], in[1], in[2], B, T, H, Hkv, d, chunk, scale, scr)
				nn.AttnBackward(din[0], din[1], din[2], dout, in[0], in[1], in[2], out, lse, B, T, H, Hkv, d, chunk, scale, scr)
			},
		}
	}
	ops := []op{
		{name: "rmsnorm", in: []int{D, D}, out: D,
			fwd: func(in [][]float64, out []float64) { nn.RMSNormRow(out, in[0], in[1], 1e-5) },
			bwd: func(in [][]float64, dout []float64, din [][]float64) {
				r := nn.RMSNormRow(make([]float64, D), in[0], in[1], 1e-5)
				nn.RMSNormBackRow(din[0], dout, in[0], r, in[1], din[1], r, false)
			}},
		{name: "qk-norm (weightless, from the saved output)", in: []int{D}, out: D,
			fwd: func(in [][]float64, out []float64) { nn.RMSNormRow(out, in[0], nil, 1e-5) },
			bwd: func(in [][]float64, dout []float64, din [][]float64) {
				y := make([]float64, D)
				r := nn.RMSNormRow(y, in[0], nil, 1e-5)
				copy(din[0], dout)
				nn.RMSNormBackRow(din[0], din[0], y, 1, nil, nil, r, false)
			}},
		{name: "rope (adjacent pairs)", in: []int{D}, out: D,
			fwd: func(in [][]float64, out []float64) { copy(out, in[0]); nn.RoPERow(out, cs, sn) },
			bwd: func(in [][]float64, dout []float64, din [][]float64) {
				copy(din[0], dout)
				nn.RoPEBackRow(din[0], cs, sn)
			}},
		{name: "nn.SwiGLU", in: []int{D, D}, out: D,
			fwd: func(in [][]float64, out []float64) { nn.SwiGLU(out, in[0], in[1]) },
			bwd: func(in [][]float64, dout []float64, din [][]float64) {
				a, sg := make([]float64, D), make([]float64, D)
				nn.SwiGLURecompute(a, sg, in[0], in[1])
				nn.SwiGLUBackSig(din[0], din[1], dout, in[0], in[1], sg)
			}},
		{name: "sigmoid score", in: []int{1}, out: 1,
			fwd: func(in [][]float64, out []float64) { out[0] = nn.Sigmoid(in[0][0]) },
			bwd: func(in [][]float64, dout []float64, din [][]float64) {
				s := nn.Sigmoid(in[0][0])
				din[0][0] = dout[0] * s * (1 - s)
			}},
		{name: "cross-entropy", in: []int{D}, out: 1,
			fwd: func(in [][]float64, out []float64) { out[0], _ = nn.NLLRow(in[0], 3) },
			bwd: func(in [][]float64, dout []float64, din [][]float64) {
				_, lse := nn.NLLRow(in[0], 3)
				for i, v := range in[0] {
					din[0][i] = dout[0] * math.Exp(v-lse)
				}
				din[0][3] -= dout[0]
			}},
		attn(2, 9, 4, 2, 4, 4), // chunked, GQA 2:1
		attn(1, 7, 4, 1, 4, 0), // global, GQA 4:1
		attn(2, 5, 2, 2, 4, 2), // chunked, no GQA
	}
	r := rand.New(rand.NewPCG(7, 7))
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			in := make([][]float64, len(o.in))
			din := make([][]float64, len(o.in))
			for i, n := range o.in {
				in[i], din[i] = make([]float64, n), make([]float64, n)
				for j := range in[i] {
					in[i][j] = r.NormFloat64()
				}
			}
			c := make([]float64, o.out)
			for j := range c {
				c[j] = r.NormFloat64()
			}
			o.bwd(in, c, din)
			out := make([]float64, o.out)
			L := func() float64 {
				o.fwd(in, out)
				s := 0.0
				for j, v := range out {
					s += c[j] * v
				}
				return s
			}
			for i := range in {
				for j := range in[i] {
					fd := nn.CentralDiff(&in[i][j], 1e-6, L)
					if math.Abs(fd-din[i][j]) > 1e-7+1e-6*math.Abs(fd) {
						t.Fatalf("input %d[%d]: analytic %.10g, finite difference %.10g", i, j, din[i][j], fd)
					}
				}
			}
		})
	}
}

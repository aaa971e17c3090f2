package llama4_test

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	. "github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"

	"github.com/herd-llm/herd/quant"
)

// TestLongContextNaive runs a small Llama-4-shaped model (a global NoPE layer
// with temperature tuning, then a chunked RoPE layer with QK-norm and an MoE
// feed-forward) through 102,400 tokens with the real KV cache, and checks the
// logits at positions past 100,000 — including the first and last token of a
// chunk — against a naive float64 implementation written independently here.
//
// The prefill is quadratic in the global layer (≈ 1e11 multiply-adds, about
// 85 s on 2 idle cores, ten minutes on busy ones), so it is opt-in: it runs
// only with HERD_LONG_TESTS=1 (which .ci/run sets), and never with -short.
func TestLongContextNaive(t *testing.T) {
	if testing.Short() || os.Getenv("HERD_LONG_TESTS") != "1" {
		t.Skip("long test (≈ 85 s on 2 idle cores): set HERD_LONG_TESTS=1 to run it")
	}
	cfg, err := checkpoint.ParseConfig([]byte(`{"model_type":"llama4_text","vocab_size":64,"hidden_size":16,"num_hidden_layers":2,
		"num_attention_heads":2,"num_key_value_heads":1,"head_dim":8,"intermediate_size":16,"intermediate_size_mlp":32,
		"num_local_experts":3,"no_rope_layers":[0,1],"moe_layers":[1],"attention_chunk_size":64,"floor_scale":8192,
		"attn_scale":0.1,"use_qk_norm":true,"max_position_embeddings":200000,"rope_theta":500000}`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := checkpoint.RandomModel(cfg, tensor.F32, 5)
	if err != nil {
		t.Fatal(err)
	}
	const T = 102400
	r := rand.New(rand.NewPCG(1, 2))
	ids := make([]int32, T)
	for i := range ids {
		ids[i] = int32(r.IntN(cfg.VocabSize))
	}
	check := []int{100000, 100031, 100032, 100095, T - 1}
	cache := m.NewCache(T)
	got := map[int][]float32{}
	pos := 0
	for _, c := range check {
		for pos <= c {
			end := min(pos+512, c+1)
			l, err := m.Forward(cache, ids[pos:end], ForwardOptions{})
			if err != nil {
				t.Fatal(err)
			}
			pos = end
			if end == c+1 {
				got[c] = l
			}
		}
	}
	// The model accumulates in float32 over ~1e5 keys in the global layer,
	// the naive version in float64: typical float32 summation error over N
	// terms is ~√N·2⁻²⁴ ≈ 2e-5 relative for N = 1e5, so the bound is 1e-4
	// relative to the largest logit. The same check with temperature tuning
	// left out of the naive version must fail by far, so the bound is not
	// too loose to see a wrong formula.
	ref := newNaive(m)
	for _, c := range check {
		want := ref.logits(ids, c)
		worst, scale := 0.0, 0.0
		for i, w := range want {
			worst = math.Max(worst, math.Abs(float64(got[c][i])-w))
			scale = math.Max(scale, math.Abs(w))
		}
		t.Logf("position %d (temperature scale %.4f): max |Δlogit| = %.2e, max |logit| %.2f, relative %.1e",
			c, TempScale(c, cfg.FloorScale, cfg.AttnScale), worst, scale, worst/scale)
		if worst > 1e-4*scale {
			t.Errorf("position %d: max |Δlogit| = %g (relative %g) vs the naive implementation", c, worst, worst/scale)
		}
	}
	ref.noTemp = true
	wrong := ref.logits(ids, check[0])
	worst, scale := 0.0, 0.0
	for i, w := range wrong {
		worst = math.Max(worst, math.Abs(float64(got[check[0]][i])-w))
		scale = math.Max(scale, math.Abs(w))
	}
	t.Logf("without temperature tuning the naive logits differ by %.2e (relative %.1e)", worst, worst/scale)
	if worst < 1e-2*scale {
		t.Errorf("a naive model without temperature tuning is within %g: the check cannot see it", worst)
	}
}

// naive is an independent float64 Llama 4 forward pass that recomputes
// everything from the embeddings for one query position.
type naive struct {
	m      *Model
	w      func(x *tensor.Mat) [][]float64
	noTemp bool // leave temperature tuning out (to show the check has teeth)
}

func newNaive(m *Model) *naive {
	return &naive{m: m, w: func(x *tensor.Mat) [][]float64 {
		out := make([][]float64, x.Rows)
		row := make([]float32, x.Cols)
		for r := range out {
			quant.DecodeRow(x, r, row)
			out[r] = make([]float64, x.Cols)
			for c, v := range row {
				out[r][c] = float64(v)
			}
		}
		return out
	}}
}

func matvec(w [][]float64, x []float64) []float64 {
	y := make([]float64, len(w))
	for r, row := range w {
		for c, v := range row {
			y[r] += v * x[c]
		}
	}
	return y
}

func rms(x []float64, w []float32, eps float64) []float64 {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	inv := 1 / math.Sqrt(ss/float64(len(x))+eps)
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = v * inv
		if w != nil {
			y[i] *= float64(w[i])
		}
	}
	return y
}

func swiglu(m *naive, p *MLP, x []float64) []float64 {
	g, u := matvec(m.w(p.Gate), x), matvec(m.w(p.Up), x)
	for i := range g {
		g[i] = g[i] / (1 + math.Exp(-g[i])) * u[i]
	}
	return matvec(m.w(p.Down), g)
}

// layerOut computes decoder layer l's output at every position in rows from
// the inputs in (indexed by position); attention needs inputs at all
// positions the queries can see.
func (n *naive) layer(l int, in map[int][]float64, rows []int) map[int][]float64 {
	c := n.m.Config
	lw := &n.m.Weights.Layers[l]
	d, H, Hkv := c.HeadDim, c.Heads, c.KVHeads
	wq, wk, wv, wo := n.w(lw.Q), n.w(lw.K), n.w(lw.V), n.w(lw.O)
	eps := float64(c.RMSNormEps)
	rope := c.LayerUsesRoPE[l]
	rot := func(x []float64, pos int) {
		for i := 0; i < d/2; i++ {
			// The reference forms the angle in float32 (inv_freq in float32
			// times the float32 position); at positions near 1e5 that
			// rounding moves angles by ~1e-4 rad, so it is reproduced here.
			theta := float32(1 / math.Pow(c.RopeTheta, float64(float32(2*i)/float32(d))))
			s, co := math.Sincos(float64(float32(pos) * theta))
			a, b := x[2*i], x[2*i+1]
			x[2*i], x[2*i+1] = a*co-b*s, a*s+b*co
		}
	}
	keys := map[int][]float64{}
	vals := map[int][]float64{}
	kv := func(p int) {
		if _, ok := keys[p]; ok {
			return
		}
		x := rms(in[p], lw.AttnNorm, eps)
		k, v := matvec(wk, x), matvec(wv, x)
		if rope {
			for h := 0; h < Hkv; h++ {
				rot(k[h*d:(h+1)*d], p)
				copy(k[h*d:(h+1)*d], rms(k[h*d:(h+1)*d], nil, eps))
			}
		}
		keys[p], vals[p] = k, v
	}
	out := map[int][]float64{}
	for _, p := range rows {
		x := rms(in[p], lw.AttnNorm, eps)
		q := matvec(wq, x)
		lo := 0
		if rope {
			lo = p / c.ChunkSize * c.ChunkSize
			for h := 0; h < H; h++ {
				rot(q[h*d:(h+1)*d], p)
				copy(q[h*d:(h+1)*d], rms(q[h*d:(h+1)*d], nil, eps))
			}
		} else {
			s := 1 + c.AttnScale*math.Log(1+math.Floor(float64(p+1)/c.FloorScale))
			if n.noTemp {
				s = 1
			}
			for i := range q {
				q[i] *= s
			}
		}
		att := make([]float64, H*d)
		for h := 0; h < H; h++ {
			kh := h / (H / Hkv)
			scores := make([]float64, p-lo+1)
			mx := math.Inf(-1)
			for j := lo; j <= p; j++ {
				kv(j)
				var dot float64
				for i := 0; i < d; i++ {
					dot += q[h*d+i] * keys[j][kh*d+i]
				}
				scores[j-lo] = dot / math.Sqrt(float64(d))
				mx = math.Max(mx, scores[j-lo])
			}
			var sum float64
			for i := range scores {
				scores[i] = math.Exp(scores[i] - mx)
				sum += scores[i]
			}
			for j := lo; j <= p; j++ {
				for i := 0; i < d; i++ {
					att[h*d+i] += scores[j-lo] / sum * vals[j][kh*d+i]
				}
			}
		}
		o := matvec(wo, att)
		hsum := make([]float64, len(o))
		for i := range o {
			hsum[i] = in[p][i] + o[i]
		}
		y := rms(hsum, lw.FFNNorm, eps)
		var f []float64
		if lw.Dense != nil {
			f = swiglu(n, lw.Dense, y)
		} else {
			f = swiglu(n, &lw.MoE.Shared, y)
			logits := matvec(n.w(lw.MoE.Router), y)
			best := 0
			for e := range logits {
				if logits[e] > logits[best] {
					best = e
				}
			}
			sc := 1 / (1 + math.Exp(-logits[best]))
			yin := make([]float64, len(y))
			for i := range y {
				yin[i] = y[i] * sc
			}
			ex := swiglu(n, &lw.MoE.Experts[best], yin)
			for i := range f {
				f[i] += ex[i]
			}
		}
		for i := range f {
			hsum[i] += f[i]
		}
		out[p] = hsum
	}
	return out
}

// logits returns the naive logits at position p of ids.
func (n *naive) logits(ids []int32, p int) []float64 {
	c := n.m.Config
	emb := n.w(n.m.Weights.Embed)
	// Layer 0 is global: its outputs at the positions layer 1 needs (p's chunk).
	in0 := map[int][]float64{}
	for j := 0; j <= p; j++ {
		in0[j] = emb[ids[j]]
	}
	lo := p / c.ChunkSize * c.ChunkSize
	var rows []int
	for j := lo; j <= p; j++ {
		rows = append(rows, j)
	}
	h1 := n.layer(0, in0, rows)
	h2 := n.layer(1, h1, []int{p})
	x := rms(h2[p], n.m.Weights.Norm, float64(c.RMSNormEps))
	return matvec(n.w(n.m.Weights.LMHead), x)
}

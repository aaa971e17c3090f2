package bench

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// Result is one test's throughput over repeats.
type Result struct {
	Test       string    `json:"test"` // "pp512", "tg128"
	Tokens     int       `json:"tokens"`
	TokensPerS float64   `json:"tokens_per_s"` // median
	Min        float64   `json:"min_tokens_per_s"`
	Max        float64   `json:"max_tokens_per_s"`
	Samples    []float64 `json:"samples"`
	KVBytes    int64     `json:"kv_bytes,omitempty"` // cache bytes held at the end of the test
}

func summarize(test string, tokens int, s []float64) Result {
	c := append([]float64(nil), s...)
	sort.Float64s(c)
	med := c[len(c)/2]
	if len(c)%2 == 0 {
		med = (c[len(c)/2-1] + c[len(c)/2]) / 2
	}
	return Result{Test: test, Tokens: tokens, TokensPerS: med, Min: c[0], Max: c[len(c)-1], Samples: s}
}

// Warmup runs, untimed, what llama-bench runs before a test's repetitions:
// the whole prompt of n tokens (n > 0), or one generated token (n == 0), so
// that the timed runs do not pay for first touches of the weights (page
// faults on a memory-mapped file) or the worker pool's start-up.
func Warmup(m engine.Model, n, batch int, kv tensor.DType) error {
	ids := tokens(m, max(n, 1))
	s, err := session(m, len(ids)+1, batch, kv)
	if err != nil {
		return err
	}
	if err := prefill(s, ids); err != nil {
		return fmt.Errorf("warmup: %w", err)
	}
	return nil
}

// session is a generation session over a new cache of ctx tokens.
func session(m engine.Model, ctx, batch int, kv tensor.DType) (*engine.Session, error) {
	c, err := m.NewCacheOf(ctx, kv)
	if err != nil {
		return nil, err
	}
	return engine.NewSession(m, c, batch), nil
}

// prefill runs ids into s's cache, after what it holds.
func prefill(s *engine.Session, ids []int32) error {
	if err := s.Start(&engine.Request{Prompt: ids, TopLogprobs: -1}); err != nil {
		return err
	}
	return s.Prefill()
}

// Prompt measures prefill throughput: n prompt tokens in batches into an
// empty cache, repeated r times.
func Prompt(m engine.Model, n, batch, r int, kv tensor.DType) (Result, error) {
	ids := tokens(m, n)
	var samples []float64
	for i := 0; i < r; i++ {
		s, err := session(m, n+1, batch, kv)
		if err != nil {
			return Result{}, err
		}
		if err := s.Start(&engine.Request{Prompt: ids, TopLogprobs: -1}); err != nil {
			return Result{}, err
		}
		t0 := time.Now()
		if err := s.Prefill(); err != nil {
			return Result{}, err
		}
		samples = append(samples, float64(n)/time.Since(t0).Seconds())
	}
	return summarize(fmt.Sprintf("pp%d", n), n, samples), nil
}

// Decode measures generation throughput: n single-token steps after depth
// tokens of context (depth 0: from an empty cache, like llama-bench's tg),
// repeated r times. Each step runs the previous token and samples the next
// greedily, on the session herd run uses. The context is prefilled untimed:
// by running the model (synthetic false) or, for contexts too long to
// prefill here, by storing random keys and values at every position
// (synthetic true), which costs the same memory and the same attention work
// per decoded token.
func Decode(m engine.Model, n, depth, r int, kv tensor.DType, synthetic bool) (Result, error) {
	lm, local := m.(*llama4.Model)
	if synthetic && !local {
		return Result{}, fmt.Errorf("bench: a synthetic context needs a model in this process (not a pipeline)")
	}
	ids := tokens(m, depth+1)
	var samples []float64
	var kvBytes int64
	for i := 0; i < r; i++ {
		s, err := session(m, depth+n+1, 512, kv)
		if err != nil {
			return Result{}, err
		}
		if synthetic {
			FillSynthetic(lm, s.Cache(), ids[:depth], uint64(i))
		} else if depth > 0 {
			if err := prefill(s, ids[:depth]); err != nil {
				return Result{}, err
			}
		}
		// The cache holds ids[:depth]: the first step runs ids[depth].
		if err := s.Start(&engine.Request{Prompt: ids, MaxTokens: n, TopLogprobs: -1}); err != nil {
			return Result{}, err
		}
		t0 := time.Now()
		for j := 0; j < n; j++ {
			if _, err := s.Next(); err != nil {
				return Result{}, err
			}
		}
		samples = append(samples, float64(n)/time.Since(t0).Seconds())
		kvBytes = s.Cache().Bytes()
	}
	name := fmt.Sprintf("tg%d", n)
	if depth > 0 {
		name += fmt.Sprintf("@d%d", depth)
	}
	res := summarize(name, n, samples)
	res.KVBytes = kvBytes
	return res, nil
}

// tokens returns n deterministic pseudo-random ids below the vocabulary size.
func tokens(m engine.Model, n int) []int32 {
	ids := make([]int32, n)
	x := uint32(12345)
	for i := range ids {
		x = x*1664525 + 1013904223
		ids[i] = int32(x>>8) % int32(m.VocabSize())
	}
	return ids
}

// DecodeBytes is the weight bytes one decoded token reads: every attention
// and dense matrix, the router, the shared expert and the k selected experts
// of each MoE layer (the mean expert size times k), the LM head, and one
// embedding row.
func DecodeBytes(m *llama4.Model) int64 {
	c, w := m.Config, m.Weights
	var n int64
	mat := func(x *tensor.Mat) int64 { return int64(len(x.Data)) + 4*int64(len(x.Scale)) }
	mlp := func(x *llama4.MLP) int64 { return mat(x.Gate) + mat(x.Up) + mat(x.Down) }
	n += mat(w.LMHead) + mat(w.Embed)/int64(w.Embed.Rows)
	for i := range w.Layers {
		l := &w.Layers[i]
		n += mat(l.Q) + mat(l.K) + mat(l.V) + mat(l.O)
		if l.Dense != nil {
			n += mlp(l.Dense)
			continue
		}
		n += mat(l.MoE.Router) + mlp(&l.MoE.Shared)
		var ex int64
		for e := range l.MoE.Experts {
			ex += mlp(&l.MoE.Experts[e])
		}
		n += ex / int64(len(l.MoE.Experts)) * int64(c.ExpertsPerToken)
	}
	return n
}

// FillSynthetic appends ids to c with random unit-scale keys and values in
// every layer instead of running the model. Chunked layers only receive the
// last chunk-size positions: what their ring holds after a real prefill.
func FillSynthetic(m *llama4.Model, c *kvcache.Cache, ids []int32, seed uint64) {
	cfg := m.Config
	kd := cfg.KVHeads * cfg.HeadDim
	r := rand.New(rand.NewPCG(seed, 99))
	k, v := make([]float32, kd), make([]float32, kd)
	p0 := c.Len()
	end := p0 + len(ids)
	ringFrom := end - cfg.ChunkSize
	for p := p0; p < end; p++ {
		for i := range k {
			k[i], v[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		for l := 0; l < cfg.Layers; l++ {
			if cfg.LayerUsesRoPE[l] && p < ringFrom {
				continue
			}
			c.Store(l, p, k, v)
		}
	}
	c.Commit(ids)
}

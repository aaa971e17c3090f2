package kvcache

import (
	"math"
	"sync"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/kernels/attention"
)

// blockLen is the number of positions whose scores are computed at once.
const blockLen = 64

// Attend computes causal attention for T queries of layer l at positions
// p0 … p0+T-1 against the stored keys and values:
//
//	out[t, h] = softmax_j(q[t, h]·K[j, h/group] · scale) · V[j, h/group]
//
// over the visible positions j ∈ [lo(pos), pos], where lo = the start of the
// query's chunk for a chunked layer and 0 for a global layer. q and out are
// [T, heads·HeadDim]; group = heads / KVHeads query heads share one KV head.
//
// Scores are never materialised as a T×T matrix: each query runs an online
// softmax per head over blocks of positions, all KV heads of a block together
// (so every cache line of a stored row is used once it is loaded). The keys
// and values of all T positions must be stored before the call, so for a
// chunked layer all T positions must lie in one chunk (the caller splits
// prefill at chunk boundaries). A single query (decode) over a long context
// is split across positions (split-K) and the partial softmaxes merged, so it
// uses every core.
func (c *Cache) Attend(l int, q, out []float32, p0, T, heads int, scale float32) {
	d := c.o.HeadDim
	type unit struct{ t, from, to int }
	var units []unit
	lo := func(pos int) int {
		if c.layers[l].ring {
			return pos / c.o.Chunk * c.o.Chunk
		}
		return 0
	}
	workers := kernels.Threads()
	total := 0
	for t := 0; t < T; t++ {
		total += p0 + t - lo(p0+t) + 1
	}
	splits := 1
	if T == 1 {
		n := p0 - lo(p0) + 1
		// Split a long single-query range so every worker has work.
		for splits < 2*workers && n/(splits*2) >= 4*blockLen {
			splits *= 2
		}
	}
	for t := 0; t < T; t++ {
		pos := p0 + t
		a := lo(pos)
		n := pos - a + 1
		for s := 0; s < splits; s++ {
			units = append(units, unit{t, a + n*s/splits, a + n*(s+1)/splits})
		}
	}
	// Partial results: per unit, per head: running max, sum, acc[d].
	parts := make([]partial, len(units))
	run := func(i int) {
		u := units[i]
		p := &parts[i]
		p.init(heads, d)
		c.attendRange(l, q[u.t*heads*d:(u.t+1)*heads*d], u.from, u.to, heads, scale, p)
	}
	if total*heads*d < 1<<16 || workers == 1 || len(units) == 1 {
		for i := range units {
			run(i)
		}
	} else {
		kernels.ParallelFor(len(units), 1, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				run(i)
			}
		})
	}
	// Merge the splits of each query and normalise.
	for i := 0; i < len(units); i += splits {
		t := units[i].t
		for h := 0; h < heads; h++ {
			dst := out[t*heads*d+h*d : t*heads*d+(h+1)*d]
			m := float32(math.Inf(-1))
			for s := 0; s < splits; s++ {
				m = max(m, parts[i+s].m[h])
			}
			var sum float32
			clear(dst)
			for s := 0; s < splits; s++ {
				p := &parts[i+s]
				if p.s[h] == 0 {
					continue
				}
				w := kernels.Expf(p.m[h] - m)
				sum += p.s[h] * w
				acc := p.acc[h*d : (h+1)*d]
				for j, v := range acc {
					dst[j] += v * w
				}
			}
			inv := 1 / sum
			for j := range dst {
				dst[j] *= inv
			}
		}
	}
}

// partial is an unnormalised online-softmax state for a set of heads.
type partial struct {
	m, s []float32 // per head: running max and sum of exp(score - m)
	acc  []float32 // [heads, d]: Σ exp(score - m) · v
}

func (p *partial) init(heads, d int) {
	p.m = make([]float32, heads)
	p.s = make([]float32, heads)
	p.acc = make([]float32, heads*d)
	for i := range p.m {
		p.m[i] = float32(math.Inf(-1))
	}
}

var blockPool = sync.Pool{New: func() any { return new(attnScratch) }}

type attnScratch struct {
	sc []float32 // scores, then softmax weights, of one block
	q  []float32 // the queries times scale
}

// attendRange folds positions [from, to) into p for the query heads in q
// [heads, d] (head h reads KV head h/group).
//
// Positions are taken in blocks of at most blockLen that do not cross a page,
// so a block's keys (and values) are rows c.row bytes apart in one page; all
// KV heads of a block are done before the next block. The stored rows are
// read in place by the kernels (no decoding to float32 first): one call
// computes a head's scores over the block, one adds the block's weighted
// values; the block maximum and the exponentials are vectorised too. When
// the query heads of a KV head come in pairs (an even group), the two heads
// of a pair share one pass over the rows (attention.DotsKV2, AxpysKV2: the same
// results as a pass per head, fewer loads). The scale is folded into the
// query, so a score is (q·scale)·k.
func (c *Cache) attendRange(l int, q []float32, from, to, heads int, scale float32, p *partial) {
	d := c.o.HeadDim
	group := heads / c.o.KVHeads
	ly := &c.layers[l]
	sc := blockPool.Get().(*attnScratch)
	defer blockPool.Put(sc)
	if cap(sc.sc) < 2*blockLen {
		sc.sc = make([]float32, 2*blockLen)
	}
	if cap(sc.q) < heads*d {
		sc.q = make([]float32, heads*d)
	}
	qs := sc.q[:heads*d]
	for i, v := range q[:heads*d] {
		qs[i] = v * scale
	}
	for b := from; b < to; {
		s := c.slot(l, b)
		pg, row := s/PageSize, s%PageSize
		n := min(blockLen, to-b, PageSize-row)
		kpage := ly.k[pg][row*c.row:]
		vpage := ly.v[pg][row*c.row:]
		for h := 0; h < heads; {
			off := h / group * c.head
			kr, vr := kpage[off:], vpage[off:]
			if group%2 == 0 { // heads h and h+1 read the same KV head
				scores := sc.sc[:2*n]
				attention.DotsKV2(c.o.DType, scores, qs[h*d:(h+1)*d], qs[(h+1)*d:(h+2)*d], kr, c.row)
				p.weigh(h, scores[:n], d)
				p.weigh(h+1, scores[n:], d)
				attention.AxpysKV2(c.o.DType, p.acc[h*d:(h+2)*d], scores, vr, c.row)
				h += 2
				continue
			}
			scores := sc.sc[:n]
			attention.DotsKV(c.o.DType, scores, qs[h*d:(h+1)*d], kr, c.row)
			p.weigh(h, scores, d)
			attention.AxpysKV(c.o.DType, p.acc[h*d:(h+1)*d], scores, vr, c.row)
			h++
		}
		b += n
	}
}

// weigh turns head h's scores of one block into its softmax weights
// exp(score − m) in place, m the new running maximum, rescaling the head's
// sum and accumulator (d floats) when the maximum grows.
func (p *partial) weigh(h int, scores []float32, d int) {
	m := max(p.m[h], attention.Max(scores))
	if m != p.m[h] {
		r := kernels.Expf(p.m[h] - m)
		p.s[h] *= r
		attention.Scale(p.acc[h*d:(h+1)*d], r)
		p.m[h] = m
	}
	p.s[h] += attention.ExpSub(scores, m)
}

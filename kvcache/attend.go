package kvcache

import (
	"math"

	"github.com/herd-llm/herd/kernels"
	"runtime"
	"sync"
	"sync/atomic"
)

// blockLen is the number of positions whose keys/values are decoded at once.
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
// Scores are never materialised as a T×T matrix: each (query, KV head) pair
// runs an online softmax over blocks of positions. The keys and values of all
// T positions must be stored before the call, so for a chunked layer all T
// positions must lie in one chunk (the caller splits prefill at chunk
// boundaries). A single query (decode) over a long context is split across
// positions (split-K) and the partial softmaxes merged, so it uses every core.
func (c *Cache) Attend(l int, q, out []float32, p0, T, heads int, scale float32) {
	d := c.o.HeadDim
	hkv := c.o.KVHeads
	group := heads / hkv
	type unit struct{ t, kvh, from, to, part int }
	var units []unit
	lo := func(pos int) int {
		if c.layers[l].ring {
			return pos / c.o.Chunk * c.o.Chunk
		}
		return 0
	}
	workers := runtime.GOMAXPROCS(0)
	total := 0
	for t := 0; t < T; t++ {
		total += p0 + t - lo(p0+t) + 1
	}
	splits := 1
	if T == 1 {
		n := p0 - lo(p0) + 1
		// Split a long single-query range so every worker has work.
		for splits*hkv < 2*workers && n/(splits*2) >= 4*blockLen {
			splits *= 2
		}
	}
	for t := 0; t < T; t++ {
		pos := p0 + t
		a := lo(pos)
		n := pos - a + 1
		for kvh := 0; kvh < hkv; kvh++ {
			for s := 0; s < splits; s++ {
				units = append(units, unit{t, kvh, a + n*s/splits, a + n*(s+1)/splits, s})
			}
		}
	}
	// Partial results: per unit, per head of the group: running max, sum, acc[d].
	parts := make([]partial, len(units))
	run := func(i int) {
		u := units[i]
		qt := q[u.t*heads*d:]
		p := &parts[i]
		p.init(group, d)
		c.attendRange(l, qt[u.kvh*group*d:(u.kvh+1)*group*d], u.kvh, u.from, u.to, group, scale, p)
	}
	if total*heads*d < 1<<16 || workers == 1 || len(units) == 1 {
		for i := range units {
			run(i)
		}
	} else {
		var wg sync.WaitGroup
		var next atomic.Int64
		for w := 0; w < min(workers, len(units)); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= len(units) {
						return
					}
					run(i)
				}
			}()
		}
		wg.Wait()
	}
	// Merge the splits of each (t, kvh) and normalise.
	for i := 0; i < len(units); i += splits {
		u := units[i]
		for g := 0; g < group; g++ {
			h := u.kvh*group + g
			dst := out[u.t*heads*d+h*d : u.t*heads*d+(h+1)*d]
			m := float32(math.Inf(-1))
			for s := 0; s < splits; s++ {
				m = max(m, parts[i+s].m[g])
			}
			var sum float32
			clear(dst)
			for s := 0; s < splits; s++ {
				p := &parts[i+s]
				if p.s[g] == 0 {
					continue
				}
				w := expf(p.m[g] - m)
				sum += p.s[g] * w
				acc := p.acc[g*d : (g+1)*d]
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

// partial is an unnormalised online-softmax state for the heads of one group.
type partial struct {
	m, s []float32 // per head: running max and sum of exp(score - m)
	acc  []float32 // [group, d]: Σ exp(score - m) · v
}

func (p *partial) init(group, d int) {
	p.m = make([]float32, group)
	p.s = make([]float32, group)
	p.acc = make([]float32, group*d)
	for i := range p.m {
		p.m[i] = float32(math.Inf(-1))
	}
}

var blockPool = sync.Pool{New: func() any { return new(attnScratch) }}

type attnScratch struct {
	k, v, sc []float32
}

// attendRange folds positions [from, to) of KV head kvh into p for the group
// query heads in qg [group, d].
func (c *Cache) attendRange(l int, qg []float32, kvh, from, to, group int, scale float32, p *partial) {
	d := c.o.HeadDim
	ly := &c.layers[l]
	sc := blockPool.Get().(*attnScratch)
	defer blockPool.Put(sc)
	if cap(sc.k) < blockLen*d {
		sc.k = make([]float32, blockLen*d)
		sc.v = make([]float32, blockLen*d)
		sc.sc = make([]float32, blockLen)
	}
	off := kvh * c.head
	for b := from; b < to; b += blockLen {
		n := min(blockLen, to-b)
		kb, vb, scores := sc.k[:n*d], sc.v[:n*d], sc.sc[:n]
		for j := 0; j < n; j++ {
			s := c.slot(l, b+j)
			c.o.DType.decode(kb[j*d:(j+1)*d], c.rowAt(ly.k, s)[off:off+c.head])
			c.o.DType.decode(vb[j*d:(j+1)*d], c.rowAt(ly.v, s)[off:off+c.head])
		}
		for g := 0; g < group; g++ {
			qh := qg[g*d : (g+1)*d]
			bm := float32(math.Inf(-1))
			for j := 0; j < n; j++ {
				scores[j] = kernels.Dot(qh, kb[j*d:(j+1)*d]) * scale
				bm = max(bm, scores[j])
			}
			m := max(p.m[g], bm)
			acc := p.acc[g*d : (g+1)*d]
			if m != p.m[g] {
				r := expf(p.m[g] - m)
				p.s[g] *= r
				for i := range acc {
					acc[i] *= r
				}
				p.m[g] = m
			}
			for j := 0; j < n; j++ {
				e := expf(scores[j] - m)
				p.s[g] += e
				kernels.Axpy(acc, e, vb[j*d:(j+1)*d])
			}
		}
	}
}

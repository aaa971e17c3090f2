package engine

import (
	"slices"

	"github.com/herd-llm/herd/kvcache"
)

// DefaultBlockSize is the prefix cache's block size, in positions, when
// Options.BlockSize is 0 (vLLM's default on GPUs is 16; llm-d's indexer
// takes the size from the events, and 64 keeps per-block overhead small on
// CPUs).
const DefaultBlockSize = 64

// BlockObserver hears about prefix-cache blocks (vLLM's KV events). Calls are made with no engine
// lock held that the observer could deadlock on, in order, from one goroutine at a time.
//
// Hashes are kvcache.BlockHash values; tokens holds blockSize ids per hash.
// The slices are the engine's: an observer reads them during the call or
// copies them, and never modifies them. An observer must not call
// SetBlockObserver or ClearPrefixCache from inside a call.
type BlockObserver interface {
	BlocksStored(parent uint64, hasParent bool, hashes []uint64, tokens []int32, blockSize int)
	BlocksRemoved(hashes []uint64)
	AllBlocksCleared()
}

// SetBlockObserver makes o hear every later change of the prefix cache (nil: none).
func (e *Engine) SetBlockObserver(o BlockObserver) {
	e.pmu.Lock()
	e.obs = o
	e.pmu.Unlock()
}

// ClearPrefixCache drops every pooled block (telling the observer), as on
// a weight swap or a drain.
func (e *Engine) ClearPrefixCache() {
	if e.pool == nil {
		return
	}
	e.pmu.Lock()
	if e.pool.Clear() {
		e.pending = append(e.pending, func(o BlockObserver) { o.AllBlocksCleared() })
	}
	e.pmu.Unlock()
	e.flushBlockEvents()
}

// CacheConfig is the prefix cache's geometry, for metrics.
type CacheConfig struct {
	BlockSize   int   // positions per block
	SlotBlocks  int   // blocks the slots' caches hold together (Parallel × Ctx / BlockSize)
	PoolBlocks  int   // blocks the pool's budget holds, counting every layer's rows; 0 without a pool
	PoolBudget  int64 // the pool's budget, bytes
	PoolEnabled bool
}

// CacheConfig returns the prefix cache's geometry.
func (e *Engine) CacheConfig() CacheConfig { return e.ccfg }

func (e *Engine) initPool() {
	b := e.o.BlockSize
	if b <= 0 {
		b = DefaultBlockSize
	}
	e.ccfg = CacheConfig{BlockSize: b, SlotBlocks: e.o.Parallel * e.o.Ctx / b}
	if e.o.PrefixCacheBytes <= 0 {
		return
	}
	e.pool = kvcache.NewPool(b, e.o.PrefixCacheBytes)
	with, _ := e.slots[0].Cache().BlockBytes(b)
	e.ccfg.PoolEnabled, e.ccfg.PoolBudget, e.ccfg.PoolBlocks = true, e.o.PrefixCacheBytes, int(e.o.PrefixCacheBytes/max(with, 1))
}

// poolable reports whether a request's blocks may be shared by token hash:
// prompts with images or injected embeddings are not (their rows depend on
// more than the token ids).
func poolable(r *Request) bool { return r.Images == nil && r.UseEmbed == nil }

// checkPoolVersion clears the pool when a SwapModel's weights changed since
// its blocks were computed. Called by the scheduler before admitting.
func (e *Engine) checkPoolVersion() {
	sm, ok := e.m.(*SwapModel)
	if !ok || e.pool == nil {
		return
	}
	if v := sm.Version(); v != e.poolVer {
		e.poolVer = v
		e.ClearPrefixCache()
	}
}

// restorePrefix loads into cache the longest prefix of r's prompt that the
// pool holds, when it is longer than what cache itself can reuse. Called
// by the scheduler for a request about to start on cache.
func (e *Engine) restorePrefix(s *seq, cache *kvcache.Cache) {
	s.ver = e.poolVer
	r := s.req
	if e.pool == nil || !poolable(r) {
		return
	}
	if sm, ok := e.m.(*SwapModel); ok && sm.Version() != e.poolVer {
		return // weights changed since this step began: the pool is cleared at the next
	}
	limit := len(r.Prompt) - 1 // the last prompt token always runs: its logits are needed
	if r.ReuseLimit > 0 {
		limit = min(limit, r.ReuseLimit)
	}
	own := cache.Reusable(min(cache.CommonPrefix(r.Prompt), limit))
	blocks := e.pool.Lookup(r.Prompt[:limit])
	B := e.pool.BlockSize()
	k := restorable(cache, blocks, B)
	if k*B <= own {
		return
	}
	if err := cache.LoadPrefix(r.Prompt[:k*B], blocks[:k], B); err != nil {
		cache.Reset() // LoadPrefix left it empty; the request runs cold
	}
}

// restorable is the most leading blocks whose prefix can be loaded: every
// block overlapping the chunk that a query after the prefix sees must carry
// chunked-layer rows.
func restorable(c *kvcache.Cache, blocks []kvcache.BlockRows, B int) int {
	for k := len(blocks); k > 0; k-- {
		cs, ok := c.ChunkStart(k*B), true
		for j := cs / B; j < k && ok; j++ {
			ok = blocks[j].Chunked != nil
		}
		if ok {
			return k
		}
	}
	return 0
}

// offerBlocks stores the whole blocks s's cache has committed since the
// last call in the pool, queueing the observer's events. Called by the
// scheduler after each forward pass.
func (e *Engine) offerBlocks(s *seq, c *kvcache.Cache) {
	if e.pool == nil || !poolable(s.req) || s.ver != e.poolVer {
		return
	}
	B := e.pool.BlockSize()
	toks := c.Tokens()
	end := len(toks)
	if s.req.ReuseLimit > 0 {
		end = min(end, s.req.ReuseLimit)
	}
	e.pmu.Lock()
	defer e.pmu.Unlock()
	for (s.saved+1)*B <= end {
		i, start := s.saved, s.saved*B
		hasParent := i > 0
		blk := toks[start : start+B]
		h := kvcache.BlockHash(s.parent, hasParent, blk)
		if e.pool.Wants(h, c.HasChunkedRows(start, start+B)) {
			rows, err := c.ReadBlock(start, B)
			if err != nil {
				return
			}
			parent, ids := s.parent, slices.Clone(blk)
			_, added, evicted := e.pool.Insert(parent, hasParent, ids, rows)
			if added {
				e.pending = append(e.pending, func(o BlockObserver) { o.BlocksStored(parent, hasParent, []uint64{h}, ids, B) })
			}
			if len(evicted) > 0 {
				e.pending = append(e.pending, func(o BlockObserver) { o.BlocksRemoved(evicted) })
			}
		}
		s.parent = h
		s.saved++
	}
}

// flushBlockEvents tells the observer the queued events, in order.
func (e *Engine) flushBlockEvents() {
	e.pmu.Lock()
	defer e.pmu.Unlock()
	evs := e.pending
	e.pending = nil
	if e.obs == nil {
		return
	}
	for _, f := range evs {
		f(e.obs)
	}
}

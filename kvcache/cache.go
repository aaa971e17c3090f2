// Package kvcache stores the keys and values of one sequence for every layer
// of a Llama 4 model, knowing the iRoPE layer types (spec §2.3, §7): chunked
// (RoPE) layers keep a ring of at most one attention chunk, because a query
// never sees a key from an earlier chunk; global (NoPE) layers keep every
// position in pages allocated as the sequence grows. It also computes
// attention over what it stores (attend.go), plans memory (plan.go), and
// copies blocks of positions out of and into a cache for the prefix cache
// shared across sequences (block.go, pool.go).
package kvcache

import (
	"fmt"
	"slices"

	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// PageSize is the number of positions per allocation page.
const PageSize = 256

// Options configure a Cache.
type Options struct {
	KVHeads int          // key/value heads
	HeadDim int          // floats per head
	Chunked []bool       // per layer: true = chunked attention (ring), false = global
	Chunk   int          // attention chunk size of chunked layers
	MaxLen  int          // largest number of positions
	DType   tensor.DType // storage type: F32, BF16, F16 or Q8_0
}

// Cache is the key/value store of one sequence. It is not safe for concurrent
// use; a sequence is advanced by one goroutine at a time.
type Cache struct {
	o      Options
	kvDim  int // KVHeads × HeadDim floats per position for K and for V
	row    int // bytes per position for K (and for V)
	head   int // bytes per head within a row
	layers []layer
	tokens []int32 // token id at each committed position
	ringLo int     // chunked layers hold valid rows for positions [ringLo, Len) (see block.go)
}

type layer struct {
	ring  bool
	k, v  [][]byte // pages of PageSize rows
	slots int      // rows available (pages × PageSize, ring layers capped at Chunk)
}

// New makes an empty cache.
func New(o Options) (*Cache, error) {
	if o.KVHeads <= 0 || o.HeadDim <= 0 || o.Chunk <= 0 || o.MaxLen <= 0 {
		return nil, fmt.Errorf("kvcache: invalid options kvHeads=%d headDim=%d chunk=%d maxLen=%d", o.KVHeads, o.HeadDim, o.Chunk, o.MaxLen)
	}
	if err := checkType(o.DType, o.HeadDim); err != nil {
		return nil, err
	}
	kv := o.KVHeads * o.HeadDim
	c := &Cache{o: o, kvDim: kv, row: rowBytes(o.DType, kv), head: rowBytes(o.DType, o.HeadDim), layers: make([]layer, len(o.Chunked))}
	for i, ch := range o.Chunked {
		c.layers[i].ring = ch
	}
	return c, nil
}

// Len is the number of committed positions: the position of the next token.
func (c *Cache) Len() int { return len(c.tokens) }

// MaxLen is the largest number of positions the cache accepts.
func (c *Cache) MaxLen() int { return c.o.MaxLen }

// Chunk is the attention chunk size of the chunked layers.
func (c *Cache) Chunk() int { return c.o.Chunk }

// DType is the storage type.
func (c *Cache) DType() tensor.DType { return c.o.DType }

// Tokens are the committed token ids (shared; do not modify).
func (c *Cache) Tokens() []int32 { return c.tokens }

// Reset forgets every position, keeping allocated pages.
func (c *Cache) Reset() { c.tokens, c.ringLo = c.tokens[:0], 0 }

func (c *Cache) slot(l, pos int) int {
	if c.layers[l].ring {
		return pos % c.o.Chunk
	}
	return pos
}

// ensure allocates pages so that slot s of layer l exists.
func (c *Cache) ensure(l, s int) {
	ly := &c.layers[l]
	for ly.slots <= s {
		n := PageSize
		if ly.ring {
			n = min(PageSize, c.o.Chunk-ly.slots)
		}
		ly.k = append(ly.k, make([]byte, n*c.row))
		ly.v = append(ly.v, make([]byte, n*c.row))
		ly.slots += n
	}
}

func (c *Cache) rowAt(pages [][]byte, s int) []byte {
	p := pages[s/PageSize]
	o := (s % PageSize) * c.row
	return p[o : o+c.row]
}

// Store encodes the key and value (KVHeads×HeadDim floats each) of layer l at absolute
// position pos. Within one forward call, positions may run ahead of Len.
func (c *Cache) Store(l, pos int, k, v []float32) {
	if pos >= c.o.MaxLen {
		panic(fmt.Sprintf("kvcache: position %d past MaxLen %d", pos, c.o.MaxLen))
	}
	s := c.slot(l, pos)
	c.ensure(l, s)
	ly := &c.layers[l]
	quant.Quantize(c.o.DType, c.rowAt(ly.k, s), k[:c.kvDim])
	quant.Quantize(c.o.DType, c.rowAt(ly.v, s), v[:c.kvDim])
}

// Commit records the tokens whose keys and values the last forward call stored.
func (c *Cache) Commit(ids []int32) {
	c.tokens = append(c.tokens, ids...)
	c.ringLo = max(c.ringLo, len(c.tokens)-c.o.Chunk)
}

// Rewind shortens the sequence to at most n positions for prefix reuse and
// returns the position from which tokens must be run again. Global layers
// keep everything; a chunked layer's ring still holds positions before n only
// if the sequence never left the chunk of position n-1, so otherwise the
// caller must recompute from the start of that chunk.
func (c *Cache) Rewind(n int) int {
	keep := c.Reusable(n)
	c.tokens = c.tokens[:keep]
	return keep
}

// Reusable is the position Rewind(n) would return, without rewinding.
func (c *Cache) Reusable(n int) int {
	n = max(0, min(n, len(c.tokens)))
	if n > 0 && n < len(c.tokens) {
		start := (n - 1) / c.o.Chunk * c.o.Chunk
		if (len(c.tokens)-1)/c.o.Chunk*c.o.Chunk != start {
			return start
		}
	}
	return n
}

// CommonPrefix is the number of leading ids shared with the cached tokens.
func (c *Cache) CommonPrefix(ids []int32) int {
	n := 0
	for n < len(ids) && n < len(c.tokens) && ids[n] == c.tokens[n] {
		n++
	}
	return n
}

// Bytes is the memory the cache's K and V pages hold now, in bytes.
func (c *Cache) Bytes() int64 {
	var n int64
	for _, l := range c.layers {
		for _, p := range l.k {
			n += int64(len(p))
		}
		for _, p := range l.v {
			n += int64(len(p))
		}
	}
	return n
}

// Clone returns an independent copy (for forking a shared prefix).
func (c *Cache) Clone() *Cache {
	d := &Cache{o: c.o, kvDim: c.kvDim, row: c.row, head: c.head, layers: make([]layer, len(c.layers)), tokens: slices.Clone(c.tokens), ringLo: c.ringLo}
	for i, l := range c.layers {
		d.layers[i] = layer{ring: l.ring, slots: l.slots}
		for _, p := range l.k {
			d.layers[i].k = append(d.layers[i].k, slices.Clone(p))
		}
		for _, p := range l.v {
			d.layers[i].v = append(d.layers[i].v, slices.Clone(p))
		}
	}
	return d
}

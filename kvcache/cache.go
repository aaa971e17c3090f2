// Package kvcache stores the keys and values of one sequence for every layer
// of a Llama 4 model, knowing the iRoPE layer types: chunked (RoPE) layers keep
// a ring of at most one attention chunk, because a query never sees a key from
// an earlier chunk; global (NoPE) layers keep every position.
package kvcache

import "fmt"

// Cache is the key/value store of one sequence. It is not safe for concurrent
// use; one sequence is decoded by one goroutine at a time.
type Cache struct {
	kvDim  int
	chunk  int
	maxLen int
	layers []layer
	length int // positions committed (the next position to write after Commit)
}

type layer struct {
	ring bool      // chunked layer: slot = pos % chunk
	k, v []float32 // slots × kvDim, grown on demand up to the slot limit
}

// New makes an empty cache for a model whose layers are chunked (true) or
// global (false), with kvDim = KV heads × head dim floats per position for K
// and for V, a chunk size for chunked layers, and at most maxLen positions.
func New(kvDim int, chunked []bool, chunk, maxLen int) *Cache {
	if kvDim <= 0 || chunk <= 0 || maxLen <= 0 {
		panic(fmt.Sprintf("kvcache: New(kvDim=%d, chunk=%d, maxLen=%d)", kvDim, chunk, maxLen))
	}
	c := &Cache{kvDim: kvDim, chunk: chunk, maxLen: maxLen, layers: make([]layer, len(chunked))}
	for i, ch := range chunked {
		c.layers[i].ring = ch
	}
	return c
}

// Len is the number of positions stored: the position of the next token.
func (c *Cache) Len() int { return c.length }

// MaxLen is the largest number of positions the cache accepts.
func (c *Cache) MaxLen() int { return c.maxLen }

// Chunk is the attention chunk size of the chunked layers.
func (c *Cache) Chunk() int { return c.chunk }

// Reset forgets every position, keeping the allocated memory.
func (c *Cache) Reset() {
	c.length = 0
	for i := range c.layers {
		c.layers[i].k = c.layers[i].k[:0]
		c.layers[i].v = c.layers[i].v[:0]
	}
}

func (c *Cache) slot(l, pos int) int {
	if c.layers[l].ring {
		return pos % c.chunk
	}
	return pos
}

// Store writes the key and value (kvDim floats each, copied) of layer l at
// absolute position pos. Positions must be stored in increasing order within
// a layer; pos may run ahead of Len by the tokens of the current forward call.
func (c *Cache) Store(l, pos int, k, v []float32) {
	if pos >= c.maxLen {
		panic(fmt.Sprintf("kvcache: position %d past maxLen %d", pos, c.maxLen))
	}
	ly := &c.layers[l]
	s := c.slot(l, pos)
	need := (s + 1) * c.kvDim
	for len(ly.k) < need {
		ly.k = append(ly.k, make([]float32, need-len(ly.k))...)
		ly.v = append(ly.v, make([]float32, need-len(ly.v))...)
	}
	copy(ly.k[s*c.kvDim:need], k[:c.kvDim])
	copy(ly.v[s*c.kvDim:need], v[:c.kvDim])
}

// Key returns the stored key of layer l at pos (aliasing the cache). For a
// chunked layer, pos must lie in the chunk of the newest stored position.
func (c *Cache) Key(l, pos int) []float32 {
	s := c.slot(l, pos) * c.kvDim
	return c.layers[l].k[s : s+c.kvDim]
}

// Value returns the stored value of layer l at pos (aliasing the cache).
func (c *Cache) Value(l, pos int) []float32 {
	s := c.slot(l, pos) * c.kvDim
	return c.layers[l].v[s : s+c.kvDim]
}

// Commit advances Len by n after a forward call stored n new positions.
func (c *Cache) Commit(n int) { c.length += n }

// Bytes is the memory the cache holds now (float32 K and V).
func (c *Cache) Bytes() int64 {
	var n int64
	for _, l := range c.layers {
		n += int64(cap(l.k)+cap(l.v)) * 4
	}
	return n
}

package kvcache

import "fmt"

// BlockRows is a copy of the keys and values a cache stored for a run of
// consecutive positions (one prefix-cache block), in the cache's storage
// type, so that restoring it is bit-exact.
//
// What is shareable under iRoPE: a global (NoPE) layer's rows for a position
// never change and are needed by every later query, so Global always holds
// them. A chunked (RoPE) layer's query at position q only sees keys from
// floor(q/Chunk)·Chunk to q, and the cache keeps only the last chunk in a
// ring, so Chunked holds the rows only when they were still in the ring when
// the block was read (nil otherwise). Restoring a prefix of length P then
// needs every block's Global rows and Chunked rows only for the positions
// from floor(P/Chunk)·Chunk to P: those of the chunk a next query at P sees.
type BlockRows struct {
	N       int    // positions in the block
	Global  []byte // per global layer in order: N rows of K, then N rows of V
	Chunked []byte // the same for chunked layers; nil when not captured
}

// Bytes is the memory the rows hold.
func (b *BlockRows) Bytes() int64 { return int64(len(b.Global) + len(b.Chunked)) }

// ChunkStart is the first position whose chunked-layer rows a query at
// position p attends to: floor(p/Chunk)·Chunk.
func (c *Cache) ChunkStart(p int) int { return p / c.o.Chunk * c.o.Chunk }

// HasChunkedRows reports whether the chunked layers still hold valid rows for
// every position in [from, to).
func (c *Cache) HasChunkedRows(from, to int) bool {
	return from >= c.ringLo && to <= len(c.tokens)
}

// BlockBytes is the memory a block of n positions takes with and without
// its chunked rows.
func (c *Cache) BlockBytes(n int) (withChunked, globalOnly int64) {
	g, ch := 0, 0
	for _, l := range c.layers {
		if l.ring {
			ch++
		} else {
			g++
		}
	}
	per := int64(2 * n * c.row)
	return int64(g+ch) * per, int64(g) * per
}

// ReadBlock copies the rows of the committed positions [start, start+n) of
// every layer; chunked layers' rows are included when the ring still holds
// all of them.
func (c *Cache) ReadBlock(start, n int) (BlockRows, error) {
	if start < 0 || n <= 0 || start+n > len(c.tokens) {
		return BlockRows{}, fmt.Errorf("kvcache: block [%d,%d) outside the %d committed positions", start, start+n, len(c.tokens))
	}
	b := BlockRows{N: n}
	withRing := c.HasChunkedRows(start, start+n)
	for l, ly := range c.layers {
		dst := &b.Global
		if ly.ring {
			if !withRing {
				continue
			}
			dst = &b.Chunked
		}
		for _, pages := range [][][]byte{ly.k, ly.v} {
			for p := start; p < start+n; p++ {
				*dst = append(*dst, c.rowAt(pages, c.slot(l, p))...)
			}
		}
	}
	return b, nil
}

// LoadPrefix replaces the cache's contents with the prefix ids, whose rows
// are blocks (consecutive, each of blockSize positions, covering ids
// exactly): every global layer gets all rows, chunked layers those of the
// positions from ChunkStart(len(ids)) on. It fails, leaving the cache empty,
// when a block those positions fall in lacks chunked rows or the shapes
// disagree.
func (c *Cache) LoadPrefix(ids []int32, blocks []BlockRows, blockSize int) error {
	c.Reset()
	P := len(ids)
	if blockSize <= 0 || len(blocks)*blockSize != P || P > c.o.MaxLen {
		return fmt.Errorf("kvcache: %d blocks of %d positions for a %d-token prefix (max %d)", len(blocks), blockSize, P, c.o.MaxLen)
	}
	with, global := c.BlockBytes(blockSize)
	cs := c.ChunkStart(P)
	for i, b := range blocks {
		if b.N != blockSize || int64(len(b.Global)) != global || (b.Chunked != nil && int64(len(b.Chunked)) != with-global) {
			return fmt.Errorf("kvcache: block %d has %d positions and %d+%d bytes, want %d positions and %d+%d", i, b.N, len(b.Global), len(b.Chunked), blockSize, global, with-global)
		}
		if (i+1)*blockSize > cs && b.Chunked == nil {
			return fmt.Errorf("kvcache: block %d (positions %d-%d) lacks the chunked rows the chunk from %d needs", i, i*blockSize, (i+1)*blockSize-1, cs)
		}
	}
	for i, b := range blocks {
		start := i * blockSize
		gi, ci := 0, 0 // byte offsets into Global and Chunked
		for l := range c.layers {
			ly := &c.layers[l]
			src, off := b.Global, &gi
			if ly.ring {
				src, off = b.Chunked, &ci
				if start+blockSize <= cs {
					continue
				}
			}
			for _, kv := range []int{0, 1} {
				for p := start; p < start+blockSize; p++ {
					row := src[*off : *off+c.row]
					*off += c.row
					if ly.ring && p < cs {
						continue
					}
					s := c.slot(l, p)
					c.ensure(l, s)
					pages := ly.k
					if kv == 1 {
						pages = ly.v
					}
					copy(c.rowAt(pages, s), row)
				}
			}
		}
	}
	c.tokens = append(c.tokens, ids...)
	c.ringLo = cs
	return nil
}

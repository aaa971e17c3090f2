package kvcache

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"
)

// BlockHash identifies a prefix-cache block by its tokens and everything
// before them: the first 8 bytes (big-endian) of SHA-256 over the parent
// block's hash (8 bytes, big-endian; absent for the first block of a
// sequence) followed by the block's token ids (4 bytes each,
// little-endian). Chaining makes equal hashes mean equal prefixes, as vLLM's
// block hashes do; SHA-256 keeps a client from forging a collision, and
// Pool.Lookup compares the tokens as well.
func BlockHash(parent uint64, hasParent bool, tokens []int32) uint64 {
	h := sha256.New()
	var b [8]byte
	if hasParent {
		binary.BigEndian.PutUint64(b[:], parent)
		h.Write(b[:])
	}
	for _, t := range tokens {
		binary.LittleEndian.PutUint32(b[:4], uint32(t))
		h.Write(b[:4])
	}
	return binary.BigEndian.Uint64(h.Sum(nil)[:8])
}

// poolBlock is one block held by a Pool. Its fields are not modified after
// it is stored, except Rows gaining chunked rows (under the pool's lock).
type poolBlock struct {
	Hash, Parent uint64
	HasParent    bool
	Tokens       []int32
	Rows         BlockRows
	elem         *list.Element
}

// Pool is the prefix cache shared by every sequence of an engine: blocks of
// BlockSize positions keyed by BlockHash, evicted least recently used
// first when their bytes pass the budget. It is safe for concurrent use.
type Pool struct {
	mu        sync.Mutex
	blockSize int
	budget    int64
	used      int64
	blocks    map[uint64]*poolBlock
	lru       *list.List // front: most recently used
}

// NewPool makes an empty pool of blocks of blockSize positions holding at
// most budget bytes of rows.
func NewPool(blockSize int, budget int64) *Pool {
	return &Pool{blockSize: blockSize, budget: budget, blocks: map[uint64]*poolBlock{}, lru: list.New()}
}

// BlockSize is the number of positions per block.
func (p *Pool) BlockSize() int { return p.blockSize }

// Budget is the most bytes the pool holds.
func (p *Pool) Budget() int64 { return p.budget }

// Used is the bytes the pool holds now.
func (p *Pool) Used() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.used
}

// Len is the number of blocks held.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.blocks)
}

// Hashes are the hashes of ids' whole blocks, chained from the start.
func (p *Pool) Hashes(ids []int32) []uint64 {
	var hs []uint64
	for i := 0; (i+1)*p.blockSize <= len(ids); i++ {
		var parent uint64
		if i > 0 {
			parent = hs[i-1]
		}
		hs = append(hs, BlockHash(parent, i > 0, ids[i*p.blockSize:(i+1)*p.blockSize]))
	}
	return hs
}

// Lookup returns the rows of the longest run of ids' leading whole blocks
// that the pool holds, marking them used. The rows stay valid after the
// call (rows are never modified in place).
func (p *Pool) Lookup(ids []int32) []BlockRows {
	hs := p.Hashes(ids)
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []BlockRows
	for i, h := range hs {
		b := p.blocks[h]
		if b == nil || !slices.Equal(b.Tokens, ids[i*p.blockSize:(i+1)*p.blockSize]) {
			break
		}
		out = append(out, b.Rows)
	}
	for i := len(out) - 1; i >= 0; i-- { // the first block ends most recent: parents outlive children
		p.lru.MoveToFront(p.blocks[hs[i]].elem)
	}
	return out
}

// Wants reports whether the pool would take rows for block h: it does not
// hold it, or holds it without chunked rows while chunked rows are offered.
func (p *Pool) Wants(h uint64, withChunked bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.blocks[h]
	if b != nil {
		p.lru.MoveToFront(b.elem)
	}
	return b == nil || (withChunked && b.Rows.Chunked == nil)
}

// Insert stores a block (tokens and rows are kept, not copied) and evicts
// least recently used blocks past the budget. It reports whether the block
// is new (not only upgraded with chunked rows) and the hashes evicted; a
// block larger than the whole budget is not stored.
func (p *Pool) Insert(parent uint64, hasParent bool, tokens []int32, rows BlockRows) (hash uint64, added bool, evicted []uint64) {
	hash = BlockHash(parent, hasParent, tokens)
	p.mu.Lock()
	defer p.mu.Unlock()
	if rows.Bytes() > p.budget {
		return hash, false, nil
	}
	if b := p.blocks[hash]; b != nil {
		if b.Rows.Chunked == nil && rows.Chunked != nil {
			p.used += rows.Bytes() - b.Rows.Bytes()
			b.Rows = rows
		}
		p.lru.MoveToFront(b.elem)
	} else {
		b := &poolBlock{Hash: hash, Parent: parent, HasParent: hasParent, Tokens: tokens, Rows: rows}
		b.elem = p.lru.PushFront(b)
		p.blocks[hash] = b
		p.used += rows.Bytes()
		added = true
	}
	for p.used > p.budget {
		old := p.lru.Back().Value.(*poolBlock)
		p.lru.Remove(old.elem)
		delete(p.blocks, old.Hash)
		p.used -= old.Rows.Bytes()
		evicted = append(evicted, old.Hash)
	}
	return hash, added, evicted
}

// Clear drops every block and reports whether any was held.
func (p *Pool) Clear() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	had := len(p.blocks) > 0
	p.blocks, p.used = map[uint64]*poolBlock{}, 0
	p.lru.Init()
	return had
}

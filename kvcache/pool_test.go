package kvcache

import (
	"slices"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

func rows(n, bytes int, chunked bool) BlockRows {
	b := BlockRows{N: n, Global: make([]byte, bytes)}
	if chunked {
		b.Chunked = make([]byte, bytes)
	}
	return b
}

func TestBlockHashChains(t *testing.T) {
	a := BlockHash(0, false, []int32{1, 2})
	for _, tc := range []struct {
		name string
		h    uint64
	}{
		{"other tokens", BlockHash(0, false, []int32{1, 3})},
		{"with a parent", BlockHash(0, true, []int32{1, 2})},
		{"other parent", BlockHash(a, true, []int32{1, 2})},
		{"token order", BlockHash(0, false, []int32{2, 1})},
	} {
		if tc.h == a {
			t.Errorf("%s: hash %x equals the first block's", tc.name, tc.h)
		}
	}
	if BlockHash(a, true, []int32{5, 6}) != BlockHash(a, true, []int32{5, 6}) {
		t.Error("hash is not deterministic")
	}
}

// TestPoolLRU: lookups follow the chain, refresh blocks, and eviction
// takes the least recently used first; chunked rows upgrade a block.
func TestPoolLRU(t *testing.T) {
	const B = 2
	ids := []int32{1, 2, 3, 4, 5, 6, 7, 8}
	p := NewPool(B, 30) // three 10-byte blocks
	hs := p.Hashes(ids)
	if len(hs) != 4 {
		t.Fatalf("%d hashes for 8 ids in blocks of 2", len(hs))
	}
	var parent uint64
	for i := range 3 {
		h, added, ev := p.Insert(parent, i > 0, ids[i*B:(i+1)*B], rows(B, 10, false))
		if h != hs[i] || !added || ev != nil {
			t.Fatalf("insert %d: hash %x (want %x), added %v, evicted %v", i, h, hs[i], added, ev)
		}
		parent = h
	}
	if got := p.Lookup(ids); len(got) != 3 {
		t.Fatalf("lookup found %d blocks, want 3", len(got))
	}
	if got := p.Lookup([]int32{1, 2, 3, 9}); len(got) != 1 {
		t.Fatalf("lookup of a diverging prompt found %d blocks, want 1", len(got))
	}
	// Block 0 was used last, then 1 and 2 (Lookup refreshes from the end):
	// a fourth block evicts block 2.
	_, _, ev := p.Insert(hs[2], true, ids[6:8], rows(B, 10, false))
	if !slices.Equal(ev, []uint64{hs[2]}) {
		t.Fatalf("evicted %x, want block 2 %x", ev, hs[2])
	}
	if got := p.Lookup(ids); len(got) != 2 {
		t.Fatalf("after eviction lookup found %d blocks, want 2", len(got))
	}
	// Upgrading block 0 with chunked rows is not a new block and evicts to fit.
	if !p.Wants(hs[0], true) || p.Wants(hs[0], false) {
		t.Fatal("Wants: a block without chunked rows should take them, and only them")
	}
	_, added, ev := p.Insert(0, false, ids[:2], rows(B, 10, true))
	if added || len(ev) != 1 || p.Used() > 30 {
		t.Fatalf("upgrade: added %v, evicted %v, used %d", added, ev, p.Used())
	}
	if _, added, _ := p.Insert(0, false, []int32{9, 9}, rows(B, 31, false)); added || p.Len() == 0 {
		t.Fatal("a block over the whole budget was stored, or emptied the pool")
	}
	if !p.Clear() || p.Len() != 0 || p.Used() != 0 || p.Clear() {
		t.Fatal("Clear did not empty the pool, or reported blocks in an empty one")
	}
}

// TestLoadPrefixErrors: LoadPrefix refuses blocks that do not fit the
// prefix or lack the chunked rows the last chunk needs, leaving the cache
// empty.
func TestLoadPrefixErrors(t *testing.T) {
	c, err := New(Options{KVHeads: 1, HeadDim: 4, Chunked: []bool{true, false}, Chunk: 8, MaxLen: 32, DType: tensor.F32})
	if err != nil {
		t.Fatal(err)
	}
	with, global := c.BlockBytes(4)
	ok := BlockRows{N: 4, Global: make([]byte, global), Chunked: make([]byte, with-global)}
	bare := BlockRows{N: 4, Global: make([]byte, global)}
	ids := make([]int32, 12)
	for _, tc := range []struct {
		name   string
		ids    []int32
		blocks []BlockRows
		fails  bool
	}{
		{"fits", ids, []BlockRows{bare, bare, ok}, false},
		{"chunk boundary needs no chunked rows", ids[:8], []BlockRows{bare, bare}, false},
		{"last chunk without chunked rows", ids, []BlockRows{ok, ok, bare}, true},
		{"too few blocks", ids, []BlockRows{ok, ok}, true},
		{"wrong row bytes", ids[:4], []BlockRows{{N: 4, Global: make([]byte, 3), Chunked: ok.Chunked}}, true},
	} {
		c.Commit([]int32{1})
		err := c.LoadPrefix(tc.ids, tc.blocks, 4)
		if (err != nil) != tc.fails {
			t.Errorf("%s: err %v, want failure %v", tc.name, err, tc.fails)
		}
		if want := len(tc.ids); tc.fails && c.Len() != 0 || !tc.fails && c.Len() != want {
			t.Errorf("%s: cache holds %d positions", tc.name, c.Len())
		}
	}
}

// TestRingTracking: chunked rows are readable only while the ring holds
// them.
func TestRingTracking(t *testing.T) {
	c, err := New(Options{KVHeads: 1, HeadDim: 4, Chunked: []bool{true, false}, Chunk: 8, MaxLen: 32, DType: tensor.F32})
	if err != nil {
		t.Fatal(err)
	}
	kv := []float32{1, 2, 3, 4}
	for p := range 20 {
		c.Store(0, p, kv, kv)
		c.Store(1, p, kv, kv)
	}
	c.Commit(make([]int32, 20))
	for _, tc := range []struct {
		start  int
		within bool
	}{{0, false}, {8, false}, {12, true}, {16, true}} {
		b, err := c.ReadBlock(tc.start, 4)
		if err != nil {
			t.Fatal(err)
		}
		if (b.Chunked != nil) != tc.within || c.HasChunkedRows(tc.start, tc.start+4) != tc.within {
			t.Errorf("block at %d: chunked rows %v, want %v", tc.start, b.Chunked != nil, tc.within)
		}
	}
	if _, err := c.ReadBlock(18, 4); err == nil {
		t.Error("a block past the committed positions was read")
	}
}

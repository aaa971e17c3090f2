package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// runPasses runs ids on c in passes of at most pass tokens, calling after
// (when set) after each, and returns the last pass's logits.
func runPasses(t *testing.T, m *llama4.Model, c *kvcache.Cache, ids []int32, pass int, after func()) []float32 {
	t.Helper()
	var logits []float32
	for i := 0; i < len(ids); i += pass {
		var err error
		if logits, err = m.Forward(c, ids[i:min(i+pass, len(ids))], llama4.ForwardOptions{}); err != nil {
			t.Fatal(err)
		}
		if after != nil {
			after()
		}
	}
	return logits
}

func bitsEqual(a, b []float32) (int, bool) {
	if len(a) != len(b) {
		return -1, false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i, false
		}
	}
	return 0, true
}

// TestPrefixRestoreBitExact: a prompt whose prefix the pool holds gives the
// same logits, bit for bit, as a cold run, for prefixes ending inside a
// chunk, on a chunk boundary and past one, for every KV type. The tiny
// model's attention chunk is 16 positions; blocks are 4.
func TestPrefixRestoreBitExact(t *testing.T) {
	m := tiny(t)
	const B, chunk, pass = 4, 16, 4
	src := make([]int32, 52)
	for i := range src {
		src[i] = int32(7 + 37*i%500)
	}
	for _, dt := range []tensor.DType{tensor.F32, tensor.BF16, tensor.F16, tensor.Q8_0} {
		e, err := New(m, Options{Parallel: 1, Ctx: 128, KVType: dt, PrefillChunk: pass, BlockSize: B, PrefixCacheBytes: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		// Fill the pool the way the scheduler does: offer blocks after each pass.
		c, _ := m.NewCacheOf(128, dt)
		owner := &seq{req: &Request{Prompt: src}}
		runPasses(t, m, c, src, pass, func() { e.offerBlocks(owner, c) })
		if got := e.pool.Len(); got != len(src)/B {
			t.Fatalf("%s: pool holds %d blocks, want %d", dt, got, len(src)/B)
		}
		for _, shared := range []int{3, 4, 9, 16, 17, 20, 30, 32, 36, 47, 52} {
			tail := []int32{11, 12, 13, 14, 15}
			prompt := append(slices.Clone(src[:shared]), tail...)
			warm, _ := m.NewCacheOf(128, dt)
			e.restorePrefix(&seq{req: &Request{Prompt: prompt}}, warm)
			P := shared / B * B
			if warm.Len() != P || !slices.Equal(warm.Tokens(), prompt[:P]) {
				t.Fatalf("%s shared %d: restored %d tokens, want %d", dt, shared, warm.Len(), P)
			}
			got := runPasses(t, m, warm, prompt[P:], pass, nil)
			cold, _ := m.NewCacheOf(128, dt)
			runPasses(t, m, cold, prompt[:P], pass, nil)
			want := runPasses(t, m, cold, prompt[P:], pass, nil)
			if i, ok := bitsEqual(got, want); !ok {
				t.Fatalf("%s shared %d (prefix %d, chunk %d): logit %d is %g cached, %g cold", dt, shared, P, chunk, i, got[i], want[i])
			}
		}
	}
}

// TestPrefixRestoreWithoutChunkedRows: blocks whose chunked-layer rows had
// left the ring when they were stored restore only up to the chunk
// boundary that needs none of them, still exactly.
func TestPrefixRestoreWithoutChunkedRows(t *testing.T) {
	m := tiny(t)
	const B = 4
	src := make([]int32, 40)
	for i := range src {
		src[i] = int32(3 + 11*i%500)
	}
	e, err := New(m, Options{Parallel: 1, Ctx: 64, KVType: tensor.F32, PrefillChunk: 40, BlockSize: B, PrefixCacheBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := m.NewCacheOf(64, tensor.F32)
	owner := &seq{req: &Request{Prompt: src}}
	runPasses(t, m, c, src, 40, func() { e.offerBlocks(owner, c) }) // one pass: the ring keeps positions 24-39 only
	for _, tc := range []struct{ shared, want int }{
		{39, 36}, // chunk 32-47: blocks 8 (32-35) has chunked rows
		{30, 16}, // chunk 16-31 would need blocks 4-7, whose rows left the ring; 16 needs none
		{20, 16},
		{16, 16},
		{12, 0}, // chunk 0-15 would need blocks 0-2
	} {
		prompt := append(slices.Clone(src[:tc.shared]), 1, 2)
		warm, _ := m.NewCacheOf(64, tensor.F32)
		e.restorePrefix(&seq{req: &Request{Prompt: prompt}}, warm)
		if warm.Len() != tc.want {
			t.Fatalf("shared %d: restored %d tokens, want %d", tc.shared, warm.Len(), tc.want)
		}
		got := runPasses(t, m, warm, prompt[tc.want:], 64, nil)
		cold, _ := m.NewCacheOf(64, tensor.F32)
		if tc.want > 0 {
			runPasses(t, m, cold, prompt[:tc.want], 64, nil)
		}
		want := runPasses(t, m, cold, prompt[tc.want:], 64, nil)
		if i, ok := bitsEqual(got, want); !ok {
			t.Fatalf("shared %d: logit %d is %g cached, %g cold", tc.shared, i, got[i], want[i])
		}
	}
}

// recorder is a BlockObserver that keeps every call as a line.
type recorder struct {
	mu    sync.Mutex
	lines []string
	byID  map[uint64]bool // blocks the observer believes stored
}

func (r *recorder) BlocksStored(parent uint64, hasParent bool, hashes []uint64, tokens []int32, blockSize int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID = map[uint64]bool{}
	}
	if hasParent && !r.byID[parent] {
		r.lines = append(r.lines, fmt.Sprintf("stored %x with unknown parent %x", hashes[0], parent))
	}
	for i, h := range hashes {
		var want uint64
		if i > 0 || hasParent {
			want = parent
			if i > 0 {
				want = hashes[i-1]
			}
		}
		if kvcache.BlockHash(want, i > 0 || hasParent, tokens[i*blockSize:(i+1)*blockSize]) != h {
			r.lines = append(r.lines, fmt.Sprintf("hash %x does not match its tokens", h))
		}
		r.byID[h] = true
	}
	r.lines = append(r.lines, fmt.Sprintf("stored %d", len(hashes)))
}

func (r *recorder) BlocksRemoved(hashes []uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range hashes {
		if !r.byID[h] {
			r.lines = append(r.lines, fmt.Sprintf("removed unknown %x", h))
		}
		delete(r.byID, h)
	}
	r.lines = append(r.lines, fmt.Sprintf("removed %d", len(hashes)))
}

func (r *recorder) AllBlocksCleared() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byID = nil
	r.lines = append(r.lines, "cleared")
}

func (r *recorder) snapshot() ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.lines), len(r.byID)
}

// TestPrefixPoolAcrossSlots: a conversation's next turn reuses its prefix
// from the pool after another request took its only slot, with the tokens
// and log-probabilities of an engine without a pool; the observer hears a
// consistent story (chained hashes, evictions of stored blocks, a clear on
// a weight swap).
func TestPrefixPoolAcrossSlots(t *testing.T) {
	m := tiny(t)
	const B = 4
	turn1 := []int32{162, 167, 419, 437, 98, 200, 274, 446, 31, 239, 505, 288, 17, 18, 19, 20, 21, 22, 23, 24, 25}
	other := []int32{5, 6, 7, 8, 9, 10, 11, 12, 13}
	run := func(e *Engine, p []int32) ([]int32, []float32, Usage) {
		t.Helper()
		st, err := e.Submit(context.Background(), &Request{Prompt: p, MaxTokens: 6, TopLogprobs: 0})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int32
		var lps []float32
		for {
			ev, ok := st.Recv(context.Background())
			if !ok {
				t.Fatal("stream ended early")
			}
			if ev.Done {
				if ev.Err != nil {
					t.Fatal(ev.Err)
				}
				return ids, lps, ev.Usage
			}
			ids, lps = append(ids, ev.Token), append(lps, ev.Logprob)
		}
	}
	sm := NewSwapModel(m)
	pooled := start(t, sm, Options{Parallel: 1, Ctx: 96, KVType: tensor.F32, PrefillChunk: 8, QueueSize: 2, BlockSize: B, PrefixCacheBytes: 1 << 30})
	rec := &recorder{}
	pooled.SetBlockObserver(rec)
	plain := start(t, m, Options{Parallel: 1, Ctx: 96, KVType: tensor.F32, PrefillChunk: 8, QueueSize: 2})

	a1, _, _ := run(pooled, turn1)
	run(pooled, other) // takes the slot: turn 2 can only come from the pool
	turn2 := append(append(slices.Clone(turn1), a1...), 40, 41, 42, 43, 44)
	got, glp, u := run(pooled, turn2)
	want, wlp, _ := run(plain, turn2)
	if !slices.Equal(got, want) || !slices.Equal(glp, wlp) {
		t.Fatalf("pooled %v %v, plain %v %v", got, glp, want, wlp)
	}
	// turn 1 and its answer ran except the last answer token: 26 positions, 6 blocks.
	if u.CachedTokens != 24 {
		t.Fatalf("cached %d tokens, want 24 (6 blocks of 4)", u.CachedTokens)
	}
	lines, held := rec.snapshot()
	if st := pooled.Stats(); held != st.PoolBlocks || held == 0 {
		t.Fatalf("observer holds %d blocks, pool %d: %v", held, st.PoolBlocks, lines)
	}
	for _, l := range lines {
		if l[0] != 's' && l[0] != 'r' || len(l) > 12 {
			t.Fatalf("observer: %q in %v", l, lines)
		}
	}
	// A weight swap empties the pool at the next step and tells the observer.
	if err := sm.Swap(m, 1); err != nil {
		t.Fatal(err)
	}
	_, _, u = run(pooled, turn2)
	lines, _ = rec.snapshot()
	if !slices.Contains(lines, "cleared") {
		t.Fatalf("no clear after a swap: %v", lines)
	}
	if u.CachedTokens != 0 {
		t.Fatalf("after a swap %d tokens came from the cache", u.CachedTokens)
	}
}

// TestPrefixPoolEvicts: under a budget of a few blocks the pool evicts
// least recently used blocks, the observer hears each removal, and the
// engine's answers stay those of an engine without a pool.
func TestPrefixPoolEvicts(t *testing.T) {
	m := tiny(t)
	const B = 4
	probe, _ := m.NewCacheOf(8, tensor.F32)
	with, _ := probe.BlockBytes(B)
	pooled := start(t, m, Options{Parallel: 2, Ctx: 64, KVType: tensor.F32, PrefillChunk: 16, QueueSize: 8, BlockSize: B, PrefixCacheBytes: 3 * with})
	rec := &recorder{}
	pooled.SetBlockObserver(rec)
	plain := start(t, m, Options{Parallel: 2, Ctx: 64, KVType: tensor.F32, PrefillChunk: 16, QueueSize: 8})
	for i := range 6 {
		p := make([]int32, 13)
		for j := range p {
			p[j] = int32(1 + (i*13+j*7)%400)
		}
		a, _ := collectSubmit(t, pooled, p)
		b, _ := collectSubmit(t, plain, p)
		if !slices.Equal(a, b) {
			t.Fatalf("prompt %d: pooled %v, plain %v", i, a, b)
		}
	}
	lines, held := rec.snapshot()
	st := pooled.Stats()
	if st.PoolBlocks > 3 || held != st.PoolBlocks || st.PoolBytes > 3*with {
		t.Fatalf("pool holds %d blocks (%d bytes, budget %d), observer %d: %v", st.PoolBlocks, st.PoolBytes, 3*with, held, lines)
	}
	removed := 0
	for _, l := range lines {
		if len(l) > 7 && l[:7] == "removed" {
			removed++
		}
		if l[0] != 's' && l[0] != 'r' || len(l) > 12 {
			t.Fatalf("observer: %q", l)
		}
	}
	if removed == 0 {
		t.Fatalf("no eviction reported: %v", lines)
	}
}

func collectSubmit(t *testing.T, e *Engine, p []int32) ([]int32, Event) {
	t.Helper()
	st, err := e.Submit(context.Background(), &Request{Prompt: p, MaxTokens: 4})
	if err != nil {
		t.Fatal(err)
	}
	return collect(t, st)
}

// TestPoolable: prompts with images or injected embeddings are never
// pooled (their rows depend on more than the token ids).
func TestPoolable(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *Request
		want bool
	}{
		{"text", &Request{Prompt: []int32{1, 2}}, true},
		{"images", &Request{Prompt: []int32{1, 2}, Images: &Images{}}, false},
		{"embeddings", &Request{Prompt: []int32{1, 2}, Embeds: make([]float32, 4), UseEmbed: []bool{false, true}}, false},
	} {
		if got := poolable(tc.r); got != tc.want {
			t.Errorf("%s: poolable %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Package engine schedules many sequences on one model: continuous batching
// (all running sequences decode together in one forward pass, new requests join
// between steps), chunked prefill so long prompts do not stall running
// streams, prefix reuse across requests, cancellation and a bounded queue.
package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/sample"
	"github.com/herd-llm/herd/tensor"
)

// Options configure an Engine.
type Options struct {
	Parallel     int          // sequences decoded together (KV cache slots)
	Ctx          int          // context length of each slot, in tokens
	KVType       tensor.DType // cache element type
	PrefillChunk int          // prompt tokens a step may prefill (all sequences together)
	QueueSize    int          // requests waiting for a slot before Submit refuses
}

// ErrQueueFull is returned by Submit when the wait queue is full.
var ErrQueueFull = errors.New("engine: queue is full")

// ErrShuttingDown is returned by Submit after Shutdown has begun.
var ErrShuttingDown = errors.New("engine: shutting down")

// Constraint restricts which tokens may follow (constrained decoding). Mask
// sets disallowed logits to -Inf; Accept advances its state with the chosen id.
type Constraint interface {
	Mask(logits []float32)
	Accept(id int32)
}

// Request is one generation job.
type Request struct {
	Prompt      []int32
	MaxTokens   int // > 0
	Sampling    sample.Params
	StopIDs     []int32    // generation ends after emitting one of these (finish "stop")
	TopLogprobs int        // > 0: report this many alternatives per token; < 0: none; 0: only the chosen token's
	Constraint  Constraint // optional
	// Embeds and UseEmbed, when set, are a multimodal prompt's input
	// embeddings [len(Prompt), D] and row flags [len(Prompt)]: on rows where
	// UseEmbed is true the model takes the Embeds row instead of the token
	// embedding (llama4.Seq, early fusion). A cached prefix is reused only
	// before the first such row, and the slot's cache is cut back to it when
	// the request ends, so image rows are never shared between requests.
	Embeds   []float32
	UseEmbed []bool
}

// firstEmbed is the index of the first row that takes an injected
// embedding, or len(Prompt) when none does.
func (r *Request) firstEmbed() int {
	for i, u := range r.UseEmbed {
		if u {
			return i
		}
	}
	return len(r.Prompt)
}

// Event is one step of a request's output.
type Event struct {
	Token       int32
	Logprob     float32     // natural log-probability of Token under the (penalised) distribution
	TopLogprobs []TokenProb // most likely alternatives, when requested
	Done        bool        // the last event of the stream
	Finish      string      // with Done: "stop", "length" or "cancelled"; "" on error
	Err         error       // with Done: why the request failed
	Usage       Usage       // with Done
}

// TokenProb is a token and its log-probability.
type TokenProb struct {
	Token   int32
	Logprob float32
}

// Usage counts a request's tokens.
type Usage struct {
	PromptTokens     int
	CachedTokens     int // prompt tokens reused from a previous request's cache
	CompletionTokens int
	TimeToFirstToken time.Duration
}

// Stats is a snapshot of the scheduler, for metrics.
type Stats struct {
	Waiting, Running int
	KVBytes          int64 // bytes held by all slots' caches
	KVUsage          float64
	StepTokens       int64 // tokens processed by forward passes so far
	Generated        int64
}

type seq struct {
	req      *Request
	ctx      context.Context
	out      *Stream
	slot     int
	smp      *sample.Sampler
	hist     []int32 // prompt + generated
	pending  []int32 // prompt tokens not yet prefilled
	gen      int
	start    time.Time
	first    time.Duration
	cached   int
	lastLogs []float32
}

// Model is what the engine needs of a model: *llama4.Model implements it.
type Model interface {
	// ForwardBatch runs new tokens of several sequences in one pass and
	// returns each sequence's logits (see llama4.Model.ForwardBatch).
	ForwardBatch(seqs []llama4.Seq, hidden func(stage int, h []float32)) ([][]float32, error)
	// NewCacheOf makes an empty cache for one sequence.
	NewCacheOf(maxLen int, dt tensor.DType) (*kvcache.Cache, error)
	// VocabSize is the number of logits per position.
	VocabSize() int
}

// Engine runs requests on one model. Start it with Run.
type Engine struct {
	m     Model
	o     Options
	slots []*kvcache.Cache
	free  []bool

	mu       sync.Mutex
	queue    []*seq
	running  []*seq
	wake     chan struct{}
	shutdown bool
	stats    Stats
}

// New makes an engine with Parallel cache slots of Ctx tokens each.
func New(m Model, o Options) (*Engine, error) {
	if o.Parallel <= 0 || o.Ctx <= 0 || o.PrefillChunk <= 0 || o.QueueSize < 0 {
		return nil, fmt.Errorf("engine: invalid options %+v", o)
	}
	e := &Engine{m: m, o: o, wake: make(chan struct{}, 1)}
	for i := 0; i < o.Parallel; i++ {
		c, err := m.NewCacheOf(o.Ctx, o.KVType)
		if err != nil {
			return nil, err
		}
		e.slots = append(e.slots, c)
		e.free = append(e.free, true)
	}
	return e, nil
}

// Submit queues a request. It returns ErrQueueFull when QueueSize requests
// already wait, and an error for an invalid request (empty prompt, prompt
// longer than the context, bad parameters).
func (e *Engine) Submit(ctx context.Context, r *Request) (*Stream, error) {
	if len(r.Prompt) == 0 {
		return nil, fmt.Errorf("engine: empty prompt")
	}
	if len(r.Prompt) >= e.o.Ctx {
		return nil, fmt.Errorf("engine: prompt of %d tokens leaves no room in the context of %d tokens", len(r.Prompt), e.o.Ctx)
	}
	if r.MaxTokens <= 0 {
		return nil, fmt.Errorf("engine: max tokens %d must be positive", r.MaxTokens)
	}
	if err := r.Sampling.Validate(); err != nil {
		return nil, err
	}
	for i, id := range r.Prompt {
		if id < 0 || int(id) >= e.m.VocabSize() {
			return nil, fmt.Errorf("engine: prompt token %d at index %d is outside the vocabulary", id, i)
		}
	}
	if r.UseEmbed != nil && (len(r.UseEmbed) != len(r.Prompt) || len(r.Embeds) == 0 || len(r.Embeds)%len(r.Prompt) != 0) {
		return nil, fmt.Errorf("engine: %d embedding flags and %d embedding values for a prompt of %d tokens", len(r.UseEmbed), len(r.Embeds), len(r.Prompt))
	}
	s := &seq{req: r, ctx: ctx, out: newStream(), slot: -1, smp: sample.New(r.Sampling), start: time.Now()}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown {
		return nil, ErrShuttingDown
	}
	if len(e.queue) >= e.o.QueueSize+e.freeSlotsLocked() {
		return nil, ErrQueueFull
	}
	e.queue = append(e.queue, s)
	e.poke()
	return s.out, nil
}

func (e *Engine) freeSlotsLocked() int {
	n := 0
	for _, f := range e.free {
		if f {
			n++
		}
	}
	return n
}

func (e *Engine) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Ctx is the context length of each slot, in tokens.
func (e *Engine) Ctx() int { return e.o.Ctx }

// Stats returns a snapshot of the scheduler.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.stats
	st.Waiting = len(e.queue)
	st.Running = len(e.running)
	return st
}

// Shutdown stops accepting requests; Run returns once running and queued
// requests have finished (or ctx ends, cancelling them).
func (e *Engine) Shutdown() {
	e.mu.Lock()
	e.shutdown = true
	e.mu.Unlock()
	e.poke()
}

// Run is the scheduler loop; it returns when ctx is done (cancelling all
// requests) or after Shutdown once the work has drained.
func (e *Engine) Run(ctx context.Context) {
	for {
		e.mu.Lock()
		idle := len(e.queue) == 0 && len(e.running) == 0
		done := e.shutdown && idle
		e.mu.Unlock()
		if done {
			return
		}
		if idle {
			select {
			case <-e.wake:
			case <-ctx.Done():
				return
			}
			continue
		}
		if ctx.Err() != nil {
			e.cancelAll()
			return
		}
		e.step()
	}
}

func (e *Engine) cancelAll() {
	e.mu.Lock()
	all := append(append([]*seq(nil), e.running...), e.queue...)
	e.running, e.queue = nil, nil
	e.mu.Unlock()
	for _, s := range all {
		e.finish(s, "cancelled", nil)
	}
}

// admit moves queued requests into free slots, reusing the cached prefix of
// the slot that shares the most tokens with the prompt.
func (e *Engine) admit() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(e.queue) > 0 {
		best, bestN := -1, -1
		for i, f := range e.free {
			if !f {
				continue
			}
			n := e.slots[i].CommonPrefix(e.queue[0].req.Prompt)
			if n > bestN {
				best, bestN = i, n
			}
		}
		if best < 0 {
			return
		}
		s := e.queue[0]
		e.queue = e.queue[1:]
		if s.ctx.Err() != nil {
			go e.finish(s, "cancelled", nil)
			continue
		}
		e.free[best] = false
		s.slot = best
		c := e.slots[best]
		// Keep at least the last prompt token to run, so its logits exist.
		keep := c.Rewind(min(bestN, len(s.req.Prompt)-1, s.req.firstEmbed()))
		s.cached = keep
		s.pending = append([]int32(nil), s.req.Prompt[keep:]...)
		s.hist = append([]int32(nil), s.req.Prompt...)
		e.running = append(e.running, s)
	}
}

// step runs one batched forward pass: one token for each decoding sequence
// and up to PrefillChunk prompt tokens shared among prefilling ones.
func (e *Engine) step() {
	e.admit()
	e.mu.Lock()
	run := append([]*seq(nil), e.running...)
	e.mu.Unlock()

	var batch []llama4.Seq
	var who []*seq
	budget := e.o.PrefillChunk
	for _, s := range run {
		if s.ctx.Err() != nil {
			e.finish(s, "cancelled", nil)
			continue
		}
		var ids []int32
		if len(s.pending) > 0 {
			if budget <= 0 {
				continue
			}
			n := min(budget, len(s.pending))
			budget -= n
			ids = s.pending[:n]
		} else {
			ids = s.hist[len(s.hist)-1:]
		}
		sq := llama4.Seq{Cache: e.slots[s.slot], IDs: ids}
		if r := s.req; r.UseEmbed != nil && len(s.pending) > 0 {
			off, D := len(r.Prompt)-len(s.pending), len(r.Embeds)/len(r.Prompt)
			sq.Embeds, sq.UseEmbed = r.Embeds[off*D:(off+len(ids))*D], r.UseEmbed[off:off+len(ids)]
		}
		batch = append(batch, sq)
		who = append(who, s)
	}
	if len(batch) == 0 {
		return
	}
	logits, err := e.m.ForwardBatch(batch, nil)
	ntok := 0
	for _, b := range batch {
		ntok += len(b.IDs)
	}
	e.mu.Lock()
	e.stats.StepTokens += int64(ntok)
	e.mu.Unlock()
	if err != nil {
		for _, s := range who {
			e.finish(s, "", err)
		}
		return
	}
	for i, s := range who {
		if len(s.pending) > 0 {
			s.pending = s.pending[len(batch[i].IDs):]
			if len(s.pending) > 0 {
				continue // more prompt to prefill; no token yet
			}
		}
		e.emit(s, logits[i])
	}
	e.updateKV()
}

// emit samples the next token of s from its last logits and streams it.
func (e *Engine) emit(s *seq, logits []float32) {
	r := s.req
	x := s.smp.Adjust(logits, s.hist, len(r.Prompt))
	if r.Constraint != nil {
		if &x[0] == &logits[0] {
			x = append([]float32(nil), x...)
		}
		r.Constraint.Mask(x)
	}
	id := s.smp.Pick(x)
	if r.Constraint != nil {
		r.Constraint.Accept(id)
	}
	ev := Event{Token: id}
	if r.TopLogprobs >= 0 {
		ev.Logprob, ev.TopLogprobs = logprobs(x, id, r.TopLogprobs)
	}
	s.hist = append(s.hist, id)
	s.gen++
	if s.gen == 1 {
		s.first = time.Since(s.start)
	}
	e.mu.Lock()
	e.stats.Generated++
	e.mu.Unlock()
	finish := ""
	for _, st := range r.StopIDs {
		if id == st {
			finish = "stop"
		}
	}
	if finish == "" && (s.gen >= r.MaxTokens || len(s.hist) >= e.o.Ctx) {
		finish = "length"
	}
	s.out.push(ev, false)
	if finish != "" {
		e.finish(s, finish, nil)
	}
}

// logprobs returns log p(id) and the top k alternatives under softmax(x).
func logprobs(x []float32, id int32, k int) (float32, []TokenProb) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v - m))
	}
	lse := float64(m) + math.Log(sum)
	lp := float32(float64(x[id]) - lse)
	if k <= 0 {
		return lp, nil
	}
	top := make([]TokenProb, 0, k+1)
	for i, v := range x {
		if len(top) == k && v <= top[k-1].Logprob {
			continue
		}
		tp := TokenProb{int32(i), v}
		j := len(top)
		if j < k {
			top = append(top, tp)
		} else {
			j = k - 1
			top[j] = tp
		}
		for j > 0 && top[j].Logprob > top[j-1].Logprob {
			top[j], top[j-1] = top[j-1], top[j]
			j--
		}
	}
	for i := range top {
		top[i].Logprob = float32(float64(top[i].Logprob) - lse)
	}
	return lp, top
}

// finish ends a request: it leaves the running set, frees its slot (whose
// cache stays for prefix reuse) and sends the final event.
func (e *Engine) finish(s *seq, reason string, err error) {
	e.mu.Lock()
	for i, r := range e.running {
		if r == s {
			e.running = append(e.running[:i], e.running[i+1:]...)
			break
		}
	}
	if s.slot >= 0 {
		e.free[s.slot] = true
		if err != nil || len(s.pending) > 0 {
			e.slots[s.slot].Reset() // half-filled: not reusable
		} else if s.req.UseEmbed != nil {
			e.slots[s.slot].Rewind(s.req.firstEmbed()) // keep no image rows for reuse
		}
		s.slot = -1
	}
	e.mu.Unlock()
	s.out.push(Event{Done: true, Finish: reason, Err: err, Usage: Usage{
		PromptTokens: len(s.req.Prompt), CachedTokens: s.cached, CompletionTokens: s.gen, TimeToFirstToken: s.first,
	}}, true)
	e.poke()
}

func (e *Engine) updateKV() {
	var n int64
	used := 0
	for _, c := range e.slots {
		n += c.Bytes()
		used += c.Len()
	}
	e.mu.Lock()
	e.stats.KVBytes = n
	e.stats.KVUsage = float64(used) / float64(len(e.slots)*e.o.Ctx)
	e.mu.Unlock()
}

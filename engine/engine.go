// Package engine runs generation: a Session is one sequence's generation
// loop (chunked prefill, sampling, stop ids, log-probabilities) over a KV
// cache, driven directly by single-stream callers; an Engine schedules many
// Sessions on one model: continuous batching (all running sequences decode
// together in one forward pass, new requests join between steps), chunked
// prefill so long prompts do not stall running streams, prefix reuse across
// requests (a slot's own last prefix, or blocks from a prefix cache shared by
// all slots: prefix.go), images encoded at prefill, cancellation and a
// bounded queue.
package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// Options configure an Engine.
type Options struct {
	Parallel     int          // sequences decoded together (KV cache slots)
	Ctx          int          // context length of each slot, in tokens
	KVType       tensor.DType // cache element type
	PrefillChunk int          // prompt tokens a step may prefill (all sequences together)
	QueueSize    int          // requests waiting for a slot before Submit refuses
	// BlockSize is the prefix cache's block, in positions (0: DefaultBlockSize).
	BlockSize int
	// PrefixCacheBytes is the budget of the pool of prefix blocks shared by
	// all slots (see prefix.go); 0 turns the pool off, leaving each slot
	// reusing only its own last prefix.
	PrefixCacheBytes int64
	// Scheduler, when set, is shared with other engines (a server's main
	// model and its guard): every step waits for its turn, so that one step
	// of one engine runs at a time (see Scheduler). nil: the engine's steps
	// run whenever they are ready, whatever else runs.
	Scheduler *Scheduler
	// Name names the engine in the Scheduler's stats ("model" when empty);
	// it must be unique among the engines sharing one.
	Name string
	// Urgent engines' steps go before the others' on a shared Scheduler.
	Urgent bool
}

// ErrQueueFull is returned by Submit when the wait queue is full.
var ErrQueueFull = errors.New("engine: queue is full")

// ErrShuttingDown is returned by Submit after Shutdown has begun.
var ErrShuttingDown = errors.New("engine: shutting down")

// Stats is a snapshot of the scheduler, for metrics.
type Stats struct {
	Waiting, Running int
	KVBytes          int64 // bytes held by all slots' caches
	KVUsage          float64
	StepTokens       int64 // tokens processed by forward passes so far
	Generated        int64
	PoolBlocks       int   // blocks held by the prefix-cache pool
	PoolBytes        int64 // bytes those blocks hold
	Cache            CacheConfig
}

// seq is a request in the engine: queued (slot -1) or running on a slot.
type seq struct {
	req   *Request
	ctx   context.Context
	out   *Stream
	slot  int
	start time.Time
	first time.Duration
	queue time.Duration   // waiting for a slot
	last  time.Time       // when the last token was sent
	gaps  []time.Duration // between consecutive tokens
	// prefix cache (prefix.go)
	saved  int    // whole blocks of the slot's cache offered to the pool
	parent uint64 // hash of the last offered block
	ver    int64  // weight version the request started under
}

// Model is what the engine needs of a model: *llama4.Model implements it.
// A model that also implements ImageModel takes requests with Images.
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
	slots []*Session

	mu       sync.Mutex
	free     []bool // per slot: no request holds it
	nfree    int    // the number of free slots
	queue    []*seq
	running  []*seq
	wake     chan struct{}
	shutdown bool
	stats    Stats
	slotVer  []int64 // per slot: the weight version its cache was filled with (see SwapModel)

	pool    *kvcache.Pool // prefix blocks shared by all slots; nil when off
	poolVer int64         // the weight version the pool's blocks were computed with (scheduler only)
	ccfg    CacheConfig
	pmu     sync.Mutex            // serializes observer calls; guards obs and pending
	obs     BlockObserver         // nil: none
	pending []func(BlockObserver) // events not yet told

	lane *lane // the engine's place in Options.Scheduler; nil: none
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
		e.slots = append(e.slots, NewSession(m, c, o.PrefillChunk))
		e.free = append(e.free, true)
	}
	e.nfree = len(e.free)
	e.initPool()
	if o.Scheduler != nil {
		name := o.Name
		if name == "" {
			name = "model"
		}
		var err error
		if e.lane, err = o.Scheduler.join(name, o.Urgent); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Submit queues a request. It returns ErrQueueFull when QueueSize requests
// already wait, and an error wrapping ErrInvalidRequest for an invalid
// request (empty prompt, prompt longer than the context, a token outside the
// vocabulary, bad parameters, images for a model without ImageModel).
func (e *Engine) Submit(ctx context.Context, r *Request) (*Stream, error) {
	if err := r.validate(e.m.VocabSize(), e.o.Ctx-1, 1); err != nil {
		return nil, err
	}
	if r.Images != nil {
		if _, ok := e.m.(ImageModel); !ok {
			return nil, fmt.Errorf("%w: the model does not take images", ErrInvalidRequest)
		}
	}
	s := &seq{req: r, ctx: ctx, out: NewStream(), slot: -1, start: time.Now()}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown {
		return nil, ErrShuttingDown
	}
	if len(e.queue) >= e.o.QueueSize+e.nfree {
		return nil, ErrQueueFull
	}
	e.queue = append(e.queue, s)
	e.poke()
	return s.out, nil
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
	st.Cache = e.ccfg
	if e.pool != nil {
		st.PoolBlocks, st.PoolBytes = e.pool.Len(), e.pool.Used()
	}
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
// requests) or after Shutdown once the work has drained. With a shared
// Options.Scheduler each step runs in a turn of it.
func (e *Engine) Run(ctx context.Context) {
	for {
		e.mu.Lock()
		idle := len(e.queue) == 0 && len(e.running) == 0
		done := e.shutdown && idle
		e.mu.Unlock()
		if done || idle || ctx.Err() != nil {
			e.lane.withdraw() // the work the last turn asked again for is gone
		}
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
		if ctx.Err() != nil || !e.lane.acquire(ctx) {
			e.cancelAll()
			return
		}
		e.step()
		if e.lane != nil {
			e.lane.release(e.busy())
		}
	}
}

// busy reports whether requests run or wait: the loop has another step.
func (e *Engine) busy() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.queue) > 0 || len(e.running) > 0
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
// the slot that shares the most tokens with the prompt. Starting a request
// (which encodes its images) runs here, in the scheduler, outside the lock.
func (e *Engine) admit() {
	for {
		e.mu.Lock()
		if len(e.queue) == 0 {
			e.mu.Unlock()
			return
		}
		best, bestN := -1, -1
		for i, f := range e.free {
			if !f {
				continue
			}
			n := e.slots[i].Cache().CommonPrefix(e.queue[0].req.Prompt)
			if n > bestN {
				best, bestN = i, n
			}
		}
		if best < 0 {
			e.mu.Unlock()
			return
		}
		s := e.queue[0]
		e.queue = e.queue[1:]
		if s.ctx.Err() != nil {
			e.mu.Unlock()
			e.finish(s, "cancelled", nil)
			continue
		}
		e.free[best] = false
		e.nfree--
		e.dropStale(best)
		s.slot = best
		s.queue = time.Since(s.start)
		e.running = append(e.running, s)
		e.mu.Unlock()
		e.restorePrefix(s, e.slots[best].Cache())
		if err := e.slots[best].start(s.req); err != nil {
			e.finish(s, "", err)
		}
	}
}

// step runs one batched forward pass: one token for each decoding sequence
// and up to PrefillChunk prompt tokens shared among prefilling ones.
func (e *Engine) step() {
	defer e.flushBlockEvents()
	e.checkPoolVersion()
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
		sess := e.slots[s.slot]
		sq, ok := sess.input(budget)
		if !ok {
			continue
		}
		if sess.prefilling() {
			budget -= len(sq.IDs)
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
	for _, s := range who {
		e.offerBlocks(s, e.slots[s.slot].Cache())
	}
	// The KV gauges follow the forward pass before any request of it ends:
	// a client that gets its last event and scrapes /metrics at once (a
	// router) sees the positions the request left in its slot.
	e.updateKV()
	for i, s := range who {
		sess := e.slots[s.slot]
		if sess.consume(len(batch[i].IDs), logits[i]) {
			e.emit(s, sess)
		}
	}
	e.updateKV()
}

// emit samples the next token of s and streams it.
func (e *Engine) emit(s *seq, sess *Session) {
	ev := sess.sample()
	now := time.Now()
	if sess.gen == 1 {
		s.first = now.Sub(s.start)
	} else {
		s.gaps = append(s.gaps, now.Sub(s.last))
	}
	s.last = now
	e.mu.Lock()
	e.stats.Generated++
	e.mu.Unlock()
	s.out.Push(ev, false)
	if f := sess.Finish(); f != "" {
		e.finish(s, f, nil)
	}
}

// finish ends a request: it leaves the running set, frees its slot (whose
// cache stays for prefix reuse) and sends the final event.
func (e *Engine) finish(s *seq, reason string, err error) {
	u := Usage{PromptTokens: len(s.req.Prompt)}
	e.mu.Lock()
	for i, r := range e.running {
		if r == s {
			e.running = append(e.running[:i], e.running[i+1:]...)
			break
		}
	}
	if s.slot >= 0 {
		sess := e.slots[s.slot]
		if sess.req == s.req {
			u = sess.Usage()
			sess.release(err != nil)
		} else {
			sess.Cache().Reset() // the request failed to start
		}
		e.free[s.slot] = true
		e.nfree++
		s.slot = -1
	}
	e.mu.Unlock()
	u.TimeToFirstToken, u.Latency, u.Queued, u.TokenGaps = s.first, time.Since(s.start), s.queue, s.gaps
	s.out.Push(Event{Done: true, Finish: reason, Err: err, Usage: u}, true)
	e.poke()
}

func (e *Engine) updateKV() {
	var n int64
	used := 0
	for _, s := range e.slots {
		n += s.Cache().Bytes()
		used += s.Cache().Len()
	}
	e.mu.Lock()
	e.stats.KVBytes = n
	e.stats.KVUsage = float64(used) / float64(len(e.slots)*e.o.Ctx)
	e.mu.Unlock()
}

package cluster

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// Options configure a Pipeline.
type Options struct {
	Workers   []string     // worker addresses host:port, in stage order
	Auth      *Auth        // the cluster secret's credentials
	Ctx       int          // context per sequence, in tokens (for the memory plan)
	Sequences int          // sequences held at once (for the memory plan; 0: 1)
	Batch     int          // most tokens per forward pass (for the memory plan)
	KV        tensor.DType // KV cache type on every stage
	// Counts, when set, fixes the layers per stage (the leader first)
	// instead of splitting by memory.
	Counts []int
	// Timeout bounds each call to a worker (0: 5 minutes).
	Timeout time.Duration
	// HopDelay is slept before each message leaves the leader and after each
	// reply arrives: a simulated one-way network latency, for measurements.
	HopDelay time.Duration
	// LeaderAvail is the leader's memory for the plan (0: kvcache.Available).
	LeaderAvail int64
	// MicroBatches is how many groups of sequences a forward pass is cut
	// into and pipelined across the stages, so that every stage works on
	// one group while the next stage works on the one before (1: no
	// overlap, the stages run one after another; 0: one per stage with
	// layers, but only while each group gets at least 16 tokens, so that
	// small memory-bound decode batches are not cut).
	MicroBatches int
}

// Pipeline runs a model whose decoder layers are spread over this process
// (the leader, stage 0) and workers. It implements engine.Model, so the
// engine batches sequences through it as through a local model; a call
// cuts its batch into micro-batches of whole sequences that flow through
// the stages one behind the other (see ForwardBatch).
type Pipeline struct {
	local  *llama4.Model // embeddings, head and the leader's layers
	o      Options
	stages []Stage
	cl     []*client // one per worker stage with layers
	ch     string    // ConfigHash

	mu   sync.Mutex // one forward pass at a time
	ids  map[weak.Pointer[kvcache.Cache]]uint64
	next uint64

	leaderMu sync.Mutex // the leader's compute: one micro-batch at a time

	statsMu sync.Mutex
	stats   Stats

	freeMu sync.Mutex
	freed  []uint64 // sequences whose caches were collected, not yet told
}

// Stats count a pipeline's traffic and time since it started.
type Stats struct {
	Calls, Tokens int64 // forward passes and the tokens they carried
	MicroBatches  int64 // the micro-batches those passes were cut into
	Sent, Recv    int64 // bytes of forward calls and replies
	// StageSent and StageRecv are Sent and Recv per stage (0 for the leader).
	StageSent, StageRecv []int64
	StageTime            []time.Duration // per stage: the leader's compute (embeddings, its layers, head), each worker's round trip
	// StageCompute is the part of each worker's round trip it reported
	// spending on the call; StageTime − StageCompute is the transport
	// (encoding, TLS, HTTP/2, the network, simulated delays).
	StageCompute []time.Duration
}

// New plans the split, checks and assigns every worker its layers (each
// verifies the RangeHash of its copy), and returns the leader's pipeline.
// m must hold every layer (memory-mapped: the leader hashes the workers'
// ranges of its own copy but keeps only its own in use).
func New(m *llama4.Model, o Options) (*Pipeline, error) {
	if o.Auth == nil {
		return nil, errors.New("cluster: no credentials (set $" + SecretEnv + ")")
	}
	if o.Ctx <= 0 || o.Batch <= 0 {
		return nil, fmt.Errorf("cluster: context %d and batch %d must be positive", o.Ctx, o.Batch)
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	ch, err := ConfigHash(m)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	avail := make([]int64, 1+len(o.Workers))
	if avail[0] = o.LeaderAvail; avail[0] == 0 {
		if avail[0], err = kvcache.Available(); err != nil {
			return nil, err
		}
	}
	cls := make([]*client, len(o.Workers))
	ok := false
	defer func() { // on failure, drop the connections made so far
		for _, c := range cls {
			if c != nil && !ok {
				c.hc.CloseIdleConnections()
			}
		}
	}()
	for i, addr := range o.Workers {
		cls[i] = newClient(addr, o.Auth, o.Timeout)
		inf, err := cls[i].info(ctx)
		if err != nil {
			return nil, err
		}
		if inf.ConfigHash != ch {
			return nil, cls[i].fail(codeWeights, fmt.Errorf("it loaded a different model (config hash %.16s…, the leader's %.16s…)", inf.ConfigHash, ch))
		}
		avail[1+i] = inf.Avail
	}
	lb := layerBytes(m)
	var head int64
	for _, x := range []*tensor.Mat{m.Weights.Embed, m.Weights.LMHead} {
		if x != nil && (x != m.Weights.Embed || head == 0) {
			head += matBytes(x)
		}
	}
	stages, err := Split(SplitInput{Config: m.Config, LayerBytes: lb, HeadBytes: head + 4*int64(len(m.Weights.Norm)),
		Avail: avail, Ctx: o.Ctx, Sequences: o.Sequences, Batch: o.Batch, KV: o.KV, Counts: o.Counts})
	if err != nil {
		return nil, err
	}
	local, err := stageModel(m, stages[0].Lo, stages[0].Hi, true)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{local: local, o: o, ch: ch, ids: map[weak.Pointer[kvcache.Cache]]uint64{}}
	p.stats.StageTime = make([]time.Duration, len(stages))
	p.stats.StageCompute = make([]time.Duration, len(stages))
	p.stats.StageSent = make([]int64, len(stages))
	p.stats.StageRecv = make([]int64, len(stages))
	for i := range o.Workers {
		st := &stages[1+i]
		st.Addr = o.Workers[i]
		if st.Lo == st.Hi {
			continue // no layers: never called
		}
		c := cls[i]
		c.lo, c.hi = st.Lo, st.Hi
		if c.hash, err = RangeHash(m, st.Lo, st.Hi); err != nil {
			return nil, err
		}
		if err := p.connect(ctx, c); err != nil {
			return nil, err
		}
		p.cl = append(p.cl, c)
	}
	p.stages = stages
	ok = true
	return p, nil
}

// connect (re)assigns a worker its stage.
func (p *Pipeline) connect(ctx context.Context, c *client) error {
	inf, err := c.info(ctx)
	if err != nil {
		return err
	}
	if inf.ConfigHash != p.ch {
		return c.fail(codeWeights, fmt.Errorf("it loaded a different model (config hash %.16s…, the leader's %.16s…)", inf.ConfigHash, p.ch))
	}
	req := assignRequest{Lo: c.lo, Hi: c.hi, Hash: c.hash, KV: p.o.KV.FlagName(), Ctx: p.o.Ctx, Sequences: p.o.Sequences, Batch: p.o.Batch}
	var r assignReply
	if err := c.callJSON(ctx, pathAssign, req, &r); err != nil {
		return err
	}
	c.assign, c.instance = r.Assign, inf.Instance
	return nil
}

// Stages are the pipeline's stages, the leader first.
func (p *Pipeline) Stages() []Stage { return p.stages }

// Stats returns a snapshot of the counters.
func (p *Pipeline) Stats() Stats {
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	s := p.stats
	s.StageTime = append([]time.Duration(nil), s.StageTime...)
	s.StageCompute = append([]time.Duration(nil), s.StageCompute...)
	s.StageSent = append([]int64(nil), s.StageSent...)
	s.StageRecv = append([]int64(nil), s.StageRecv...)
	return s
}

// VocabSize is the number of logits per position.
func (p *Pipeline) VocabSize() int { return p.local.VocabSize() }

// NewCacheOf makes the leader's cache of one sequence (its layers' keys and
// values; the workers keep theirs under the sequence's id).
func (p *Pipeline) NewCacheOf(maxLen int, dt tensor.DType) (*kvcache.Cache, error) {
	return p.local.NewCacheOf(maxLen, dt)
}

// Ready checks that every worker answers and still holds its stage,
// re-assigning one that restarted (its sequences are lost); the error names
// the first worker that does not. It does not wait for a forward pass in
// flight (a readiness probe during a long prefill answers at once).
func (p *Pipeline) Ready(ctx context.Context) error {
	for _, c := range p.cl {
		inf, err := c.info(ctx)
		if err != nil {
			return err
		}
		c.mu.Lock()
		if inf.Instance != c.instance {
			err = p.connect(ctx, c)
		}
		c.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// Close drops the connections to the workers.
func (p *Pipeline) Close() {
	for _, c := range p.cl {
		c.hc.CloseIdleConnections()
	}
}

// seqID returns the id of a sequence's cache, giving a new cache the next id;
// when the cache is garbage-collected, its id is queued for the workers to
// free.
func (p *Pipeline) seqID(c *kvcache.Cache) uint64 {
	wp := weak.Make(c)
	if id, ok := p.ids[wp]; ok {
		return id
	}
	p.next++
	id := p.next
	p.ids[wp] = id
	runtime.AddCleanup(c, func(id uint64) {
		p.freeMu.Lock()
		p.freed = append(p.freed, id)
		p.freeMu.Unlock()
	}, id)
	return id
}

// takeFreed returns the queued freed ids and forgets their weak keys.
func (p *Pipeline) takeFreed() []uint64 {
	p.freeMu.Lock()
	f := p.freed
	p.freed = nil
	p.freeMu.Unlock()
	if len(f) > 0 {
		for wp := range p.ids {
			if wp.Value() == nil {
				delete(p.ids, wp)
			}
		}
	}
	return f
}

// stageOf is the stage index of client i (stages without layers have none).
func (p *Pipeline) stageOf(i int) int {
	for s := range p.stages {
		if p.stages[s].Addr == p.cl[i].addr && p.stages[s].Lo == p.cl[i].lo {
			return s
		}
	}
	return 0
}

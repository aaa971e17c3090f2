// Package gatewaytest is a small prefix-aware router for herd's tests: a
// test double of an inference gateway's endpoint picker (llm-d's scheduler
// with its KV-cache indexer). It knows the replicas only by what they
// publish: vLLM's metrics on /metrics (queue, running requests, KV-cache
// usage, the cache's block size) and vLLM's KV-cache events on each
// replica's ZeroMQ PUB socket, from which it keeps its own index of which
// replica holds which prompt blocks. Each request goes to the replica
// holding the longest leading run of its prompt's blocks, ties to the least
// loaded. A replica whose event socket closes or whose metrics cannot be
// scraped is down for good. It is test support, not part of the herd
// binary; import it only from tests.
package gatewaytest

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
)

// Pod is one replica as the router sees it.
type Pod struct {
	Name   string // the pod in the KV-event topic kv@<Name>@<model>
	URL    string // base URL of its HTTP API, http://host:port
	Events string // its KV-event PUB endpoint, tcp://host:port
}

// Options configure a Router.
type Options struct {
	// Tokenize turns a completion prompt into the token ids the replicas
	// will run (the model's tokenizer, BOS included), as llm-d does before
	// scoring. Required.
	Tokenize func(prompt string) ([]int32, error)
	// Client forwards requests (default: a client without a timeout, for
	// streams); metrics are scraped with ScrapeTimeout (default 2 s).
	Client        *http.Client
	ScrapeTimeout time.Duration
}

// Decision is one routing choice and what it was made from.
type Decision struct {
	Pod     string
	Matched int            // leading whole blocks of the prompt the chosen pod holds
	Scores  map[string]int // leading blocks held, per live pod (absent: none)
	Load    map[string]int // waiting + running requests, per live pod, as scraped
}

type pod struct {
	Pod
	sub     zmq4.Socket
	down    string // why it is down; "" while live
	batches int    // event batches received
	gaps    int    // batches whose sequence number skipped ahead
	next    uint64 // the sequence number expected next
	bad     int    // batches that did not decode
}

// Router routes completion requests across pods. Its methods are safe for
// concurrent use.
type Router struct {
	o      Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	pods      map[string]*pod
	idx       *index // made by the first Add, with that pod's block size
	decisions []Decision
}

// New makes a router with no pods.
func New(o Options) (*Router, error) {
	if o.Tokenize == nil {
		return nil, fmt.Errorf("gatewaytest: Options.Tokenize is required")
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.ScrapeTimeout <= 0 {
		o.ScrapeTimeout = 2 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Router{o: o, ctx: ctx, cancel: cancel, pods: map[string]*pod{}}, nil
}

// Add scrapes p's metrics (for its block size, which every pod must
// share), subscribes to its KV events and starts routing to it.
func (r *Router) Add(p Pod) error {
	m, err := r.scrape(r.ctx, p.URL)
	if err != nil {
		return fmt.Errorf("pod %s: %w", p.Name, err)
	}
	if m.blockSize <= 0 {
		return fmt.Errorf("pod %s: no vllm:cache_config_info block_size in its metrics", p.Name)
	}
	r.mu.Lock()
	if r.idx == nil {
		r.idx = newIndex(m.blockSize)
	}
	bs, dup := r.idx.bs, r.pods[p.Name] != nil
	r.mu.Unlock()
	if dup {
		return fmt.Errorf("pod %s added twice", p.Name)
	}
	if m.blockSize != bs {
		return fmt.Errorf("pod %s: block size %d, other pods' %d", p.Name, m.blockSize, bs)
	}
	sub := zmq4.NewSub(r.ctx)
	if err := sub.Dial(p.Events); err != nil {
		sub.Close()
		return fmt.Errorf("pod %s: events %s: %w", p.Name, p.Events, err)
	}
	if err := sub.SetOption(zmq4.OptionSubscribe, "kv@"+p.Name+"@"); err != nil {
		sub.Close()
		return fmt.Errorf("pod %s: subscribe: %w", p.Name, err)
	}
	pd := &pod{Pod: p, sub: sub}
	r.mu.Lock()
	r.pods[p.Name] = pd
	r.mu.Unlock()
	r.wg.Add(1)
	go r.listen(pd)
	return nil
}

// listen applies pd's event batches to the index until its socket fails.
func (r *Router) listen(pd *pod) {
	defer r.wg.Done()
	for {
		msg, err := pd.sub.Recv()
		if err != nil {
			r.markDown(pd.Name, fmt.Sprintf("event socket: %v", err))
			return
		}
		if len(msg.Frames) != 3 || !strings.HasPrefix(string(msg.Frames[0]), "kv@"+pd.Name+"@") || len(msg.Frames[1]) != 8 {
			r.count(pd, func() { pd.bad++ })
			continue
		}
		seq := binary.BigEndian.Uint64(msg.Frames[1])
		evs, err := decodeBatch(msg.Frames[2])
		r.count(pd, func() {
			if seq != pd.next {
				pd.gaps++
			}
			pd.next = seq + 1
			pd.batches++
			if err != nil {
				pd.bad++
			}
		})
		x := r.index()
		for _, ev := range evs {
			switch ev.kind {
			case "BlockStored":
				x.stored(pd.Name, ev.parent, ev.hasParent, ev.hashes, ev.tokens, ev.blockSize)
			case "BlockRemoved":
				x.removed(pd.Name, ev.hashes)
			case "AllBlocksCleared":
				x.cleared(pd.Name)
			}
		}
	}
}

func (r *Router) count(pd *pod, f func()) {
	r.mu.Lock()
	f()
	r.mu.Unlock()
}

// markDown stops routing to the pod and forgets its blocks.
func (r *Router) markDown(name, why string) {
	r.mu.Lock()
	pd := r.pods[name]
	if pd == nil || pd.down != "" {
		r.mu.Unlock()
		return
	}
	pd.down = why
	x := r.idx
	r.mu.Unlock()
	x.cleared(name)
	pd.sub.Close()
}

// Down reports why the pod is no longer routed to ("" while it is).
func (r *Router) Down(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if pd := r.pods[name]; pd != nil {
		return pd.down
	}
	return "unknown pod"
}

// Held is how many leading whole blocks of tokens the index says pod holds.
func (r *Router) Held(pod string, tokens []int32) int {
	if x := r.index(); x != nil {
		return x.matches(tokens)[pod]
	}
	return 0
}

// index is the block index, nil before the first Add.
func (r *Router) index() *index {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.idx
}

// EventStats are one pod's event counts: batches received, sequence gaps,
// batches that did not decode, and stored blocks the index could not place
// (parent unknown or block size wrong; over all pods).
func (r *Router) EventStats(pod string) (batches, gaps, bad, unplaced int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if pd := r.pods[pod]; pd != nil {
		batches, gaps, bad = pd.batches, pd.gaps, pd.bad
	}
	if r.idx != nil {
		r.idx.mu.Lock()
		unplaced = r.idx.orphans + r.idx.badSize
		r.idx.mu.Unlock()
	}
	return
}

// Decisions returns the routing decisions made so far, oldest first.
func (r *Router) Decisions() []Decision {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.decisions)
}

// Pick scrapes every live pod's metrics and chooses one for a prompt of
// tokens: the most leading blocks held, then the fewest waiting + running
// requests, then the lowest KV-cache usage, then the name.
func (r *Router) Pick(ctx context.Context, tokens []int32) (Decision, error) {
	r.mu.Lock()
	var live []*pod
	for _, pd := range r.pods {
		if pd.down == "" {
			live = append(live, pd)
		}
	}
	r.mu.Unlock()
	ms := make([]podMetrics, len(live))
	errs := make([]error, len(live))
	var wg sync.WaitGroup
	for i, pd := range live {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ms[i], errs[i] = r.scrape(ctx, pd.URL)
		}()
	}
	wg.Wait()
	x := r.index()
	if x == nil {
		return Decision{}, fmt.Errorf("no pods")
	}
	scores := x.matches(tokens)
	d := Decision{Scores: map[string]int{}, Load: map[string]int{}}
	type cand struct {
		name       string
		held, load int
		usage      float64
	}
	var cs []cand
	for i, pd := range live {
		if errs[i] != nil {
			r.markDown(pd.Name, fmt.Sprintf("metrics: %v", errs[i]))
			continue
		}
		c := cand{pd.Name, scores[pd.Name], ms[i].waiting + ms[i].running, ms[i].kvUsage}
		if c.held > 0 {
			d.Scores[c.name] = c.held
		}
		d.Load[c.name] = c.load
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return d, fmt.Errorf("no live pods")
	}
	best := slices.MinFunc(cs, func(a, b cand) int {
		return cmp.Or(cmp.Compare(b.held, a.held), cmp.Compare(a.load, b.load), cmp.Compare(a.usage, b.usage), strings.Compare(a.name, b.name))
	})
	d.Pod, d.Matched = best.name, best.held
	r.mu.Lock()
	r.decisions = append(r.decisions, d)
	r.mu.Unlock()
	return d, nil
}

// scrape reads the metrics the router routes on from base/metrics.
func (r *Router) scrape(ctx context.Context, base string) (podMetrics, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.ScrapeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return podMetrics{}, err
	}
	resp, err := r.o.Client.Do(req)
	if err != nil {
		return podMetrics{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return podMetrics{}, fmt.Errorf("GET %s/metrics: status %d", base, resp.StatusCode)
	}
	return parseMetrics(resp.Body)
}

// Close unsubscribes from every pod.
func (r *Router) Close() error {
	r.cancel()
	r.mu.Lock()
	for _, pd := range r.pods {
		pd.sub.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return nil
}

// Package kvevents publishes herd's KV-cache events the way vLLM does, so
// llm-d's KV-cache indexer (and any consumer of vLLM's events) can route
// requests to the replica that already holds their prefix.
//
// A Publisher binds a ZeroMQ PUB socket (ZMTP 3, NULL mechanism, pure Go)
// and sends each EventBatch as three frames: the topic kv@<pod>@<model>,
// the sequence number (8 bytes, big-endian, from 0), and the MessagePack
// payload (see Format). An optional ROUTER socket answers replay requests
// from its buffer of recent batches. The Publisher has the methods of
// engine.BlockObserver; they never block on the network.
package kvevents

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Publisher.
type Options struct {
	// Endpoint is the PUB socket's address, tcp://*:5557 or
	// tcp://HOST:PORT (bound, never connected).
	Endpoint string
	// ReplayEndpoint, if set, is the replay ROUTER socket's address.
	ReplayEndpoint string
	// Pod and Model make the topic kv@<Pod>@<Model>, which llm-d parses
	// to learn which replica and model the events are about.
	Pod, Model string
	Format     Format
	// Medium names the cache tier in every event (default "GPU", vLLM's
	// name for an engine's own KV cache, which llm-d's scorer weights
	// highest; herd's KV cache is that tier whatever the hardware).
	Medium string
	// BufferSteps is how many batches replay keeps (default 10000).
	BufferSteps int
	// HWM is how many batches may wait for one slow subscriber before
	// it misses some (default 100000).
	HWM int
	// MaxPending is how many events may wait for the sending goroutine
	// before new ones are dropped and counted (default 100000).
	MaxPending int
	// Now gives batch timestamps (default time.Now).
	Now func() time.Time
}

// Publisher sends KV-cache events. Its observer methods are safe for
// concurrent use; Close flushes what they queued. A nil *Publisher (herd
// serve without --kv-events) ignores every call, so it can be handed to the
// engine as an observer either way.
type Publisher struct {
	o      Options
	topic  []byte
	pub    *pubSocket
	replay *replaySocket // nil without ReplayEndpoint
	buf    *ring

	mu      sync.Mutex
	pending []event
	closed  bool
	wake    chan struct{}
	done    chan struct{}
	seq     uint64
	dropped atomic.Uint64
	sent    atomic.Uint64
}

// New binds the sockets and starts publishing.
func New(o Options) (*Publisher, error) {
	if o.Pod == "" || o.Model == "" {
		return nil, fmt.Errorf("kv events: pod %q and model %q must be set (topic kv@<pod>@<model>)", o.Pod, o.Model)
	}
	if o.Medium == "" {
		o.Medium = "GPU"
	}
	if o.BufferSteps <= 0 {
		o.BufferSteps = 10000
	}
	if o.HWM <= 0 {
		o.HWM = 100000
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 100000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	ln, err := listen(o.Endpoint)
	if err != nil {
		return nil, err
	}
	p := &Publisher{o: o, topic: []byte("kv@" + o.Pod + "@" + o.Model), buf: &ring{n: o.BufferSteps},
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	if o.ReplayEndpoint != "" {
		rln, err := listen(o.ReplayEndpoint)
		if err != nil {
			ln.Close()
			return nil, err
		}
		p.replay = newReplay(rln, p.buf)
	}
	p.pub = newPub(ln, o.HWM)
	go p.run()
	return p, nil
}

// Topic is the first frame of every message: kv@<pod>@<model>.
func (p *Publisher) Topic() string { return string(p.topic) }

// Addr is the PUB socket's bound address (useful with port 0).
func (p *Publisher) Addr() net.Addr { return p.pub.ln.Addr() }

// ReplayAddr is the replay socket's bound address, nil without one.
func (p *Publisher) ReplayAddr() net.Addr {
	if p.replay == nil {
		return nil
	}
	return p.replay.ln.Addr()
}

// Subscribers counts connected subscribers whose filter matches the topic.
func (p *Publisher) Subscribers() int { return p.pub.subscribers(p.topic) }

// Sent counts batches published; Dropped counts events refused because
// MaxPending were waiting or the Publisher was closed.
func (p *Publisher) Sent() uint64    { return p.sent.Load() }
func (p *Publisher) Dropped() uint64 { return p.dropped.Load() }

// BlocksStored reports full blocks entering the cache: hashes[i] is block
// i's chained hash, parent the hash of the block before the first (when
// hasParent), tokens the blocks' token ids (len(hashes)·blockSize). The
// slices are copied.
func (p *Publisher) BlocksStored(parent uint64, hasParent bool, hashes []uint64, tokens []int32, blockSize int) {
	p.queue(event{kind: kindStored, parent: parent, hasParent: hasParent,
		hashes: append([]uint64(nil), hashes...), tokens: append([]int32(nil), tokens...), blockSize: blockSize})
}

// BlocksRemoved reports blocks evicted from the cache. hashes is copied.
func (p *Publisher) BlocksRemoved(hashes []uint64) {
	p.queue(event{kind: kindRemoved, hashes: append([]uint64(nil), hashes...)})
}

// AllBlocksCleared reports that the whole cache was emptied.
func (p *Publisher) AllBlocksCleared() { p.queue(event{kind: kindCleared}) }

func (p *Publisher) queue(ev event) {
	if p == nil {
		return
	}
	p.mu.Lock()
	if p.closed || len(p.pending) >= p.o.MaxPending {
		p.mu.Unlock()
		p.dropped.Add(1)
		return
	}
	p.pending = append(p.pending, ev)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// run publishes what is pending as one batch each time it wakes, until
// Close, then the rest.
func (p *Publisher) run() {
	defer close(p.done)
	for {
		<-p.wake
		p.mu.Lock()
		evs, closed := p.pending, p.closed
		p.pending = nil
		p.mu.Unlock()
		if len(evs) > 0 {
			p.publish(evs)
		}
		if closed {
			return
		}
	}
}

func (p *Publisher) publish(evs []event) {
	ts := float64(p.o.Now().UnixNano()) / 1e9
	payload := encodeBatch(p.o.Format, ts, evs, p.o.Medium)
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], p.seq)
	p.pub.send([][]byte{p.topic, seq[:], payload})
	p.buf.add(batch{seq: p.seq, payload: payload})
	p.seq++
	p.sent.Add(1)
}

// Close publishes the events already queued, gives subscribers a moment to
// receive them, and closes both sockets. Later observer calls are dropped.
func (p *Publisher) Close() error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	<-p.done
	err := p.pub.close()
	if p.replay != nil {
		err = errors.Join(err, p.replay.close())
	}
	return err
}

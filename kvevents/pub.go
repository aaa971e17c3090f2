package kvevents

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// handshakeTimeout bounds a new connection's greeting and READY exchange.
	handshakeTimeout = 10 * time.Second
	// writeTimeout bounds one write to a peer that does not read.
	writeTimeout = 10 * time.Second
	// linger bounds how long Close spends flushing a peer's queued messages.
	linger = 2 * time.Second
)

// listen binds a ZeroMQ TCP endpoint: tcp://*:PORT (all interfaces),
// tcp://HOST:PORT or tcp://[IPv6]:PORT. Port 0 picks a free port.
func listen(endpoint string) (net.Listener, error) {
	rest, ok := strings.CutPrefix(endpoint, "tcp://")
	if !ok {
		return nil, fmt.Errorf("kv events endpoint %q: only tcp://HOST:PORT is supported", endpoint)
	}
	if strings.HasPrefix(rest, "*:") {
		rest = rest[1:]
	}
	ln, err := net.Listen("tcp", rest)
	if err != nil {
		return nil, fmt.Errorf("kv events endpoint %q: %w", endpoint, err)
	}
	return ln, nil
}

// pubSocket is a ZeroMQ PUB socket that binds: every connected SUB (or
// XSUB) peer gets each message whose first frame starts with one of its
// subscriptions. A peer that falls hwm messages behind loses messages, as
// with libzmq's high-water mark; the publisher never waits for a reader.
type pubSocket struct {
	ln    net.Listener
	hwm   int
	conns connSet // connections still in their handshake
	mu    sync.Mutex
	peers map[*subPeer]struct{}
	done  bool
	wg    sync.WaitGroup
	drops atomic.Uint64 // messages not queued to a peer at its high-water mark
}

type subPeer struct {
	c    net.Conn
	r    *bufio.Reader // holds what arrived after the handshake
	mu   sync.Mutex
	subs [][]byte    // topic prefixes; empty prefix matches all
	out  chan []byte // encoded frames, ready to write
	quit chan struct{}
}

func newPub(ln net.Listener, hwm int) *pubSocket {
	p := &pubSocket{ln: ln, hwm: hwm, peers: map[*subPeer]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p
}

func (p *pubSocket) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *pubSocket) serve(c net.Conn) {
	defer p.wg.Done()
	defer c.Close()
	if !p.conns.add(c) {
		return
	}
	r := bufio.NewReader(c)
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	_, err := handshake(r, c, "PUB", "SUB", "XSUB")
	p.conns.remove(c)
	if err != nil {
		return
	}
	c.SetDeadline(time.Time{})
	sp := &subPeer{c: c, r: r, out: make(chan []byte, p.hwm), quit: make(chan struct{})}
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return
	}
	p.peers[sp] = struct{}{}
	p.mu.Unlock()
	writerDone := make(chan struct{})
	go func() { sp.write(); close(writerDone) }()
	sp.read()
	p.mu.Lock()
	if _, ok := p.peers[sp]; ok {
		delete(p.peers, sp)
		close(sp.quit)
	}
	p.mu.Unlock()
	<-writerDone
}

// read takes subscriptions until the connection ends: ZMTP 3.0 data frames
// (0x01 subscribe / 0x00 cancel, then the prefix) and the ZMTP 3.1
// SUBSCRIBE / CANCEL commands; a PING gets a PONG.
func (sp *subPeer) read() {
	onCmd := func(name string, data []byte) error {
		switch name {
		case "SUBSCRIBE":
			sp.subscribe(data, true)
		case "CANCEL":
			sp.subscribe(data, false)
		case "PING":
			if len(data) >= 2 {
				pong := appendFrame(nil, flagCommand, command("PONG", data[2:]))
				select {
				case sp.out <- pong:
				default:
				}
			}
		}
		return nil
	}
	for {
		parts, err := readMessage(sp.r, onCmd)
		if err != nil {
			return
		}
		if len(parts) == 1 && len(parts[0]) > 0 && parts[0][0] <= 1 {
			sp.subscribe(parts[0][1:], parts[0][0] == 1)
		}
	}
}

func (sp *subPeer) subscribe(prefix []byte, on bool) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for i, s := range sp.subs {
		if bytes.Equal(s, prefix) {
			if !on {
				sp.subs = append(sp.subs[:i], sp.subs[i+1:]...)
			}
			return
		}
	}
	if on {
		sp.subs = append(sp.subs, bytes.Clone(prefix))
	}
}

func (sp *subPeer) matches(topic []byte) bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for _, s := range sp.subs {
		if bytes.HasPrefix(topic, s) {
			return true
		}
	}
	return false
}

// write sends queued messages until quit, then what is still queued (the
// linger), each write bounded so a stalled reader cannot hold Close.
func (sp *subPeer) write() {
	defer sp.c.Close() // ends read
	w := bufio.NewWriter(sp.c)
	send := func(b []byte) bool {
		if _, err := w.Write(b); err != nil {
			return false
		}
		return len(sp.out) > 0 || w.Flush() == nil
	}
	for {
		select {
		case b := <-sp.out:
			sp.c.SetWriteDeadline(time.Now().Add(writeTimeout))
			if !send(b) {
				return
			}
		case <-sp.quit:
			sp.c.SetWriteDeadline(time.Now().Add(linger))
			for {
				select {
				case b := <-sp.out:
					if !send(b) {
						return
					}
				default:
					w.Flush()
					return
				}
			}
		}
	}
}

// send queues a multipart message to every peer subscribed to its first
// frame (the topic).
func (p *pubSocket) send(parts [][]byte) {
	b := appendMessage(nil, parts)
	p.mu.Lock()
	defer p.mu.Unlock()
	for sp := range p.peers {
		if !sp.matches(parts[0]) {
			continue
		}
		select {
		case sp.out <- b:
		default:
			p.drops.Add(1)
		}
	}
}

// subscribers counts connected peers with at least one subscription
// matching topic.
func (p *pubSocket) subscribers(topic []byte) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for sp := range p.peers {
		if sp.matches(topic) {
			n++
		}
	}
	return n
}

// close stops accepting, flushes what each peer has queued, and waits.
func (p *pubSocket) close() error {
	err := p.ln.Close()
	p.conns.closeAll()
	p.mu.Lock()
	p.done = true
	for sp := range p.peers {
		delete(p.peers, sp)
		close(sp.quit)
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

package kvevents

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"time"
)

// endSeq ends a replay answer: -1 as an 8-byte big-endian signed integer.
var endSeq = []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// batch is one published EventBatch: its sequence number and payload.
type batch struct {
	seq     uint64
	payload []byte
}

// ring keeps the last n published batches for replay.
type ring struct {
	mu    sync.Mutex
	items []batch
	next  int // where the next batch goes once items is full
	n     int
}

func (r *ring) add(b batch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.items) < r.n {
		r.items = append(r.items, b)
		return
	}
	r.items[r.next] = b
	r.next = (r.next + 1) % r.n
}

// since returns the kept batches with seq >= start, oldest first.
func (r *ring) since(start uint64) []batch {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []batch
	for i := range r.items {
		b := r.items[(r.next+i)%len(r.items)]
		if b.seq >= start {
			out = append(out, b)
		}
	}
	return out
}

// parseReplayRequest reads a replay request as it arrives on the wire at a
// ROUTER: [empty delimiter, start] from a REQ or vLLM-style DEALER client,
// or [start] from a DEALER that sends no delimiter. start is an 8-byte
// big-endian sequence number. delim reports whether answers carry the
// delimiter back.
func parseReplayRequest(parts [][]byte) (start uint64, delim bool, err error) {
	if len(parts) == 2 && len(parts[0]) == 0 {
		parts, delim = parts[1:], true
	}
	if len(parts) != 1 || len(parts[0]) != 8 {
		return 0, false, fmt.Errorf("replay request: want [\"\", 8-byte start sequence], got %d frames", len(parts))
	}
	return binary.BigEndian.Uint64(parts[0]), delim, nil
}

// replaySocket is the ROUTER side of vLLM's replay protocol. For a request
// it sends [empty, seq, payload] for every kept batch from the requested
// sequence number on, then [empty, -1, empty] (endSeq, no payload). A
// ROUTER routes answers by the requesting peer's identity; every answer
// here goes back on the connection the request came from, which is what
// that routing amounts to. Malformed requests are ignored, as vLLM does.
type replaySocket struct {
	ln    net.Listener
	buf   *ring
	conns connSet
	wg    sync.WaitGroup
}

func newReplay(ln net.Listener, buf *ring) *replaySocket {
	s := &replaySocket{ln: ln, buf: buf}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go s.serve(c)
		}
	}()
	return s
}

func (s *replaySocket) serve(c net.Conn) {
	defer s.wg.Done()
	defer c.Close()
	if !s.conns.add(c) {
		return
	}
	defer s.conns.remove(c)
	r := bufio.NewReader(c)
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	if _, err := handshake(r, c, "ROUTER", "REQ", "DEALER", "ROUTER"); err != nil {
		return
	}
	c.SetDeadline(time.Time{})
	w := bufio.NewWriter(c)
	for {
		parts, err := readMessage(r, func(string, []byte) error { return nil })
		if err != nil {
			return
		}
		start, delim, err := parseReplayRequest(parts)
		if err != nil {
			continue
		}
		var head [][]byte
		if delim {
			head = [][]byte{{}}
		}
		c.SetWriteDeadline(time.Now().Add(writeTimeout))
		var seq [8]byte
		for _, b := range s.buf.since(start) {
			binary.BigEndian.PutUint64(seq[:], b.seq)
			if _, err := w.Write(appendMessage(nil, append(head, seq[:], b.payload))); err != nil {
				return
			}
		}
		if _, err := w.Write(appendMessage(nil, append(head, endSeq, nil))); err != nil {
			return
		}
		if w.Flush() != nil {
			return
		}
	}
}

func (s *replaySocket) close() error {
	err := s.ln.Close()
	s.conns.closeAll()
	s.wg.Wait()
	return err
}

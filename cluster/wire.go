package cluster

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// The body of a forward call (little-endian throughout):
//
//	magic "HPF1"
//	assign u64            the assignment the leader believes is in force
//	nfree u32, nseq u32
//	nfree × id u64        sequences the leader no longer holds
//	nseq × (id u64, p0 u32, maxLen u32, n u32, n × token i32)
//	T·D × f32             the hidden states of all new tokens, in sequence order
//
// The reply is T·D × f32: the hidden states after the worker's layers.
const wireMagic = "HPF1"

// wireSeq is one sequence of a forward call: n new tokens at positions
// p0 … p0+n-1 of sequence id, whose cache holds up to maxLen positions.
type wireSeq struct {
	id     uint64
	p0     int
	maxLen int
	ids    []int32
}

// forwardMsg is a decoded forward call.
type forwardMsg struct {
	assign uint64
	free   []uint64
	seqs   []wireSeq
	hidden []float32
}

// tokens is the number of new tokens of all sequences.
func (m *forwardMsg) tokens() int {
	n := 0
	for _, s := range m.seqs {
		n += len(s.ids)
	}
	return n
}

// appendForward encodes m after b.
func appendForward(b []byte, m *forwardMsg) []byte {
	le := binary.LittleEndian
	b = slices.Grow(b, 20+8*len(m.free)+20*len(m.seqs)+4*m.tokens()+4*len(m.hidden))
	b = append(b, wireMagic...)
	b = le.AppendUint64(b, m.assign)
	b = le.AppendUint32(b, uint32(len(m.free)))
	b = le.AppendUint32(b, uint32(len(m.seqs)))
	for _, id := range m.free {
		b = le.AppendUint64(b, id)
	}
	for _, s := range m.seqs {
		b = le.AppendUint64(b, s.id)
		b = le.AppendUint32(b, uint32(s.p0))
		b = le.AppendUint32(b, uint32(s.maxLen))
		b = le.AppendUint32(b, uint32(len(s.ids)))
		for _, t := range s.ids {
			b = le.AppendUint32(b, uint32(t))
		}
	}
	return appendF32(b, m.hidden)
}

// appendF32 appends xs as raw little-endian float32 (bit-exact).
func appendF32(b []byte, xs []float32) []byte {
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// readF32 decodes raw little-endian float32; len(b) must be a multiple of 4.
func readF32(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("cluster: %d bytes of float32 data is not a multiple of 4", len(b))
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

// reader takes little-endian fields off a byte slice, remembering the first
// shortfall.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = fmt.Errorf("cluster: forward message truncated (%d bytes wanted, %d left)", n, len(r.b))
		return nil
	}
	x := r.b[:n]
	r.b = r.b[n:]
	return x
}

func (r *reader) u32() uint32 {
	if x := r.take(4); x != nil {
		return binary.LittleEndian.Uint32(x)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if x := r.take(8); x != nil {
		return binary.LittleEndian.Uint64(x)
	}
	return 0
}

// maxWireInt bounds positions and lengths so that they fit an int32 and
// every derived size stays far from overflow.
const maxWireInt = 1 << 30

// decodeForward parses a forward call for a model of hidden width d. Every
// count is checked against the bytes that remain before anything is
// allocated, so a hostile body cannot make it allocate more than its size.
func decodeForward(b []byte, d int) (*forwardMsg, error) {
	r := &reader{b: b}
	if string(r.take(4)) != wireMagic {
		return nil, fmt.Errorf("cluster: not a forward message (magic %q, want %q)", b[:min(4, len(b))], wireMagic)
	}
	m := &forwardMsg{assign: r.u64()}
	nfree, nseq := int(r.u32()), int(r.u32())
	if r.err != nil {
		return nil, r.err
	}
	if nfree > len(r.b)/8 || nseq > len(r.b)/20 {
		return nil, fmt.Errorf("cluster: forward message claims %d freed and %d sequences in %d bytes", nfree, nseq, len(r.b))
	}
	m.free = make([]uint64, nfree)
	for i := range m.free {
		m.free[i] = r.u64()
	}
	m.seqs = make([]wireSeq, nseq)
	T := 0
	for i := range m.seqs {
		s := &m.seqs[i]
		s.id = r.u64()
		p0, maxLen, n := r.u32(), r.u32(), r.u32()
		if r.err != nil {
			return nil, r.err
		}
		if p0 > maxWireInt || maxLen > maxWireInt || n == 0 || n > uint32(len(r.b)/4) {
			return nil, fmt.Errorf("cluster: sequence %d: position %d, context %d, %d tokens in %d bytes", i, p0, maxLen, n, len(r.b))
		}
		s.p0, s.maxLen = int(p0), int(maxLen)
		s.ids = make([]int32, n)
		for t := range s.ids {
			s.ids[t] = int32(r.u32())
		}
		T += int(n)
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != T*d*4 {
		return nil, fmt.Errorf("cluster: %d bytes of hidden states for %d tokens of width %d (want %d)", len(r.b), T, d, T*d*4)
	}
	h, err := readF32(r.b)
	if err != nil {
		return nil, err
	}
	m.hidden = h
	return m, nil
}

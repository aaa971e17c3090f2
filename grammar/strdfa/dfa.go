package strdfa

import (
	"math/bits"
	"sort"
	"strings"
	"unicode/utf8"
)

// DFA is a deterministic automaton over the bytes of a JSON string's body
// (between the quotes) as this package writes it: the strings that a
// pattern or format allows. Beside it, minLength and maxLength are enforced
// exactly: reach says, per state, how many more code points can lead to
// acceptance, so that every state a caller enters through Step and Ok can
// still be completed within the limits. States are int32; the start state
// is 0. A DFA is immutable and safe for concurrent use.
type DFA struct {
	class  [256]uint8 // byte → its equivalence class
	ncls   int
	next   []int32 // state*ncls + class → state, or -1
	accept []bool
	bound  []bool // the state is between characters

	minLen, maxLen int      // the string's limits (maxLen < 0: none)
	cap            int      // lengths ≥ cap are one bucket
	words          int      // uint64 words per state in reach
	reach          []uint64 // state s: bit l set if l more code points can end it (l == cap: ≥ cap)
}

// Limits of the automata built for patterns and formats.
const (
	maxNFAStates   = 1 << 16
	maxDFAStates   = 1 << 13
	maxReachWords  = 1 << 20
	maxBuildWork   = 1 << 25 // steps of the subset construction and of computeReach
	errPatternSize = "too large to enforce"
)

// nfa is a Thompson automaton over bytes.
type nfa struct {
	eps   [][]int32
	edges [][]nfaEdge
	mid   []bool // inside a character's bytes
}

type nfaEdge struct {
	lo, hi byte
	to     int32
}

func (a *nfa) state(mid bool) int32 {
	a.eps = append(a.eps, nil)
	a.edges = append(a.edges, nil)
	a.mid = append(a.mid, mid)
	return int32(len(a.mid) - 1)
}

// build adds r between fresh states and returns them.
func (a *nfa) build(r *rx) (in, out int32, err error) {
	if len(a.mid) > maxNFAStates {
		return 0, 0, rxErr("pattern %s", errPatternSize)
	}
	in, out = a.state(false), a.state(false)
	switch r.op {
	case rxClass:
		a.class(r.ranges, in, out)
	case rxCat:
		cur := in
		for _, s := range r.subs {
			i, o, err := a.build(s)
			if err != nil {
				return 0, 0, err
			}
			a.eps[cur] = append(a.eps[cur], i)
			cur = o
		}
		a.eps[cur] = append(a.eps[cur], out)
	case rxAlt:
		for _, s := range r.subs {
			i, o, err := a.build(s)
			if err != nil {
				return 0, 0, err
			}
			a.eps[in] = append(a.eps[in], i)
			a.eps[o] = append(a.eps[o], out)
		}
	case rxRepeat:
		cur := in
		for k := 0; k < r.min; k++ {
			i, o, err := a.build(r.subs[0])
			if err != nil {
				return 0, 0, err
			}
			a.eps[cur] = append(a.eps[cur], i)
			cur = o
		}
		if r.max < 0 {
			i, o, err := a.build(r.subs[0])
			if err != nil {
				return 0, 0, err
			}
			a.eps[cur] = append(a.eps[cur], i, out)
			a.eps[o] = append(a.eps[o], cur)
			return in, out, nil
		}
		for k := r.min; k < r.max; k++ {
			i, o, err := a.build(r.subs[0])
			if err != nil {
				return 0, 0, err
			}
			a.eps[cur] = append(a.eps[cur], i, out)
			cur = o
		}
		a.eps[cur] = append(a.eps[cur], out)
	default:
		return 0, 0, rxErr("misplaced anchor")
	}
	return in, out, nil
}

// jsonEscapes are the characters written as two-byte escapes.
var jsonEscapes = map[rune]byte{'"': '"', '\\': '\\', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't'}

// class adds edges from in to out for each character of ranges, as written
// in a JSON string.
func (a *nfa) class(ranges []rune, in, out int32) {
	// The characters written raw: U+0020 and above but " \ and surrogates.
	raw := intersect(ranges, []rune{0x20, '"' - 1, '"' + 1, '\\' - 1, '\\' + 1, 0xD7FF, 0xE000, utf8.MaxRune})
	for i := 0; i < len(raw); i += 2 {
		utf8Seqs(raw[i], raw[i+1], func(seq [][2]byte) {
			cur := in
			for j, br := range seq {
				to := out
				if j < len(seq)-1 {
					to = a.state(true)
				}
				a.edges[cur] = append(a.edges[cur], nfaEdge{br[0], br[1], to})
				cur = to
			}
		})
	}
	for c, e := range jsonEscapes {
		if inRanges(ranges, c) {
			m := a.state(true)
			a.edges[in] = append(a.edges[in], nfaEdge{'\\', '\\', m})
			a.edges[m] = append(a.edges[m], nfaEdge{e, e, out})
		}
	}
}

func inRanges(rs []rune, c rune) bool {
	for i := 0; i < len(rs); i += 2 {
		if rs[i] <= c && c <= rs[i+1] {
			return true
		}
	}
	return false
}

// intersect returns the intersection of two sets of sorted ranges.
func intersect(a, b []rune) []rune {
	var out []rune
	for i := 0; i < len(a); i += 2 {
		for j := 0; j < len(b); j += 2 {
			lo, hi := max(a[i], b[j]), min(a[i+1], b[j+1])
			if lo <= hi {
				out = append(out, lo, hi)
			}
		}
	}
	return normalize(out)
}

// utf8Seqs calls emit with the byte-range sequences whose UTF-8 encodings
// are exactly the code points lo..hi (no surrogates).
func utf8Seqs(lo, hi rune, emit func([][2]byte)) {
	if lo > hi {
		return
	}
	for _, b := range []rune{0x7F, 0x7FF, 0xFFFF} {
		if lo <= b && b < hi {
			utf8Seqs(lo, b, emit)
			utf8Seqs(b+1, hi, emit)
			return
		}
	}
	n := utf8.RuneLen(lo)
	for i := 1; i < n; i++ {
		m := rune(1)<<(6*i) - 1
		if lo&^m != hi&^m {
			if lo&m != 0 {
				utf8Seqs(lo, lo|m, emit)
				utf8Seqs((lo|m)+1, hi, emit)
				return
			}
			if hi&m != m {
				utf8Seqs(lo, (hi&^m)-1, emit)
				utf8Seqs(hi&^m, hi, emit)
				return
			}
		}
	}
	a, b := utf8.AppendRune(nil, lo), utf8.AppendRune(nil, hi)
	seq := make([][2]byte, len(a))
	for i := range a {
		seq[i] = [2]byte{a[i], b[i]}
	}
	emit(seq)
}

// closure adds to set the states reachable by ε from it.
func (a *nfa) closure(set []int32, seen []bool) []int32 {
	for i := 0; i < len(set); i++ {
		for _, e := range a.eps[set[i]] {
			if !seen[e] {
				seen[e] = true
				set = append(set, e)
			}
		}
	}
	return set
}

// Compile builds the automaton of p for strings of minLen to maxLen code
// points (maxLen < 0: no maximum). A refusal (an automaton too large) is an
// *Error.
func (p *Pattern) Compile(minLen, maxLen int) (*DFA, error) {
	return compile(p.r, minLen, maxLen)
}

// compile builds the automaton of r with the string's length limits.
func compile(r *rx, minLen, maxLen int) (*DFA, error) {
	a := &nfa{}
	in, out, err := a.build(r)
	if err != nil {
		return nil, err
	}
	d := &DFA{minLen: minLen, maxLen: maxLen}
	// Byte classes: bytes no edge tells apart share one.
	var cut [257]bool
	for _, es := range a.edges {
		for _, e := range es {
			cut[e.lo], cut[int(e.hi)+1] = true, true
		}
	}
	for b := 1; b < 256; b++ {
		if cut[b] {
			d.ncls++
		}
		d.class[b] = uint8(d.ncls)
	}
	d.ncls++
	rep := make([]byte, d.ncls)
	for b := 255; b >= 0; b-- {
		rep[d.class[b]] = byte(b)
	}
	key := func(set []int32) string {
		sort.Slice(set, func(i, j int) bool { return set[i] < set[j] })
		var sb strings.Builder
		for _, s := range set {
			sb.Write([]byte{byte(s), byte(s >> 8), byte(s >> 16), byte(s >> 24)})
		}
		return sb.String()
	}
	seen := make([]bool, len(a.mid))
	start := a.closure([]int32{in}, func() []bool { seen[in] = true; return seen }())
	ids := map[string]int32{key(start): 0}
	sets := [][]int32{start}
	work := 0
	for i := 0; i < len(sets); i++ {
		set := sets[i]
		if work += len(set) * d.ncls; work > maxBuildWork {
			return nil, rxErr("pattern %s", errPatternSize)
		}
		acc, bnd := false, false
		for _, s := range set {
			acc = acc || s == out
			bnd = bnd || !a.mid[s]
		}
		d.accept = append(d.accept, acc)
		d.bound = append(d.bound, bnd)
		for c := 0; c < d.ncls; c++ {
			b := rep[c]
			clear(seen)
			var nx []int32
			for _, s := range set {
				for _, e := range a.edges[s] {
					if e.lo <= b && b <= e.hi && !seen[e.to] {
						seen[e.to] = true
						nx = append(nx, e.to)
					}
				}
			}
			if len(nx) == 0 {
				d.next = append(d.next, -1)
				continue
			}
			nx = a.closure(nx, seen)
			k := key(nx)
			id, ok := ids[k]
			if !ok {
				if len(sets) >= maxDFAStates {
					return nil, rxErr("pattern %s", errPatternSize)
				}
				id = int32(len(sets))
				ids[k] = id
				sets = append(sets, nx)
			}
			d.next = append(d.next, id)
		}
	}
	if err := d.computeReach(); err != nil {
		return nil, err
	}
	return d, nil
}

// computeReach fills reach: the least fixpoint of "accepting: 0; an edge
// to t: t's lengths, plus one when the edge begins a character".
func (d *DFA) computeReach() error {
	n := len(d.accept)
	d.cap = d.minLen
	if d.maxLen >= 0 {
		d.cap = d.maxLen + 1
	}
	d.words = d.cap/64 + 1
	if n*d.words > maxReachWords {
		return rxErr("minLength or maxLength with this pattern or format is %s", errPatternSize)
	}
	d.reach = make([]uint64, n*d.words)
	preds := make([][]int32, n)
	for s := 0; s < n; s++ {
		for c := 0; c < d.ncls; c++ {
			if t := d.next[s*d.ncls+c]; t >= 0 {
				preds[t] = append(preds[t], int32(s))
			}
		}
	}
	var work []int32
	for s := 0; s < n; s++ {
		if d.accept[s] {
			d.reach[s*d.words] |= 1
			work = append(work, int32(s))
		}
	}
	tmp := make([]uint64, d.words)
	budget := maxBuildWork
	for len(work) > 0 {
		if budget -= d.words * (1 + len(preds[work[len(work)-1]])); budget < 0 {
			return rxErr("minLength or maxLength with this pattern or format is %s", errPatternSize)
		}
		t := work[len(work)-1]
		work = work[:len(work)-1]
		for _, s := range preds[t] {
			src := d.reach[int(t)*d.words : int(t+1)*d.words]
			copy(tmp, src)
			if d.bound[s] {
				d.shift(tmp)
			}
			dst := d.reach[int(s)*d.words : int(s+1)*d.words]
			changed := false
			for i := range dst {
				if tmp[i]&^dst[i] != 0 {
					dst[i] |= tmp[i]
					changed = true
				}
			}
			if changed {
				work = append(work, s)
			}
		}
	}
	// Edges into states that cannot end within the limits are dropped, and
	// so are states no length fits.
	for i, t := range d.next {
		if t >= 0 && !d.anyBit(t, 0, d.cap) {
			d.next[i] = -1
		}
	}
	return nil
}

// shift adds one to every length in ls, saturating at cap.
func (d *DFA) shift(ls []uint64) {
	var carry uint64
	for i := range ls {
		nc := ls[i] >> 63
		ls[i] = ls[i]<<1 | carry
		carry = nc
	}
	top := d.cap / 64
	capBit := uint64(1) << (d.cap % 64)
	if carry != 0 || ls[top]&^(capBit|(capBit-1)) != 0 {
		ls[top] |= capBit
	}
	ls[top] &= capBit | (capBit - 1)
}

// anyBit reports whether state s has a length in [lo, hi].
func (d *DFA) anyBit(s int32, lo, hi int) bool {
	if lo > hi {
		return false
	}
	row := d.reach[int(s)*d.words : int(s+1)*d.words]
	for w := lo / 64; w <= hi/64; w++ {
		x := row[w]
		if w == lo/64 {
			x &= ^uint64(0) << (lo % 64)
		}
		if w == hi/64 && hi%64 != 63 {
			x &= uint64(1)<<(hi%64+1) - 1
		}
		if bits.OnesCount64(x) > 0 {
			return true
		}
	}
	return false
}

// Ok reports whether state s, with n code points written, can still end
// within the length limits.
func (d *DFA) Ok(s int32, n int) bool {
	lo := max(0, d.minLen-n)
	hi := d.cap
	if d.maxLen >= 0 {
		hi = d.maxLen - n
	}
	return d.anyBit(s, min(lo, d.cap), hi)
}

// Step returns the state after byte b from s, or -1 when b is refused
// there (by the pattern, or because no length within the limits remains).
func (d *DFA) Step(s int32, b byte) int32 {
	return d.next[int(s)*d.ncls+int(d.class[b])]
}

// Accept reports whether the string may end in state s, as far as the
// pattern goes; the caller checks minLength with its code point count.
func (d *DFA) Accept(s int32) bool { return d.accept[s] }

package grammar

import (
	"math"
	"math/bits"
	"slices"
)

// Constraint restricts generation to a Grammar's values, token by token. It
// implements the engine's Constraint interface: the engine calls Mask, picks
// a token, then calls Accept with it. One Constraint serves one generation;
// it is not safe for concurrent use.
type Constraint struct {
	g       *Grammar
	v       *vocab
	m       *Matcher
	stop    []int32
	allowed []uint64 // scratch: the allowed ids of the last Mask
	stk     []thread // scratch: walk states by trie depth
	state   int
}

// Constraint states.
const (
	running = iota
	stopped // a stop token was accepted after a complete value
	failed  // a token the mask did not allow was accepted
)

// NewConstraint returns a Constraint that lets the model generate one value
// of g and then only one of the stop tokens (the request's end-of-turn ids,
// which must not be empty) to end. The vocabulary index of ts is built on
// first use and cached (see Prepare).
func NewConstraint(ts TokenSource, g *Grammar, stop []int32) *Constraint {
	v := vocabOf(ts)
	n := v.size
	for _, s := range stop {
		n = max(n, int(s)+1)
	}
	return &Constraint{
		g: g, v: v, m: g.NewMatcher(), stop: slices.Clone(stop),
		allowed: make([]uint64, (n+63)/64),
		stk:     make([]thread, v.full.maxDepth+1),
	}
}

// Complete reports whether the tokens accepted so far form a complete value.
func (c *Constraint) Complete() bool {
	return c.state == stopped || c.state == running && c.m.Complete()
}

// Failed reports whether Accept was given a token the grammar does not
// allow (one Mask had removed); the output is then not valid.
func (c *Constraint) Failed() bool { return c.state == failed }

// Mask sets to -Inf the logit of every token that may not come next: tokens
// whose bytes the grammar rejects, special tokens, and the stop tokens until
// the value is complete. Once it is complete, only the stop tokens remain
// (and, after a top-level number, the digits that may extend it).
func (c *Constraint) Mask(logits []float32) {
	clear(c.allowed)
	end := c.state != running
	if !end {
		c.collect()
		end = c.m.Complete()
	}
	for _, s := range c.stop {
		if s < 0 {
			continue
		}
		if end {
			c.allowed[s/64] |= 1 << (s % 64)
		} else {
			c.allowed[s/64] &^= 1 << (s % 64)
		}
	}
	if !slices.ContainsFunc(c.allowed, func(w uint64) bool { return w != 0 }) {
		// Unreachable for a vocabulary with every single byte; ending is
		// better than leaving the sampler nothing.
		for _, s := range c.stop {
			if s >= 0 {
				c.allowed[s/64] |= 1 << (s % 64)
			}
		}
	}
	apply(logits, c.allowed)
}

// negInf is a run of -Inf to copy over the logits of disallowed ids.
var negInf = func() (a [64]float32) {
	for i := range a {
		a[i] = float32(math.Inf(-1))
	}
	return
}()

// apply sets logits[i] to -Inf where bit i of allowed is clear.
func apply(logits []float32, allowed []uint64) {
	for base := 0; base < len(logits); base += 64 {
		var word uint64
		if w := base / 64; w < len(allowed) {
			word = allowed[w]
		}
		part := logits[base:min(base+64, len(logits))]
		if bits.OnesCount64(word) < 32 {
			// Mostly disallowed: keep the allowed few, overwrite the rest.
			var keep [64]float32
			for m := word; m != 0; m &= m - 1 {
				if i := bits.TrailingZeros64(m); i < len(part) {
					keep[i] = part[i]
				}
			}
			copy(part, negInf[:])
			for m := word; m != 0; m &= m - 1 {
				if i := bits.TrailingZeros64(m); i < len(part) {
					part[i] = keep[i]
				}
			}
			continue
		}
		for m := ^word; m != 0; m &= m - 1 {
			if i := bits.TrailingZeros64(m); i < len(part) {
				part[i] = negInf[0]
			}
		}
	}
}

// collect sets in c.allowed the tokens every byte of which some thread of
// the matcher accepts.
func (c *Constraint) collect() {
	for i := range c.m.th {
		t := c.m.th[i]
		f := &t.top
		if f.str.clean() && (f.kind == fString && c.g.nodes[f.node].re == nil || f.kind == fObject && f.st == oKey && c.g.nodes[f.node].keys == nil) {
			// Inside a string: tokens of whole plain characters are allowed
			// whatever surrounds the string; walk only the others.
			room := -1
			if f.kind == fString && c.g.nodes[f.node].maxLen >= 0 {
				room = c.g.nodes[f.node].maxLen - int(f.n)
			}
			c.addSafe(room)
			c.walk(c.v.rest, 0, int32(len(c.v.rest.label)), t)
			continue
		}
		c.walk(c.v.full, 0, int32(len(c.v.full.label)), t)
	}
}

// addSafe allows the string-safe tokens that fit in a string with room
// code points left (< 0: unbounded).
func (c *Constraint) addSafe(room int) {
	v := c.v
	if room < 0 || room >= v.maxSafeRunes {
		for w, x := range v.safe {
			c.allowed[w] |= x
		}
		return
	}
	for w, x := range v.safeUpTo[min(room, len(v.safeUpTo)-1)] {
		c.allowed[w] |= x
	}
	for _, id := range v.longSafe {
		if int(v.runes[id]) <= room {
			c.allowed[id/64] |= 1 << (id % 64)
		}
	}
}

// walk allows the tokens of trie nodes from..to-1 (a run of siblings'
// subtrees whose parent's state is t) that the grammar accepts.
func (c *Constraint) walk(tr *tokTrie, from, to int32, t thread) {
	if from >= to {
		return
	}
	stk := c.stk
	base := int(tr.depth[from]) - 1
	stk[base] = t
	g := c.g
	for i := from; i < to; {
		d := int(tr.depth[i])
		s := stk[d-1]
		var extra []thread
		if !g.step(&s, tr.label[i], &extra) {
			i = tr.skip[i]
			continue
		}
		c.mark(tr, i)
		for _, e := range extra { // another reading: walk the subtree with it too
			c.walk(tr, i+1, tr.skip[i], e)
		}
		stk[d] = s
		i++
	}
}

// mark allows the tokens ending at node i.
func (c *Constraint) mark(tr *tokTrie, i int32) {
	id := tr.tok[i]
	if id < 0 {
		return
	}
	c.allowed[id/64] |= 1 << (id % 64)
	for _, d := range tr.dups[i] {
		c.allowed[d/64] |= 1 << (d % 64)
	}
}

// Advance feeds text that was generated before the constraint took over
// (one started lazily, when the model has begun a value on its own) and
// reports whether the grammar accepts it; if not, the state is unchanged.
func (c *Constraint) Advance(text string) bool {
	return c.state == running && c.m.FeedString(text)
}

// Accept advances the state with the chosen token id.
func (c *Constraint) Accept(id int32) {
	if c.state != running {
		return
	}
	if slices.Contains(c.stop, id) {
		c.state = failed
		if c.m.Complete() {
			c.state = stopped
		}
		return
	}
	if id < 0 || int(id) >= c.v.size || c.v.bytes[id] == "" || !c.m.FeedString(c.v.bytes[id]) {
		c.state = failed
	}
}

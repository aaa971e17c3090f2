package grammar

// frame is the state of one open value. The frames of a thread form a stack:
// the top one by value, the ones below in an immutable linked list shared
// between states, so that copying a state is cheap.
type frame struct {
	kind uint8  // fRoot, fObject, ...
	st   uint8  // sub-state, per kind
	ws   uint8  // whitespace bytes in the current run
	nd   uint8  // number: digits in the current part
	str  strLex // string; object: a free key
	node int32  // schema node
	pos  int32  // literal: trie node; object: key trie node
	n    int32  // array: items begun; object: the current key's value node; string: code points
	used []uint64
}

// Frame kinds.
const (
	fRoot    = iota // the bottom: st 0 before the value, 1 after it
	fObject         // st: oOpen...
	fArray          // st: aOpen...
	fString         // str
	fNumber         // st: numStart...
	fLiteral        // pos
)

// Object sub-states.
const (
	oOpen  = iota // after '{'
	oKey          // inside a key
	oColon        // after a key
	oValue        // after ':'
	oAfter        // after a value
	oComma        // after ','
)

// Array sub-states.
const (
	aOpen  = iota // after '['
	aAfter        // after an item
	aComma        // after ','
)

// link is a frame below the top of a stack.
type link struct {
	f    frame
	next *link
}

// thread is one parse state: the open frames.
type thread struct {
	top  frame
	rest *link
}

func (t *thread) pop() {
	t.top = t.rest.f
	t.rest = t.rest.next
}

// step advances t by byte b and reports whether b is allowed. Where a
// union leaves several readings, t gets the first and the others are
// appended to *extra. On false, t is left in an unspecified state.
func (g *Grammar) step(t *thread, b byte, extra *[]thread) bool {
	for {
		f := &t.top
		switch f.kind {
		case fRoot:
			if f.st != 0 {
				return false
			}
			f.st = 1
			return g.startValue(t, g.root, b, extra)
		case fString:
			nd := &g.nodes[f.node]
			res, starts := f.str.step(b)
			switch res {
			case lexReject:
				return false
			case lexClose:
				if int(f.n) < nd.minLen || nd.re != nil && !nd.re.Accept(f.pos) {
					return false
				}
				t.pop()
				return true
			}
			if nd.re != nil {
				s := nd.re.Step(f.pos, b)
				n := int(f.n)
				if starts {
					n++
				}
				if s < 0 || !nd.re.Ok(s, n) {
					return false
				}
				f.pos, f.n = s, int32(n)
				return true
			}
			if starts {
				if nd.maxLen >= 0 && int(f.n) >= nd.maxLen {
					return false
				}
				f.n++
			}
			return true
		case fNumber:
			if d := g.nodes[f.node].num; d != nil {
				if s := d.step(f.pos, b); s >= 0 {
					f.pos = s
					return true
				}
				if !d.accept[f.pos] {
					return false
				}
				t.pop()
				continue
			}
			switch numStep(&f.st, &f.nd, b, g.nodes[f.node].kind == kInteger) {
			case lexOK:
				return true
			case lexEnd:
				t.pop()
				continue // b belongs to the enclosing value
			}
			return false
		case fLiteral:
			lt := g.nodes[f.node].lits
			uniq := g.uniqueParent(&t.rest.f)
			if c := lt.child(f.pos, b); c >= 0 && (!uniq || anyClear(t.rest.f.used, lt.lo[c], lt.hi[c])) {
				f.pos = c
				if lt.leaf(c) {
					k := lt.term[c]
					t.pop()
					if uniq {
						t.top.used = withBit(t.top.used, k)
					}
				}
				return true
			}
			if k := lt.term[f.pos]; k >= 0 {
				if uniq && !anyClear(t.rest.f.used, k, k+1) {
					return false
				}
				t.pop()
				if uniq {
					t.top.used = withBit(t.top.used, k)
				}
				continue
			}
			return false
		case fObject:
			return g.stepObject(t, b, extra)
		case fArray:
			return g.stepArray(t, b, extra)
		}
		return false
	}
}

// space consumes whitespace b where a value's frame allows it: f.ws is 0
// before any, 1 after a single space (nothing more may follow) and 2+k
// after a newline and k indent bytes (see MaxIndent).
func (g *Grammar) space(f *frame, b byte) bool {
	switch {
	case f.ws == 0 && b == ' ':
		f.ws = 1
	case f.ws == 0 && b == '\n':
		f.ws = 2
	case f.ws >= 2 && f.ws < 2+MaxIndent && (b == ' ' || b == '\t'):
		f.ws++
	default:
		return false
	}
	return true
}

func (g *Grammar) stepObject(t *thread, b byte, extra *[]thread) bool {
	f := &t.top
	nd := &g.nodes[f.node]
	if f.st != oKey && isWS(b) {
		return g.space(f, b)
	}
	switch f.st {
	case oOpen, oComma:
		if b == '}' && f.st == oOpen && g.requiredDone(nd, f.used) {
			t.pop()
			return true
		}
		if b != '"' || !g.keyAvailable(nd, f.used) {
			return false
		}
		f.st, f.ws = oKey, 0
		if nd.keys != nil {
			f.pos = nd.keys.child(0, '"')
		} else {
			f.str = strLex{}
		}
		return true
	case oKey:
		if nd.keys == nil {
			switch res, _ := f.str.step(b); res {
			case lexReject:
				return false
			case lexClose:
				f.st, f.n = oColon, nd.addl
			}
			return true
		}
		c := nd.keys.child(f.pos, b)
		if c < 0 || !anyClear(f.used, nd.keys.lo[c], nd.keys.hi[c]) {
			return false
		}
		f.pos = c
		if k := nd.keys.term[c]; k >= 0 { // the closing quote
			f.used = withBit(f.used, k)
			f.st, f.n = oColon, nd.props[k]
		}
		return true
	case oColon:
		if b != ':' {
			return false
		}
		f.st, f.ws = oValue, 0
		return true
	case oValue:
		f.st, f.ws = oAfter, 0
		return g.startValue(t, f.n, b, extra)
	case oAfter:
		if b == ',' && g.keyAvailable(nd, f.used) {
			f.st, f.ws = oComma, 0
			return true
		}
		if b == '}' && g.requiredDone(nd, f.used) {
			t.pop()
			return true
		}
	}
	return false
}

func (g *Grammar) stepArray(t *thread, b byte, extra *[]thread) bool {
	f := &t.top
	nd := &g.nodes[f.node]
	if isWS(b) {
		return g.space(f, b)
	}
	switch f.st {
	case aOpen, aAfter:
		if b == ']' && int(f.n) >= nd.minItems {
			t.pop()
			return true
		}
		if f.st == aAfter {
			if b != ',' || !g.canAddItem(nd, f.n, f.used) {
				return false
			}
			f.st, f.ws = aComma, 0
			return true
		}
		if !g.canAddItem(nd, f.n, f.used) {
			return false
		}
	}
	item := nd.item(f.n)
	f.n++
	f.st, f.ws = aAfter, 0
	return g.startValue(t, item, b, extra)
}

// keyAvailable reports whether an object of nd may take another key.
func (g *Grammar) keyAvailable(nd *node, used []uint64) bool {
	if nd.keys == nil {
		return nd.addl >= 0 && g.nodes[nd.addl].finite
	}
	return anyClear(used, 0, int32(len(nd.props)))
}

// requiredDone reports whether every required key of nd is in used.
func (g *Grammar) requiredDone(nd *node, used []uint64) bool {
	for i, w := range nd.required {
		if w&^used[i] != 0 {
			return false
		}
	}
	return true
}

// uniqueParent reports whether f is the frame of a uniqueItems array (whose
// items are literals, marked in f.used as they are written).
func (g *Grammar) uniqueParent(f *frame) bool {
	return f.kind == fArray && g.nodes[f.node].unique
}

// canAddItem reports whether an array of nd holding i items may take another
// (used: the literals already written, for uniqueItems).
func (g *Grammar) canAddItem(nd *node, i int32, used []uint64) bool {
	if nd.maxItems >= 0 && int(i) >= nd.maxItems {
		return false
	}
	if nd.unique && !anyClear(used, 0, int32(len(g.nodes[nd.items].lits.lits))) {
		return false
	}
	it := nd.item(i)
	return it >= 0 && g.nodes[it].finite
}

// startValue begins a value of node id with its first byte b. The caller has
// already moved its own frame (t.top) to the state after the value; it is
// pushed below the new value's frame.
func (g *Grammar) startValue(t *thread, id int32, b byte, extra *[]thread) bool {
	nd := &g.nodes[id]
	if nd.kind != kUnion {
		return g.begin(t, id, b, nil)
	}
	parent := *t
	var below *link // the parent, pushed once and shared by every reading
	ok := false
	for _, a := range nd.flat {
		if !g.nodes[a].finite {
			continue
		}
		nt := parent
		if !g.begin(&nt, a, b, &below) {
			continue
		}
		if !ok {
			*t, ok = nt, true
		} else {
			*extra = append(*extra, nt)
		}
	}
	return ok
}

// begin starts a value of the non-union node id with byte b on top of t.
// below, when not nil, caches the link that pushes t's top.
func (g *Grammar) begin(t *thread, id int32, b byte, below **link) bool {
	nd := &g.nodes[id]
	c := frame{node: id}
	switch nd.kind {
	case kObject:
		if b != '{' {
			return false
		}
		c.kind, c.st, c.used = fObject, oOpen, nd.initUsed
	case kArray:
		if b != '[' {
			return false
		}
		c.kind, c.st, c.used = fArray, aOpen, nd.initUsed
	case kString:
		if b != '"' {
			return false
		}
		c.kind = fString
	case kNumber, kInteger:
		c.kind, c.st = fNumber, numStart
		if nd.num != nil {
			if c.pos = nd.num.step(0, b); c.pos < 0 {
				return false
			}
		} else if numStep(&c.st, &c.nd, b, false) != lexOK {
			return false
		}
	case kLiteral:
		p := nd.lits.child(0, b)
		uniq := g.uniqueParent(&t.top)
		if p < 0 || uniq && !anyClear(t.top.used, nd.lits.lo[p], nd.lits.hi[p]) {
			return false
		}
		if nd.lits.leaf(p) {
			if uniq {
				t.top.used = withBit(t.top.used, nd.lits.term[p])
			}
			return true // a one-byte value: complete already
		}
		c.kind, c.pos = fLiteral, p
	default:
		return false
	}
	var l *link
	if below != nil && *below != nil {
		l = *below
	} else {
		l = &link{f: t.top, next: t.rest}
		if below != nil {
			*below = l
		}
	}
	t.top, t.rest = c, l
	return true
}

// canEnd reports whether t holds a complete top-level value.
func (g *Grammar) canEnd(t *thread) bool {
	f := &t.top
	switch f.kind {
	case fRoot:
		return f.st == 1
	case fNumber:
		if d := g.nodes[f.node].num; d != nil {
			return d.accept[f.pos] && t.rest.f.kind == fRoot
		}
		return numAccepting(f.st) && t.rest.f.kind == fRoot
	case fLiteral:
		return g.nodes[f.node].lits.term[f.pos] >= 0 && t.rest.f.kind == fRoot
	}
	return false
}

// anyClear reports whether some bit in [lo, hi) of bits is clear.
func anyClear(bits []uint64, lo, hi int32) bool {
	for i := lo; i < hi; i++ {
		if bits[i/64]&(1<<(i%64)) == 0 {
			return true
		}
	}
	return false
}

// withBit returns a copy of bits with bit i set.
func withBit(bits []uint64, i int32) []uint64 {
	out := append([]uint64(nil), bits...)
	out[i/64] |= 1 << (i % 64)
	return out
}

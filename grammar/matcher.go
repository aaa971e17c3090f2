package grammar

import "slices"

// Matcher runs a Grammar over bytes: the JSON text generated so far. It
// holds one parse state per reading the grammar leaves open (more than one
// only inside anyOf alternatives that start alike). The zero Matcher is not
// usable; make one with NewMatcher.
type Matcher struct {
	g  *Grammar
	th []thread
}

// NewMatcher returns a Matcher at the start of the text.
func (g *Grammar) NewMatcher() *Matcher {
	return &Matcher{g: g, th: []thread{{top: frame{kind: fRoot}}}}
}

// Clone returns an independent copy of m.
func (m *Matcher) Clone() *Matcher {
	return &Matcher{g: m.g, th: slices.Clone(m.th)}
}

// Allowed reports whether b may come next.
func (m *Matcher) Allowed(b byte) bool {
	var extra []thread
	for _, t := range m.th {
		if m.g.step(&t, b, &extra) {
			return true
		}
	}
	return false
}

// Feed consumes b and reports whether it was allowed; if not, m is unchanged.
func (m *Matcher) Feed(b byte) bool {
	var out []thread
	for _, t := range m.th {
		var extra []thread
		if m.g.step(&t, b, &extra) {
			out = append(out, t)
			out = append(out, extra...)
		}
	}
	if len(out) == 0 {
		return false
	}
	m.th = dedup(out)
	return true
}

// FeedString consumes the bytes of s and reports whether all were allowed;
// if not, m is unchanged.
func (m *Matcher) FeedString(s string) bool {
	save := m.th
	for i := 0; i < len(s); i++ {
		if !m.Feed(s[i]) {
			m.th = save
			return false
		}
	}
	return true
}

// Complete reports whether the text so far is a complete value. A complete
// number may still continue (12 → 123); a complete object or array may not.
func (m *Matcher) Complete() bool {
	for i := range m.th {
		if m.g.canEnd(&m.th[i]) {
			return true
		}
	}
	return false
}

// dedup drops threads equal to an earlier one (readings that converged).
func dedup(ts []thread) []thread {
	if len(ts) < 2 {
		return ts
	}
	out := ts[:1]
outer:
	for _, t := range ts[1:] {
		for _, u := range out {
			if sameThread(&t, &u) {
				continue outer
			}
		}
		out = append(out, t)
	}
	return out
}

// sameThread reports whether a and b are the same state: equal frames all
// the way down (readings of different alternatives that converged).
func sameThread(a, b *thread) bool {
	if !sameFrame(&a.top, &b.top) {
		return false
	}
	for x, y := a.rest, b.rest; x != y; x, y = x.next, y.next {
		if x == nil || y == nil || !sameFrame(&x.f, &y.f) {
			return false
		}
	}
	return true
}

func sameFrame(x, y *frame) bool {
	return x.kind == y.kind && x.st == y.st && x.ws == y.ws && x.nd == y.nd && x.str == y.str &&
		x.node == y.node && x.pos == y.pos && x.n == y.n && slices.Equal(x.used, y.used)
}

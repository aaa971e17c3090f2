package grammar

import (
	"encoding/json"
	"strconv"
	"strings"
)

// numDFA is the explicit automaton of the numbers a schema's numeric
// keywords (minimum, maximum, exclusiveMinimum, exclusiveMaximum,
// multipleOf) allow, written -?(0|[1-9][0-9]*)(\.[0-9]+)? with at most
// MaxIntDigits and MaxFracDigits digits and no exponent. It is exact: a text
// is accepted iff its value satisfies every keyword. States that cannot
// reach acceptance are pruned, so every reachable state can be completed.
type numDFA struct {
	next   []int32 // state*numSyms + symbol → state, or -1
	accept []bool
	empty  bool // no number at all: the start state cannot reach acceptance
}

// Symbols of numDFA: the digits 0-9, then '-' and '.'.
const (
	symMinus = 10
	symDot   = 11
	numSyms  = 12
)

// maxNumStates bounds the states of a numDFA (multipleOf multiplies them).
const maxNumStates = 1 << 17

func numSym(b byte) int {
	switch {
	case isDigit(b):
		return int(b - '0')
	case b == '-':
		return symMinus
	case b == '.':
		return symDot
	}
	return -1
}

// step returns the state after byte b from state s, or -1.
func (d *numDFA) step(s int32, b byte) int32 {
	y := numSym(b)
	if y < 0 {
		return -1
	}
	return d.next[int(s)*numSyms+y]
}

// decimal is an exact decimal value: |v| = int.frac.
type decimal struct {
	neg       bool
	int, frac string // int without leading zeros ("0" for none); frac without trailing zeros
}

func (d decimal) zero() bool { return d.int == "0" && d.frac == "" }

// parseDecimal reads a JSON number exactly. Exponents are clamped to
// ±1000, which changes no comparison with a number of at most
// MaxIntDigits and MaxFracDigits digits.
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	if strings.HasPrefix(s, "-") {
		d.neg, s = true, s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil {
			ne := s[i+1:]
			if len(ne) == 0 || strings.Trim(strings.TrimLeft(ne, "+-"), "0123456789") != "" {
				return d, false
			}
			e = 1 << 20 // out of int range: clamped below
			if ne[0] == '-' {
				e = -e
			}
		}
		exp = max(-1000, min(1000, e))
	}
	ip, fp, _ := strings.Cut(mant, ".")
	if ip == "" || strings.Trim(ip+fp, "0123456789") != "" {
		return d, false
	}
	digits, point := ip+fp, len(ip)+exp
	switch {
	case point <= 0:
		d.int, d.frac = "0", strings.Repeat("0", -point)+digits
	case point >= len(digits):
		d.int, d.frac = digits+strings.Repeat("0", point-len(digits)), ""
	default:
		d.int, d.frac = digits[:point], digits[point:]
	}
	d.int = strings.TrimLeft(d.int, "0")
	if d.int == "" {
		d.int = "0"
	}
	d.frac = strings.TrimRight(d.frac, "0")
	if d.zero() {
		d.neg = false
	}
	return d, true
}

// bound is one of minimum, maximum, exclusiveMinimum, exclusiveMaximum.
type bound struct {
	v     decimal
	upper bool // the value must be below (or equal to) v
	excl  bool
}

// numSpec is what a numDFA enforces.
type numSpec struct {
	integer bool
	bounds  []bound
	mult    int64 // multipleOf is mult×10^-scale; 0: none
	scale   int
}

// nstate is a state of the number automaton before it is made explicit.
type nstate struct {
	phase   uint8 // nsStart...
	neg     bool
	nonzero bool // a nonzero digit was read
	k       uint8
	cmp     [4]int8 // per bound: digits so far against the bound's
	r       int32   // the digits read so far, as an integer, mod mult
}

const (
	nsStart = iota
	nsMinus
	nsZero // integer part "0"
	nsInt  // integer part [1-9][0-9]*
	nsDot
	nsFrac
)

// intCmp compares an integer part of k digits, lexically cmp against the
// bound's first k digits, with the bound's integer part bi.
func intCmp(k int, cmp int8, bi string) int8 {
	switch {
	case k < len(bi):
		return -1
	case k > len(bi):
		return 1
	}
	return cmp
}

// buildNumDFA makes spec explicit, or reports that it has too many states.
func buildNumDFA(spec numSpec) (*numDFA, bool) {
	mod := int32(max(spec.mult, 1))
	ids := map[nstate]int32{{}: 0}
	queue := []nstate{{}}
	d := &numDFA{}
	for i := 0; i < len(queue); i++ {
		s := queue[i]
		d.accept = append(d.accept, spec.accepts(s, mod))
		for y := 0; y < numSyms; y++ {
			t, ok := spec.step(s, y, mod)
			if !ok {
				d.next = append(d.next, -1)
				continue
			}
			id, seen := ids[t]
			if !seen {
				if len(queue) >= maxNumStates {
					return nil, false
				}
				id = int32(len(queue))
				ids[t] = id
				queue = append(queue, t)
			}
			d.next = append(d.next, id)
		}
	}
	d.prune()
	return d, true
}

// step is the transition of the implicit automaton.
func (spec *numSpec) step(s nstate, y int, mod int32) (nstate, bool) {
	dig := int8(y)
	switch s.phase {
	case nsStart, nsMinus:
		if y == symMinus && s.phase == nsStart {
			s.phase, s.neg = nsMinus, true
			return s, true
		}
		if y >= 10 {
			return s, false
		}
		s.phase, s.k = nsInt, 1
		if y == 0 {
			s.phase = nsZero
		}
	case nsZero, nsInt:
		if y == symDot {
			if spec.integer || spec.mult > 0 && spec.scale == 0 {
				return s, false
			}
			for i, b := range spec.bounds {
				s.cmp[i] = intCmp(int(s.k), s.cmp[i], b.v.int)
			}
			s.phase, s.k = nsDot, 0
			return s, true
		}
		if y >= 10 || s.phase == nsZero || s.k >= MaxIntDigits {
			return s, false
		}
		s.k++
	case nsDot, nsFrac:
		if y >= 10 || s.k >= MaxFracDigits || spec.mult > 0 && int(s.k) >= spec.scale {
			return s, false
		}
		s.phase = nsFrac
		s.k++
	default:
		return s, false
	}
	// A digit: the k-th of its part.
	s.nonzero = s.nonzero || y != 0
	s.r = int32((int64(s.r)*10 + int64(y)) % int64(mod))
	for i, b := range spec.bounds {
		if s.cmp[i] != 0 {
			continue
		}
		var bd byte = '0'
		if s.phase == nsFrac {
			if int(s.k) <= len(b.v.frac) {
				bd = b.v.frac[s.k-1]
			}
		} else if int(s.k) <= len(b.v.int) {
			bd = b.v.int[s.k-1]
		} else {
			continue // longer than the bound: intCmp decides
		}
		switch {
		case byte('0'+dig) < bd:
			s.cmp[i] = -1
		case byte('0'+dig) > bd:
			s.cmp[i] = 1
		}
	}
	return s, true
}

// accepts reports whether s ends a number the spec allows.
func (spec *numSpec) accepts(s nstate, mod int32) bool {
	if s.phase != nsZero && s.phase != nsInt && s.phase != nsFrac {
		return false
	}
	if spec.mult > 0 {
		r := int64(s.r)
		pad := spec.scale
		if s.phase == nsFrac {
			pad -= int(s.k)
		}
		for ; pad > 0; pad-- {
			r = r * 10 % int64(mod)
		}
		if r != 0 {
			return false
		}
	}
	for i, b := range spec.bounds {
		// c compares |x| with |b|.
		c := s.cmp[i]
		if s.phase != nsFrac {
			c = intCmp(int(s.k), c, b.v.int)
			if c == 0 && b.v.frac != "" {
				c = -1
			}
		} else if c == 0 && len(b.v.frac) > int(s.k) {
			c = -1 // b.v.frac has no trailing zeros: what is left is > 0
		}
		sx := int8(0)
		if s.nonzero {
			sx = 1
			if s.neg {
				sx = -1
			}
		}
		sb := int8(0)
		if !b.v.zero() {
			sb = 1
			if b.v.neg {
				sb = -1
			}
		}
		var full int8 // x against b
		switch {
		case sx != sb || sx == 0:
			full = sx - sb
		case sx > 0:
			full = c
		default:
			full = -c
		}
		switch {
		case b.upper && (full > 0 || full == 0 && b.excl):
			return false
		case !b.upper && (full < 0 || full == 0 && b.excl):
			return false
		}
	}
	return true
}

// prune removes the transitions into states that cannot reach acceptance.
func (d *numDFA) prune() {
	n := len(d.accept)
	alive := append([]bool(nil), d.accept...)
	for changed := true; changed; {
		changed = false
		for s := 0; s < n; s++ {
			if alive[s] {
				continue
			}
			for y := 0; y < numSyms; y++ {
				if t := d.next[s*numSyms+y]; t >= 0 && alive[t] {
					alive[s], changed = true, true
					break
				}
			}
		}
	}
	for i, t := range d.next {
		if t >= 0 && !alive[t] {
			d.next[i] = -1
		}
	}
	d.empty = !alive[0]
}

// numKeywords reads the numeric keywords of s; nil when it has none.
func numKeywords(s map[string]any, path string, integer bool) (*numDFA, error) {
	spec := numSpec{integer: integer}
	has := false
	dec := func(kw string) (decimal, bool, error) {
		v, ok := s[kw]
		if !ok {
			return decimal{}, false, nil
		}
		n, ok := v.(json.Number)
		if !ok {
			return decimal{}, false, schemaErr(path, kw, "must be a number")
		}
		d, ok := parseDecimal(string(n))
		if !ok {
			return decimal{}, false, schemaErr(path, kw, "bad number %s", n)
		}
		return d, true, nil
	}
	for _, kw := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} {
		upper := strings.HasSuffix(kw, "aximum")
		excl := strings.HasPrefix(kw, "exclusive")
		if b, ok := s[kw].(bool); ok && excl { // draft 4: a flag on minimum/maximum
			if b {
				if _, ok := s[strings.ToLower(kw[9:10])+kw[10:]]; !ok {
					return nil, schemaErr(path, kw, "true without %s", strings.ToLower(kw[9:10])+kw[10:])
				}
			}
			continue
		}
		d, ok, err := dec(kw)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if !excl {
			if f, ok := s["exclusive"+strings.ToUpper(kw[:1])+kw[1:]].(bool); ok && f {
				excl = true
			}
		}
		spec.bounds = append(spec.bounds, bound{v: d, upper: upper, excl: excl})
		has = true
	}
	if m, ok, err := dec("multipleOf"); err != nil {
		return nil, err
	} else if ok {
		if m.neg || m.zero() {
			return nil, schemaErr(path, "multipleOf", "must be positive")
		}
		digits := strings.TrimLeft(m.int+m.frac, "0")
		v, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || v > 1_000_000 || len(m.frac) > 2*MaxFracDigits {
			return nil, schemaErr(path, "multipleOf", "cannot be enforced: only m×10^-s with m ≤ 1000000 and s ≤ %d", 2*MaxFracDigits)
		}
		spec.mult, spec.scale = v, len(m.frac)
		has = true
	}
	if !has {
		return nil, nil
	}
	d, ok := buildNumDFA(spec)
	if !ok {
		return nil, schemaErr(path, "multipleOf", "cannot be enforced: the number automaton would be too large")
	}
	return d, nil
}

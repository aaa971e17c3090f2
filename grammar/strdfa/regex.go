package strdfa

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxRepeat bounds the counts of {n,m}.
const maxRepeat = 1000

// rxOp is the kind of a regular expression node.
type rxOp uint8

const (
	rxClass  rxOp = iota // one character of ranges
	rxCat                // subs in sequence
	rxAlt                // any of subs
	rxRepeat             // subs[0], min to max times (max < 0: unbounded)
	rxBegin              // ^
	rxEnd                // $
)

// rx is a parsed regular expression.
type rx struct {
	op       rxOp
	ranges   []rune // rxClass: pairs lo, hi (inclusive), sorted, disjoint
	subs     []*rx
	min, max int
}

// rxParser parses a pattern.
type rxParser struct {
	src []rune
	i   int
}

// Error is a refusal of a pattern, or of its length limits: a construct
// outside the subset, a syntax error or an automaton too large. Msg names
// the bad construct; it does not repeat the pattern.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func rxErr(format string, a ...any) error { return &Error{fmt.Sprintf(format, a...)} }

// Pattern is a parsed regular expression: the set of strings it matches,
// with JSON Schema's search semantics. It is immutable.
type Pattern struct{ r *rx }

// Parse parses src, a pattern of the supported subset. A refusal is an
// *Error.
func Parse(src string) (*Pattern, error) {
	r, err := parse(src)
	if err != nil {
		return nil, err
	}
	return &Pattern{r}, nil
}

// parse parses src to the expression of the strings it matches
// (search semantics: unanchored ends match anything).
func parse(src string) (*rx, error) {
	if !utf8.ValidString(src) {
		return nil, rxErr("not valid UTF-8")
	}
	p := &rxParser{src: []rune(src)}
	top, err := p.alt()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.src) {
		return nil, rxErr("unbalanced ) at %d", p.i)
	}
	branches := []*rx{top}
	if top.op == rxAlt {
		branches = top.subs
	}
	anything := &rx{op: rxRepeat, subs: []*rx{anyChar(true)}, max: -1}
	out := &rx{op: rxAlt}
	for _, b := range branches {
		items := []*rx{b}
		if b.op == rxCat {
			items = b.subs
		}
		begin := len(items) > 0 && items[0].op == rxBegin
		if begin {
			items = items[1:]
		}
		end := len(items) > 0 && items[len(items)-1].op == rxEnd
		if end {
			items = items[:len(items)-1]
		}
		for _, it := range items {
			if hasAnchor(it) {
				return nil, rxErr("anchors ^ and $ are supported only at the ends of the pattern")
			}
		}
		cat := &rx{op: rxCat}
		if !begin {
			cat.subs = append(cat.subs, anything)
		}
		cat.subs = append(cat.subs, items...)
		if !end {
			cat.subs = append(cat.subs, anything)
		}
		out.subs = append(out.subs, cat)
	}
	return out, nil
}

func hasAnchor(r *rx) bool {
	if r.op == rxBegin || r.op == rxEnd {
		return true
	}
	for _, s := range r.subs {
		if hasAnchor(s) {
			return true
		}
	}
	return false
}

func (p *rxParser) more() bool { return p.i < len(p.src) }
func (p *rxParser) peek() rune { return p.src[p.i] }

func (p *rxParser) alt() (*rx, error) {
	var subs []*rx
	for {
		c, err := p.cat()
		if err != nil {
			return nil, err
		}
		subs = append(subs, c)
		if !p.more() || p.peek() != '|' {
			break
		}
		p.i++
	}
	if len(subs) == 1 {
		return subs[0], nil
	}
	return &rx{op: rxAlt, subs: subs}, nil
}

func (p *rxParser) cat() (*rx, error) {
	out := &rx{op: rxCat}
	for p.more() && p.peek() != '|' && p.peek() != ')' {
		a, err := p.atom()
		if err != nil {
			return nil, err
		}
		if a, err = p.quant(a); err != nil {
			return nil, err
		}
		out.subs = append(out.subs, a)
	}
	return out, nil
}

func (p *rxParser) quant(a *rx) (*rx, error) {
	if !p.more() {
		return a, nil
	}
	lo, hi := 0, 0
	switch p.peek() {
	case '*':
		lo, hi = 0, -1
	case '+':
		lo, hi = 1, -1
	case '?':
		lo, hi = 0, 1
	case '{':
		j := p.i + 1
		for j < len(p.src) && p.src[j] != '}' {
			j++
		}
		if j == len(p.src) {
			return nil, rxErr("unclosed {")
		}
		body := string(p.src[p.i+1 : j])
		a1, b1, comma := strings.Cut(body, ",")
		var err1, err2 error
		lo, err1 = strconv.Atoi(a1)
		hi = lo
		if comma {
			hi = -1
			if b1 != "" {
				hi, err2 = strconv.Atoi(b1)
			}
		}
		if err1 != nil || err2 != nil || lo < 0 || lo > maxRepeat || hi > maxRepeat || hi >= 0 && hi < lo {
			return nil, rxErr("bad or too large repetition {%s} (at most %d)", body, maxRepeat)
		}
		p.i = j
	default:
		return a, nil
	}
	p.i++
	if p.more() && p.peek() == '?' { // lazy: the same language
		p.i++
	}
	if a.op == rxBegin || a.op == rxEnd {
		return nil, rxErr("a quantifier on an anchor")
	}
	if p.more() && strings.ContainsRune("*+?{", p.peek()) {
		return nil, rxErr("nested quantifier at %d", p.i)
	}
	return &rx{op: rxRepeat, subs: []*rx{a}, min: lo, max: hi}, nil
}

func (p *rxParser) atom() (*rx, error) {
	c := p.peek()
	p.i++
	switch c {
	case '(':
		if p.more() && p.peek() == '?' {
			rest := string(p.src[p.i:min(p.i+3, len(p.src))])
			switch {
			case strings.HasPrefix(rest, "?:"):
				p.i += 2
			case strings.HasPrefix(rest, "?="), strings.HasPrefix(rest, "?!"):
				return nil, rxErr("lookahead is not supported")
			case strings.HasPrefix(rest, "?<="), strings.HasPrefix(rest, "?<!"):
				return nil, rxErr("lookbehind is not supported")
			case strings.HasPrefix(rest, "?<"):
				j := p.i + 2
				for j < len(p.src) && p.src[j] != '>' {
					j++
				}
				if j == len(p.src) {
					return nil, rxErr("unclosed group name")
				}
				p.i = j + 1
			default:
				return nil, rxErr("group flags (?...) are not supported")
			}
		}
		r, err := p.alt()
		if err != nil {
			return nil, err
		}
		if !p.more() || p.peek() != ')' {
			return nil, rxErr("unclosed (")
		}
		p.i++
		return r, nil
	case ')':
		return nil, rxErr("unbalanced )")
	case '[':
		return p.class()
	case '.':
		return anyChar(false), nil
	case '^':
		return &rx{op: rxBegin}, nil
	case '$':
		return &rx{op: rxEnd}, nil
	case '*', '+', '?', '{':
		if c == '{' { // a literal brace unless it starts a quantifier
			return single('{'), nil
		}
		return nil, rxErr("quantifier %q without an operand", c)
	case '\\':
		return p.escape(false)
	}
	return single(c), nil
}

func single(c rune) *rx { return &rx{op: rxClass, ranges: []rune{c, c}} }

// anyChar is . (nl: with the line terminators too).
func anyChar(nl bool) *rx {
	if nl {
		return &rx{op: rxClass, ranges: []rune{0, utf8.MaxRune}}
	}
	return &rx{op: rxClass, ranges: negate([]rune{'\n', '\n', '\r', '\r', 0x2028, 0x2029})}
}

var (
	digitRanges = []rune{'0', '9'}
	wordRanges  = []rune{'0', '9', 'A', 'Z', '_', '_', 'a', 'z'}
	spaceRanges = []rune{'\t', '\r', ' ', ' ', 0xA0, 0xA0, 0x1680, 0x1680, 0x2000, 0x200A,
		0x2028, 0x2029, 0x202F, 0x202F, 0x205F, 0x205F, 0x3000, 0x3000, 0xFEFF, 0xFEFF}
)

// escape parses what follows a backslash; in a class, \b is a backspace.
func (p *rxParser) escape(inClass bool) (*rx, error) {
	if !p.more() {
		return nil, rxErr("trailing backslash")
	}
	c := p.peek()
	p.i++
	cls := func(r []rune) *rx { return &rx{op: rxClass, ranges: r} }
	switch c {
	case 'd':
		return cls(digitRanges), nil
	case 'D':
		return cls(negate(digitRanges)), nil
	case 'w':
		return cls(wordRanges), nil
	case 'W':
		return cls(negate(wordRanges)), nil
	case 's':
		return cls(spaceRanges), nil
	case 'S':
		return cls(negate(spaceRanges)), nil
	case 't':
		return single('\t'), nil
	case 'n':
		return single('\n'), nil
	case 'r':
		return single('\r'), nil
	case 'f':
		return single('\f'), nil
	case 'v':
		return single('\v'), nil
	case '0':
		return single(0), nil
	case 'b':
		if inClass {
			return single('\b'), nil
		}
		return nil, rxErr(`word boundary \b is not supported`)
	case 'B':
		return nil, rxErr(`word boundary \B is not supported`)
	case 'k':
		return nil, rxErr(`backreference \k is not supported`)
	case 'p', 'P':
		return nil, rxErr(`Unicode property escape \%c is not supported`, c)
	case 'c':
		return nil, rxErr(`control escape \c is not supported`)
	case 'x', 'u':
		n := 2
		if c == 'u' {
			n = 4
			if p.more() && p.peek() == '{' {
				j := p.i + 1
				for j < len(p.src) && p.src[j] != '}' {
					j++
				}
				if j == len(p.src) {
					return nil, rxErr(`unclosed \u{`)
				}
				v, err := strconv.ParseUint(string(p.src[p.i+1:j]), 16, 32)
				if err != nil || v > utf8.MaxRune {
					return nil, rxErr(`bad \u{...} escape`)
				}
				p.i = j + 1
				return single(rune(v)), nil
			}
		}
		if p.i+n > len(p.src) {
			return nil, rxErr(`short \%c escape`, c)
		}
		v, err := strconv.ParseUint(string(p.src[p.i:p.i+n]), 16, 32)
		if err != nil {
			return nil, rxErr(`bad \%c escape`, c)
		}
		p.i += n
		return single(rune(v)), nil
	}
	if c >= '1' && c <= '9' {
		return nil, rxErr(`backreference \%c is not supported`, c)
	}
	if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return nil, rxErr(`unknown escape \%c`, c)
	}
	return single(c), nil
}

// class parses a character class after its '['.
func (p *rxParser) class() (*rx, error) {
	neg := false
	if p.more() && p.peek() == '^' {
		neg = true
		p.i++
	}
	var rs []rune
	first := true
	for {
		if !p.more() {
			return nil, rxErr("unclosed [")
		}
		c := p.peek()
		if c == ']' && !first {
			p.i++
			break
		}
		if c == ']' { // ECMA: [] matches nothing, [^] anything
			p.i++
			break
		}
		first = false
		lo, err := p.classAtom()
		if err != nil {
			return nil, err
		}
		if len(lo) == 2 && lo[0] == lo[1] && p.i+1 < len(p.src) && p.peek() == '-' && p.src[p.i+1] != ']' {
			p.i++
			hi, err := p.classAtom()
			if err != nil {
				return nil, err
			}
			if len(hi) != 2 || hi[0] != hi[1] || hi[0] < lo[0] {
				return nil, rxErr("bad class range")
			}
			rs = append(rs, lo[0], hi[0])
			continue
		}
		rs = append(rs, lo...)
	}
	rs = normalize(rs)
	if neg {
		rs = negate(rs)
	}
	return &rx{op: rxClass, ranges: rs}, nil
}

// classAtom returns the ranges of one class member.
func (p *rxParser) classAtom() ([]rune, error) {
	c := p.peek()
	p.i++
	if c != '\\' {
		return []rune{c, c}, nil
	}
	r, err := p.escape(true)
	if err != nil {
		return nil, err
	}
	return r.ranges, nil
}

// normalize sorts and merges rune ranges.
func normalize(rs []rune) []rune {
	type pr struct{ lo, hi rune }
	ps := make([]pr, 0, len(rs)/2)
	for i := 0; i+1 < len(rs); i += 2 {
		ps = append(ps, pr{rs[i], rs[i+1]})
	}
	for i := 1; i < len(ps); i++ { // insertion sort: classes are small
		for j := i; j > 0 && ps[j].lo < ps[j-1].lo; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	var out []rune
	for _, x := range ps {
		if n := len(out); n > 0 && x.lo <= out[n-1]+1 {
			out[n-1] = max(out[n-1], x.hi)
			continue
		}
		out = append(out, x.lo, x.hi)
	}
	return out
}

// negate returns the complement of normalized ranges in [0, MaxRune].
func negate(rs []rune) []rune {
	rs = normalize(append([]rune(nil), rs...))
	var out []rune
	next := rune(0)
	for i := 0; i < len(rs); i += 2 {
		if rs[i] > next {
			out = append(out, next, rs[i]-1)
		}
		next = rs[i+1] + 1
	}
	if next <= utf8.MaxRune {
		out = append(out, next, utf8.MaxRune)
	}
	return out
}

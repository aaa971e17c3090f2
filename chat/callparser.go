package chat

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// errIncomplete means the text ended inside a call: more text could still
// change what it is. Every other parse error is final.
var errIncomplete = errors.New("incomplete tool call")

// maxDepth bounds the nesting of argument values.
const maxDepth = 64

// callParser reads tool-call text. It converts argument values, written as
// Python or JSON literals, to JSON as it goes, so that what it has written
// for a prefix of a call is a prefix of what it writes for the whole call:
// strings are written rune by rune, every other token once it is complete,
// and a "," with the item after it. Values may be strings (single, double or
// triple quoted, with Python and JSON escapes, optionally r/u prefixed),
// numbers, True/False/None (or true/false/null), lists, tuples and dicts. A
// bare value that is none of these (an expression such as 347*2981, or a
// name) is written as a JSON string of its text: see docs/tool-calls.md.
type callParser struct {
	s     string
	pos   int
	final bool // the text ends at len(s); otherwise more may follow
	x     *Extractor
	calls []*partialCall
	memo  strMemos // nil, or where earlier reads of this text left strings
	outer int      // for a string's contents being read: 1 + where that string is
}

// partialCall is a call read so far.
type partialCall struct {
	name string
	args strings.Builder // JSON, possibly unfinished
	done bool            // args is a complete JSON object
}

// ident reads a Python identifier; with name it also takes "." and "-", as
// in tool names such as brave_search.call or get-weather.
func (p *callParser) ident(name bool) (string, error) {
	start := p.pos
	for !p.eof() {
		if !p.final && !utf8.FullRuneInString(p.s[p.pos:]) {
			return p.s[start:p.pos], errIncomplete
		}
		r, n := utf8.DecodeRuneInString(p.s[p.pos:])
		if !(r == '_' || unicode.IsLetter(r) || (p.pos > start && (unicode.IsDigit(r) || (name && (r == '.' || r == '-'))))) {
			break
		}
		p.pos += n
	}
	switch {
	case p.eof():
		return p.s[start:p.pos], errIncomplete // the name may go on
	case p.pos == start:
		return "", p.fail("want a name")
	}
	return p.s[start:p.pos], nil
}

func (p *callParser) eof() bool { return p.pos >= len(p.s) }

func (p *callParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.pos]
}

func (p *callParser) space() {
	for !p.eof() && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

// expect consumes c.
func (p *callParser) expect(c byte) error {
	if p.eof() {
		return errIncomplete
	}
	if p.s[p.pos] != c {
		return p.fail(fmt.Sprintf("want %q", c))
	}
	p.pos++
	return nil
}

// fail makes a final error at the current position.
func (p *callParser) fail(msg string) error {
	return fmt.Errorf("tool call at byte %d: %s", p.pos, msg)
}

package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// errIncomplete means the text ended inside a call: more text could still
// make it valid. Every other parse error is final.
var errIncomplete = errors.New("incomplete tool call")

// pyParser reads the pythonic call form, [f(a=1, b="x"), g()], and converts
// the keyword arguments to JSON objects. Values may be strings (single,
// double or triple quoted, with Python escapes, optionally raw), numbers,
// True/False/None (or true/false/null), lists, tuples and dicts.
type pyParser struct {
	s   string
	pos int
}

// parsePythonic parses a whole call list. With bare, the brackets may be
// missing (f(a=1), g(b=2)), as the model sometimes writes inside
// <|python_start|>.
func parsePythonic(s string, bare bool) ([]ToolCall, error) {
	p := &pyParser{s: s}
	p.space()
	closing := byte(0)
	if p.peek() == '[' {
		p.pos++
		closing = ']'
	} else if !bare {
		return nil, p.fail("want [ to open the call list")
	}
	var calls []ToolCall
	for {
		p.space()
		if closing != 0 && p.peek() == closing {
			p.pos++
			break
		}
		if p.eof() {
			if closing == 0 && len(calls) > 0 {
				break
			}
			return nil, errIncomplete
		}
		if len(calls) > 0 {
			if err := p.expect(','); err != nil {
				if closing == 0 && p.peek() == ';' {
					p.pos++
				} else {
					return nil, err
				}
			}
			p.space()
			if closing != 0 && p.peek() == closing { // trailing comma
				p.pos++
				break
			}
			if p.eof() && closing == 0 {
				return nil, errIncomplete
			}
		}
		c, err := p.call()
		if err != nil {
			return nil, err
		}
		calls = append(calls, c)
	}
	p.space()
	if !p.eof() {
		return nil, p.fail("text after the call list")
	}
	if len(calls) == 0 {
		return nil, p.fail("empty call list")
	}
	return calls, nil
}

// call reads name(key=value, ...).
func (p *pyParser) call() (ToolCall, error) {
	name, err := p.name()
	if err != nil {
		return ToolCall{}, err
	}
	p.space()
	if err := p.expect('('); err != nil {
		return ToolCall{}, err
	}
	var args strings.Builder
	args.WriteByte('{')
	seen := map[string]bool{}
	for n := 0; ; n++ {
		p.space()
		if p.peek() == ')' {
			p.pos++
			break
		}
		if n > 0 {
			if err := p.expect(','); err != nil {
				return ToolCall{}, err
			}
			p.space()
			if p.peek() == ')' {
				p.pos++
				break
			}
		}
		key, err := p.ident()
		if err != nil {
			return ToolCall{}, err
		}
		if seen[key] {
			return ToolCall{}, p.fail("argument " + key + " given twice")
		}
		seen[key] = true
		p.space()
		if err := p.expect('='); err != nil {
			return ToolCall{}, err
		}
		p.space()
		if n > 0 {
			args.WriteByte(',')
		}
		writeJSONString(&args, key)
		args.WriteByte(':')
		if err := p.value(&args, 0); err != nil {
			return ToolCall{}, err
		}
	}
	args.WriteByte('}')
	return ToolCall{Name: name, Arguments: json.RawMessage(args.String())}, nil
}

// maxDepth bounds the nesting of values.
const maxDepth = 64

// value reads one Python literal and writes it as JSON.
func (p *pyParser) value(out *strings.Builder, depth int) error {
	if depth > maxDepth {
		return p.fail("values nested too deeply")
	}
	p.space()
	if p.eof() {
		return errIncomplete
	}
	switch c := p.peek(); {
	case c == '[' || c == '(':
		closing := byte(']')
		if c == '(' {
			closing = ')'
		}
		p.pos++
		out.WriteByte('[')
		return p.items(out, closing, depth, false)
	case c == '{':
		p.pos++
		out.WriteByte('{')
		return p.items(out, '}', depth, true)
	case c == '"' || c == '\'':
		s, err := p.str(false)
		if err != nil {
			return err
		}
		writeJSONString(out, s)
		return nil
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.number(out)
	}
	word, err := p.ident()
	if err != nil {
		return err
	}
	switch word {
	case "True", "true":
		out.WriteString("true")
	case "False", "false":
		out.WriteString("false")
	case "None", "null":
		out.WriteString("null")
	case "r", "R", "u", "U":
		if q := p.peek(); q == '"' || q == '\'' {
			s, err := p.str(word == "r" || word == "R")
			if err != nil {
				return err
			}
			writeJSONString(out, s)
			return nil
		}
		fallthrough
	default:
		if p.eof() {
			return errIncomplete // "Tru" may become "True"
		}
		return p.fail("unknown value " + word)
	}
	return nil
}

// items reads the elements of a list, tuple or dict up to closing.
func (p *pyParser) items(out *strings.Builder, closing byte, depth int, dict bool) error {
	for n := 0; ; n++ {
		p.space()
		if p.eof() {
			return errIncomplete
		}
		if p.peek() == closing {
			p.pos++
			out.WriteByte(map[bool]byte{false: ']', true: '}'}[dict])
			return nil
		}
		if n > 0 {
			if err := p.expect(','); err != nil {
				return err
			}
			p.space()
			if p.peek() == closing {
				continue
			}
			out.WriteByte(',')
		}
		if dict {
			p.space()
			if p.eof() {
				return errIncomplete
			}
			if q := p.peek(); q != '"' && q != '\'' {
				return p.fail("dict keys must be strings")
			}
			key, err := p.str(false)
			if err != nil {
				return err
			}
			writeJSONString(out, key)
			p.space()
			if err := p.expect(':'); err != nil {
				return err
			}
			out.WriteByte(':')
		}
		if err := p.value(out, depth+1); err != nil {
			return err
		}
	}
}

// number reads a Python int or float literal and writes it as JSON.
func (p *pyParser) number(out *strings.Builder) error {
	start := p.pos
	for !p.eof() && strings.IndexByte("0123456789+-._eE", p.peek()) >= 0 {
		p.pos++
	}
	lit := strings.ReplaceAll(p.s[start:p.pos], "_", "")
	lit = strings.TrimPrefix(lit, "+")
	if p.eof() {
		return errIncomplete // more digits may follow
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return p.fail("bad number " + lit)
	}
	if !strings.ContainsAny(lit, ".eE") {
		lit = strings.TrimLeft(strings.TrimPrefix(lit, "-"), "0")
		if lit == "" {
			lit = "0"
		} else if f < 0 {
			lit = "-" + lit
		}
		out.WriteString(lit)
		return nil
	}
	out.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	return nil
}

// str reads a quoted string; raw keeps backslashes.
func (p *pyParser) str(raw bool) (string, error) {
	q := p.s[p.pos]
	delim := string(q)
	if strings.HasPrefix(p.s[p.pos:], strings.Repeat(delim, 3)) {
		delim = strings.Repeat(delim, 3)
	}
	p.pos += len(delim)
	var sb strings.Builder
	for {
		if p.eof() {
			return "", errIncomplete
		}
		if strings.HasPrefix(p.s[p.pos:], delim) {
			p.pos += len(delim)
			return sb.String(), nil
		}
		c := p.s[p.pos]
		if c == '\n' && len(delim) == 1 {
			return "", p.fail("newline in a string")
		}
		if c != '\\' {
			r, n := utf8.DecodeRuneInString(p.s[p.pos:])
			sb.WriteRune(r)
			p.pos += n
			continue
		}
		if p.pos+1 >= len(p.s) {
			return "", errIncomplete
		}
		if raw {
			sb.WriteString(p.s[p.pos : p.pos+2])
			p.pos += 2
			continue
		}
		if err := p.escape(&sb); err != nil {
			return "", err
		}
	}
}

// escape decodes one backslash escape of a Python string.
func (p *pyParser) escape(sb *strings.Builder) error {
	e := p.s[p.pos+1]
	p.pos += 2
	simple := map[byte]string{'\\': `\`, '\'': `'`, '"': `"`, 'n': "\n", 't': "\t", 'r': "\r",
		'b': "\b", 'f': "\f", 'v': "\v", 'a': "\a", '0': "\x00", '\n': ""}
	if s, ok := simple[e]; ok {
		sb.WriteString(s)
		return nil
	}
	width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
	if width == 0 {
		sb.WriteByte('\\') // Python keeps unknown escapes
		sb.WriteByte(e)
		return nil
	}
	if p.pos+width > len(p.s) {
		return errIncomplete
	}
	v, err := strconv.ParseUint(p.s[p.pos:p.pos+width], 16, 32)
	if err != nil || v > unicode.MaxRune {
		return p.fail("bad escape")
	}
	p.pos += width
	sb.WriteRune(rune(v))
	return nil
}

// name reads a function name: identifiers joined by dots.
func (p *pyParser) name() (string, error) {
	name, err := p.ident()
	for err == nil && p.peek() == '.' {
		p.pos++
		var part string
		if part, err = p.ident(); err == nil {
			name += "." + part
		}
	}
	return name, err
}

// ident reads a Python identifier.
func (p *pyParser) ident() (string, error) {
	start := p.pos
	for !p.eof() {
		r, n := utf8.DecodeRuneInString(p.s[p.pos:])
		if !(r == '_' || unicode.IsLetter(r) || (p.pos > start && unicode.IsDigit(r))) {
			break
		}
		p.pos += n
	}
	switch {
	case p.eof():
		return "", errIncomplete // the name may go on; something must follow it
	case p.pos == start:
		return "", p.fail("want a name")
	}
	return p.s[start:p.pos], nil
}

func (p *pyParser) eof() bool { return p.pos >= len(p.s) }

func (p *pyParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.pos]
}

func (p *pyParser) space() {
	for !p.eof() && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

// expect consumes c.
func (p *pyParser) expect(c byte) error {
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
func (p *pyParser) fail(msg string) error {
	return fmt.Errorf("pythonic tool call at byte %d: %s", p.pos, msg)
}

// writeJSONString quotes s as JSON, leaving non-ASCII text and <, >, & as
// they are.
func writeJSONString(sb *strings.Builder, s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	sb.Write(bytes.TrimSuffix(b.Bytes(), []byte{'\n'}))
}

package chat

import (
	"errors"
	"fmt"
	"strconv"
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

// strMemos records, for strings that were cut off by the end of the text,
// how far they were read and what that gave. As what is read of a prefix
// stays the same when the text grows, the next read of the grown text
// continues from there, which keeps streaming a long string linear.
type strMemos map[strKey]strMemo

type strKey struct {
	outer, pos       int
	raw, dec, w, fin bool
}

type strMemo struct {
	end    int    // where reading stopped
	dec, w string // what it wrote to each
}

// partialCall is a call read so far.
type partialCall struct {
	name string
	args strings.Builder // JSON, possibly unfinished
	done bool            // args is a complete JSON object
}

// value reads one literal and writes it to w as JSON.
func (p *callParser) value(w *strings.Builder, depth int) error {
	if depth > maxDepth {
		return p.fail("values nested too deeply")
	}
	p.space()
	if p.eof() {
		return errIncomplete
	}
	switch c := p.peek(); c {
	case '[', '(':
		closing := byte(']')
		if c == '(' {
			closing = ')'
		}
		p.pos++
		w.WriteByte('[')
		return p.list(w, closing, depth)
	case '{':
		return p.dict(w, depth)
	case '"', '\'':
		return p.str(false, nil, w)
	case 'r', 'R', 'u', 'U':
		if p.pos+1 < len(p.s) && (p.s[p.pos+1] == '"' || p.s[p.pos+1] == '\'') {
			p.pos++
			return p.str(c == 'r' || c == 'R', nil, w)
		}
		if p.pos+1 >= len(p.s) && !p.final {
			return errIncomplete // a quote may follow
		}
	}
	return p.bare(w)
}

// list reads the items of a list or tuple after its opening bracket.
func (p *callParser) list(w *strings.Builder, closing byte, depth int) error {
	for n := 0; ; n++ {
		p.space()
		if p.eof() {
			return errIncomplete
		}
		if p.peek() == closing {
			p.pos++
			w.WriteByte(']')
			return nil
		}
		if n > 0 {
			if err := p.expect(','); err != nil {
				return err
			}
			p.space()
			if p.eof() {
				return errIncomplete
			}
			if p.peek() == closing { // trailing comma
				continue
			}
			w.WriteByte(',')
		}
		if err := p.value(w, depth+1); err != nil {
			return err
		}
	}
}

// dict reads a dict or JSON object, { included. Keys must be strings.
func (p *callParser) dict(w *strings.Builder, depth int) error {
	if depth > maxDepth {
		return p.fail("values nested too deeply")
	}
	p.pos++ // {
	w.WriteByte('{')
	for n := 0; ; n++ {
		p.space()
		if p.eof() {
			return errIncomplete
		}
		if p.peek() == '}' {
			p.pos++
			w.WriteByte('}')
			return nil
		}
		if n > 0 {
			if err := p.expect(','); err != nil {
				return err
			}
			p.space()
			if p.eof() {
				return errIncomplete
			}
			if p.peek() == '}' { // trailing comma
				continue
			}
		}
		if q := p.peek(); q != '"' && q != '\'' {
			return p.fail("dict keys must be strings")
		}
		var key strings.Builder
		if err := p.str(false, &key, nil); err != nil {
			return err
		}
		p.space()
		if err := p.expect(':'); err != nil {
			return err
		}
		if n > 0 {
			w.WriteByte(',')
		}
		writeJSONString(w, key.String())
		w.WriteByte(':')
		if err := p.value(w, depth+1); err != nil {
			return err
		}
	}
}

// bare reads a value that does not start with a quote or a bracket, up to
// the next "," or closing bracket outside quotes and brackets, and writes it
// as a JSON literal when it is one (True, None, 1_000, …) and as a string of
// its text otherwise.
func (p *callParser) bare(w *strings.Builder) error {
	start, depth := p.pos, 0
scan:
	for ; ; p.pos++ {
		if p.eof() {
			if !p.final {
				return errIncomplete
			}
			break
		}
		switch c := p.s[p.pos]; c {
		case '"', '\'':
			if err := p.str(false, nil, nil); err != nil {
				return err
			}
			p.pos--
		case '(', '[', '{':
			depth++
		case ')', ']', '}', ',':
			if depth == 0 {
				break scan
			}
			if c != ',' {
				depth--
			}
		case '<', '`':
			if depth == 0 && (strings.HasPrefix(p.s[p.pos:], "<|") || strings.HasPrefix(p.s[p.pos:], "```")) {
				break scan // the end of a block
			}
		}
	}
	run := strings.TrimSpace(p.s[start:p.pos])
	if run == "" {
		return p.fail("missing value")
	}
	w.WriteString(literal(run))
	return nil
}

// literal converts the text of a bare value to JSON.
func literal(run string) string {
	switch run {
	case "True", "true":
		return "true"
	case "False", "false":
		return "false"
	case "None", "null":
		return "null"
	}
	if isJSONNumber(run) {
		return run
	}
	if n, ok := pyNumberLiteral(run); ok {
		return n
	}
	var sb strings.Builder
	writeJSONString(&sb, run)
	return sb.String()
}

// isJSONNumber reports whether s is a number in JSON's grammar.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, n = i+1, n+1
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// pyNumberLiteral converts a Python int or float literal that is not JSON
// (1_000, +5, 007, .5, 5.) to JSON.
func pyNumberLiteral(lit string) (string, bool) {
	if strings.Trim(lit, "0123456789+-._eE") != "" {
		return "", false
	}
	lit = strings.TrimPrefix(strings.ReplaceAll(lit, "_", ""), "+")
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || lit == "" || lit[0] == '+' {
		return "", false
	}
	if !strings.ContainsAny(lit, ".eE") {
		digits := strings.TrimLeft(strings.TrimPrefix(lit, "-"), "0")
		switch {
		case digits == "":
			return "0", true
		case f < 0:
			return "-" + digits, true
		}
		return digits, true
	}
	return strconv.FormatFloat(f, 'g', -1, 64), true
}

// str reads a quoted string at p.pos. It writes the decoded text to dec and
// the JSON string, quotes included, to w (either may be nil), both as it
// goes. raw keeps backslashes.
func (p *callParser) str(raw bool, dec, w *strings.Builder) error {
	q := p.s[p.pos]
	rest := p.s[p.pos:]
	if !p.final && len(rest) < 3 && strings.Trim(rest, string(q)) == "" {
		return errIncomplete // "" may open a triple-quoted string
	}
	delim := string(q)
	if strings.HasPrefix(rest, strings.Repeat(delim, 3)) {
		delim = strings.Repeat(delim, 3)
	}
	key := strKey{p.outer, p.pos, raw, dec != nil, w != nil, p.final}
	p.pos += len(delim)
	if w != nil {
		w.WriteByte('"')
	}
	decStart, wStart := lenOf(dec), lenOf(w)
	if m, ok := p.memo[key]; ok {
		p.pos = m.end
		put2(dec, m.dec)
		put2(w, m.w)
	}
	incomplete := func() error {
		if p.memo != nil {
			p.memo[key] = strMemo{p.pos, tail(dec, decStart), tail(w, wStart)}
		}
		return errIncomplete
	}
	put := func(s string) {
		if dec != nil {
			dec.WriteString(s)
		}
		if w != nil {
			writeJSONChars(w, s)
		}
	}
	for {
		if p.eof() {
			return incomplete()
		}
		rest := p.s[p.pos:]
		if strings.HasPrefix(rest, delim) {
			p.pos += len(delim)
			if w != nil {
				w.WriteByte('"')
			}
			return nil
		}
		if len(delim) == 3 && !p.final && strings.HasPrefix(delim, rest) {
			return incomplete() // a closing delimiter may be arriving
		}
		c := rest[0]
		if c == '\n' && len(delim) == 1 {
			return p.fail("newline in a string")
		}
		if c >= 0x20 && c < 0x80 && c != '\\' && c != q && c != '"' { // a run of plain ASCII
			n := 1
			for n < len(rest) && rest[n] >= 0x20 && rest[n] < 0x80 && rest[n] != '\\' && rest[n] != q && rest[n] != '"' {
				n++
			}
			put(rest[:n])
			p.pos += n
			continue
		}
		if c != '\\' {
			if !p.final && !utf8.FullRuneInString(rest) {
				return incomplete()
			}
			r, n := utf8.DecodeRuneInString(rest)
			put(string(r))
			p.pos += n
			continue
		}
		if len(rest) < 2 {
			return incomplete()
		}
		if raw {
			put(rest[:2])
			p.pos += 2
			continue
		}
		s, err := p.escape()
		if errors.Is(err, errIncomplete) {
			return incomplete()
		}
		if err != nil {
			return err
		}
		put(s)
	}
}

// lenOf is the length of b, or 0 when b is nil.
func lenOf(b *strings.Builder) int {
	if b == nil {
		return 0
	}
	return b.Len()
}

// tail is what b holds from from on.
func tail(b *strings.Builder, from int) string {
	if b == nil {
		return ""
	}
	return b.String()[from:]
}

// put2 writes s to b, when b is set.
func put2(b *strings.Builder, s string) {
	if b != nil {
		b.WriteString(s)
	}
}

// escape decodes the backslash escape at p.pos.
func (p *callParser) escape() (string, error) {
	e := p.s[p.pos+1]
	simple := map[byte]string{'\\': `\`, '\'': `'`, '"': `"`, '/': "/", 'n': "\n", 't': "\t", 'r': "\r",
		'b': "\b", 'f': "\f", 'v': "\v", 'a': "\a", '0': "\x00", '\n': ""}
	if s, ok := simple[e]; ok {
		p.pos += 2
		return s, nil
	}
	width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
	if width == 0 {
		p.pos += 2
		return `\` + string(e), nil // Python keeps unknown escapes
	}
	v, err := p.hex(p.pos+2, width)
	if err != nil {
		return "", err
	}
	end := p.pos + 2 + width
	if v >= 0xd800 && v < 0xdc00 && e == 'u' { // a UTF-16 pair, as JSON writes it
		if len(p.s) < end+6 {
			if !p.final && strings.HasPrefix(`\u`, p.s[end:min(end+2, len(p.s))]) {
				return "", errIncomplete
			}
		} else if p.s[end:end+2] == `\u` {
			if lo, err := p.hex(end+2, 4); err == nil && lo >= 0xdc00 && lo < 0xe000 {
				p.pos = end + 6
				return string(rune(0x10000 + (v-0xd800)<<10 + (lo - 0xdc00))), nil
			}
		}
	}
	p.pos = end
	if v > unicode.MaxRune || (v >= 0xd800 && v < 0xe000) {
		return string(utf8.RuneError), nil
	}
	return string(rune(v)), nil
}

// hex reads width hex digits at i.
func (p *callParser) hex(i, width int) (rune, error) {
	if i+width > len(p.s) {
		if p.final {
			return 0, p.fail("short escape")
		}
		return 0, errIncomplete
	}
	v, err := strconv.ParseUint(p.s[i:i+width], 16, 32)
	if err != nil {
		return 0, p.fail("bad escape")
	}
	return rune(v), nil
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

// writeJSONString quotes s as JSON.
func writeJSONString(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	writeJSONChars(sb, s)
	sb.WriteByte('"')
}

// writeJSONChars writes s escaped for a JSON string, leaving non-ASCII text
// and <, >, & as they are; bytes that are not UTF-8 become U+FFFD.
func writeJSONChars(sb *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		case '\u2028', '\u2029':
			fmt.Fprintf(sb, `\u%04x`, r)
		default:
			if r < 0x20 {
				fmt.Fprintf(sb, `\u%04x`, r)
			} else {
				sb.WriteRune(r)
			}
		}
	}
}

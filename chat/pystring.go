package chat

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

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
		if r == '\u2028' || r == '\u2029' {
			fmt.Fprintf(sb, `\u%04x`, r)
			continue
		}
		writeEscapedRune(sb, r)
	}
}

// writeEscapedRune writes r for a JSON string: ", \, newline, carriage
// return and tab as short escapes, other control characters as \u00XX, and
// anything else as it is.
func writeEscapedRune(sb *strings.Builder, r rune) {
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
	default:
		if r < 0x20 {
			fmt.Fprintf(sb, `\u%04x`, r)
		} else {
			sb.WriteRune(r)
		}
	}
}

package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyJSON writes raw JSON as the chat template's tojson filter does, which is
// Python's json.dumps(x, ensure_ascii=False, indent=indent): keys keep their
// order, separators are ", " and ": " (or "," and ": " with newlines and
// indent spaces when indent > 0), non-ASCII text is written as is, and numbers
// are re-printed as Python prints them (1e2 becomes 100.0).
func pyJSON(raw []byte, indent int) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var sb strings.Builder
	if err := writePy(&sb, dec, indent, 0); err != nil {
		return "", fmt.Errorf("json %q: %w", clip(raw), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", fmt.Errorf("json %q: trailing data", clip(raw))
	}
	return sb.String(), nil
}

// writePy writes the next value of dec.
func writePy(sb *strings.Builder, dec *json.Decoder, indent, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		open, close := byte(v), byte(']')
		if v == '{' {
			close = '}'
		}
		sb.WriteByte(open)
		n := 0
		for dec.More() {
			if n > 0 {
				sb.WriteByte(',')
				if indent == 0 {
					sb.WriteByte(' ')
				}
			}
			newline(sb, indent, depth+1)
			if open == '{' {
				key, err := dec.Token()
				if err != nil {
					return err
				}
				writePyString(sb, key.(string))
				sb.WriteString(": ")
			}
			if err := writePy(sb, dec, indent, depth+1); err != nil {
				return err
			}
			n++
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return err
		}
		if n > 0 {
			newline(sb, indent, depth)
		}
		sb.WriteByte(close)
	case string:
		writePyString(sb, v)
	case json.Number:
		sb.WriteString(pyNumber(string(v)))
	case bool:
		sb.WriteString(strconv.FormatBool(v))
	case nil:
		sb.WriteString("null")
	}
	return nil
}

// newline starts a new line at depth when indenting.
func newline(sb *strings.Builder, indent, depth int) {
	if indent > 0 {
		sb.WriteByte('\n')
		sb.WriteString(strings.Repeat(" ", indent*depth))
	}
}

// writePyString quotes s as json.dumps with ensure_ascii=False does.
func writePyString(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		default:
			writeEscapedRune(sb, r)
		}
	}
	sb.WriteByte('"')
}

// pyNumber re-prints a JSON number as Python does after json.loads: integers
// exactly (with -0 as 0), anything with a fraction or exponent as repr(float).
func pyNumber(s string) string {
	if !strings.ContainsAny(s, ".eE") {
		if s == "-0" {
			return "0"
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return s
	}
	return pyFloat(f)
}

// pyFloat is Python's repr of a float: the shortest digits that round-trip,
// in fixed notation when the decimal exponent is in [-4, 16), else in
// exponent notation with at least two exponent digits.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±XX
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // digits are 0.digits × 10^decpt
	switch {
	case decpt > 16 || decpt <= -4:
		out := digits[:1]
		if len(digits) > 1 {
			out += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es, exp = "-", -exp
		}
		return fmt.Sprintf("%s%se%s%02d", sign, out, es, exp)
	case decpt <= 0:
		return sign + "0." + strings.Repeat("0", -decpt) + digits
	case decpt >= len(digits):
		return sign + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
	default:
		return sign + digits[:decpt] + "." + digits[decpt:]
	}
}

// compactJSON returns raw without insignificant spaces, or an error when raw
// is not one JSON value.
func compactJSON(raw []byte) (json.RawMessage, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, bytes.TrimSpace(raw)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// clip shortens b for an error message.
func clip(b []byte) string {
	const n = 60
	if len(b) <= n {
		return string(b)
	}
	i := n
	for i > 0 && !utf8.RuneStart(b[i]) {
		i--
	}
	return string(b[:i]) + "…"
}

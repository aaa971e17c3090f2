package grammar

// Results of a lexer step.
const (
	lexReject = iota // the byte is not allowed
	lexOK            // the byte was consumed
	lexClose         // string: the byte was the closing quote
	lexEnd           // number: the byte is not part of the number, which is complete without it
)

// strLex is the lexer state inside a JSON string, after the opening quote.
type strLex struct {
	esc    uint8 // escOff, or where in an escape sequence the lexer is
	need   uint8 // UTF-8 continuation bytes still due
	lo, hi uint8 // the range of the next continuation byte
}

// Escape states of strLex.esc.
const (
	escOff   = iota
	escStart // after '\'
	escHex1  // after \u
	escHex2  // after \uX, X not d/D
	escHex2D // after \ud or \uD: a surrogate would follow 8-f
	escHex3
	escHex4
)

// clean reports whether the lexer is between characters.
func (s *strLex) clean() bool { return s.esc == escOff && s.need == 0 }

// step consumes b. starts reports whether b begins a new character (a code
// point: an ASCII byte, a UTF-8 lead byte or the backslash of an escape).
func (s *strLex) step(b byte) (res int, starts bool) {
	if s.need > 0 {
		if b < s.lo || b > s.hi {
			return lexReject, false
		}
		s.need--
		s.lo, s.hi = 0x80, 0xBF
		return lexOK, false
	}
	switch s.esc {
	case escOff:
	case escStart:
		switch b {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			s.esc = escOff
			return lexOK, false
		case 'u':
			s.esc = escHex1
			return lexOK, false
		}
		return lexReject, false
	case escHex1:
		if !isHex(b) {
			return lexReject, false
		}
		s.esc = escHex2
		if b == 'd' || b == 'D' {
			s.esc = escHex2D
		}
		return lexOK, false
	case escHex2D:
		if !isHex(b) || b >= '8' { // 8, 9, a-f, A-F: \uD800-\uDFFF
			return lexReject, false
		}
		s.esc = escHex3
		return lexOK, false
	default: // escHex2, escHex3, escHex4
		if !isHex(b) {
			return lexReject, false
		}
		switch s.esc {
		case escHex2:
			s.esc = escHex3
		case escHex3:
			s.esc = escHex4
		default:
			s.esc = escOff
		}
		return lexOK, false
	}
	switch {
	case b == '"':
		return lexClose, false
	case b == '\\':
		s.esc = escStart
	case b < 0x20:
		return lexReject, false
	case b < 0x80:
	case b < 0xC2:
		return lexReject, false
	case b < 0xE0:
		s.need, s.lo, s.hi = 1, 0x80, 0xBF
	case b == 0xE0:
		s.need, s.lo, s.hi = 2, 0xA0, 0xBF
	case b == 0xED:
		s.need, s.lo, s.hi = 2, 0x80, 0x9F
	case b < 0xF0:
		s.need, s.lo, s.hi = 2, 0x80, 0xBF
	case b == 0xF0:
		s.need, s.lo, s.hi = 3, 0x90, 0xBF
	case b < 0xF4:
		s.need, s.lo, s.hi = 3, 0x80, 0xBF
	case b == 0xF4:
		s.need, s.lo, s.hi = 3, 0x80, 0x8F
	default:
		return lexReject, false
	}
	return lexOK, true
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isWS(b byte) bool { return b == ' ' || b == '\n' || b == '\r' || b == '\t' }

// Limits on number literals, so that a model cannot emit digits forever.
const (
	MaxIntDigits  = 20 // digits before the decimal point
	MaxFracDigits = 20 // digits after the decimal point
	MaxExpDigits  = 2  // digits of the exponent (so that every number fits a float64)
)

// States of the number lexer.
const (
	numStart = iota // nothing read
	numMinus        // after '-'
	numZero         // integer part is "0" (accepting)
	numInt          // integer part [1-9][0-9]* (accepting)
	numDot          // after '.'
	numFrac         // fraction digits (accepting)
	numE            // after 'e' or 'E'
	numESign        // after the exponent's sign
	numExp          // exponent digits (accepting)
)

// numAccepting reports whether a number in state st is complete.
func numAccepting(st uint8) bool {
	return st == numZero || st == numInt || st == numFrac || st == numExp
}

// numStep consumes b in number state *st with *nd digits in the current
// part. integer refuses a fraction and an exponent.
func numStep(st, nd *uint8, b byte, integer bool) int {
	switch *st {
	case numStart:
		if b == '-' {
			*st = numMinus
			return lexOK
		}
		fallthrough
	case numMinus:
		if b == '0' {
			*st, *nd = numZero, 1
			return lexOK
		}
		if b >= '1' && b <= '9' {
			*st, *nd = numInt, 1
			return lexOK
		}
		return lexReject
	case numZero, numInt:
		if isDigit(b) {
			if *st == numZero {
				return lexReject
			}
			return moreDigits(nd, MaxIntDigits)
		}
		if !integer {
			if b == '.' {
				*st, *nd = numDot, 0
				return lexOK
			}
			if b == 'e' || b == 'E' {
				*st, *nd = numE, 0
				return lexOK
			}
		}
		return lexEnd
	case numDot:
		return firstDigit(st, nd, b, numFrac)
	case numFrac:
		if isDigit(b) {
			return moreDigits(nd, MaxFracDigits)
		}
		if b == 'e' || b == 'E' {
			*st, *nd = numE, 0
			return lexOK
		}
		return lexEnd
	case numE:
		if b == '+' || b == '-' {
			*st = numESign
			return lexOK
		}
		fallthrough
	case numESign:
		return firstDigit(st, nd, b, numExp)
	case numExp:
		if isDigit(b) {
			return moreDigits(nd, MaxExpDigits)
		}
		return lexEnd
	}
	return lexReject
}

// firstDigit starts the digit run of state next (a fraction or an exponent,
// which need at least one digit) when b is a digit, and rejects b otherwise.
func firstDigit(st, nd *uint8, b byte, next uint8) int {
	if !isDigit(b) {
		return lexReject
	}
	*st, *nd = next, 1
	return lexOK
}

// moreDigits counts one more digit of a run of at most max digits; the
// digit past the limit is rejected.
func moreDigits(nd *uint8, max uint8) int {
	if *nd >= max {
		return lexReject
	}
	*nd++
	return lexOK
}

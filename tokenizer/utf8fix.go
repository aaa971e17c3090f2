package tokenizer

import (
	"unicode/utf8"
)

// replacement is U+FFFD in UTF-8.
const replacement = "\uFFFD"

// ReplaceInvalid returns s with every ill-formed UTF-8 sequence replaced by
// U+FFFD, one replacement per maximal subpart (Unicode §3.9 "U+FFFD
// Substitution of Maximal Subparts", as in JavaScript's TextDecoder and
// Python's bytes.decode(errors="replace")). Valid input is returned as is.
func ReplaceInvalid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out, _ := appendValid(make([]byte, 0, len(s)+8), []byte(s), true)
	return string(out)
}

// appendValid appends b to dst with ill-formed sequences replaced. When final
// is false, a sequence at the end of b that is incomplete but could still
// become valid is held back: consumed tells how many bytes of b were used.
func appendValid(dst, b []byte, final bool) (out []byte, consumed int) {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			dst = append(dst, b[i])
			i++
			continue
		}
		if r, n := utf8.DecodeRune(b[i:]); r != utf8.RuneError || n > 1 {
			dst = append(dst, b[i:i+n]...)
			i += n
			continue
		}
		n, need := maximalSubpart(b[i:])
		if !final && i+n == len(b) && n < need {
			return dst, i // may complete with the next bytes
		}
		dst = append(dst, replacement...)
		i += n
	}
	return dst, len(b)
}

// leads is Unicode Table 3-7 (well-formed UTF-8 byte sequences) by lead
// byte: the lead bytes from..to start sequences of need bytes whose second
// byte is in lo..hi (later bytes are in 0x80..0xBF).
var leads = [...]struct{ from, to, need, lo, hi byte }{
	{0xC2, 0xDF, 2, 0x80, 0xBF},
	{0xE0, 0xE0, 3, 0xA0, 0xBF},
	{0xE1, 0xEC, 3, 0x80, 0xBF},
	{0xED, 0xED, 3, 0x80, 0x9F},
	{0xEE, 0xEF, 3, 0x80, 0xBF},
	{0xF0, 0xF0, 4, 0x90, 0xBF},
	{0xF1, 0xF3, 4, 0x80, 0xBF},
	{0xF4, 0xF4, 4, 0x80, 0x8F},
}

// maximalSubpart returns the length of the maximal subpart at the start of b,
// an ill-formed or truncated sequence, and the length a well-formed sequence
// with that lead byte would have (0 when the lead byte can start none).
func maximalSubpart(b []byte) (n, need int) {
	for _, l := range leads {
		if b[0] < l.from || b[0] > l.to {
			continue
		}
		lo, hi := l.lo, l.hi // range of the second byte
		n = 1
		for n < int(l.need) && n < len(b) {
			if c := b[n]; c < lo || c > hi {
				break
			}
			n++
			lo, hi = 0x80, 0xBF
		}
		return n, int(l.need)
	}
	return 1, 0
}

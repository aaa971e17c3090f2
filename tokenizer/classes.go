package tokenizer

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// Character classes of the O200K pattern, as bits of one byte.
const (
	clsUpper   = 1 << iota // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
	clsLower               // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
	clsLetter              // \p{L}
	clsNumber              // \p{N}
	clsSpace               // \s (Unicode White_Space)
	clsCRLF                // [\r\n]
	clsPySpace             // Python's str.isspace, used by the 25,000-run cut
)

// notPrefix are the classes that [^\r\n\p{L}\p{N}] excludes; notSymbol are the
// classes that [^\s\p{L}\p{N}] excludes.
const (
	notPrefix = clsCRLF | clsLetter | clsNumber
	notSymbol = clsSpace | clsLetter | clsNumber
)

// asciiClass holds the classes of the 128 ASCII code points.
var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for r := range rune(utf8.RuneSelf) {
		t[r] = computeClass(r)
	}
	return t
}()

// bmpClass holds the classes of the Basic Multilingual Plane; it is filled on
// first use (about a millisecond) so that programs which never tokenize do not
// pay for it.
var (
	bmpOnce  sync.Once
	bmpClass *[0x10000]uint8
)

func initBMP() {
	bmpOnce.Do(func() {
		t := new([0x10000]uint8)
		for r := range rune(0x10000) {
			t[r] = computeClass(r)
		}
		bmpClass = t
	})
}

// classOf returns the class bits of r. initBMP must have run.
func classOf(r rune) uint8 {
	if r < 0x10000 {
		return bmpClass[r]
	}
	return computeClass(r)
}

// classAt decodes the rune at s[i] (valid UTF-8) and returns its classes and
// its size in bytes.
func classAt(s string, i int) (uint8, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	return classOf(r), n
}

// computeClass derives the class bits of r from the Unicode 16.0 tables of
// unicode_tables.go (not from package unicode, whose version follows Go's).
func computeClass(r rune) uint8 {
	var c uint8
	if unicode.Is(tableUpper, r) {
		c |= clsUpper
	}
	if unicode.Is(tableLower, r) {
		c |= clsLower
	}
	if unicode.Is(tableLetter, r) {
		c |= clsLetter
	}
	if unicode.Is(tableNumber, r) {
		c |= clsNumber
	}
	if unicode.Is(tableSpace, r) {
		c |= clsSpace
	}
	if r == '\r' || r == '\n' {
		c |= clsCRLF
	}
	if pySpace(r) {
		c |= clsPySpace
	}
	return c
}

// pySpace reports whether Python's str.isspace is true for r: White_Space plus
// the four information separators U+001C..U+001F. (Python's set is the same
// from Unicode 6.3 to 16.0.)
func pySpace(r rune) bool {
	return unicode.Is(tableSpace, r) || (r >= 0x1c && r <= 0x1f)
}

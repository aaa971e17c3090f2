package tokenizer

import "strings"

// byteToRune is GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for
// themselves, the other 68 bytes map to U+0100 onwards in byte order.
var byteToRune, runeToByte = func() (b2r [256]rune, r2b map[rune]byte) {
	r2b = make(map[rune]byte, 256)
	next := rune(256)
	for b := range 256 {
		r := rune(b)
		if !(b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF) {
			r = next
			next++
		}
		b2r[b], r2b[r] = r, byte(b)
	}
	return b2r, r2b
}()

// toByteLevel returns the byte-level spelling of raw bytes, as
// tokenizer.json stores vocabulary entries.
func toByteLevel(raw string) string {
	var sb strings.Builder
	sb.Grow(2 * len(raw))
	for i := 0; i < len(raw); i++ {
		sb.WriteRune(byteToRune[raw[i]])
	}
	return sb.String()
}

// fromByteLevel undoes toByteLevel and reports false for a rune outside the
// byte-level alphabet.
func fromByteLevel(s string) (string, bool) {
	if isPrintableASCII(s) {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		c, ok := runeToByte[r]
		if !ok {
			return "", false
		}
		b = append(b, c)
	}
	return string(b), true
}

// isPrintableASCII reports whether s holds only '!'..'~', the bytes that
// byte-level text spells as themselves.
func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return true
}

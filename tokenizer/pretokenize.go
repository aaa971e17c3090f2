package tokenizer

// This file is the O200K pre-tokenizer of spec §4.2, hand-written. The
// pattern is the alternation, tried in order with backtracking semantics:
//
//	1. [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	2. [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	3. \p{N}{1,3}
//	4.  ?[^\s\p{L}\p{N}]+[\r\n/]*
//	5. \s*[\r\n]+
//	6. \s+(?!\S)
//	7. \s+
//
// Below, U is the class of alternative 1's first bracket (clsUpper), W that of
// its second (clsLower), P the optional prefix and S the class of
// [^\s\p{L}\p{N}]. Every position matches some alternative, so the pieces
// tile the text.

// Pattern is the O200K pre-tokenizer regular expression that the scanner
// implements; tokenizer.json files must name exactly this pattern.
const Pattern = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`

// splitPieces calls fn with each pre-token of s in order. s must be valid
// UTF-8 and its end is the end the lookahead of alternative 6 sees.
func splitPieces(s string, fn func(piece string)) {
	initBMP()
	for i := 0; i < len(s); {
		j := nextPiece(s, i)
		fn(s[i:j])
		i = j
	}
}

// nextPiece returns the end of the pre-token that starts at s[i].
func nextPiece(s string, i int) int {
	c0, n0 := classAt(s, i)
	// Alternatives 1 and 2, each first with the optional prefix taken, then
	// without it.
	if c0&notPrefix == 0 && i+n0 < len(s) {
		if e := matchLowerTail(s, i+n0); e > 0 {
			return e
		}
	}
	if e := matchLowerTail(s, i); e > 0 {
		return e
	}
	if c0&notPrefix == 0 && i+n0 < len(s) {
		if e := matchUpperHead(s, i+n0); e > 0 {
			return e
		}
	}
	if e := matchUpperHead(s, i); e > 0 {
		return e
	}
	switch {
	case c0&clsNumber != 0: // 3
		j := i + n0
		for k := 1; k < 3 && j < len(s); k++ {
			c, n := classAt(s, j)
			if c&clsNumber == 0 {
				break
			}
			j += n
		}
		return j
	case s[i] == ' ' && i+1 < len(s) && isSymbolAt(s, i+1): // 4, with the space
		return symbolRun(s, i+1)
	case c0&notSymbol == 0: // 4, without it
		return symbolRun(s, i)
	}
	return spaceRun(s, i)
}

// matchLowerTail matches U*W+ and an optional contraction at s[i] and returns
// the end, or 0. Backtracking gives back U characters until one of them (or
// the one after the U run) is in W, so it takes the last U∩W character of the
// run when the run is not followed by a W character.
func matchLowerTail(s string, i int) int {
	j, lastBoth := i, 0
	for j < len(s) {
		c, n := classAt(s, j)
		if c&clsUpper == 0 {
			if c&clsLower != 0 { // W+ continues after the U run
				return contraction(s, lowerRun(s, j+n))
			}
			break
		}
		j += n
		if c&clsLower != 0 {
			lastBoth = j
		}
	}
	if lastBoth == 0 {
		return 0
	}
	return contraction(s, lastBoth)
}

// matchUpperHead matches U+W* and an optional contraction at s[i] and returns
// the end, or 0.
func matchUpperHead(s string, i int) int {
	j := i
	for j < len(s) {
		c, n := classAt(s, j)
		if c&clsUpper == 0 {
			break
		}
		j += n
	}
	if j == i {
		return 0
	}
	return contraction(s, lowerRun(s, j))
}

// lowerRun returns the end of the run of W characters at s[i].
func lowerRun(s string, i int) int {
	for i < len(s) {
		c, n := classAt(s, i)
		if c&clsLower == 0 {
			break
		}
		i += n
	}
	return i
}

// contraction returns the end of (?i:'s|'t|'re|'ve|'m|'ll|'d) at s[i], or i
// when there is none. Case-insensitive matching uses Unicode simple case
// folding, under which U+017F (ſ) matches 's'; no other non-ASCII rune folds
// to one of these letters.
func contraction(s string, i int) int {
	if i+1 >= len(s) || s[i] != '\'' {
		return i
	}
	switch s[i+1] | 0x20 {
	case 's', 't', 'm', 'd':
		return i + 2
	case 'r', 'v':
		if i+2 < len(s) && s[i+2]|0x20 == 'e' {
			return i + 3
		}
	case 'l':
		if i+2 < len(s) && s[i+2]|0x20 == 'l' {
			return i + 3
		}
	}
	if s[i+1] == 0xC5 && i+2 < len(s) && s[i+2] == 0xBF { // ſ U+017F
		return i + 3
	}
	return i
}

// isSymbolAt reports whether the rune at s[i] is in [^\s\p{L}\p{N}].
func isSymbolAt(s string, i int) bool {
	c, _ := classAt(s, i)
	return c&notSymbol == 0
}

// symbolRun matches [^\s\p{L}\p{N}]+[\r\n/]* at s[i], whose first rune is a
// symbol, and returns the end.
func symbolRun(s string, i int) int {
	for i < len(s) {
		c, n := classAt(s, i)
		if c&notSymbol != 0 {
			break
		}
		i += n
	}
	for i < len(s) && (s[i] == '\r' || s[i] == '\n' || s[i] == '/') {
		i++
	}
	return i
}

// spaceRun handles alternatives 5 to 7 at s[i], a whitespace rune.
func spaceRun(s string, i int) int {
	j, lastStart, afterCRLF, count := i, i, 0, 0
	for j < len(s) {
		c, n := classAt(s, j)
		if c&clsSpace == 0 {
			break
		}
		lastStart = j
		j += n
		count++
		if c&clsCRLF != 0 {
			afterCRLF = j
		}
	}
	switch {
	case afterCRLF > 0: // \s*[\r\n]+
		return afterCRLF
	case j == len(s) || count == 1: // \s+(?!\S) at the end, or \s+
		return j
	default: // \s+(?!\S): give back the last whitespace rune
		return lastStart
	}
}

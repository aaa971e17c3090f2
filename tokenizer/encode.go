package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// Limits of Meta's tokenizer.py (spec §4.2 step 1), in code points.
const (
	maxEncodeChars = 400_000 // TIKTOKEN_MAX_ENCODE_CHARS
	maxRunChars    = 25_000  // MAX_NO_WHITESPACES_CHARS
)

// Encode returns the ids of text, without adding <|begin_of_text|>. With
// allowSpecial, the names of special tokens in text (such as "<|eot|>") become
// their ids; without it they are encoded as ordinary text. Invalid UTF-8 is
// replaced first (see the package documentation).
func (t *Tokenizer) Encode(text string, allowSpecial bool) []int32 {
	return t.AppendEncode(make([]int32, 0, len(text)/4+1), text, allowSpecial)
}

// AppendEncode appends the ids of text to dst, as Encode does, and returns the
// extended slice.
func (t *Tokenizer) AppendEncode(dst []int32, text string, allowSpecial bool) []int32 {
	if !utf8.ValidString(text) {
		text = ReplaceInvalid(text)
	}
	initBMP()
	st := encodeState{ranks: &t.ranks}
	if len(text) >= cacheMinBytes {
		st.cache = make(map[string]uint64)
	}
	for len(text) > 0 {
		chunk := text
		if len(text) > maxEncodeChars { // more bytes than the limit; count code points
			chunk = text[:runeOffset(text, maxEncodeChars)]
		}
		text = text[len(chunk):]
		for len(chunk) > 0 {
			slice := chunk[:runCut(chunk)]
			chunk = chunk[len(slice):]
			dst = t.encodeSlice(dst, slice, allowSpecial, &st)
		}
	}
	return dst
}

// encodeSlice is tiktoken's encode of one slice: split out the allowed special
// tokens, pre-tokenize the text between them and merge each piece.
func (t *Tokenizer) encodeSlice(dst []int32, s string, allowSpecial bool, st *encodeState) []int32 {
	for len(s) > 0 {
		seg, special, rest := s, int32(-1), ""
		if allowSpecial {
			if at, n, id := t.findSpecial(s); at >= 0 {
				seg, special, rest = s[:at], id, s[at+n:]
			}
		}
		for i := 0; i < len(seg); {
			j := nextPiece(seg, i)
			dst = st.appendPiece(dst, seg[i:j])
			i = j
		}
		if special >= 0 {
			dst = append(dst, special)
		}
		s = rest
	}
	return dst
}

// findSpecial returns the position, length and id of the leftmost special
// token name in s, or -1. Every name has the form "<|…|>" with no "|>"
// inside (the loaders check this), so the candidate at each "<|" is the text
// up to the next "|>".
func (t *Tokenizer) findSpecial(s string) (at, n int, id int32) {
	for from := 0; ; {
		i := strings.Index(s[from:], specialPrefix)
		if i < 0 {
			return -1, 0, 0
		}
		i += from
		limit := min(len(s), i+maxSpecialBytes)
		if j := strings.Index(s[i+len(specialPrefix):limit], specialSuffix); j >= 0 {
			name := s[i : i+len(specialPrefix)+j+len(specialSuffix)]
			if id, ok := t.specials[name]; ok {
				return i, len(name), id
			}
		}
		from = i + 1
	}
}

// cacheMinBytes is the text length from which Encode remembers the ids of the
// pieces it had to merge: long texts repeat words, short ones rarely do.
const cacheMinBytes = 16 << 10

// encodeState is the memory of one Encode call.
type encodeState struct {
	ranks    *rankTable
	parts    []bpePart         // scratch for appendBPE
	cache    map[string]uint64 // merged piece → offset<<32 | length in ids
	cacheIDs []int32
}

// appendPiece appends the ids of one pre-token. A piece that is a whole token
// is emitted as is (tiktoken, and Hugging Face's ignore_merges); otherwise it
// is merged by appendBPE, through the cache.
func (st *encodeState) appendPiece(dst []int32, piece string) []int32 {
	if id := st.ranks.get(piece); id != noRank {
		return append(dst, id)
	}
	if st.cache != nil {
		if v, ok := st.cache[piece]; ok {
			return append(dst, st.cacheIDs[v>>32:v>>32+v&0xffffffff]...)
		}
	}
	n := len(dst)
	dst, st.parts = appendBPE(dst, st.ranks, piece, st.parts)
	if st.cache != nil {
		st.cache[piece] = uint64(len(st.cacheIDs))<<32 | uint64(len(dst)-n)
		st.cacheIDs = append(st.cacheIDs, dst[n:]...)
	}
	return dst
}

// runeOffset returns the byte offset of the n-th code point of s, or len(s).
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// runCut returns the end of the first slice of s that Meta's
// _split_whitespaces_or_nonwhitespaces yields: the slice ends where a run of
// whitespace or of non-whitespace (Python's str.isspace) grows past
// maxRunChars code points.
func runCut(s string) int {
	if len(s) <= maxRunChars {
		return len(s)
	}
	initBMP()
	run, space := 0, false
	for i := 0; i < len(s); {
		c, n := classAt(s, i)
		sp := c&clsPySpace != 0
		switch {
		case i == 0 || sp != space:
			run, space = 1, sp
		case run == maxRunChars:
			return i
		default:
			run++
		}
		i += n
	}
	return len(s)
}

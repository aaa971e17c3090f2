package promptguard

import (
	"encoding/binary"
	"errors"
	"strings"
	"unicode/utf8"
)

// normalizer is SentencePiece's Normalizer: rewrites by the precompiled
// character map (a darts-clone double-array trie over UTF-8 prefixes and the
// replacement strings), then whitespace handling.
type normalizer struct {
	charsmap                         []byte
	trie                             []uint32
	repl                             []byte
	dummyPrefix, removeExtra, escape bool
}

func (n *normalizer) init() error {
	if len(n.charsmap) == 0 {
		return nil
	}
	if len(n.charsmap) < 4 {
		return errors.New("promptguard: precompiled_charsmap is too short")
	}
	size := int(binary.LittleEndian.Uint32(n.charsmap))
	if size%4 != 0 || 4+size > len(n.charsmap) {
		return errors.New("promptguard: precompiled_charsmap has a bad trie size")
	}
	n.trie = make([]uint32, size/4)
	for i := range n.trie {
		n.trie[i] = binary.LittleEndian.Uint32(n.charsmap[4+4*i:])
	}
	n.repl = n.charsmap[4+size:]
	return nil
}

// longestMatch returns the replacement and the length of the longest
// prefix of s in the trie (0 when none).
func (n *normalizer) longestMatch(s string) (string, int) {
	if len(n.trie) == 0 {
		return "", 0
	}
	offset := func(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }
	pos := uint32(0)
	unit := n.trie[0]
	pos ^= offset(unit)
	bestVal, bestLen := -1, 0
	for i := 0; i < len(s); i++ {
		c := uint32(s[i])
		if c == 0 {
			break
		}
		pos ^= c
		if int(pos) >= len(n.trie) {
			break
		}
		unit = n.trie[pos]
		if unit&((1<<31)|0xFF) != c {
			break
		}
		pos ^= offset(unit)
		if (unit>>8)&1 == 1 && int(pos) < len(n.trie) {
			bestVal, bestLen = int(n.trie[pos]&((1<<31)-1)), i+1
		}
	}
	if bestVal < 0 || bestVal >= len(n.repl) {
		return "", 0
	}
	r := n.repl[bestVal:]
	if k := strings.IndexByte(string(r), 0); k >= 0 {
		r = r[:k]
	}
	return string(r), bestLen
}

// prefix normalizes the start of s: the replacement of the longest
// charsmap match, else one character (an invalid byte becomes U+FFFD).
func (n *normalizer) prefix(s string) (string, int) {
	if r, l := n.longestMatch(s); l > 0 {
		return r, l
	}
	c, size := utf8.DecodeRuneInString(s)
	if c == utf8.RuneError && size <= 1 {
		return "\uFFFD", 1
	}
	return s[:size], size
}

// normalize is Normalizer::Normalize.
func (n *normalizer) normalize(s string) string {
	const space = "\u2581"
	if n.removeExtra {
		for len(s) > 0 {
			p, l := n.prefix(s)
			if p != " " {
				break
			}
			s = s[l:]
		}
	}
	if s == "" {
		return ""
	}
	var out strings.Builder
	if n.dummyPrefix {
		if n.escape {
			out.WriteString(space)
		} else {
			out.WriteByte(' ')
		}
	}
	prevSpace := n.removeExtra
	for len(s) > 0 {
		p, l := n.prefix(s)
		if prevSpace {
			p = strings.TrimLeft(p, " ")
		}
		if p != "" {
			for i := 0; i < len(p); i++ {
				if n.escape && p[i] == ' ' {
					out.WriteString(space)
				} else {
					out.WriteByte(p[i])
				}
			}
			prevSpace = strings.HasSuffix(p, " ")
		}
		s = s[l:]
	}
	r := out.String()
	if n.removeExtra {
		sp := " "
		if n.escape {
			sp = space
		}
		for strings.HasSuffix(r, sp) {
			r = r[:len(r)-len(sp)]
		}
	}
	return r
}

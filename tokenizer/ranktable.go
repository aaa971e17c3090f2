package tokenizer

import "math/bits"

// rankTable maps token bytes to ids. It is an open-addressing hash table of
// 8-byte slots, a quarter of a Go map's footprint for 200k string keys, so
// the BPE inner loop (mostly lookups of short strings that miss) stays in
// cache. Each slot packs a 24-bit hash tag, the key length and id+1; 0 is an
// empty slot. A tag and length match is confirmed against the token bytes.
//
// Keys of one and two bytes, the bulk of BPE's lookups, are indexed directly
// in short instead.
type rankTable struct {
	slots  []uint64
	mask   uint64
	tokens []string // id → bytes, shared with the Tokenizer
	short  []int32  // one byte b at b, two bytes b0 b1 at 256+b0<<8|b1
}

// newRankTable indexes every non-empty, non-special token; tokens is indexed
// by id. It returns the ids of a duplicate key, if any.
func newRankTable(tokens []string, special []bool) (t rankTable, dupA, dupB int32) {
	n := 0
	for id, s := range tokens {
		if s != "" && !special[id] {
			n++
		}
	}
	size := uint64(1) << bits.Len64(uint64(n)*2+1) // load factor at most 1/2
	t = rankTable{slots: make([]uint64, size), mask: size - 1, tokens: tokens, short: make([]int32, 256+1<<16)}
	for i := range t.short {
		t.short[i] = noRank
	}
	for id, s := range tokens {
		if s == "" || special[id] {
			continue
		}
		if len(s) <= 2 {
			i := shortIndex(s)
			if t.short[i] != noRank {
				return t, t.short[i], int32(id)
			}
			t.short[i] = int32(id)
			continue
		}
		h := hashString(s)
		meta := slotMeta(h, len(s))
		i := h & t.mask
		for ; t.slots[i] != 0; i = (i + 1) & t.mask {
			if e := t.slots[i]; e&^0xffffffff == meta && tokens[uint32(e)-1] == s {
				return t, int32(uint32(e)) - 1, int32(id)
			}
		}
		t.slots[i] = meta | uint64(id+1)
	}
	return t, -1, -1
}

// slotMeta is the upper half of a slot: the tag and the key length.
func slotMeta(h uint64, n int) uint64 {
	return (h>>40)<<40 | uint64(n&0xff)<<32
}

// get returns the id of s, or noRank when s is not a token.
func (t *rankTable) get(s string) int32 {
	if len(s) <= 2 {
		if len(s) == 0 {
			return noRank
		}
		return t.short[shortIndex(s)]
	}
	h := hashString(s)
	meta := slotMeta(h, len(s))
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		e := t.slots[i]
		if e == 0 {
			return noRank
		}
		if e&^0xffffffff == meta {
			id := int32(uint32(e)) - 1
			if t.tokens[id] == s {
				return id
			}
		}
	}
}

// hashString is a multiply-xorshift hash of s, reading 8 bytes at a time.
func hashString(s string) uint64 {
	const (
		k1 = 0x9E3779B97F4A7C15
		k2 = 0xD6E8FEB86659FD93
	)
	h := uint64(len(s)) * k1
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = (h ^ w) * k2
		h ^= h >> 32
		s = s[8:]
	}
	if len(s) > 0 {
		var w uint64
		for i := 0; i < len(s); i++ {
			w |= uint64(s[i]) << (8 * i)
		}
		h = (h ^ w) * k2
	}
	h ^= h >> 29
	h *= k1
	h ^= h >> 32
	return h
}

// shortIndex is the index of a key of one or two bytes in rankTable.short.
func shortIndex(s string) int {
	if len(s) == 1 {
		return int(s[0])
	}
	return 256 + int(s[0])<<8 | int(s[1])
}

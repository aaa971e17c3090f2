package tokenizer

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// bpeReference is the textbook merge loop, written for clarity: find the
// lowest-ranked adjacent pair (leftmost on ties), merge it, repeat.
func bpeReference(ranks *rankTable, piece string) []int32 {
	parts := make([]string, len(piece))
	for i := 0; i < len(piece); i++ {
		parts[i] = piece[i : i+1]
	}
	for {
		best, at := int32(noRank), -1
		for i := 0; i+1 < len(parts); i++ {
			if r := ranks.get(parts[i] + parts[i+1]); r < best {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		parts = slices.Replace(parts, at, at+2, parts[at]+parts[at+1])
	}
	ids := make([]int32, len(parts))
	for i, p := range parts {
		ids[i] = ranks.get(p)
	}
	return ids
}

// TestBPEVariantsAgree checks the scan and the heap against the reference on
// pieces that are not whole tokens.
func TestBPEVariantsAgree(t *testing.T) {
	for _, tok := range []*Tokenizer{syntheticTokenizer(t), anyTokenizer(t)} {
		rng := rand.New(rand.NewPCG(1, 2))
		words := []string{"the", "quick", "brown", " fox", "aaaa", "中文", "😀", "123", "'s", "\n", "  ", "ab"}
		for range 500 {
			var sb strings.Builder
			for range rng.IntN(60) + 2 {
				if rng.IntN(4) == 0 {
					sb.WriteByte(byte(rng.IntN(256)))
				} else {
					sb.WriteString(words[rng.IntN(len(words))])
				}
			}
			piece := sb.String()
			want := bpeReference(&tok.ranks, piece)
			scan, _ := appendBPEScan(nil, &tok.ranks, piece, nil)
			heap := appendBPEHeap(nil, &tok.ranks, piece)
			if !slices.Equal(scan, want) || !slices.Equal(heap, want) {
				t.Fatalf("piece %q:\n scan %v\n heap %v\n want %v", piece, scan, heap, want)
			}
		}
	}
}

// TestLongPiece exercises the heap path: a 600-byte piece against the
// reference, and a 30,000-letter piece through Encode.
func TestLongPiece(t *testing.T) {
	tok := anyTokenizer(t)
	piece := strings.Repeat("!?#", 200)
	if got, want := appendBPEHeap(nil, &tok.ranks, piece), bpeReference(&tok.ranks, piece); !slices.Equal(got, want) {
		t.Errorf("heap BPE of %d bytes:\n got %v\nwant %v", len(piece), got, want)
	}
	s := strings.Repeat("ab", 15000)
	if got := tok.Decode(tok.Encode(s, false), false); got != s {
		t.Errorf("round trip of %d bytes failed", len(s))
	}
}

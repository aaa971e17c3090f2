package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"", "Hello, world!", "I'm don't WE'LL", "  leading spaces and 12345 numbers\n\nnew para",
	"def f(x):\n    return x*2\n", "こんにちは世界", "👨\u200d👩\u200d👧 🇫🇷 1️⃣", "x'ſ ǅa aǅ \u0301",
	"<|begin_of_text|><|header_start|>user<|header_end|>\n\nhi<|eot|>", "<|eot|<|not|>",
	"\xe2\x82 \xed\xa0\x80 \xff", "\r\n\r\n\t \u3000\u00a0\u2028", "١٢٣٤٥ ⅫⅫ ½",
}

// FuzzRoundTrip checks Decode(Encode(s)) == s for valid UTF-8 (the replaced
// string otherwise), with and without specials, and that streaming the ids
// through a Decoder gives the same text.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	tok := anyTokenizer(f)
	f.Fuzz(func(t *testing.T, s string, allowSpecial bool) {
		want := s
		if !utf8.ValidString(s) {
			want = ReplaceInvalid(s)
		}
		ids := tok.Encode(s, allowSpecial)
		if got := tok.Decode(ids, false); got != want {
			t.Fatalf("Decode(Encode(%q, %v)) = %q", s, allowSpecial, got)
		}
		if !allowSpecial {
			for _, id := range ids {
				if tok.IsSpecial(id) {
					t.Fatalf("Encode(%q, false) produced special %d", s, id)
				}
			}
		}
		if got := streamDecode(t, tok, ids, false); got != want {
			t.Fatalf("stream decode of %q = %q", s, got)
		}
	})
}

// FuzzSplit checks that the pre-tokens tile the input and never split a
// character.
func FuzzSplit(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = ReplaceInvalid(s)
		var sb strings.Builder
		splitPieces(s, func(p string) {
			if p == "" || !utf8.ValidString(p) {
				t.Fatalf("bad piece %q of %q", p, s)
			}
			sb.WriteString(p)
		})
		if sb.String() != s {
			t.Fatalf("pieces of %q do not tile it", s)
		}
	})
}

// FuzzBPE checks the heap merge against tiktoken's scan on arbitrary bytes.
func FuzzBPE(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	tok := anyTokenizer(f)
	f.Fuzz(func(t *testing.T, piece string) {
		if piece == "" || len(piece) > 4096 {
			return
		}
		scan, _ := appendBPEScan(nil, &tok.ranks, piece, nil)
		heap := appendBPEHeap(nil, &tok.ranks, piece)
		if len(scan) != len(heap) {
			t.Fatalf("%q: scan %v heap %v", piece, scan, heap)
		}
		for i := range scan {
			if scan[i] != heap[i] {
				t.Fatalf("%q: scan %v heap %v", piece, scan, heap)
			}
		}
	})
}

// FuzzParseTiktoken feeds arbitrary files to the tiktoken loader: it must
// return an error or a working tokenizer, never panic.
func FuzzParseTiktoken(f *testing.F) {
	f.Add([]byte(byteLines()))
	f.Add([]byte(byteLines() + "QUI= 256\n"))
	f.Add([]byte("QQ== 0\nQg== 1\n"))
	f.Add([]byte("!!!! 0\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := ParseTiktoken(data)
		if err != nil {
			return
		}
		checkWorks(t, tok)
	})
}

// FuzzParseHFJSON does the same for tokenizer.json.
func FuzzParseHFJSON(f *testing.F) {
	good := tinyHFJSON(f)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a a"]}}`))
	f.Add([]byte(`{"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Split"}]}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := ParseHFJSON(data)
		if err != nil {
			return
		}
		checkWorks(t, tok)
	})
}

// checkWorks encodes and decodes a little text with a loaded tokenizer.
func checkWorks(t *testing.T, tok *Tokenizer) {
	t.Helper()
	const s = "Hello, wörld! 123 <|eot|>"
	if got := tok.Decode(tok.Encode(s, true), false); got != s {
		t.Fatalf("round trip gave %q", got)
	}
}

// tinyHFJSON is a small valid tokenizer.json: the 256 bytes, a few merges
// and only the specials the Tokenizer requires.
func tinyHFJSON(tb testing.TB) []byte {
	tb.Helper()
	var ranked []vocabEntry
	for b := range 256 {
		ranked = append(ranked, vocabEntry{string([]byte{byte(b)}), int32(b)})
	}
	for i, s := range []string{"he", "ll", "hell", "hello", " w", "or", " wor", "ld", " world"} {
		ranked = append(ranked, vocabEntry{s, int32(256 + i)})
	}
	names := []string{BeginOfText, EndOfText, EndOfMessage, EndOfTurn, FinetunePad}
	ids := []int32{265, 266, 267, 268, 269}
	tok, err := newTokenizer(ranked, names, ids)
	if err != nil {
		tb.Fatal(err)
	}
	return hfJSON(tb, tok)
}

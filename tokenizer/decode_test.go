package tokenizer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// byteIDs returns the ids of the single-byte tokens of s.
func byteIDs(tb testing.TB, tok *Tokenizer, s string) []int32 {
	tb.Helper()
	ids := make([]int32, len(s))
	for i := 0; i < len(s); i++ {
		id, ok := tok.TokenID(s[i : i+1])
		if !ok {
			tb.Fatalf("no token for byte %#x", s[i])
		}
		ids[i] = id
	}
	return ids
}

func TestDecoderHoldsPartialCharacters(t *testing.T) {
	tok := anyTokenizer(t)
	eot := tok.EOT()
	cases := []struct {
		name string
		ids  []int32
		skip bool
		outs []string // what each Add returns, then Flush
	}{
		{"emoji byte by byte", byteIDs(t, tok, "😀"), false, []string{"", "", "", "😀", ""}},
		{"ill-formed sequence", byteIDs(t, tok, "\xe2A"), false, []string{"", "\uFFFDA", ""}},
		{"lone continuation byte", byteIDs(t, tok, "\x80"), false, []string{"\uFFFD", ""}},
		{"incomplete at the end", byteIDs(t, tok, "a\xf0\x9f"), false, []string{"a", "", "", "\uFFFD"}},
		{"skipped special joins the bytes", append(append(byteIDs(t, tok, "\xe2\x82"), eot), byteIDs(t, tok, "\xac")...), true,
			[]string{"", "", "", "€", ""}},
		{"shown special breaks them", append(append(byteIDs(t, tok, "\xe2\x82"), eot), byteIDs(t, tok, "\xac")...), false,
			[]string{"", "", "\uFFFD<|eot|>", "\uFFFD", ""}},
		{"unknown id", []int32{-1, 1 << 30}, false, []string{"\uFFFD", "\uFFFD", ""}},
	}
	for _, c := range cases {
		d := tok.NewDecoder(c.skip)
		var got []string
		for _, id := range c.ids {
			got = append(got, d.Add(id))
		}
		got = append(got, d.Flush())
		if strings.Join(got, "|") != strings.Join(c.outs, "|") {
			t.Errorf("%s: outputs %q, want %q", c.name, got, c.outs)
		}
		if all := strings.Join(got, ""); all != tok.Decode(c.ids, c.skip) {
			t.Errorf("%s: stream %q != Decode %q", c.name, all, tok.Decode(c.ids, c.skip))
		}
	}
}

// streamDecode feeds ids to a Decoder and checks that every piece it returns
// is valid UTF-8.
func streamDecode(tb testing.TB, tok *Tokenizer, ids []int32, skip bool) string {
	tb.Helper()
	d := tok.NewDecoder(skip)
	var sb strings.Builder
	for _, id := range ids {
		s := d.Add(id)
		if !utf8.ValidString(s) {
			tb.Fatalf("Decoder.Add returned invalid UTF-8 %q", s)
		}
		sb.WriteString(s)
	}
	sb.WriteString(d.Flush())
	return sb.String()
}

// TestDecoderMatchesDecode streams the ids of the golden strings, token by
// token, and compares with Decode.
func TestDecoderMatchesDecode(t *testing.T) {
	tok := realTokenizer(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for i, r := range readGolden(t) {
		if i%7 != 0 || len(r.IDs) > 5000 {
			continue
		}
		ids := r.IDs
		if rng.IntN(3) == 0 { // a random id sequence, not one Encode would make
			ids = make([]int32, rng.IntN(20))
			for k := range ids {
				ids[k] = rng.Int32N(int32(tok.VocabSize()))
			}
		}
		skip := rng.IntN(2) == 0
		if got, want := streamDecode(t, tok, ids, skip), tok.Decode(ids, skip); got != want {
			t.Fatalf("record %d: stream %q != Decode %q", r.N, got, want)
		}
	}
}

// TestConcurrentUse encodes and decodes from several goroutines at once (run
// with -race): a Tokenizer is shared by a server's requests.
func TestConcurrentUse(t *testing.T) {
	tok := anyTokenizer(t)
	texts := []string{strings.Repeat("Hello, wörld! 123 ", 2000), "こんにちは世界 <|eot|>", "x'ſ  \n\n y"}
	want := make([][]int32, len(texts))
	for i, s := range texts {
		want[i] = tok.Encode(s, true)
	}
	done := make(chan error)
	for g := range 8 {
		go func() {
			for k := range 20 {
				i := (g + k) % len(texts)
				ids := tok.Encode(texts[i], true)
				if !slices.Equal(ids, want[i]) || tok.Decode(ids, false) != texts[i] {
					done <- fmt.Errorf("goroutine %d: text %d differs", g, i)
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

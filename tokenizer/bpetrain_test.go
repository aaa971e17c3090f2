package tokenizer

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

// syntheticCorpus is a deterministic text with the pre-tokenizer's hard
// cases: capitals, contractions, digits, punctuation runs, blank lines,
// several spaces, tabs, CRLF and multi-byte characters.
func syntheticCorpus(n int) string {
	words := []string{"the", "The", "king", "King's", "queen", "they're", "we'll", "ROMEO", "Juliet", "thee",
		"thou", "art", "naïve", "café", "東京", "Привет", "12345", "7", "2024", "...", "?!", "--", "o'er",
		"aaaa", "abab", "HTTPServer", "x"}
	seps := []string{" ", " ", " ", "  ", ", ", ".\n", ":\n", "\n\n", "\t", "\r\n", "; "}
	r := rand.New(rand.NewPCG(7, 11))
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(words[r.IntN(len(words))])
		b.WriteString(seps[r.IntN(len(seps))])
	}
	return b.String()
}

// corpora returns the texts the tests train on: the synthetic one, and
// TinyShakespeare.
func corpora(t *testing.T) map[string]string {
	b, err := os.ReadFile(shakespeare)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"synthetic": syntheticCorpus(40_000), "shakespeare": string(b)}
}

// TestTrainBPEEncodesLikeTrainer checks the central property: encoding the
// training text with the trained ranks (tiktoken's lowest-rank-first merge
// and whole-piece rule) gives exactly the tokens the trainer's merges
// produced, word by word and for the whole text; and decoding gives the text
// back.
func TestTrainBPEEncodesLikeTrainer(t *testing.T) {
	for name, text := range corpora(t) {
		for _, n := range []int{300, 1024, 2048} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				v, st, err := trainBPE(text, n)
				if err != nil {
					t.Fatal(err)
				}
				tok, err := v.Tokenizer()
				if err != nil {
					t.Fatal(err)
				}
				if got, want := tok.VocabSize(), len(v.Ranks)+NumSpecial; got != want {
					t.Fatalf("vocab size %d, want %d", got, want)
				}
				for w, word := range st.words {
					if got := tok.Encode(word, false); !slices.Equal(got, st.toks[w]) {
						t.Fatalf("word %q: Encode gives %v, the trainer has %v", word, got, st.toks[w])
					}
				}
				var want []int32
				forEachPiece(text, func(p string) { want = append(want, st.toks[st.wordOf[p]]...) })
				ids := tok.Encode(text, false)
				if !slices.Equal(ids, want) {
					t.Fatalf("Encode(text) differs from the trainer's tokens (%d vs %d ids)", len(ids), len(want))
				}
				if got := tok.Decode(ids, false); got != text {
					t.Fatalf("Decode(Encode(text)) differs from the text")
				}
				limit := len(text) * 3 / 4 // at least 4 bytes per 3 tokens
				if n >= 1024 {
					limit = len(text) / 2
				}
				if len(ids) > limit {
					t.Errorf("%d ranks compress %d bytes only to %d tokens", n, len(text), len(ids))
				}
			})
		}
	}
}

// refTrainBPE is a slow, independent statement of TrainBPE: every step
// re-encodes every word from its bytes (whole-word rule, then lowest rank
// first, leftmost on ties) and recounts every adjacent pair's bytes.
func refTrainBPE(text string, n int) (ranks []string, counts []int64) {
	freq := map[string]int64{}
	forEachPiece(text, func(p string) { freq[p]++ })
	rank := map[string]int{}
	for b := range 256 {
		ranks = append(ranks, string([]byte{byte(b)}))
		counts = append(counts, 0)
		rank[ranks[b]] = b
	}
	for len(ranks) < n {
		pairs := map[string]int64{}
		for w, f := range freq {
			parts := refEncode(w, rank)
			for i := 0; i+1 < len(parts); i++ {
				pairs[parts[i]+parts[i+1]] += f
			}
		}
		best, bc := "", int64(0)
		for s, c := range pairs {
			if c > bc || (c == bc && s < best) {
				best, bc = s, c
			}
		}
		if bc == 0 {
			break
		}
		rank[best] = len(ranks)
		ranks = append(ranks, best)
		counts = append(counts, bc)
	}
	return ranks, counts
}

func refEncode(w string, rank map[string]int) []string {
	if _, ok := rank[w]; ok {
		return []string{w}
	}
	var parts []string
	for i := range len(w) {
		parts = append(parts, w[i:i+1])
	}
	for {
		at, best := -1, 1<<30
		for i := 0; i+1 < len(parts); i++ {
			if r, ok := rank[parts[i]+parts[i+1]]; ok && r < best {
				at, best = i, r
			}
		}
		if at < 0 {
			return parts
		}
		parts[at] += parts[at+1]
		parts = append(parts[:at+1], parts[at+2:]...)
	}
}

// TestTrainBPEMatchesReference checks the incremental trainer rank for rank
// and count for count against refTrainBPE, up to exhausting the merges.
func TestTrainBPEMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		n          int
	}{
		{"repeats", "aaaaaaa aaaa aa a abababab ababa", 400},
		{"splits", "abc abc abcd bcd bcd bcd xabc abcabc", 400},
		{"unicode", "ééé naïve 東京東京 Привет привет", 400},
		{"synthetic", syntheticCorpus(6_000), 700},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := TrainBPE(tc.text, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			ranks, counts := refTrainBPE(tc.text, tc.n)
			if !slices.Equal(v.Ranks, ranks) || !slices.Equal(v.Counts, counts) {
				for i := range min(len(ranks), len(v.Ranks)) {
					if v.Ranks[i] != ranks[i] || v.Counts[i] != counts[i] {
						t.Fatalf("rank %d: trainer %q×%d, reference %q×%d", i, v.Ranks[i], v.Counts[i], ranks[i], counts[i])
					}
				}
				t.Fatalf("trainer has %d ranks, reference %d", len(v.Ranks), len(ranks))
			}
		})
	}
}

// TestTrainBPEDeterministic checks that training twice gives the same file,
// and the documented tie-break and stopping rules.
func TestTrainBPEDeterministic(t *testing.T) {
	text := syntheticCorpus(20_000)
	a, _ := TrainBPE(text, 1000)
	b, _ := TrainBPE(text, 1000)
	if !bytes.Equal(a.Tiktoken(), b.Tiktoken()) {
		t.Fatal("two trainings on the same text differ")
	}
	for _, tc := range []struct {
		text  string
		n     int
		ranks []string // after the 256 bytes
	}{
		{"xy ab", 257, []string{" a"}},           // three pairs once each: the smallest bytes win
		{"aa", 1000, []string{"aa"}},             // stops when no pair is left
		{"ab ab cd", 258, []string{"ab", " ab"}}, // "ab" twice; then " ab" (" " + "ab") < " c" < "cd"
		{"hello", 256, nil},                      // 256 ranks: bytes only
	} {
		v, err := TrainBPE(tc.text, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.Ranks[256:]; !slices.Equal(got, tc.ranks) {
			t.Errorf("%q, %d ranks: merges %q, want %q", tc.text, tc.n, got, tc.ranks)
		}
	}
	for b := range 256 {
		if a.Ranks[b] != string([]byte{byte(b)}) {
			t.Fatalf("rank %d is %q, want the byte %#x", b, a.Ranks[b], b)
		}
	}
	if _, err := TrainBPE("abc", 255); err == nil {
		t.Error("255 ranks: want an error")
	}
}

// TestBPEVocabTiktoken checks the written file: one "base64 rank" line per
// rank, read back by ParseTiktoken with the Llama 4 specials after the
// ranks.
func TestBPEVocabTiktoken(t *testing.T) {
	v, err := TrainBPE(syntheticCorpus(20_000), 600)
	if err != nil {
		t.Fatal(err)
	}
	file := v.Tiktoken()
	if lines := bytes.Count(file, []byte{'\n'}); lines != len(v.Ranks) {
		t.Fatalf("%d lines for %d ranks", lines, len(v.Ranks))
	}
	var w bytes.Buffer
	if err := v.WriteTiktoken(&w); err != nil || !bytes.Equal(w.Bytes(), file) {
		t.Fatalf("WriteTiktoken differs from Tiktoken (err %v)", err)
	}
	tok, err := ParseTiktoken(file)
	if err != nil {
		t.Fatal(err)
	}
	for r, s := range v.Ranks {
		if got, ok := tok.TokenBytes(int32(r)); !ok || got != s || tok.IsSpecial(int32(r)) {
			t.Fatalf("rank %d reads back as %q, want %q", r, got, s)
		}
	}
	n := int32(len(v.Ranks))
	for _, c := range []struct {
		name string
		got  int32
		want int32
	}{{"BOS", tok.BOS(), n}, {"EOS", tok.EOS(), n + 1}, {"EOT", tok.EOT(), n + 8}, {"Pad", tok.Pad(), n + 18}} {
		if c.got != c.want {
			t.Errorf("%s id %d, want %d", c.name, c.got, c.want)
		}
	}
}

// BenchmarkTrainBPE trains 4096 ranks on TinyShakespeare.
func BenchmarkTrainBPE(b *testing.B) {
	text, err := os.ReadFile(shakespeare)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := TrainBPE(string(text), 4096); err != nil {
			b.Fatal(err)
		}
	}
}

package grammar

import (
	"encoding/json"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/tokenizer/tokenizertest"
)

// loadLlama returns the real Llama 4 tokenizer, skipping the test without it.
func loadLlama(tb testing.TB) *tokenizer.Tokenizer { return tokenizertest.Llama4(tb) }

// TestLlamaMask walks the real vocabulary: each step masks, checks a sample
// of tokens against the matcher, and picks a random allowed token.
func TestLlamaMask(t *testing.T) {
	tok := loadLlama(t)
	start := time.Now()
	vocabOf(tok)
	v := vocabOf(tok)
	safe := 0
	for _, w := range v.safe {
		safe += bits.OnesCount64(w)
	}
	t.Logf("vocabulary index: %v (full trie %d nodes, rest trie %d nodes, %d string-safe tokens)",
		time.Since(start), len(v.full.label), len(v.rest.label), safe)
	walks := []string{walkSchemas[0], walkSchemas[2], walkSchemas[4]}
	if testing.Short() {
		walks = walks[:2]
	}
	tokenWalks(t, tok, walks)
}

// embeddedTokenizer is the tokenizer of the model compiled into herd.
const embeddedTokenizer = "../embedded/shakespeare/tokenizer.model"

// TestEmbeddedTokenizerMask walks the schemas of numeric bounds, formats,
// patterns and uniqueItems with the embedded model's small vocabulary.
func TestEmbeddedTokenizerMask(t *testing.T) {
	tok, err := tokenizer.Load(embeddedTokenizer)
	if err != nil {
		t.Fatal(err)
	}
	var walks []string
	for _, s := range walkSchemas {
		if strings.Contains(s, "minimum") || strings.Contains(s, "format") || strings.Contains(s, "pattern") || strings.Contains(s, "uniqueItems") {
			walks = append(walks, s)
		}
	}
	tokenWalks(t, tok, walks)
}

// tokenWalks generates one value per schema with random allowed tokens of
// tok, checking a sample of the mask against the matcher at every step, and
// validates each value.
func tokenWalks(t *testing.T, tok *tokenizer.Tokenizer, walks []string) {
	rng := rand.New(rand.NewPCG(7, 8))
	stops := tok.StopTokens()
	var times []time.Duration
	for _, schema := range walks {
		g := JSONObject()
		if schema != "" {
			var err error
			if g, err = CompileSchema([]byte(schema)); err != nil {
				t.Fatal(err)
			}
		}
		c := NewConstraint(tok, g, stops)
		logits := make([]float32, tok.VocabSize())
		var out []byte
		for step := 0; ; step++ {
			if step > 400 {
				t.Fatalf("no end: %q", out)
			}
			for i := range logits {
				logits[i] = 0
			}
			t0 := time.Now()
			c.Mask(logits)
			times = append(times, time.Since(t0))
			if d := time.Since(t0); d > 2*time.Millisecond {
				t.Logf("slow Mask (%v) after %q", d, out)
			}
			var allowed []int32
			for id, l := range logits {
				if !math.IsInf(float64(l), -1) {
					allowed = append(allowed, int32(id))
				}
			}
			if len(allowed) == 0 {
				t.Fatalf("after %q: nothing allowed", out)
			}
			for k := 0; k < 300; k++ {
				id := int32(rng.IntN(tok.VocabSize()))
				ok := !math.IsInf(float64(logits[id]), -1)
				want := c.Complete() && slices.Contains(stops, id)
				if s, _ := tok.TokenBytes(id); !tok.IsSpecial(id) {
					want = c.m.Clone().FeedString(s)
				}
				if ok != want {
					t.Fatalf("after %q: token %d allowed=%v, matcher says %v", out, id, ok, want)
				}
			}
			id := allowed[rng.IntN(len(allowed))]
			if step > 15 { // then close: prefer stops, then short closing tokens
				for _, pref := range []string{"<|eot|>", "<|eot_id|>", `"}`, `"]`, `"`, `}`, `]`, `0`} {
					if p, ok := tok.TokenID(pref); ok && !math.IsInf(float64(logits[p]), -1) {
						id = p
						break
					}
				}
			}
			c.Accept(id)
			if c.Failed() {
				t.Fatalf("Accept failed after %q", out)
			}
			if slices.Contains(stops, id) {
				break
			}
			s, _ := tok.TokenBytes(id)
			out = append(out, s...)
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %q", out)
		}
		if schema != "" {
			if err := validate([]byte(schema), string(out)); err != nil {
				t.Fatalf("%q: %v", out, err)
			}
		}
		t.Logf("%.200q", out)
	}
	slices.Sort(times)
	var sum time.Duration
	for _, d := range times {
		sum += d
	}
	t.Logf("Mask over %d steps: mean %v, median %v, p90 %v, max %v", len(times), sum/time.Duration(len(times)),
		times[len(times)/2], times[len(times)*9/10], times[len(times)-1])
}

// BenchmarkLlamaMask times Mask with the real vocabulary in typical states.
func BenchmarkLlamaMask(b *testing.B) {
	tok := loadLlama(b)
	g, err := CompileSchema([]byte(walkSchemas[2]))
	if err != nil {
		b.Fatal(err)
	}
	states := map[string]string{
		"start":        ``,
		"object-open":  `{`,
		"key":          `{"na`,
		"after-key":    `{"name"`,
		"value-string": `{"name":"Jo`,
		"after-value":  `{"name":"Jo"`,
		"number":       `{"name":"Jo","age":4`,
		"array":        `{"name":"Jo","age":4,"tags":[`,
		"maxlen":       `{"name":"Jo","age":4,"tags":["ab`,
		"done":         `{"name":"Jo","age":4}`,
	}
	names := make([]string, 0, len(states))
	for n := range states {
		names = append(names, n)
	}
	sort.Strings(names)
	vocabOf(tok)
	logits := make([]float32, tok.VocabSize())
	for _, name := range names {
		b.Run(name, func(b *testing.B) {
			c := NewConstraint(tok, g, tok.StopTokens())
			if !c.m.FeedString(states[name]) {
				b.Fatalf("prefix %q rejected", states[name])
			}
			for b.Loop() {
				c.Mask(logits)
			}
		})
	}
}

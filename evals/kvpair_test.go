package evals

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// promptText builds pm's prompt of n tokens at depth and trial and returns
// it with its text, decoded by tg's tokenizer.
func promptText(t *testing.T, tg Target, pm *promptMaker, n int, depth float64, trial int) (Prompt, string) {
	t.Helper()
	p, err := pm.build(n, depth, trial)
	if err != nil {
		t.Fatal(err)
	}
	return p, tg.Tok.Decode(p.IDs, true)
}

// TestKVNeedleKey: the key KVNeedleKey names is the one FormKV's prompt
// asks for (its question is the line "KEY:"), at every depth and trial, and
// depends on seed, depth and trial.
func TestKVNeedleKey(t *testing.T) {
	tg := byteTarget(t, -1)
	seen := map[string]bool{}
	for _, seed := range []uint64{1, 9} {
		pm := mustPromptMaker(t, tg, FormKV, nil, seed)
		for _, depth := range []float64{0, 0.25, 1} {
			for trial := range 3 {
				p, text := promptText(t, tg, pm, 120, depth, trial)
				key := KVNeedleKey(seed, depth, trial)
				if !strings.HasSuffix(text, "\n"+key+":") || !strings.Contains(text, key+": "+p.Expected+"\n") {
					t.Errorf("seed %d depth %g trial %d: key %q is not the prompt's needle: ...%q", seed, depth, trial, key, text[max(0, len(text)-40):])
				}
				if seen[key] {
					t.Errorf("seed %d depth %g trial %d: key %q repeats", seed, depth, trial, key)
				}
				seen[key] = true
			}
		}
	}
}

// TestKVPair: six lower-case letters and a five-digit value.
func TestKVPair(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	keyRE, valRE := regexp.MustCompile(`^[a-z]{6}$`), regexp.MustCompile(`^[1-9][0-9]{4}$`)
	for range 200 {
		k, v := KVPair(r)
		if !keyRE.MatchString(k) || !valRE.MatchString(v) {
			t.Fatalf("pair %q: %q", k, v)
		}
	}
}

// TestWordsNeedle: the key and value WordsNeedle names are the prompt's
// needle line and its question, the key occurs nowhere else in the
// haystack, and no word of Words ends with another.
func TestWordsNeedle(t *testing.T) {
	tg := byteTarget(t, -1)
	for i, a := range Words {
		for j, b := range Words {
			if i != j && strings.HasSuffix(a, b) {
				t.Errorf("word %q ends with word %q", a, b)
			}
		}
	}
	pm := mustPromptMaker(t, tg, FormWords, nil, 4)
	for _, depth := range []float64{0, 0.5, 1} {
		for trial := range 4 {
			p, text := promptText(t, tg, pm, 300, depth, trial)
			key, value := WordsNeedle(4, depth, trial)
			if p.Expected != value || !strings.HasSuffix(text, "\n"+key) || !strings.Contains(text, key+" "+value+"\n") {
				t.Errorf("depth %g trial %d: needle %q %q is not the prompt's: ...%q", depth, trial, key, value, text[max(0, len(text)-40):])
			}
			for _, w := range strings.Fields(text[:len(text)-len(key)]) {
				if w == key && !strings.Contains(text, key+" "+value+"\n") {
					t.Errorf("depth %g trial %d: key %q in the haystack", depth, trial, key)
				}
			}
			if n := strings.Count(text, key); n != 2 && !(key == value && n == 3) {
				t.Errorf("depth %g trial %d: key %q occurs %d times, want twice (needle and question)", depth, trial, key, n)
			}
		}
	}
}

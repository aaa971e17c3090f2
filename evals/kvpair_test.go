package evals

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestKVNeedleKey: the key KVNeedleKey names is the one FormKV's prompt
// asks for (its question is the line "KEY:"), at every depth and trial, and
// depends on seed, depth and trial.
func TestKVNeedleKey(t *testing.T) {
	tg := byteTarget(t, -1)
	seen := map[string]bool{}
	for _, seed := range []uint64{1, 9} {
		pm, err := newPromptMaker(tg, FormKV, nil, seed)
		if err != nil {
			t.Fatal(err)
		}
		for _, depth := range []float64{0, 0.25, 1} {
			for trial := range 3 {
				p, err := pm.build(120, depth, trial)
				if err != nil {
					t.Fatal(err)
				}
				text := tg.Tok.Decode(p.IDs, true)
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

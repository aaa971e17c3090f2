package evals

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Prompt is one NIAH prompt and its answer.
type Prompt struct {
	IDs       []int32
	NeedleAt  int     // index in IDs of the needle's first token
	Needle    int     // the needle's length in tokens
	Expected  string  // the answer: the key's digits, FormWords's value word, or FormIDs's value ids
	expectIDs []int32 // FormIDs: the value ids
	MaxTokens int     // tokens to generate for the answer
	words     bool    // FormWords: the answer is a word, not digits
}

// idsKey and idsValue are FormIDs's key and value lengths in tokens.
const idsKey, idsValue = 4, 4

// promptMaker builds the prompts of one form for a target. A prompt's
// haystack depends only on the seed and the trial, so prompts of one trial
// share their haystack's beginning (and a cache can reuse it); its key also
// on the depth, so the needle is the same at every length and the prompt
// the same whatever other depths a run has.
type promptMaker struct {
	t     Target
	form  Form
	lines []string // filler text lines (text forms); nil: random sentences
	seed  uint64
	pool  []int32 // FormIDs: the ids a haystack draws from
}

func newPromptMaker(t Target, form Form, lines []string, seed uint64) (*promptMaker, error) {
	p := &promptMaker{t: t, form: form, lines: lines, seed: seed}
	switch form {
	case FormNeedle, FormKV, FormWords:
		if t.Tok == nil {
			return nil, fmt.Errorf("prompt form %q needs a tokenizer, and the model has none (use form %q)", form, FormIDs)
		}
	case FormIDs:
		n := t.Model.VocabSize()
		if t.Tok != nil {
			n = min(n, t.Tok.VocabSize())
		}
		for id := int32(0); int(id) < n; id++ {
			if t.Special == nil || !t.Special(id) {
				p.pool = append(p.pool, id)
			}
		}
		if len(p.pool) < 2 {
			return nil, fmt.Errorf("the vocabulary of %d ids has %d that are not special; form %q needs at least 2", n, len(p.pool), form)
		}
	default:
		return nil, fmt.Errorf("unknown prompt form %q", form)
	}
	return p, nil
}

// parts are a prompt's pieces before assembly.
type parts struct {
	needle, question []int32
	expected         string
	expectIDs        []int32
	maxTokens        int
	hay              func() []int32 // the next piece of haystack
	cutFront         bool           // cut the haystack to length at its start, not its end
}

// parts draws the needle, question and haystack of trial at depth.
func (p *promptMaker) parts(trial int, depth float64) parts {
	keyRNG := needleRNG(p.seed, depth, trial)
	hayRNG := rand.New(rand.NewPCG(p.seed, uint64(trial)))
	tok := p.t.Tok
	enc := func(s string) []int32 { return tok.Encode(s, false) }
	var pt parts
	switch p.form {
	case FormNeedle:
		key := strconv.Itoa(10000 + keyRNG.IntN(90000))
		f := newFiller(p.lines, hayRNG)
		pt.needle = enc(f.wrap("The secret key is " + key + "."))
		pt.question = enc("\nWhat is the secret key? The secret key is")
		pt.expected = key
		pt.hay = func() []int32 { return enc(f.piece()) }
	case FormKV:
		key, value := kvPair(keyRNG)
		pt.needle = enc(key + ": " + value + "\n")
		// The question is the needle's key as one more line: a blank line
		// before it would be two "\n" tokens, where the tokenizer writes a
		// blank line in text as one.
		pt.question = enc(key + ":")
		pt.expected = value
		pt.hay = func() []int32 {
			k, v := kvPair(hayRNG)
			for k == key {
				k, v = kvPair(hayRNG)
			}
			return enc(k + ": " + v + "\n")
		}
	case FormWords:
		key, value := WordsNeedle(p.seed, depth, trial)
		pt.needle = enc(key + " " + value + "\n")
		// The question is the key alone on the last line: the answer is the
		// token that followed it in the needle.
		pt.question = enc(key)
		pt.expected = value
		pt.hay = func() []int32 {
			k, v := WordPair(hayRNG)
			for k == key || v == key { // the key occurs once before the question
				k, v = WordPair(hayRNG)
			}
			return enc(k + " " + v + "\n")
		}
		pt.cutFront = true
	case FormIDs:
		draw := func(r *rand.Rand, n int) []int32 {
			out := make([]int32, n)
			for i := range out {
				out[i] = p.pool[r.IntN(len(p.pool))]
			}
			return out
		}
		key := draw(keyRNG, idsKey)
		pt.expectIDs = draw(keyRNG, idsValue)
		pt.needle = append(append([]int32(nil), key...), pt.expectIDs...)
		pt.question = key
		pt.expected = idsText(pt.expectIDs)
		pt.maxTokens = idsValue
		pt.hay = func() []int32 { return draw(hayRNG, 1) }
	}
	if pt.maxTokens == 0 {
		pt.maxTokens = len(enc(" "+pt.expected)) + 2
	}
	return pt
}

// build makes the prompt of length tokens for trial with the needle at
// depth: the haystack is cut to fill the length exactly (at its end, or
// for FormWords at its start, so that the question starts a line), and the needle goes in at the boundary between
// haystack pieces (sentences, lines, ids) nearest to depth × the
// haystack's length.
func (p *promptMaker) build(length int, depth float64, trial int) (Prompt, error) {
	if !(depth >= 0 && depth <= 1) {
		return Prompt{}, fmt.Errorf("depth %g is outside [0, 1]", depth)
	}
	pt := p.parts(trial, depth)
	bos := p.t.bos()
	fixed := len(bos) + len(pt.needle) + len(pt.question)
	H := length - fixed
	if H < len(pt.needle) {
		return Prompt{}, fmt.Errorf("length %d is too short: the needle (%d tokens) is longer than the %d-token haystack that it, the question (%d tokens) and the BOS leave; form %q needs a length of at least %d",
			length, len(pt.needle), max(H, 0), len(pt.question), p.form, fixed+len(pt.needle))
	}
	hay := make([]int32, 0, H+64)
	bounds := []int{0}
	for len(hay) < H {
		hay = append(hay, pt.hay()...)
		bounds = append(bounds, len(hay))
	}
	if cut := len(hay) - H; pt.cutFront {
		// The haystack loses its first cut tokens, so that the question
		// starts a line.
		hay = hay[cut:]
		for i := range bounds {
			bounds[i] = max(bounds[i]-cut, 0)
		}
	} else {
		hay = hay[:H]
		bounds[len(bounds)-1] = H
	}
	want, at := depth*float64(H), 0
	for _, b := range bounds {
		if math.Abs(float64(b)-want) < math.Abs(float64(at)-want) {
			at = b
		}
	}
	ids := make([]int32, 0, length)
	ids = append(ids, bos...)
	ids = append(ids, hay[:at]...)
	ids = append(ids, pt.needle...)
	ids = append(ids, hay[at:]...)
	ids = append(ids, pt.question...)
	return Prompt{IDs: ids, NeedleAt: len(bos) + at, Needle: len(pt.needle), Expected: pt.expected,
		expectIDs: pt.expectIDs, MaxTokens: pt.maxTokens, words: p.form == FormWords}, nil
}

// kvPair draws a FormKV line's key (six random lower-case letters) and
// value (five random digits, not starting with 0).
func kvPair(r *rand.Rand) (key, value string) {
	return randomWord(r, 6), strconv.Itoa(10000 + r.IntN(90000))
}

// KVPair draws a key and value of FormKV's kind from r, for making
// training documents of the same task family as the eval's prompts.
func KVPair(r *rand.Rand) (key, value string) { return kvPair(r) }

// KVNeedleKey is the key of FormKV's needle in the prompts of trial at
// depth under seed (the same at every length), so that training data can
// exclude the eval's instances.
func KVNeedleKey(seed uint64, depth float64, trial int) string {
	key, _ := kvPair(needleRNG(seed, depth, trial))
	return key
}

// needleRNG seeds the draw of the needle of trial at depth.
func needleRNG(seed uint64, depth float64, trial int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15^math.Float64bits(depth), uint64(trial)))
}

// randomWord is n random lower-case letters.
func randomWord(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return string(b)
}

// idsText writes token ids separated by spaces.
func idsText(ids []int32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	return strings.Join(s, " ")
}

package evals

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/sample"
	"github.com/herd-llm/herd/tensor"
)

// NIAHOptions configure a needle-in-a-haystack run.
type NIAHOptions struct {
	Lengths []int     // prompt lengths in tokens
	Depths  []float64 // needle depths in [0, 1]
	Form    Form
	Trials  int      // prompts per (length, depth) cell, ≥ 1
	Seed    uint64   // seeds every haystack and key
	Filler  []string // text lines for the text forms' haystack (FillerLines); nil: random sentences
	KVType  tensor.DType
	Batch   int // prompt tokens per forward pass, ≥ 1
}

// Trial is one prompt's outcome.
type Trial struct {
	Length   int
	Depth    float64
	Trial    int
	Tokens   int    // prompt tokens
	NeedleAt int    // the needle's first token
	Expected string // the key
	Got      string // the answer scored: text forms, the digits (FormWords: lower-case letters) the output begins with; FormIDs, the ids
	Output   string // the generated text (text forms) or ids, on one line
	Correct  bool   // Got is Expected
}

// NIAHResult is a run's trials, in the order of Lengths, then Depths, then trials.
type NIAHResult struct {
	Lengths []int
	Depths  []float64
	Trials  []Trial
}

// Accuracy is the fraction of correct trials per cell, [depth][length].
func (r *NIAHResult) Accuracy() [][]float64 {
	acc := make([][]float64, len(r.Depths))
	n := make([][]int, len(r.Depths))
	for i := range acc {
		acc[i], n[i] = make([]float64, len(r.Lengths)), make([]int, len(r.Lengths))
	}
	for _, t := range r.Trials {
		d, l := slices.Index(r.Depths, t.Depth), slices.Index(r.Lengths, t.Length)
		n[d][l]++
		if t.Correct {
			acc[d][l]++
		}
	}
	for d := range acc {
		for l := range acc[d] {
			acc[d][l] /= float64(max(n[d][l], 1))
		}
	}
	return acc
}

// Check validates o for target t without running anything and returns
// the cache length the run needs: every length's prompts must fit, with
// their answer, in the model's positions; depths must be in [0, 1]; and
// the shortest length must leave a haystack at least as long as the needle.
func (o NIAHOptions) Check(t Target) (ctx int, err error) {
	switch {
	case len(o.Lengths) == 0 || len(o.Depths) == 0:
		return 0, fmt.Errorf("no lengths or no depths")
	case o.Trials < 1:
		return 0, fmt.Errorf("trials %d must be at least 1", o.Trials)
	case o.Batch < 1:
		return 0, fmt.Errorf("batch %d must be at least 1", o.Batch)
	}
	if err := noRepeats(o.Lengths, "length"); err != nil {
		return 0, err
	}
	if err := noRepeats(o.Depths, "depth"); err != nil {
		return 0, err
	}
	pm, err := newPromptMaker(t, o.Form, o.Filler, o.Seed)
	if err != nil {
		return 0, err
	}
	answer := 0
	for _, l := range o.Lengths {
		if l < 1 {
			return 0, fmt.Errorf("length %d must be positive", l)
		}
	}
	shortest := slices.Min(o.Lengths)
	for _, d := range o.Depths {
		for tr := 0; tr < o.Trials; tr++ {
			p, err := pm.build(shortest, d, tr)
			if err != nil {
				return 0, err
			}
			answer = max(answer, p.MaxTokens)
		}
	}
	longest := slices.Max(o.Lengths)
	if longest+answer > t.MaxPositions {
		return 0, fmt.Errorf("length %d with its %d answer tokens exceeds the model's %d positions (max_position_embeddings)", longest, answer, t.MaxPositions)
	}
	return longest + answer, nil
}

// RunNIAH runs every length × depth × trial prompt of o on t, greedily,
// reporting each trial to progress (when set) as it ends. Prompts of one
// length and trial run from the deepest needle to the shallowest, so each
// reuses the cached haystack before its needle.
func RunNIAH(t Target, o NIAHOptions, progress func(Trial)) (*NIAHResult, error) {
	ctx, err := o.Check(t)
	if err != nil {
		return nil, err
	}
	pm, err := newPromptMaker(t, o.Form, o.Filler, o.Seed)
	if err != nil {
		return nil, err
	}
	cache, err := t.Model.NewCacheOf(ctx, o.KVType)
	if err != nil {
		return nil, err
	}
	s := engine.NewSession(t.Model, cache, o.Batch)
	order := make([]int, len(o.Depths)) // depth indices, deepest first
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return -cmpFloat(o.Depths[a], o.Depths[b]) })
	res := &NIAHResult{Lengths: o.Lengths, Depths: o.Depths}
	for _, l := range o.Lengths {
		trials := make([]Trial, len(o.Depths)*o.Trials)
		for tr := 0; tr < o.Trials; tr++ {
			for _, di := range order {
				p, err := pm.build(l, o.Depths[di], tr)
				if err != nil {
					return nil, err
				}
				got, out, err := answer(s, t, p)
				if err != nil {
					return nil, fmt.Errorf("length %d, depth %g, trial %d: %w", l, o.Depths[di], tr, err)
				}
				tri := Trial{Length: l, Depth: o.Depths[di], Trial: tr, Tokens: len(p.IDs), NeedleAt: p.NeedleAt,
					Expected: p.Expected, Got: got, Output: out, Correct: got == p.Expected}
				trials[di*o.Trials+tr] = tri
				if progress != nil {
					progress(tri)
				}
			}
		}
		res.Trials = append(res.Trials, trials...)
	}
	return res, nil
}

// answer generates p's answer greedily on s and returns it as Trial.Got
// (the leading digits of the decoded text, for FormWords its leading
// lower-case letters, for FormIDs the generated ids) and Trial.Output.
func answer(s *engine.Session, t Target, p Prompt) (got, output string, err error) {
	req := &engine.Request{Prompt: p.IDs, MaxTokens: p.MaxTokens, Sampling: sample.Params{}, StopIDs: t.Stops, TopLogprobs: -1}
	if err := s.Start(req); err != nil {
		return "", "", err
	}
	for s.Finish() == "" {
		if _, err := s.Next(); err != nil {
			return "", "", err
		}
	}
	gen := s.Generated()
	if p.expectIDs != nil {
		return idsText(gen), idsText(gen), nil
	}
	text := strings.TrimLeftFunc(t.Tok.Decode(gen, true), unicode.IsSpace)
	outside := func(r rune) bool { return r < '0' || r > '9' }
	if p.words {
		outside = func(r rune) bool { return r < 'a' || r > 'z' }
	}
	end := strings.IndexFunc(text, outside)
	if end < 0 {
		end = len(text)
	}
	return text[:end], strings.Join(strings.Fields(text), " "), nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// noRepeats reports a value listed twice (its cells would merge).
func noRepeats[T comparable](vs []T, what string) error {
	seen := map[T]bool{}
	for _, v := range vs {
		if seen[v] {
			return fmt.Errorf("%s %v is listed twice", what, v)
		}
		seen[v] = true
	}
	return nil
}

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/herd-llm/herd/evals"
)

// twinSpec describes the two probe texts that -twin-docs writes: in both,
// docs documents of lines "key value" (words of evals.Words, distinct keys
// and distinct values) and then queries of them again, every line ending
// with a newline and no separator, so that with BPE a document is
// 3×(lines+queries) tokens and `herd eval ppl --ctx 3×(lines+queries)+1`
// gives every document its own window. In the first text a query repeats
// its line; in the second (-wrong) it carries the value of another line of
// the document. A model that retrieves by key predicts the first text's
// query values far better than the second's; one that only knows which
// values the document holds (a "bag of values") predicts both alike
// (docs/distillation.md, "Bag of values, not induction").
type twinSpec struct {
	docs, lines, queries int
	keys                 int // keys from the first keys words of evals.Words (0: all)
	wrong                string
}

func (s twinSpec) validate() error {
	switch {
	case s.docs <= 0:
		return nil
	case s.lines < 2 || s.lines > len(evals.Words) || s.keys > len(evals.Words) || (s.keys > 0 && s.lines > s.keys):
		return fmt.Errorf("-twin-lines %d with -keys %d: want 2..%d lines, and no more than -keys", s.lines, s.keys, len(evals.Words))
	case s.queries < 1 || s.queries > s.lines:
		return fmt.Errorf("-twin-queries %d: want 1..-twin-lines", s.queries)
	case s.wrong == "":
		return fmt.Errorf("-twin-docs needs -wrong FILE")
	}
	return nil
}

// twinDocs returns the two texts of s, drawn from r.
func twinDocs(r *rand.Rand, s twinSpec) (right, wrong string) {
	var a, b strings.Builder
	for range s.docs {
		nk := len(evals.Words)
		if s.keys > 0 {
			nk = s.keys
		}
		kp, vp := r.Perm(nk)[:s.lines], r.Perm(len(evals.Words))[:s.lines]
		for i := range kp {
			line := evals.Words[kp[i]] + " " + evals.Words[vp[i]] + "\n"
			a.WriteString(line)
			b.WriteString(line)
		}
		for _, i := range r.Perm(s.lines)[:s.queries] {
			j := (i + 1 + r.IntN(s.lines-1)) % s.lines // another line
			a.WriteString(evals.Words[kp[i]] + " " + evals.Words[vp[i]] + "\n")
			b.WriteString(evals.Words[kp[i]] + " " + evals.Words[vp[j]] + "\n")
		}
	}
	return a.String(), b.String()
}

// writeTwins writes s's two texts to out and s.wrong.
func writeTwins(out string, seed uint64, s twinSpec) error {
	right, wrong := twinDocs(rand.New(rand.NewPCG(seed, 0x7477696e)), s)
	if err := os.WriteFile(out, []byte(right), 0o644); err != nil {
		return err
	}
	return os.WriteFile(s.wrong, []byte(wrong), 0o644)
}

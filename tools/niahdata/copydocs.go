package main

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/herd-llm/herd/evals"
)

// copySpec describes the copy documents that -copy-docs mixes in.
type copySpec struct {
	docs, min, max int
	items          string // "words", "letters" or "lines"
}

func (c copySpec) validate() error {
	switch {
	case c.docs < 0:
		return fmt.Errorf("-copy-docs %d must not be negative", c.docs)
	case c.min < 1 || c.max < c.min:
		return fmt.Errorf("copy lengths %d..%d: want 1 ≤ -copy-min ≤ -copy-max", c.min, c.max)
	case c.items != "words" && c.items != "letters" && c.items != "lines":
		return fmt.Errorf(`-copy-items %q: want "words", "letters" or "lines"`, c.items)
	case c.items == "lines" && c.max > len(evals.Words):
		return fmt.Errorf("-copy-max %d: a copy of lines has at most %d lines (one per key)", c.max, len(evals.Words))
	}
	return nil
}

// copyDocument is a sequence of n random items (words of evals.Words
// joined by spaces; letters a-z joined by nothing; or --form words lines
// "key value" with distinct keys, no line in exclude, joined by newlines), a
// newline and the same sequence again: every token of the second half is
// predictable by copying, the task on which an induction head forms
// fastest.
func copyDocument(r *rand.Rand, items string, n int, exclude map[string]bool) string {
	parts := make([]string, n)
	join := " "
	seen := map[string]bool{}
	for i := range parts {
		switch items {
		case "letters":
			parts[i], join = string(rune('a'+r.IntN(26))), ""
		case "lines":
			join = "\n"
			for {
				k, v := evals.WordPair(r)
				if !seen[k] && !exclude[k+" "+v] {
					seen[k], parts[i] = true, k+" "+v
					break
				}
			}
		default:
			parts[i] = evals.Words[r.IntN(len(evals.Words))]
		}
	}
	s := strings.Join(parts, join)
	return s + "\n" + s
}

// mixIn puts the extra documents at random places among docs, whose order
// it keeps (so a text's tail stays last, in the held-out part).
func mixIn(r *rand.Rand, docs, extra []string) []string {
	isExtra := make([]bool, len(docs)+len(extra))
	for i := range extra {
		isExtra[i] = true
	}
	r.Shuffle(len(isExtra), func(i, j int) { isExtra[i], isExtra[j] = isExtra[j], isExtra[i] })
	out := make([]string, 0, len(isExtra))
	for _, e := range isExtra {
		if e {
			out, extra = append(out, extra[0]), extra[1:]
		} else {
			out, docs = append(out, docs[0]), docs[1:]
		}
	}
	return out
}

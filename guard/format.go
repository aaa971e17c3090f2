package guard

import (
	"math"
	"strings"
)

// answerFormat checks prefixes of the guard's answer language: "safe",
// "unsafe", or "unsafe\n" then comma-separated codes of the policy (each
// optionally after one space, none repeated).
type answerFormat struct{ codes []string }

// check reports whether s can still become an answer (viable) and whether
// it is one (complete).
func (f answerFormat) check(s string) (viable, complete bool) {
	for _, w := range []string{"safe", "unsafe"} {
		if strings.HasPrefix(w, s) {
			return true, s == w
		}
	}
	rest, ok := strings.CutPrefix(s, "unsafe\n")
	if !ok {
		return false, false
	}
	pieces := strings.Split(rest, ",")
	seen := map[string]bool{}
	for i, p := range pieces {
		p = strings.TrimPrefix(p, " ")
		if i < len(pieces)-1 {
			if !f.isCode(p) || seen[p] {
				return false, false
			}
			seen[p] = true
			continue
		}
		for _, c := range f.codes {
			if strings.HasPrefix(c, p) && !seen[c] {
				return true, f.isCode(p) && !seen[p]
			}
		}
	}
	return false, false
}

func (f answerFormat) isCode(p string) bool {
	for _, c := range f.codes {
		if c == p {
			return true
		}
	}
	return false
}

// longestComplete is the longest prefix of s that is a whole answer ("" if
// none): an answer the token limit cut inside a category code ends at the
// last whole one.
func (f answerFormat) longestComplete(s string) string {
	for n := len(s); n > 0; n-- {
		if _, ok := f.check(s[:n]); ok {
			return s[:n]
		}
	}
	return ""
}

// formatConstraint restricts decoding to the answer format: a token is
// allowed if the answer stays viable with its text, a stop token once the
// answer is complete. It first hands the unmasked logits to score.
type formatConstraint struct {
	f      answerFormat
	tokens []string // text of each ordinary token; "" for specials
	stops  []int32
	score  *scorer
	text   string
}

// Mask scores the step, then sets every logit that would leave the format
// to -Inf.
func (c *formatConstraint) Mask(logits []float32) {
	c.score.Mask(logits)
	_, complete := c.f.check(c.text)
	keep := make([]float32, len(c.stops))
	for i, id := range c.stops {
		if int(id) < len(logits) {
			keep[i] = logits[id]
		}
	}
	neg := float32(math.Inf(-1))
	for id := range logits {
		t := ""
		if id < len(c.tokens) {
			t = c.tokens[id]
		}
		if t == "" {
			logits[id] = neg
			continue
		}
		if ok, _ := c.f.check(c.text + t); !ok {
			logits[id] = neg
		}
	}
	if complete {
		for i, id := range c.stops {
			if int(id) < len(logits) {
				logits[id] = keep[i]
			}
		}
	}
}

// Accept appends the chosen token's text.
func (c *formatConstraint) Accept(id int32) {
	if int(id) < len(c.tokens) {
		c.text += c.tokens[id]
	}
}

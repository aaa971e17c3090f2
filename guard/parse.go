package guard

import (
	"fmt"
	"regexp"
	"strings"
)

// Verdict is a guard's judgement of one message.
type Verdict struct {
	Unsafe bool
	// Categories are the violated category codes the guard named (excluded
	// ones removed), in its order; empty when safe or when it named none.
	Categories []string
	// Score is the calibrated probability that the message is unsafe: the
	// probability of the "unsafe" token at the guard's first step. It is -1
	// when the classifier gives no score.
	Score float64
	// Output is what the guard model wrote, trimmed.
	Output string
}

var codeRE = regexp.MustCompile(`^[Ss][0-9]+$`)

// Parse reads a Llama Guard answer: "safe"; "unsafe" alone; or "unsafe"
// then a line of comma-separated category codes ("S1", "S1,S10",
// "S1, S10"). Surrounding whitespace and blank lines are ignored, as is the
// case of the words and codes. Anything else is an error naming the output.
// The score is left at -1.
func Parse(output string) (Verdict, error) {
	out := strings.TrimSpace(output)
	v := Verdict{Score: -1, Output: out}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return v, fmt.Errorf("guard: empty output")
	}
	switch strings.ToLower(lines[0]) {
	case "safe":
		if len(lines) > 1 {
			return v, fmt.Errorf("guard: unexpected output %q: text after \"safe\"", out)
		}
		return v, nil
	case "unsafe":
	default:
		return v, fmt.Errorf("guard: unexpected output %q: the first line must be \"safe\" or \"unsafe\"", out)
	}
	v.Unsafe = true
	if len(lines) > 2 {
		return v, fmt.Errorf("guard: unexpected output %q: more than one line of categories", out)
	}
	if len(lines) == 2 {
		for _, f := range strings.Split(lines[1], ",") {
			code := strings.TrimSpace(f)
			if !codeRE.MatchString(code) {
				return v, fmt.Errorf("guard: unexpected output %q: %q is not a category code", out, code)
			}
			v.Categories = append(v.Categories, strings.ToUpper(code))
		}
	}
	return v, nil
}

// Exclude removes excluded codes from an unsafe verdict's categories; a
// verdict whose every named category is excluded becomes safe (as the
// reference shield treats it).
func (v Verdict) Exclude(excluded []string) Verdict {
	if !v.Unsafe || len(v.Categories) == 0 || len(excluded) == 0 {
		return v
	}
	ex := map[string]bool{}
	for _, c := range excluded {
		ex[c] = true
	}
	var keep []string
	for _, c := range v.Categories {
		if !ex[c] {
			keep = append(keep, c)
		}
	}
	v.Categories = keep
	if len(keep) == 0 {
		v.Unsafe = false
	}
	return v
}

package llamaguard

import (
	"fmt"
	"strings"

	"github.com/herd-llm/herd/guard"
)

// Policy is what a guard checks, as herd's flags give it: Categories keeps
// only these codes (comma-separated; "" = all of S1–S14), Exclude leaves
// these out, Threshold flags at P(unsafe) ≥ it (0: the written answer
// decides), Unconstrained lets the guard write freely.
type Policy struct {
	Categories, Exclude string
	Threshold           float64
	Unconstrained       bool
}

// Options turns the policy into guard.Options: Categories becomes the
// exclusion of every other category. flagPrefix is the prefix of the flags
// named in errors ("guard-" for herd serve's).
func (p *Policy) Options(flagPrefix string) (guard.Options, error) {
	o := guard.Options{Threshold: p.Threshold, Unconstrained: p.Unconstrained}
	if p.Threshold < 0 || p.Threshold > 1 {
		return o, settingError{fmt.Errorf("--%sthreshold %g must be in [0, 1]", flagPrefix, p.Threshold)}
	}
	ex, err := guard.ParseCodes(p.Exclude, nil)
	if err != nil {
		return o, settingError{fmt.Errorf("--%sexclude: %w", flagPrefix, err)}
	}
	if p.Categories != "" {
		keep, err := guard.ParseCodes(p.Categories, nil)
		if err != nil {
			return o, settingError{fmt.Errorf("--%scategories: %w", flagPrefix, err)}
		}
		if len(keep) == 0 {
			return o, settingError{fmt.Errorf("--%scategories names no category", flagPrefix)}
		}
		in := map[string]bool{}
		for _, c := range keep {
			in[c] = true
		}
		for _, c := range guard.Categories {
			if !in[c.Code] {
				ex = append(ex, c.Code)
			}
		}
	}
	o.Excluded = ex
	return o, nil
}

// VerdictLine is a verdict for people: "safe (score 0.012)" or
// "unsafe S1,S10 (Violent Crimes, Hate; score 0.973)".
func VerdictLine(v guard.Verdict) string {
	if !v.Unsafe {
		return fmt.Sprintf("safe (score %.4f)", v.Score)
	}
	var names []string
	for _, c := range v.Categories {
		if n, ok := guard.CategoryName(c); ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("unsafe (score %.4f)", v.Score)
	}
	return fmt.Sprintf("unsafe %s (%s; score %.4f)", strings.Join(v.Categories, ","), strings.Join(names, ", "), v.Score)
}

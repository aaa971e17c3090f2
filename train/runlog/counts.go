package runlog

import (
	"math"
	"strconv"
	"strings"
)

// AddCounts adds src[l][e] to dst[l][e].
func AddCounts(dst, src [][]int64) {
	for l, c := range src {
		for e, n := range c {
			dst[l][e] += n
		}
	}
}

// LoadSpread returns the largest max/min ratio of tokens per expert over
// the MoE layers (+Inf when an expert got none) and the number of experts
// that got no token.
func LoadSpread(counts [][]int64) (ratio float64, dead int) {
	ratio = 1
	for _, c := range counts {
		if c == nil {
			continue
		}
		lo, hi := c[0], c[0]
		for _, n := range c {
			lo, hi = min(lo, n), max(hi, n)
			if n == 0 {
				dead++
			}
		}
		if lo == 0 {
			ratio = math.Inf(1)
		} else {
			ratio = math.Max(ratio, float64(hi)/float64(lo))
		}
	}
	return ratio, dead
}

// formatCounts writes tokens per expert as the log's expert_tokens column:
// MoE layers separated by "|", experts by spaces.
func formatCounts(counts [][]int64) string {
	var b strings.Builder
	for _, c := range counts {
		if c == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		for e, n := range c {
			if e > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatInt(n, 10))
		}
	}
	return b.String()
}

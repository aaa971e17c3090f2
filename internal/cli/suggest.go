package cli

import (
	"slices"
	"strconv"
	"strings"
)

// Suggest returns the candidates nearest to s in edit distance, quoted and
// joined with "or" ("\"rl\" or \"run\"" when both are one edit away), or ""
// when none is near enough to be a likely misspelling: within 1 edit for
// words of up to 3 letters, 2 for longer ones.
func Suggest(s string, candidates []string) string {
	var best []string
	bestD := -1
	for _, c := range candidates {
		d := editDistance(s, c)
		limit := 1
		if min(len([]rune(s)), len([]rune(c))) >= 4 {
			limit = 2
		}
		switch {
		case d > limit:
		case bestD < 0 || d < bestD:
			best, bestD = []string{c}, d
		case d == bestD:
			best = append(best, c)
		}
	}
	slices.Sort(best)
	q := make([]string, len(best))
	for i, c := range best {
		q[i] = strconv.Quote(c)
	}
	return strings.Join(q, " or ")
}

// editDistance is the number of rune insertions, deletions, substitutions
// and swaps of two neighbours that turn a into b (the optimal string
// alignment distance: "rnu" is one swap from "run").
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

package sft

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/herd-llm/herd/train/dataset"
)

// Row is one training row of T tokens.
type Row struct {
	Inputs, Targets []int32
	Examples        int // examples packed into the row
}

// Pack places whole sequences into rows of exactly T tokens, the rest of
// each row filled with pad (input pad, target ignored; the pad token's
// embedding gets no gradient). With pack, several sequences share a row,
// placed first-fit in order of decreasing length (ties by input order), so
// the rows are deterministic; without, each sequence has its own row.
// A packed sequence attends to the ones before it in its row (there is no
// document mask) and starts at a position > 0; docs/post-training.md
// discusses this. A sequence longer than T is an error naming its line.
func Pack(seqs []Seq, T int, pad int32, pack bool) ([]Row, error) {
	if T <= 0 {
		return nil, fmt.Errorf("sft: row length %d must be positive", T)
	}
	for _, s := range seqs {
		if len(s.Inputs) > T {
			return nil, fmt.Errorf("sft: line %d: the example has %d tokens; rows of %d hold examples of at most %d (raise --seq or shorten it)", s.Line, len(s.Inputs)+1, T, T+1)
		}
	}
	order := make([]int, len(seqs))
	for i := range order {
		order[i] = i
	}
	if pack {
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(seqs[b].Inputs), len(seqs[a].Inputs)) })
	}
	var rows []Row
	var used []int
	for _, i := range order {
		s := &seqs[i]
		r := -1
		if pack {
			for k, u := range used {
				if u+len(s.Inputs) <= T {
					r = k
					break
				}
			}
		}
		if r < 0 {
			rows = append(rows, Row{Inputs: make([]int32, 0, T), Targets: make([]int32, 0, T)})
			used = append(used, 0)
			r = len(rows) - 1
		}
		rows[r].Inputs = append(rows[r].Inputs, s.Inputs...)
		rows[r].Targets = append(rows[r].Targets, s.Targets...)
		rows[r].Examples++
		used[r] += len(s.Inputs)
	}
	for k := range rows {
		for len(rows[k].Inputs) < T {
			rows[k].Inputs = append(rows[k].Inputs, pad)
			rows[k].Targets = append(rows[k].Targets, dataset.IgnoreIndex)
		}
	}
	return rows, nil
}

package dataset

import (
	"encoding/json"
	"fmt"
	"io"
)

// IgnoreIndex marks a target that contributes neither to the loss nor to
// its normaliser, as PyTorch's cross-entropy ignore_index.
const IgnoreIndex = -100

// CountValid returns the number of targets that are not IgnoreIndex.
func CountValid(targets []int32) int {
	n := 0
	for _, t := range targets {
		if t != IgnoreIndex {
			n++
		}
	}
	return n
}

// Batch is B rows of T tokens with their next-token targets, row-major:
// Inputs[b·T+t] is the token at position t of row b and Targets[b·T+t] the
// token to predict there, or IgnoreIndex.
type Batch struct {
	B, T    int
	Inputs  []int32 // [B·T]
	Targets []int32 // [B·T]
	// Starts[b], when not nil, is where row b's inputs begin in the
	// training part (Dataset.Sample records it; a teacher cache is indexed
	// by it).
	Starts []int
}

// batchJSON is the reference's batch file: input_ids and targets, both
// [B][T], target −100 = ignored. Other keys (labels_hf, token_seed, …) are
// ignored.
type batchJSON struct {
	InputIDs [][]int32 `json:"input_ids"`
	Targets  [][]int32 `json:"targets"`
}

// ReadBatchJSON reads a batch in the format of the training reference's
// batch.json: {"input_ids": [[…]], "targets": [[…]]}, rows of equal length.
func ReadBatchJSON(r io.Reader) (*Batch, error) {
	var bj batchJSON
	if err := json.NewDecoder(r).Decode(&bj); err != nil {
		return nil, fmt.Errorf("dataset: batch JSON: %w", err)
	}
	if len(bj.InputIDs) == 0 || len(bj.InputIDs[0]) == 0 {
		return nil, fmt.Errorf("dataset: batch JSON has no input_ids")
	}
	if len(bj.Targets) != len(bj.InputIDs) {
		return nil, fmt.Errorf("dataset: batch JSON has %d rows of input_ids but %d of targets", len(bj.InputIDs), len(bj.Targets))
	}
	B, T := len(bj.InputIDs), len(bj.InputIDs[0])
	b := &Batch{B: B, T: T, Inputs: make([]int32, 0, B*T), Targets: make([]int32, 0, B*T)}
	for i := range bj.InputIDs {
		if len(bj.InputIDs[i]) != T || len(bj.Targets[i]) != T {
			return nil, fmt.Errorf("dataset: batch JSON row %d has %d input_ids and %d targets, want %d each", i, len(bj.InputIDs[i]), len(bj.Targets[i]), T)
		}
		b.Inputs = append(b.Inputs, bj.InputIDs[i]...)
		b.Targets = append(b.Targets, bj.Targets[i]...)
	}
	return b, nil
}

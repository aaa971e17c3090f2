package train

import (
	"encoding/json"
	"fmt"
	"io"
)

// Batch is B rows of T tokens with their next-token targets, row-major:
// Inputs[b·T+t] is the token at position t of row b and Targets[b·T+t] the
// token to predict there, or IgnoreIndex.
type Batch struct {
	B, T    int
	Inputs  []int32 // [B·T]
	Targets []int32 // [B·T]
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
		return nil, fmt.Errorf("train: batch JSON: %w", err)
	}
	if len(bj.InputIDs) == 0 || len(bj.InputIDs[0]) == 0 {
		return nil, fmt.Errorf("train: batch JSON has no input_ids")
	}
	if len(bj.Targets) != len(bj.InputIDs) {
		return nil, fmt.Errorf("train: batch JSON has %d rows of input_ids but %d of targets", len(bj.InputIDs), len(bj.Targets))
	}
	B, T := len(bj.InputIDs), len(bj.InputIDs[0])
	b := &Batch{B: B, T: T, Inputs: make([]int32, 0, B*T), Targets: make([]int32, 0, B*T)}
	for i := range bj.InputIDs {
		if len(bj.InputIDs[i]) != T || len(bj.Targets[i]) != T {
			return nil, fmt.Errorf("train: batch JSON row %d has %d input_ids and %d targets, want %d each", i, len(bj.InputIDs[i]), len(bj.Targets[i]), T)
		}
		b.Inputs = append(b.Inputs, bj.InputIDs[i]...)
		b.Targets = append(b.Targets, bj.Targets[i]...)
	}
	return b, nil
}

// LossAndGrad runs forward, loss and backward for one batch: it zeroes g,
// fills it with the gradient of the mean cross-entropy over the batch's
// valid targets, and returns that mean loss and the number of valid targets.
// ws must have been made for b's shape.
func LossAndGrad[F Float](ws *Workspace[F], p, g *Params[F], b *Batch) (loss float64, valid int, err error) {
	if b.B != ws.B || b.T != ws.T {
		return 0, 0, fmt.Errorf("train: batch is %d×%d, workspace %d×%d", b.B, b.T, ws.B, ws.T)
	}
	n := CountValid(b.Targets)
	if n == 0 {
		return 0, 0, fmt.Errorf("train: batch has no valid targets")
	}
	if _, err := ws.Forward(p, b.Inputs); err != nil {
		return 0, 0, err
	}
	sum, valid, err := ws.LossGrad(b.Targets, 1/float64(n))
	if err != nil {
		return 0, 0, err
	}
	g.Zero()
	if err := ws.Backward(p, g); err != nil {
		return 0, 0, err
	}
	return sum / float64(valid), valid, nil
}

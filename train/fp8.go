package train

import (
	"github.com/herd-llm/herd/train/fp8"
)

// FP8Stats count the values cast to FP8 (fp8.Stats).
type FP8Stats = fp8.Stats

// The operand kinds of the linear-layer products (fp8.Op).
const (
	fAct  = fp8.Act
	fGrad = fp8.Grad
)

// ParseFP8 checks the FP8 options: mode "" (off), "e4m3" or "hybrid";
// scaling "" or "tensor" (one scale per tensor) or "row" (one per row along
// the contraction).
func ParseFP8(mode, scaling string) error { return fp8.Parse(mode, scaling) }

// SetFP8 turns the FP8 simulation of the workspace's linear-layer products
// on (mode "e4m3" or "hybrid") or off (mode ""), with tensorwise or rowwise
// scaling.
func (ws *Workspace[F]) SetFP8(mode, scaling string) error {
	s, err := fp8.New[F](mode, scaling)
	if err != nil {
		return err
	}
	ws.fp8 = s
	return nil
}

// FP8Stats returns the counts of the casts since the last call, and resets
// them; zero without FP8 simulation.
func (ws *Workspace[F]) FP8Stats() FP8Stats {
	if ws.fp8 == nil {
		return FP8Stats{}
	}
	s := ws.fp8.Stats
	ws.fp8.Stats = FP8Stats{}
	return s
}

// linNT, linNN and linTN are nn.MatMulNT, MatMulNN and MatMulTN for a
// linear layer, through the FP8 simulation when it is on (fp8.Sim).
func (ws *Workspace[F]) linNT(dst, x, w []F, n, k, m int, ox, ow fp8.Op) {
	ws.fp8.NT(dst, x, w, n, k, m, ox, ow)
}

func (ws *Workspace[F]) linNN(dst, x, w []F, n, k, m int, acc bool, ox, ow fp8.Op) {
	ws.fp8.NN(dst, x, w, n, k, m, acc, ox, ow)
}

func (ws *Workspace[F]) linTN(dst, a, b []F, n, m, k int, oa, ob fp8.Op) {
	ws.fp8.TN(dst, a, b, n, m, k, oa, ob)
}

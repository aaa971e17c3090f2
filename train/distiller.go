package train

import (
	"fmt"

	"github.com/herd-llm/herd/train/dataset"
)

// Distiller is a training loss that replaces the cross-entropy of LossGrad:
// distillation from a teacher (package train/distill, distill.Distiller).
type Distiller interface {
	// LossGrad replaces logits [B·T, V] of batch b by the gradient of
	// scale·(the summed loss of b's valid targets) at fraction progress
	// ∈ [0, 1] of the run, and returns their summed cross-entropy with the
	// data's labels (nats).
	LossGrad(b *dataset.Batch, logits []float32, scale, progress float64) (nll float64, err error)
}

// lossGrad is LossGrad, or the Distiller's loss in a distillation run.
func (tr *Trainer) lossGrad(b *dataset.Batch, logits []float32, scale float64) (float64, error) {
	if tr.Opt.Distill == nil {
		s, _, err := tr.ws.LossGrad(b.Targets, scale)
		return s, err
	}
	if tr.Distiller == nil {
		return 0, fmt.Errorf("train: the run distils from a teacher (%s%s) but the trainer has no Distiller", tr.Opt.Distill.Teacher, tr.Opt.Distill.Cache)
	}
	progress := float64(tr.Optim.Step) / float64(max(tr.Opt.Steps-1, 1))
	return tr.Distiller.LossGrad(b, logits, scale, progress)
}

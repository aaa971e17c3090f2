package distill

import (
	"fmt"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/nn"
)

// Source gives the teacher's distribution at the positions of one batch
// row: an online teacher (Teacher) or a top-k cache (Cache).
type Source interface {
	// Row fills out[t] (t < b.T) with the teacher distribution at position
	// t of row `row` of b. The slices it points to stay valid until the
	// next call.
	Row(b *dataset.Batch, row int, out []Soft) error
	// VocabSize is the teacher's vocabulary size.
	VocabSize() int
}

// Distiller is the distillation loss of a training run: the seam
// train.Trainer calls instead of its cross-entropy (train.Distiller).
type Distiller struct {
	Opt Options
	src Source
	V   int

	soft []Soft
	nll  []float64
	kl   []float64

	// KL and Positions accumulate Σ kl (nats, without τ²) and the number
	// of valid positions since the last Stats call.
	klSum     float64
	positions int
}

// New returns the distiller of o reading the teacher from src, for a
// student of vocabulary size V: the teacher's must be the same.
func New(o Options, src Source, V int) (*Distiller, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if tv := src.VocabSize(); tv != V {
		return nil, fmt.Errorf("distill: the teacher's vocabulary has %d ids, the student's %d: they must be the same vocabulary", tv, V)
	}
	return &Distiller{Opt: o, src: src, V: V}, nil
}

// LossGrad replaces logits [B·T, V] of batch b by the gradient of
// scale·Σ over b's valid positions of (1−α)·nll + α·τ²·kl (RowGrad), α
// scheduled at fraction progress of the run, and returns Σ nll over the
// valid positions. Rows are handled one at a time: the teacher's
// distributions of one row exist at once.
func (d *Distiller) LossGrad(b *dataset.Batch, logits []float32, scale, progress float64) (float64, error) {
	T, V := b.T, d.V
	if len(logits) != b.B*T*V {
		return 0, fmt.Errorf("distill: %d logits for a %d×%d batch of vocabulary %d", len(logits), b.B, T, V)
	}
	if len(d.soft) != T {
		d.soft, d.nll, d.kl = make([]Soft, T), make([]float64, T), make([]float64, T)
	}
	for i, y := range b.Targets {
		if y != dataset.IgnoreIndex && (y < 0 || int(y) >= V) {
			return 0, fmt.Errorf("distill: target %d at index %d is neither %d nor in [0, %d)", y, i, dataset.IgnoreIndex, V)
		}
	}
	alpha := d.Opt.AlphaAt(progress)
	tau := d.Opt.Temp
	var sum float64
	for r := 0; r < b.B; r++ {
		if err := d.src.Row(b, r, d.soft); err != nil {
			return 0, err
		}
		kernels.ParallelFor(T, nn.RowGrain(6*V), func(lo, hi int) {
			for t := lo; t < hi; t++ {
				n := r*T + t
				row := logits[n*V : (n+1)*V]
				y := b.Targets[n]
				d.nll[t], d.kl[t] = 0, 0
				if y == dataset.IgnoreIndex {
					clear(row)
					continue
				}
				a := d.Opt.tokenAlpha(alpha, d.soft[t], y)
				d.nll[t], d.kl[t] = RowGrad(row, y, d.soft[t], a, tau, scale)
			}
		})
		for t := 0; t < T; t++ {
			if b.Targets[r*T+t] != dataset.IgnoreIndex {
				sum += d.nll[t]
				d.klSum += d.kl[t]
				d.positions++
			}
		}
	}
	return sum, nil
}

// Stats returns the mean KL(teacher ‖ student) at temperature τ (nats)
// over the valid positions since the last call, and resets it.
func (d *Distiller) Stats() (meanKL float64, positions int) {
	meanKL, positions = d.klSum/float64(max(d.positions, 1)), d.positions
	d.klSum, d.positions = 0, 0
	return meanKL, positions
}

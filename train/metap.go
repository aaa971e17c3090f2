package train

import (
	"math"

	"github.com/herd-llm/herd/train/metap"
)

// Default base shape of the MetaP parametrisation (Options.BaseWidth and
// BaseDepth when zero).
const (
	DefaultBaseWidth = 64
	DefaultBaseDepth = 2
)

// initMetaP fills p for training from scratch under MetaP: InitParams' scheme
// (same random streams) with each group's std of the table on MetaP. At the
// base shape it equals InitParams bit for bit.
func initMetaP(m metap.MetaP, p *Params[float32], seed uint64, std float64) error {
	c := p.Config
	if err := m.Check(c); err != nil {
		return err
	}
	mw, md := m.Widths(c)
	// Written as InitParams writes them, so that the base shape gives the
	// very same float64 values.
	hidden := std / math.Sqrt(mw)
	resid := std / math.Sqrt(2*float64(m.BaseDepth)) / math.Sqrt(mw) / md
	out := std / mw
	initParams(p, seed, func(t *Tensor[float32]) float64 {
		switch metap.GroupOf(t.Name) {
		case metap.GroupHidden:
			return hidden
		case metap.GroupBranchOutput:
			return resid
		case metap.GroupOutput:
			return out
		}
		return std
	})
	return nil
}

// applyMetaP sets the optimizer's per-tensor learning-rate and eps multipliers
// for p's shape.
func applyMetaP(m metap.MetaP, o *AdamW, p *Params[float32]) error {
	if err := m.Check(p.Config); err != nil {
		return err
	}
	ms := make([]metap.Multipliers, len(p.Tensors))
	for i, t := range p.Tensors {
		ms[i] = m.For(p.Config, metap.GroupOf(t.Name))
	}
	o.LRMult, o.EpsMult = make([]float64, len(ms)), make([]float64, len(ms))
	for i, x := range ms {
		o.LRMult[i], o.EpsMult[i] = x.LR, x.Eps
	}
	return nil
}

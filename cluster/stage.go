package cluster

import (
	"fmt"

	"github.com/herd-llm/herd/model/llama4"
)

// stageModel is a view of full that holds only decoder layers [lo, hi), and
// the embeddings, final norm and LM head when head is set. The other weights
// are not referenced, so a memory-mapped checkpoint's pages for them are
// never read; ForwardLayers refuses the layers the view lacks.
func stageModel(full *llama4.Model, lo, hi int, head bool) (*llama4.Model, error) {
	fw := full.Weights
	if lo < 0 || hi > len(fw.Layers) || lo > hi {
		return nil, fmt.Errorf("cluster: layer range [%d, %d) outside the model's %d layers", lo, hi, len(fw.Layers))
	}
	w := &llama4.Weights{Layers: make([]llama4.LayerWeights, len(fw.Layers))}
	copy(w.Layers[lo:hi], fw.Layers[lo:hi])
	if head {
		w.Embed, w.Norm, w.LMHead = fw.Embed, fw.Norm, fw.LMHead
	}
	m := llama4.New(full.Config, w)
	if err := m.SetInvFreq(full.InvFreq()); err != nil {
		return nil, err
	}
	return m, nil
}

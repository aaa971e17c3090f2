package cluster

import (
	"fmt"

	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// Stage is one process of a pipeline: the leader (Addr "") or a worker, the
// decoder layers [Lo, Hi) it runs, and its memory plan for them.
type Stage struct {
	Addr   string
	Lo, Hi int
	Plan   kvcache.Plan
}

// Name is how errors and reports name the stage.
func (s Stage) Name() string {
	if s.Addr == "" {
		return fmt.Sprintf("leader (layers %d–%d)", s.Lo, s.Hi-1)
	}
	return fmt.Sprintf("worker %s (layers %d–%d)", s.Addr, s.Lo, s.Hi-1)
}

// SplitInput is what Split plans from.
type SplitInput struct {
	Config     *llama4.Config
	LayerBytes []int64 // weights of each decoder layer
	HeadBytes  int64   // the leader's embeddings, final norm and LM head
	Avail      []int64 // memory of each stage, the leader first
	Ctx        int     // context per sequence, in tokens
	Sequences  int     // sequences held at once
	Batch      int     // tokens per forward pass (scratch)
	KV         tensor.DType
	// Counts, when set, fixes the number of layers of each stage instead of
	// splitting by memory (len(Avail) entries summing to Config.Layers).
	Counts []int
}

// stagePlan is kvcache's plan for layers [lo, hi) plus fixed weights.
func (in *SplitInput) stagePlan(lo, hi int, fixed int64) kvcache.PlanInput {
	c := in.Config
	w := fixed
	for l := lo; l < hi; l++ {
		w += in.LayerBytes[l]
	}
	return kvcache.PlanInput{
		Chunked: c.LayerUsesRoPE[lo:hi], KVHeads: c.KVHeads, HeadDim: c.HeadDim, Chunk: c.ChunkSize, DType: in.KV,
		Ctx: in.Ctx, Sequences: max(in.Sequences, 1), WeightBytes: w, ScratchBytes: c.ScratchBytes(in.Batch),
	}
}

// Split assigns consecutive layer ranges to the stages in proportion to the
// memory each has left after its fixed share (the leader's embeddings and
// head, every stage's scratch), costing each layer as its weights plus its
// KV cache at Ctx (kvcache.MakePlan, the single-process planner), and checks
// each stage's plan fits its memory (kvcache.Fit). A stage may get no layers.
func Split(in SplitInput) ([]Stage, error) {
	c := in.Config
	n := len(in.Avail)
	if n == 0 || len(in.LayerBytes) != c.Layers {
		return nil, fmt.Errorf("cluster: split of %d layers (%d sizes) over %d stages", c.Layers, len(in.LayerBytes), n)
	}
	fixed := make([]int64, n)
	fixed[0] = in.HeadBytes
	bounds := make([]int, n+1)
	bounds[n] = c.Layers
	if in.Counts != nil {
		if len(in.Counts) != n {
			return nil, fmt.Errorf("cluster: %d layer counts for %d stages", len(in.Counts), n)
		}
		for i, k := range in.Counts {
			if k < 0 {
				return nil, fmt.Errorf("cluster: stage %d: %d layers", i, k)
			}
			bounds[i+1] = bounds[i] + k
		}
		if bounds[n] != c.Layers {
			return nil, fmt.Errorf("cluster: layer counts %v sum to %d, the model has %d layers", in.Counts, bounds[n], c.Layers)
		}
	} else {
		cost := make([]float64, c.Layers+1) // cumulative cost of layers [0, l)
		for l := 0; l < c.Layers; l++ {
			p := kvcache.MakePlan(in.stagePlan(l, l+1, 0))
			cost[l+1] = cost[l] + float64(p.WeightBytes+p.KVBytes)
		}
		var total float64
		usable := make([]float64, n)
		for i, a := range in.Avail {
			usable[i] = float64(max(0, a-fixed[i]-c.ScratchBytes(in.Batch)))
			total += usable[i]
		}
		if total <= 0 {
			return nil, fmt.Errorf("cluster: no stage has memory left for layers (available %v)", in.Avail)
		}
		var share float64
		for i := 0; i < n-1; i++ {
			share += usable[i] / total
			target := share * cost[c.Layers]
			b := bounds[i]
			for b < c.Layers && abs(cost[b+1]-target) <= abs(cost[b]-target) {
				b++
			}
			bounds[i+1] = b
		}
	}
	stages := make([]Stage, n)
	for i := range stages {
		in2 := in.stagePlan(bounds[i], bounds[i+1], fixed[i])
		p := kvcache.MakePlan(in2)
		stages[i] = Stage{Lo: bounds[i], Hi: bounds[i+1], Plan: p}
		if err := kvcache.Fit(in2, &p, in.Avail[i]); err != nil {
			return stages, fmt.Errorf("cluster: stage %d (layers %d–%d): %w", i, bounds[i], bounds[i+1]-1, err)
		}
		stages[i].Plan = p
	}
	return stages, nil
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

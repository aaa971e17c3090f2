// Package describe writes what herd prints about a model for people: herd
// inspect's description (architecture, layer layout, parameter counts,
// the memory plan, what a GGUF file says of itself, the weights a header
// check found) and the counts and byte sizes per element type that loading,
// quantizing and converting report.
package describe

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
)

// ReportNote says where the weight bytes come from: the files, tensors and
// bytes by dtype that checkpoint.Inspect found.
func ReportNote(r *checkpoint.Report) string {
	bytes, count := map[string]int64{}, map[string]int{}
	for _, d := range r.DTypes {
		bytes[d.DType], count[d.DType] = d.Bytes, d.Tensors
	}
	files := fmt.Sprintf("%d %s files", len(r.Files), r.Format)
	if len(r.Files) == 1 {
		files = filepath.Base(r.Files[0])
	}
	return fmt.Sprintf("validated %d tensors in %s: %s", r.Tensors, files, TypeBytes(bytes, count))
}

// GGUF prints what the GGUF file itself says.
func GGUF(w io.Writer, meta *checkpoint.GGUFMeta) {
	fmt.Fprintf(w, "\ngguf\n")
	fmt.Fprintf(w, "  layout           %s", meta.Flavor)
	if meta.Name != "" {
		fmt.Fprintf(w, ", general.name %q", meta.Name)
	}
	if meta.FileType >= 0 {
		fmt.Fprintf(w, ", general.file_type %d", meta.FileType)
	}
	fmt.Fprintln(w)
	tok := "none"
	if meta.HasTokenizer {
		tok = "embedded (tokenizer.ggml.*)"
	}
	fmt.Fprintf(w, "  tokenizer        %s\n", tok)
	ct := "none"
	if meta.ChatTemplate != "" {
		ct = fmt.Sprintf("present (%d bytes; herd renders the Llama 4 format itself)", len(meta.ChatTemplate))
	}
	fmt.Fprintf(w, "  chat template    %s\n", ct)
	if meta.RopeFreqs != nil {
		n := 0
		for _, d := range meta.RopeFreqs {
			if d != 1 {
				n++
			}
		}
		fmt.Fprintf(w, "  rope_freqs       %d of %d frequencies divided\n", n, len(meta.RopeFreqs))
	}
	for _, n := range meta.Notes {
		fmt.Fprintf(w, "  note             %s\n", n)
	}
}

// Model prints the description of the model named path: architecture,
// layer layout, parameters, and the memory plan with weightNote saying
// where the weight bytes come from.
func Model(w io.Writer, path string, c *llama4.Config, weightNote string, plan kvcache.Plan) {
	fmt.Fprintf(w, "model      %s\n", path)
	fmt.Fprintf(w, "arch       %s (text tensors prefixed %q)\n", c.Architecture, c.Prefix)
	fmt.Fprintf(w, "text       %d layers, hidden %d, %d query heads / %d KV heads × %d, vocab %d\n",
		c.Layers, c.Hidden, c.Heads, c.KVHeads, c.HeadDim, c.VocabSize)
	if c.NumMoELayers() > 0 {
		fmt.Fprintf(w, "moe        %d of %d layers: %d routed experts (top-%d) + 1 shared, expert width %d\n",
			c.NumMoELayers(), c.Layers, c.Experts, c.ExpertsPerToken, c.Intermediate)
	}
	if c.NumMoELayers() < c.Layers {
		fmt.Fprintf(w, "dense      %d layers, MLP width %d\n", c.Layers-c.NumMoELayers(), c.IntermediateMLP)
	}
	fmt.Fprintf(w, "attention  chunk %d on RoPE layers; QK-norm %s; temperature tuning %s (floor %g, scale %g)\n",
		c.ChunkSize, onOff(c.UseQKNorm), onOff(c.TempTuning), c.FloorScale, c.AttnScale)
	rope := fmt.Sprintf("theta %g, no scaling", c.RopeTheta)
	if s := c.RopeScaling; s != nil {
		rope = fmt.Sprintf("theta %g, %s scaling factor %g (low %g, high %g, original %g)", c.RopeTheta, s.Type, s.Factor, s.LowFreqFactor, s.HighFreqFactor, s.OriginalMaxPos)
	}
	fmt.Fprintf(w, "rope       %s\n", rope)
	fmt.Fprintf(w, "context    max_position_embeddings %d\n", c.MaxPositions)
	if v := c.Vision; v != nil {
		fmt.Fprintf(w, "vision     %d layers, hidden %d, %d heads, image %d / patch %d, pixel shuffle %g\n",
			v.Layers, v.Hidden, v.Heads, v.ImageSize, v.PatchSize, v.PixelShuffleRatio)
	}

	p := c.Params()
	fmt.Fprintf(w, "\nlayer  attention                 feed-forward       parameters\n")
	for l := 0; l < c.Layers; l++ {
		att := "NoPE global"
		if c.LayerUsesRoPE[l] {
			att = "RoPE chunked"
			if c.UseQKNorm {
				att += " + QK-norm"
			}
		} else if c.TempTuning {
			att += " + temp"
		}
		ff := fmt.Sprintf("dense %d", c.IntermediateMLP)
		if c.LayerIsMoE[l] {
			ff = fmt.Sprintf("MoE %d×%d +shared", c.Experts, c.Intermediate)
		}
		fmt.Fprintf(w, "%-6d %-25s %-18s %s\n", l, att, ff, commas(p.PerLayer[l]))
	}

	fmt.Fprintf(w, "\nparameters\n")
	fmt.Fprintf(w, "  text             %s\n", commas(p.Text))
	if c.Vision != nil {
		fmt.Fprintf(w, "  vision + adapter %s\n", commas(p.Vision))
		fmt.Fprintf(w, "  projector        %s\n", commas(p.Projector))
	}
	fmt.Fprintf(w, "  total            %s (%s)\n", commas(p.Total), llama4.FormatCount(p.Total))
	fmt.Fprintf(w, "  active per token %s (%s, text)\n", commas(p.ActiveText), llama4.FormatCount(p.ActiveText))

	fmt.Fprintf(w, "\nmemory plan for %d tokens (KV cache %s)\n", plan.Ctx, plan.KVType)
	fmt.Fprintf(w, "  weights          %s (%s)\n", Human(plan.WeightBytes), weightNote)
	fmt.Fprintf(w, "  KV global        %s (%d layers × %s per token)\n", Human(plan.KVGlobalBytes), plan.GlobalLayers, Human(plan.KVBytesPerTokenL))
	fmt.Fprintf(w, "  KV chunked       %s (%d layers, capped at %d tokens)\n", Human(plan.KVChunkedBytes), plan.ChunkedLayers, min(plan.Ctx, c.ChunkSize))
	fmt.Fprintf(w, "  scratch          %s\n", Human(plan.ScratchBytes))
	fmt.Fprintf(w, "  total            %s\n", Human(plan.TotalBytes))
	if plan.KVBytes > 0 {
		fmt.Fprintf(w, "  (a cache keeping every layer at full length would need %s of KV: %.1f× more)\n", Human(plan.KVAllFullBytes), float64(plan.KVAllFullBytes)/float64(plan.KVBytes))
	}
	if plan.AvailableBytes > 0 {
		fits := "fits"
		if plan.TotalBytes > plan.AvailableBytes {
			fits = "does NOT fit"
		}
		if plan.MaxCtxForAvailable == 0 {
			fmt.Fprintf(w, "  this machine     %s available: the weights and buffers alone do not fit\n", Human(plan.AvailableBytes))
		} else {
			fmt.Fprintf(w, "  this machine     %s available: %s; largest context that fits: %d tokens\n", Human(plan.AvailableBytes), fits, plan.MaxCtxForAvailable)
		}
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// commas formats n with thousands separators.
func commas(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Human formats bytes in binary units (and decimal beside them from 100 GiB on).
func Human(b int64) string {
	if b >= 100<<30 {
		return fmt.Sprintf("%.1f GB = %.2f GiB", float64(b)/1e9, float64(b)/(1<<30))
	}
	return kvcache.Human(b)
}

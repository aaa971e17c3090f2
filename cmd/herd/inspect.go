package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
)

func cmdInspect(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("inspect")
	ctx := cl.Int("ctx", 0, "plan memory for this many tokens (0: min(max_position_embeddings, 131072))")
	kvType := cl.String("kv-type", defaultKVType, kvTypeHelp)
	batch := cl.Int("batch", 512, "prefill batch for the scratch estimate")
	asJSON := cl.Bool("json", false, "print only the memory plan, as JSON")
	if _, err := cl.parse(args, stdout); err != nil {
		return err
	}
	kvdt, err := parseKVType(*kvType)
	if err != nil {
		return err
	}
	model := cl.model
	if *ctx < 0 || *batch <= 0 {
		return usagef("--ctx must be ≥ 0 and --batch positive")
	}
	var cfg *llama4.Config
	var meta *checkpoint.GGUFMeta
	// Weights on disk, when the directory has a checkpoint.
	var weightBytes int64
	var weightNote string
	if model == "" {
		// The embedded default model.
		m, _, err := loadEmbedded()
		if err != nil {
			return err
		}
		cfg, weightBytes = m.Config, m.WeightBytes()
		weightNote = "embedded in the binary: " + embedded.Description
	} else {
		// Every header of every weight file is validated; no weights are read.
		rep, err := checkpoint.Inspect(model)
		if err != nil {
			return err
		}
		cfg, meta = rep.Config, rep.GGUF
		if rep.Format != "config" {
			weightBytes, weightNote = rep.Bytes, reportNote(rep)
		}
	}
	if weightBytes == 0 {
		es, name := int64(2), "bf16"
		if cfg.TorchDType == "float32" {
			es, name = 4, "f32"
		}
		weightBytes = cfg.Params().Total * es
		weightNote = name + ", from the config; no checkpoint here"
	}
	n := *ctx
	if n == 0 {
		n = min(cfg.MaxPositions, 131072)
	}
	in := llama4.ConfigPlanInput(cfg, n, min(*batch, n), kvdt, weightBytes)
	plan := kvcache.MakePlan(in)
	if avail, err := kvcache.Available(); err == nil {
		kvcache.Fit(in, &plan, avail) // a plan that does not fit here is still printed
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(plan)
	}
	writeInspect(stdout, modelPath(model), cfg, weightNote, plan)
	if meta != nil {
		writeGGUFInspect(stdout, meta)
	}
	return nil
}

// reportNote says where the weight bytes come from: the files, tensors and
// bytes by dtype that checkpoint.Inspect found.
func reportNote(r *checkpoint.Report) string {
	bytes, count := map[string]int64{}, map[string]int{}
	for _, d := range r.DTypes {
		bytes[d.DType], count[d.DType] = d.Bytes, d.Tensors
	}
	files := fmt.Sprintf("%d %s files", len(r.Files), r.Format)
	if len(r.Files) == 1 {
		files = filepath.Base(r.Files[0])
	}
	return fmt.Sprintf("validated %d tensors in %s: %s", r.Tensors, files, typeBytes(bytes, count))
}

// writeGGUFInspect prints what the GGUF file itself says.
func writeGGUFInspect(w io.Writer, meta *checkpoint.GGUFMeta) {
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

func writeInspect(w io.Writer, path string, c *llama4.Config, weightNote string, plan kvcache.Plan) {
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
	fmt.Fprintf(w, "  weights          %s (%s)\n", human(plan.WeightBytes), weightNote)
	fmt.Fprintf(w, "  KV global        %s (%d layers × %s per token)\n", human(plan.KVGlobalBytes), plan.GlobalLayers, human(plan.KVBytesPerTokenL))
	fmt.Fprintf(w, "  KV chunked       %s (%d layers, capped at %d tokens)\n", human(plan.KVChunkedBytes), plan.ChunkedLayers, min(plan.Ctx, c.ChunkSize))
	fmt.Fprintf(w, "  scratch          %s\n", human(plan.ScratchBytes))
	fmt.Fprintf(w, "  total            %s\n", human(plan.TotalBytes))
	if plan.KVBytes > 0 {
		fmt.Fprintf(w, "  (a cache keeping every layer at full length would need %s of KV: %.1f× more)\n", human(plan.KVAllFullBytes), float64(plan.KVAllFullBytes)/float64(plan.KVBytes))
	}
	if plan.AvailableBytes > 0 {
		fits := "fits"
		if plan.TotalBytes > plan.AvailableBytes {
			fits = "does NOT fit"
		}
		if plan.MaxCtxForAvailable == 0 {
			fmt.Fprintf(w, "  this machine     %s available: the weights and buffers alone do not fit\n", human(plan.AvailableBytes))
		} else {
			fmt.Fprintf(w, "  this machine     %s available: %s; largest context that fits: %d tokens\n", human(plan.AvailableBytes), fits, plan.MaxCtxForAvailable)
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

// human formats bytes in binary units.
func human(b int64) string {
	if b >= 100<<30 {
		return fmt.Sprintf("%.1f GB = %.2f GiB", float64(b)/1e9, float64(b)/(1<<30))
	}
	return kvcache.Human(b)
}

// modelPath is how inspect names the model: the path, or the embedded model.
func modelPath(p string) string {
	if p == "" {
		return "(embedded) " + embedded.Name
	}
	return p
}

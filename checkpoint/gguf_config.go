package checkpoint

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/model/llama4"
)

// The values llama.cpp hard-codes for the llama4 architecture instead of
// reading them from the file (spec §3.3, src/models/llama4.cpp).
const (
	GGUFChunkSize     = 8192 // attention chunk of the RoPE layers
	GGUFNoRopeStep    = 4    // layer i is NoPE and global iff (i+1) % 4 == 0
	GGUFFloorScale    = 8192 // temperature tuning floor
	GGUFAttnScale     = 0.1  // temperature tuning scale
	GGUFQKNormExperts = 128  // QK-norm is on iff expert_count != 128
)

// Keys that ollama's llama4 converter writes and llama.cpp ignores. herd
// reads them when present (so an ollama file, or a herd file of a model
// whose values differ from llama.cpp's hard-coded ones, loads exactly), and
// herd convert writes them only for such models.
const (
	GGUFKeyChunkSize     = "llama4.attention.chunk_size"
	GGUFKeyFloorScale    = "llama4.attention.floor_scale"
	GGUFKeyAttnScale     = "llama4.attention.scale"
	GGUFKeyTempTuning    = "llama4.attention.temperature_tuning"
	GGUFKeyUseQKNorm     = "llama4.use_qk_norm"
	GGUFKeyNoRopeStep    = "llama4.no_rope_interval"
	GGUFKeyHeadDimOllama = "llama4.attention.head_dim"
)

// GGUFMeta is what a GGUF file says about a model besides its Config.
type GGUFMeta struct {
	Path string
	// Flavor is "llama.cpp" for files in llama.cpp's layout (its converter,
	// llama-quantize, herd convert) and "ollama" for files made by ollama's
	// converter (vision tensors v.*/mm.* and llama4.vision.* keys in the same
	// file, other key names).
	Flavor string
	// Name is general.name, when present.
	Name string
	// FileType is general.file_type (llama_ftype), or -1.
	FileType int
	// InvFreq are the RoPE inverse frequencies after rope_freqs.weight (nil
	// when the file has no rope_freqs: the plain θ^(-2i/d) frequencies).
	InvFreq []float32
	// RopeFreqs are the divisors of rope_freqs.weight (nil when absent).
	RopeFreqs []float32
	// ChatTemplate is tokenizer.chat_template ("" when absent).
	ChatTemplate string
	// HasTokenizer reports tokenizer.ggml.* metadata.
	HasTokenizer bool
	// Notes describe values taken from llama.cpp's hard-coded defaults and
	// other things worth showing (herd inspect prints them).
	Notes []string
}

// LoadGGUF loads a Llama 4 text model from a GGUF file in llama.cpp's llama4
// layout (or ollama's variant of it). Weights stay memory-mapped in their
// file types (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K); call Close to unmap.
func LoadGGUF(path string) (*llama4.Model, *GGUFMeta, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("llama4: %w", err)
	}
	m, meta, err := ModelFromGGUF(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	m.SetSource(f)
	return m, meta, nil
}

// ModelFromGGUF builds a model whose weights alias f's mapping: f must stay
// open while the model is used, and the model does not close it.
func ModelFromGGUF(f *gguf.File) (*llama4.Model, *GGUFMeta, error) {
	cfg, meta, err := ConfigFromGGUF(f)
	if err != nil {
		return nil, nil, err
	}
	w, err := BindGGUF(f, cfg)
	if err != nil {
		return nil, nil, err
	}
	m := llama4.New(cfg, w)
	if meta.InvFreq != nil {
		if err := m.SetInvFreq(meta.InvFreq); err != nil {
			return nil, nil, fmt.Errorf("llama4: %s: %w", f.Path, err)
		}
	}
	return m, meta, nil
}

// ggufMeta reads typed keys and reports errors that name the file and key.
// Its sticky readers (need, opt, optFloat, optBool, fail) keep the first
// error in err and return defaults after it, so a reader checks err once.
type ggufMeta struct {
	f    *gguf.File
	arch string
	err  error
}

// fail records an error unless one is recorded already.
func (g *ggufMeta) fail(format string, a ...any) {
	if g.err == nil {
		g.err = g.errf(format, a...)
	}
}

func (g *ggufMeta) keep(err error) {
	if g.err == nil {
		g.err = err
	}
}

// need reads a required llama4.<k> count in [1, 2³¹].
func (g *ggufMeta) need(k string) int {
	v, _, err := g.uint(g.key(k), true, 0)
	switch {
	case err != nil:
		g.keep(err)
	case v == 0 || v > 1<<31:
		g.fail("metadata key %q = %d is out of range", g.key(k), v)
	}
	return int(v)
}

// opt reads an optional llama4.<k> count (def when absent), and whether it
// was present.
func (g *ggufMeta) opt(k string, def int) (int, bool) {
	v, present, err := g.uint(g.key(k), false, uint64(def))
	switch {
	case err != nil:
		g.keep(err)
		return def, false
	case v > 1<<31:
		g.fail("metadata key %q = %d is out of range", g.key(k), v)
		return def, false
	}
	return int(v), present
}

// optFloat reads an optional float key (its full name).
func (g *ggufMeta) optFloat(k string, def float64) (float64, bool) {
	v, present, err := g.float(k, def)
	return kept(g, def, v, present, err)
}

// optBool reads an optional bool key (its full name).
func (g *ggufMeta) optBool(k string, def bool) (bool, bool) {
	v, present, err := g.bool(k, def)
	return kept(g, def, v, present, err)
}

// kept is a read's value and presence, or, after an error (kept in g), def
// and false.
func kept[T any](g *ggufMeta, def, v T, present bool, err error) (T, bool) {
	if err != nil {
		g.keep(err)
		return def, false
	}
	return v, present
}

func (g *ggufMeta) key(k string) string { return g.arch + "." + k }

func (g *ggufMeta) errf(format string, a ...any) error {
	return fmt.Errorf("llama4: %s: "+format, append([]any{g.f.Path}, a...)...)
}

// uint reads an unsigned integer key. A key that holds an array of equal
// values (llama.cpp allows per-layer arrays for some keys) reads as that value.
func (g *ggufMeta) uint(k string, required bool, def uint64) (uint64, bool, error) {
	v, ok := g.f.Value(k)
	if !ok {
		if required {
			return 0, false, g.errf("required metadata key %q is missing", k)
		}
		return def, false, nil
	}
	if x, ok := v.Uint(); ok {
		return x, true, nil
	}
	if xs, ok := v.Uints(); ok && len(xs) > 0 {
		for _, x := range xs[1:] {
			if x != xs[0] {
				return 0, false, g.errf("metadata key %q has per-layer values %v; herd needs one value for every layer", k, xs)
			}
		}
		return xs[0], true, nil
	}
	return 0, false, g.errf("metadata key %q has type %s, want an unsigned integer", k, v.Type())
}

func (g *ggufMeta) float(k string, def float64) (float64, bool, error) {
	v, ok := g.f.Value(k)
	if !ok {
		return def, false, nil
	}
	x, ok := v.Float()
	if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false, g.errf("metadata key %q = %v is not a finite number", k, v)
	}
	return x, true, nil
}

func (g *ggufMeta) bool(k string, def bool) (bool, bool, error) {
	v, ok := g.f.Value(k)
	if !ok {
		return def, false, nil
	}
	x, ok := v.Bool()
	if !ok {
		return false, false, g.errf("metadata key %q has type %s, want bool", k, v.Type())
	}
	return x, true, nil
}

// ConfigFromGGUF reads a llama4 GGUF's metadata into a Config, filling in
// the values llama.cpp hard-codes (chunk 8192, layer i global and NoPE iff
// i%4 == 3, temperature floor 8192 and scale 0.1, QK-norm iff expert_count
// != 128) unless the file carries ollama's keys for them. Errors name the
// file and the key.
func ConfigFromGGUF(f *gguf.File) (*llama4.Config, *GGUFMeta, error) {
	g := &ggufMeta{f: f, arch: "llama4"}
	meta := &GGUFMeta{Path: f.Path, Flavor: "llama.cpp", FileType: -1}
	arch, ok := f.String("general.architecture")
	if !ok {
		return nil, nil, g.errf("metadata key %q is missing or not a string", "general.architecture")
	}
	if arch != "llama4" {
		return nil, nil, g.errf("general.architecture is %q: herd runs only Llama 4 (\"llama4\")", arch)
	}
	meta.Name, _ = f.String("general.name")
	if ft, ok := f.Uint("general.file_type"); ok && ft < 1<<16 {
		meta.FileType = int(ft)
	}
	meta.ChatTemplate, _ = f.String("tokenizer.chat_template")
	_, meta.HasTokenizer = f.Value("tokenizer.ggml.tokens")
	if ollamaFile(f) {
		meta.Flavor = "ollama"
	}

	raw := rawText{ModelType: "llama4_text"}
	layers, hidden, heads := g.need("block_count"), g.need("embedding_length"), g.need("attention.head_count")
	if g.err != nil {
		return nil, nil, g.err
	}
	kvHeads, _ := g.opt("attention.head_count_kv", heads)
	headDim, _ := g.opt("attention.key_length", hidden/heads)
	if _, present := f.Value(GGUFKeyHeadDimOllama); present {
		headDim, _ = g.opt("attention.head_dim", headDim)
	}
	if g.err == nil && (kvHeads == 0 || heads%kvHeads != 0) {
		g.fail("%s = %d is not a multiple of %s = %d", g.key("attention.head_count"), heads, g.key("attention.head_count_kv"), kvHeads)
	}
	if headDim == 0 || headDim%2 != 0 {
		g.fail("%s = %d must be even and positive for RoPE", g.key("attention.key_length"), headDim)
	}
	if valDim, _ := g.opt("attention.value_length", headDim); valDim != headDim {
		g.fail("%s = %d differs from %s = %d; Llama 4 uses one head size", g.key("attention.value_length"), valDim, g.key("attention.key_length"), headDim)
	}
	if ropeDim, _ := g.opt("rope.dimension_count", headDim); ropeDim != headDim {
		g.fail("%s = %d: herd rotates whole heads (want %d, the head size)", g.key("rope.dimension_count"), ropeDim, headDim)
	}
	// Widths: llama.cpp's keys, then ollama's older names.
	ffn, ffnSet := g.opt("feed_forward_length", 0)
	if !ffnSet {
		ffn, ffnSet = g.opt("intermediate_size", 0)
	}
	ffnExp, expSet := g.opt("expert_feed_forward_length", 0)
	if !expSet {
		ffnExp, expSet = g.opt("intermediate_size_moe", 0)
	}
	experts, _ := g.opt("expert_count", 0)
	used, _ := g.opt("expert_used_count", 0)
	step, stepSet := g.opt("interleave_moe_layer_step", 1)
	if !stepSet && meta.Flavor != "ollama" && experts > 0 {
		g.fail("required metadata key %q is missing", g.key("interleave_moe_layer_step"))
	}
	eps, epsSet := g.optFloat(g.key("attention.layer_norm_rms_epsilon"), 0)
	if !epsSet {
		g.fail("required metadata key %q is missing", g.key("attention.layer_norm_rms_epsilon"))
	}
	theta, _ := g.optFloat(g.key("rope.freq_base"), 10000) // llama.cpp's default
	if base, present := g.optFloat(g.key("rope.freq_base_swa"), theta); present && base != theta {
		g.fail("%s = %g differs from %s = %g: herd uses one RoPE base for every layer", g.key("rope.freq_base_swa"), base, g.key("rope.freq_base"), theta)
	}
	if st, ok := f.String(g.key("rope.scaling.type")); ok && st != "none" && st != "" {
		g.fail("%s = %q is not supported (Llama 4 scales RoPE through rope_freqs.weight)", g.key("rope.scaling.type"), st)
	}
	if sf, present := g.optFloat(g.key("rope.scaling.factor"), 0); present && sf != 0 && sf != 1 {
		g.fail("%s = %g is not supported (Llama 4 scales RoPE through rope_freqs.weight)", g.key("rope.scaling.factor"), sf)
	}
	ctxLen, _ := g.opt("context_length", 0)
	if ctxLen == 0 {
		g.fail("required metadata key %q is missing or 0", g.key("context_length"))
	}
	if g.err != nil {
		return nil, nil, g.err
	}
	vocab, err := ggufVocabSize(g)
	if err != nil {
		return nil, nil, err
	}
	lim, err := activeLimits()
	if err != nil {
		return nil, nil, err
	}
	nTensors := len(f.Tensors())
	k := g.key
	if err := lim.check([]bound{
		{"tensor count", &nTensors, kTensors}, {"vocabulary size", &vocab, kVocab},
		{k("block_count"), &layers, kLayers}, {k("interleave_moe_layer_step"), &step, kLayers},
		{k("expert_count"), &experts, kExperts}, {k("expert_used_count"), &used, kExperts},
		{k("attention.head_count"), &heads, kHeads}, {k("attention.head_count_kv"), &kvHeads, kHeads},
		{k("attention.key_length"), &headDim, kHeadDim}, {k("embedding_length"), &hidden, kHidden},
		{k("feed_forward_length"), &ffn, kIntermediate}, {k("expert_feed_forward_length"), &ffnExp, kIntermediate},
		{k("context_length"), &ctxLen, kContext},
	}); err != nil {
		return nil, nil, g.errf("%v", err)
	}

	// Attention layout: llama.cpp's hard-coded values, or ollama's keys.
	chunk, chunkSet := g.opt("attention.chunk_size", GGUFChunkSize)
	noRope, noRopeSet := g.opt("no_rope_interval", GGUFNoRopeStep)
	if pattern, _ := g.opt("attention.sliding_window_pattern", noRope); pattern != noRope {
		g.fail("%s = %d: herd needs the chunked layers to be the RoPE layers (every %d-th layer global)", g.key("attention.sliding_window_pattern"), pattern, noRope)
	}
	floor, floorSet := g.optFloat(GGUFKeyFloorScale, GGUFFloorScale)
	attnScale, scaleSet := g.optFloat(GGUFKeyAttnScale, GGUFAttnScale)
	if meta.Flavor != "ollama" && !floorSet && scaleSet {
		// llama.cpp's attention.scale is a different thing (the kq scale of
		// some architectures); only ollama's files, and files that also
		// carry the temperature floor, use it for temperature tuning.
		attnScale, scaleSet = GGUFAttnScale, false
	}
	tempTuning, tempSet := g.optBool(GGUFKeyTempTuning, true)
	qkNorm, qkSet := g.optBool(GGUFKeyUseQKNorm, experts != GGUFQKNormExperts)
	if swa, present := g.opt("attention.sliding_window", 0); present && swa == 0 {
		// llama.cpp: no chunked attention at all (MobileLLM-style); every
		// layer but the last ((i+1) % n_layer == 0) uses RoPE, and there is
		// no temperature tuning.
		noRope, chunk, tempTuning = layers, max(ctxLen, 1), false
		meta.Notes = append(meta.Notes, "attention.sliding_window = 0: full attention on every layer, no temperature tuning")
	}
	if g.err != nil {
		return nil, nil, g.err
	}
	if noRope == 0 {
		return nil, nil, g.errf("%s = 0: herd needs at least one global layer pattern", GGUFKeyNoRopeStep)
	}
	ropeLayers := make([]int, layers)
	for i := range ropeLayers {
		if (i+1)%noRope != 0 {
			ropeLayers[i] = 1
		}
	}
	var moe []int
	if experts > 0 {
		for i := range layers {
			if step > 0 && (i+1)%step == 0 {
				moe = append(moe, i)
			}
		}
	}
	if len(moe) > 0 && (used < 1 || used > experts) {
		g.fail("%s = %d must be in [1, %s = %d]", g.key("expert_used_count"), used, g.key("expert_count"), experts)
	}
	if len(moe) > 0 && !expSet {
		g.fail("required metadata key %q is missing (the file has MoE layers)", g.key("expert_feed_forward_length"))
	}
	if len(moe) < layers && !ffnSet {
		g.fail("required metadata key %q is missing (the file has dense layers)", g.key("feed_forward_length"))
	}
	if g.err != nil {
		return nil, nil, g.err
	}
	for _, n := range []struct {
		set  bool
		what string
	}{
		{!chunkSet, fmt.Sprintf("attention chunk %d", GGUFChunkSize)},
		{!noRopeSet, fmt.Sprintf("every %dth layer NoPE + global", GGUFNoRopeStep)},
		{!floorSet && tempTuning, fmt.Sprintf("temperature floor %d", GGUFFloorScale)},
		{!scaleSet && tempTuning, fmt.Sprintf("temperature scale %g", GGUFAttnScale)},
		{!qkSet, fmt.Sprintf("QK-norm %v (expert_count %d != 128)", qkNorm, experts)},
		{!tempSet && tempTuning, "temperature tuning on"},
	} {
		if n.set {
			meta.Notes = append(meta.Notes, "llama.cpp default: "+n.what)
		}
	}

	intp := func(v int) *int { return &v }
	fp := func(v float64) *float64 { return &v }
	bp := func(v bool) *bool { return &v }
	raw.VocabSize, raw.HiddenSize, raw.NumHiddenLayers = intp(vocab), intp(hidden), intp(layers)
	raw.NumAttentionHeads, raw.NumKeyValueHeads, raw.HeadDim = intp(heads), intp(kvHeads), intp(headDim)
	raw.IntermediateSize, raw.IntermediateSizeMLP = intp(max(ffnExp, 1)), intp(max(ffn, 1))
	raw.RMSNormEps, raw.RopeTheta = fp(eps), fp(theta)
	raw.MaxPositionEmbeddings = intp(ctxLen)
	raw.NumLocalExperts, raw.NumExpertsPerTok = intp(experts), intp(max(used, 1))
	raw.MoELayers = &moe
	if raw.MoELayers == nil || *raw.MoELayers == nil {
		raw.MoELayers = &[]int{}
	}
	raw.NoRopeLayers = ropeLayers
	raw.AttentionChunkSize = intp(chunk)
	raw.UseQKNorm = bp(qkNorm)
	raw.AttnTemperatureTuning = json.RawMessage(fmt.Sprint(tempTuning))
	raw.FloorScale, raw.AttnScale = fp(floor), fp(attnScale)
	_, hasOutput := f.Info(llama4.ModelSlot(llama4.RoleOutput).GGUFName())
	raw.TieWordEmbeddings = bp(!hasOutput)
	for _, s := range []struct {
		key string
		dst **int
	}{{"tokenizer.ggml.bos_token_id", &raw.BOSTokenID}, {"tokenizer.ggml.padding_token_id", &raw.PadTokenID}} {
		if v, ok := f.Uint(s.key); ok && v < uint64(vocab) {
			*s.dst = intp(int(v))
		} else if ok {
			meta.Notes = append(meta.Notes, fmt.Sprintf("%s = %d is outside the vocabulary of %d: ignored", s.key, v, vocab))
		}
	}
	if v, ok := f.Uint("tokenizer.ggml.eos_token_id"); ok && v < uint64(vocab) {
		raw.EOSTokenID = json.RawMessage(fmt.Sprint(v))
	} else if ok {
		meta.Notes = append(meta.Notes, fmt.Sprintf("tokenizer.ggml.eos_token_id = %d is outside the vocabulary of %d: ignored", v, vocab))
	}
	cfg := &llama4.Config{}
	if err := fillText(cfg, &raw, lim); err != nil {
		return nil, nil, g.errf("metadata describes an invalid model: %v", err)
	}
	cfg.Architecture = "Llama4ForCausalLM"
	if err := ggufRope(g, cfg, meta); err != nil {
		return nil, nil, err
	}
	return cfg, meta, nil
}

// ggufVocabSize is llama4.vocab_size, else the rows of token_embd, else the
// length of the token list.
func ggufVocabSize(g *ggufMeta) (int, error) {
	if v, present, err := g.uint(g.key("vocab_size"), false, 0); err != nil {
		return 0, err
	} else if present {
		if v == 0 || v > 1<<31 {
			return 0, g.errf("metadata key %q = %d is out of range", g.key("vocab_size"), v)
		}
		return int(v), nil
	}
	if ti, ok := g.f.Info(llama4.ModelSlot(llama4.RoleEmbed).GGUFName()); ok && len(ti.Dims) == 2 && ti.Dims[1] > 0 && ti.Dims[1] <= 1<<31 {
		return int(ti.Dims[1]), nil
	}
	if v, ok := g.f.Value("tokenizer.ggml.tokens"); ok && v.Len() > 0 {
		return v.Len(), nil
	}
	return 0, g.errf("cannot tell the vocabulary size: no %q, no token_embd.weight, no tokenizer.ggml.tokens", g.key("vocab_size"))
}

// ggufRope reads rope_freqs.weight (llama.cpp) or rope_factors.weight
// (ollama): per-frequency divisors of the base inverse frequencies. When
// they match the llama3 rule for a known parameter set, cfg.RopeScaling is
// set to it (so the Config describes the model); the frequencies are used
// as the file gives them either way.
func ggufRope(g *ggufMeta, cfg *llama4.Config, meta *GGUFMeta) error {
	name := ""
	for _, n := range []string{llama4.GGUFRopeFreqs, llama4.GGUFRopeFactors} {
		if _, ok := g.f.Info(n); ok {
			name = n
			break
		}
	}
	if name == "" {
		return nil
	}
	half := cfg.HeadDim / 2
	div, err := g.f.Vec(name, half)
	if err != nil {
		return err
	}
	base := llama4.InvFreq(cfg.HeadDim, cfg.RopeTheta, nil)
	inv := make([]float32, half)
	allOne := true
	for i, d := range div {
		if !(d > 0) || math.IsInf(float64(d), 0) {
			return g.errf("tensor %q: divisor %d is %v, want a positive finite number", name, i, d)
		}
		allOne = allOne && d == 1
		inv[i] = float32(float64(base[i]) / float64(d))
	}
	meta.RopeFreqs = div
	if allOne {
		return nil
	}
	meta.InvFreq = inv
	for _, s := range llama3Candidates {
		if ropeDivisorsMatch(llama4.RopeFreqsGGUF(cfg.HeadDim, cfg.RopeTheta, &s), div) {
			cfg.RopeScaling = &llama4.RopeScaling{Type: "llama3", Factor: s.Factor, LowFreqFactor: s.LowFreqFactor, HighFreqFactor: s.HighFreqFactor, OriginalMaxPos: s.OriginalMaxPos}
			return nil
		}
	}
	n := 0
	for _, d := range div {
		if d != 1 {
			n++
		}
	}
	meta.Notes = append(meta.Notes, fmt.Sprintf("%s scales %d of %d RoPE frequencies (not a known llama3 rule)", name, n, half))
	return nil
}

// llama3Candidates are the llama3 RoPE scalings Llama 4 checkpoints use
// (spec §1.3): Scout's 16/1/1 and the 8/1/4 of early configs.
var llama3Candidates = []llama4.RopeScaling{
	{Type: "llama3", Factor: 16, LowFreqFactor: 1, HighFreqFactor: 1, OriginalMaxPos: 8192},
	{Type: "llama3", Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPos: 8192},
}

func ropeDivisorsMatch(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i])-float64(b[i])) > 1e-5*math.Abs(float64(a[i])) {
			return false
		}
	}
	return true
}

// ollamaFile reports the marks of ollama's llama4 converter: vision tensors
// (v.*, mm.*) or llama4.vision.* / llama4.intermediate_size* keys.
func ollamaFile(f *gguf.File) bool {
	for _, k := range f.Keys() {
		if strings.HasPrefix(k, "llama4.vision.") || k == "llama4.intermediate_size" || k == "llama4.intermediate_size_moe" {
			return true
		}
	}
	for _, ti := range f.Tensors() {
		if llama4.IsGGUFVision(ti.Name) || llama4.IsGGUFFusedGateUp(ti.Name) {
			return true
		}
	}
	return false
}

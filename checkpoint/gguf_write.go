package checkpoint

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"

	"github.com/herd-llm/herd/quant"
)

// FileType is a GGUF file type ConvertGGUF writes (herd convert --type).
type FileType uint8

// The file types; the zero value is FileF32.
const (
	FileF32 FileType = iota
	FileF16
	FileBF16
	FileQ8_0
	FileQ4_0
	FileQ4K
	FileQ4KM // llama-quantize's Q4_K_M mixture
	FileQ6K
)

// fileTypeRow is a file type's --type name, llama_ftype number and scheme.
type fileTypeRow struct {
	name   string
	ftype  uint32
	scheme Scheme
}

// fileTypes are the file types' --type names, llama.cpp's llama_ftype
// numbers (general.file_type), and the --quant scheme of the pure
// quantized types.
var fileTypes = [...]fileTypeRow{
	FileF32:  {"f32", 0, SchemeNone},
	FileF16:  {"f16", 1, SchemeNone},
	FileBF16: {"bf16", 32, SchemeNone},
	FileQ8_0: {"q8_0", 7, SchemeQ8_0},
	FileQ4_0: {"q4_0", 2, SchemeQ4_0},
	FileQ4K:  {"q4_k", 14 /* Q4_K_S */, SchemeQ4K},
	FileQ4KM: {"q4_k_m", 15, SchemeNone},
	FileQ6K:  {"q6_k", 18, SchemeQ6K},
}

// GGUFTypes are the names of the file types, in FileType order.
var GGUFTypes = tableNames(fileTypes[:], func(r fileTypeRow) string { return r.name })

// ParseFileType reads a --type name ("" is f32).
func ParseFileType(name string) (FileType, error) {
	i, err := parseName("GGUF type", name, int(FileF32), GGUFTypes, GGUFTypes)
	return FileType(i), err
}

// String is the file type's --type name.
func (t FileType) String() string { return nameOf("FileType", int(t), GGUFTypes) }

// GGUFOptions choose what WriteGGUF writes.
type GGUFOptions struct {
	// Type is the file type (the zero value is f32).
	Type FileType
	// Name is general.name ("" to leave it out).
	Name string
	// Extra metadata appended after the model's (the tokenizer's).
	Extra []gguf.KV
	// Progress, when non-nil, follows the two long steps: "convert" (the
	// bytes of the matrices converted or quantized) and "write" (the bytes
	// of the file written).
	Progress Progress
}

// GGUFReport says what ConvertGGUF did.
type GGUFReport struct {
	Type     FileType
	ByType   map[string]int // matrices (expert stacks count once) per ggml type
	Warnings []string       // values llama.cpp will not honour
}

// ConvertGGUF converts the model's weights in place to what a GGUF of file
// type typ holds, as llama.cpp's converter and llama-quantize lay them out:
//   - f32, f16, bf16: every weight matrix in that type, except the MoE
//     routers (ffn_gate_inp), which llama.cpp keeps in F32;
//   - q8_0, q4_0, q4_k, q6_k: exactly Quantize(m, typ) (the same matrices,
//     the same quantizer, byte for byte what `--quant` gives), with the
//     routers in F32;
//   - q4_k_m: llama-quantize's Q4_K_M mixture (llama-quant.cpp): Q4_K
//     everywhere except output.weight (Q6_K), and attn_v and every ffn_down*
//     (dense, shared and routed) of the layers where use_more_bits(i, n) —
//     i < n/8, i >= 7n/8 or (i - n/8) % 3 == 2 — which get Q6_K. A matrix
//     whose rows are not a multiple of 256 falls back to Q8_0 (llama.cpp
//     falls back to Q5_0 for Q4_K, a type herd does not have; Llama 4's real
//     shapes never need the fallback).
//
// Norms stay F32.
func ConvertGGUF(m *llama4.Model, typ FileType) (*GGUFReport, error) {
	return convertGGUF(m, typ, nil)
}

// convertGGUF is ConvertGGUF reporting its conversion to prog as the step
// "convert".
func convertGGUF(m *llama4.Model, typ FileType, prog Progress) (*GGUFReport, error) {
	rep := &GGUFReport{Type: typ, ByType: map[string]int{}}
	w := m.Weights
	tied := w.LMHead == w.Embed
	var jobs []convJob
	add := func(p **tensor.Mat, t tensor.DType) { jobs = append(jobs, convJob{p, t}) }
	// mats adds a job for every matrix for which rule says ok.
	// (F32 is DType 0, so ok, not a zero type, says "convert".)
	mats := func(rule func(s llama4.Slot) (t tensor.DType, ok bool)) {
		w.ForEachMat(m.Config, func(s llama4.Slot, p **tensor.Mat) error {
			if t, ok := rule(s); ok {
				add(p, t)
			}
			return nil
		})
	}
	routers := func(t tensor.DType) {
		mats(func(s llama4.Slot) (tensor.DType, bool) { return t, s.Role == llama4.RoleRouter })
	}
	all := func(t tensor.DType) { mats(func(llama4.Slot) (tensor.DType, bool) { return t, true }) }
	switch typ {
	case FileF32:
		all(tensor.F32)
	case FileF16:
		all(tensor.F16)
		routers(tensor.F32)
	case FileBF16:
		all(tensor.BF16)
		routers(tensor.F32)
	case FileQ8_0, FileQ4_0, FileQ4K, FileQ6K:
		if _, err := quantize(m, fileTypes[typ].scheme, prog, "convert"); err != nil {
			return nil, err
		}
		routers(tensor.F32)
	case FileQ4KM:
		n := len(w.Layers)
		more := func(i int) bool { return i < n/8 || i >= 7*n/8 || (i-n/8)%3 == 2 }
		mats(func(s llama4.Slot) (tensor.DType, bool) {
			switch {
			case s.Role == llama4.RoleRouter:
				return tensor.F32, true
			// A tied token_embd is quantized with the output's rule, as llama.cpp does.
			case s.Role == llama4.RoleOutput || (s.Role == llama4.RoleEmbed && tied):
				return tensor.Q6K, true
			case (s.Role == llama4.RoleV || s.Role == llama4.RoleDown) && more(s.Layer):
				return tensor.Q6K, true
			}
			return tensor.Q4K, true
		})
	default:
		return nil, fmt.Errorf("checkpoint: unknown GGUF %s", typ)
	}
	// Later jobs for the same matrix (the routers) override earlier ones.
	last := map[**tensor.Mat]int{}
	for i, j := range jobs {
		last[j.p] = i
	}
	var uniq []convJob
	for i, j := range jobs {
		if last[j.p] == i {
			uniq = append(uniq, j)
		}
	}
	if fileTypes[typ].scheme != SchemeNone {
		// quantize was the long step; what is left (the routers) is small.
		prog = nil
	}
	if err := runConv(uniq, prog); err != nil {
		return nil, err
	}
	if tied {
		w.LMHead = w.Embed
	}
	// Anything GGUF cannot store (FP8 a quantization left behind) becomes F32.
	var rest []convJob
	w.ForEachMat(m.Config, func(_ llama4.Slot, p **tensor.Mat) error {
		if _, ok := gguf.TypeOf((*p).DType); !ok {
			rest = append(rest, convJob{p, tensor.F32})
		}
		return nil
	})
	if err := runConv(rest, nil); err != nil {
		return nil, err
	}
	if tied {
		w.LMHead = w.Embed
	}
	return rep, nil
}

// convJob converts *p to t.
type convJob struct {
	p **tensor.Mat
	t tensor.DType
}

// runConv runs the conversions in parallel, reporting the bytes of the
// matrices converted to prog as the step "convert" (nil: not at all).
func runConv(jobs []convJob, prog Progress) error {
	var total int64
	if prog != nil {
		for _, j := range jobs {
			total += int64(len((*j.p).Data))
		}
	}
	meter := startMeter(prog, "convert", total)
	out := make([]*tensor.Mat, len(jobs))
	err := parallel(len(jobs), func(i int) (err error) {
		out[i], err = convertMat(*jobs[i].p, jobs[i].t)
		meter.add(int64(len((*jobs[i].p).Data)))
		return err
	})
	if err != nil {
		return err
	}
	meter.finish()
	for i, j := range jobs {
		*j.p = out[i]
	}
	return nil
}

// convertMat returns x in dtype t: scalar types by decoding and re-encoding
// each row, block types through quantizeMat (the quantizer of Quantize).
func convertMat(x *tensor.Mat, t tensor.DType) (*tensor.Mat, error) {
	if x.DType == t {
		return x, nil
	}
	if t.Quantized() {
		q, err := quantizeMat(x, t)
		if err != nil {
			return nil, err
		}
		if q == x { // rows not a whole number of 32-blocks: keep as F32
			return convertMat(x, tensor.F32)
		}
		return q, nil
	}
	es := t.Size()
	out := &tensor.Mat{DType: t, Rows: x.Rows, Cols: x.Cols, Data: make([]byte, x.Rows*x.Cols*es)}
	row := make([]float32, x.Cols)
	for r := 0; r < x.Rows; r++ {
		quant.DecodeRow(x, r, row)
		b := out.Data[r*x.Cols*es : (r+1)*x.Cols*es]
		for i, v := range row {
			switch t {
			case tensor.F32:
				binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
			case tensor.F16:
				binary.LittleEndian.PutUint16(b[2*i:], tensor.F32ToF16(v))
			case tensor.BF16:
				binary.LittleEndian.PutUint16(b[2*i:], tensor.F32ToBF16(v))
			default:
				return nil, fmt.Errorf("llama4: cannot convert to %s", t)
			}
		}
	}
	return out, out.Validate()
}

// GGUFMetadata returns the llama4 metadata llama.cpp's converter writes for
// this model (keys, types and order of convert_hf_to_gguf.py's Llama4Model),
// for file type typ. Values llama.cpp hard-codes but this model does not
// share (chunk size, temperature floor and scale, temperature tuning,
// QK-norm rule, NoPE interval) are added under ollama's key names, which
// herd and ollama read and llama.cpp ignores; warnings say so. A layer
// layout that llama4 GGUF cannot express is an error.
func GGUFMetadata(m *llama4.Model, typ FileType, name string) ([]gguf.KV, []string, error) {
	c := m.Config
	if int(typ) >= len(fileTypes) {
		return nil, nil, fmt.Errorf("checkpoint: unknown GGUF %s", typ)
	}
	ft := fileTypes[typ].ftype
	step, err := moeStep(c)
	if err != nil {
		return nil, nil, err
	}
	noRope, err := noRopeStep(c)
	if err != nil {
		return nil, nil, err
	}
	u := func(k string, v int) gguf.KV { return gguf.KVUint32("llama4."+k, uint32(v)) }
	kvs := []gguf.KV{
		gguf.KVString("general.architecture", "llama4"),
		gguf.KVString("general.type", "model"),
	}
	if name != "" {
		kvs = append(kvs, gguf.KVString("general.name", name))
	}
	kvs = append(kvs,
		u("block_count", c.Layers),
		u("context_length", c.MaxPositions),
		u("embedding_length", c.Hidden),
		u("feed_forward_length", c.IntermediateMLP),
		u("attention.head_count", c.Heads),
		u("attention.head_count_kv", c.KVHeads),
		gguf.KVFloat32("llama4.rope.freq_base", float32(c.RopeTheta)),
		gguf.KVFloat32("llama4.attention.layer_norm_rms_epsilon", c.RMSNormEps),
		u("expert_count", c.Experts),
		u("expert_used_count", c.ExpertsPerToken),
		u("attention.key_length", c.HeadDim),
		u("attention.value_length", c.HeadDim),
		gguf.KVUint32("general.file_type", ft),
		u("vocab_size", c.VocabSize),
		u("rope.dimension_count", c.HeadDim),
		u("interleave_moe_layer_step", step),
		u("expert_feed_forward_length", c.Intermediate),
		gguf.KVUint32("general.quantization_version", 2),
	)
	var warn []string
	differs := func(what string, kv gguf.KV) {
		kvs = append(kvs, kv)
		warn = append(warn, fmt.Sprintf("%s; written as %s, which herd and ollama read but llama.cpp ignores: llama.cpp will compute a different model", what, kv.Key))
	}
	if c.ChunkSize != GGUFChunkSize {
		differs(fmt.Sprintf("attention chunk %d (llama.cpp hard-codes %d)", c.ChunkSize, GGUFChunkSize), gguf.KVUint32(ggufKeyChunkSize, uint32(c.ChunkSize)))
	}
	if noRope != GGUFNoRopeStep {
		differs(fmt.Sprintf("every %dth layer NoPE (llama.cpp hard-codes %d)", noRope, GGUFNoRopeStep), gguf.KVUint32(ggufKeyNoRopeStep, uint32(noRope)))
	}
	if !c.TempTuning {
		differs("attention temperature tuning off (llama.cpp always applies it)", gguf.KVBool(ggufKeyTempTuning, false))
	} else if c.FloorScale != GGUFFloorScale || c.AttnScale != GGUFAttnScale {
		differs(fmt.Sprintf("temperature floor %g (llama.cpp hard-codes %d)", c.FloorScale, GGUFFloorScale), gguf.KVFloat32(ggufKeyFloorScale, float32(c.FloorScale)))
		if c.AttnScale != GGUFAttnScale {
			differs(fmt.Sprintf("temperature scale %g (llama.cpp hard-codes %g)", c.AttnScale, GGUFAttnScale), gguf.KVFloat32(ggufKeyAttnScale, float32(c.AttnScale)))
		}
	}
	if c.UseQKNorm != (c.Experts != ggufQKNormExperts) {
		differs(fmt.Sprintf("QK-norm %v with %d experts (llama.cpp: on iff expert_count != 128)", c.UseQKNorm, c.Experts), gguf.KVBool(ggufKeyUseQKNorm, c.UseQKNorm))
	}
	if c.NumMoELayers() == 0 {
		warn = append(warn, "no MoE layers: llama.cpp refuses llama4 models without experts")
	}
	return kvs, warn, nil
}

// moeStep is the interleave_moe_layer_step that reproduces LayerIsMoE (layer
// i is MoE iff (i+1) % step == 0), or 0 for a model without MoE layers.
func moeStep(c *llama4.Config) (int, error) {
	if c.NumMoELayers() == 0 {
		return 0, nil
	}
	for s := 1; s <= c.Layers; s++ {
		ok := true
		for i, moe := range c.LayerIsMoE {
			ok = ok && moe == ((i+1)%s == 0)
		}
		if ok {
			return s, nil
		}
	}
	return 0, fmt.Errorf("llama4: the MoE layers %v are not every n-th layer, which a llama4 GGUF (interleave_moe_layer_step) cannot express", moeLayers(c))
}

// noRopeStep is the interval k with layer i NoPE iff (i+1) % k == 0.
func noRopeStep(c *llama4.Config) (int, error) {
	for k := 1; k <= max(c.Layers, GGUFNoRopeStep); k++ {
		ok := true
		for i, rope := range c.LayerUsesRoPE {
			ok = ok && rope == ((i+1)%k != 0)
		}
		if ok {
			if k > c.Layers { // no NoPE layer at all; any k > Layers would do
				return k, fmt.Errorf("llama4: every layer uses RoPE, which a llama4 GGUF cannot express")
			}
			return k, nil
		}
	}
	return 0, fmt.Errorf("llama4: the NoPE layers are not every k-th layer, which a llama4 GGUF cannot express")
}

func moeLayers(c *llama4.Config) []int {
	var out []int
	for i, m := range c.LayerIsMoE {
		if m {
			out = append(out, i)
		}
	}
	return out
}

// GGUFTensors lists the model's weights under llama.cpp's llama4 names and
// ggml shapes, in its converter's order: token_embd, rope_freqs (when the
// RoPE is scaled), per layer attn_norm, attn_q/k/v/output, ffn_norm, then
// the MoE router, routed expert stacks {D, F, E} / {F, D, E} and shared
// expert, or the dense ffn; output_norm and output (absent when tied).
// Matrix data is shared with the weights; expert stacks are concatenated.
func GGUFTensors(m *llama4.Model) ([]gguf.WriteTensor, error) {
	c, w := m.Config, m.Weights
	var ts []gguf.WriteTensor
	vec := func(name string, v []float32) {
		b := make([]byte, 4*len(v))
		for i, f := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
		}
		ts = append(ts, gguf.WriteTensor{Name: name, Type: gguf.F32, Dims: []uint64{uint64(len(v))}, Data: b})
	}
	var experts []*tensor.Mat
	err := w.ForEach(c, func(s llama4.Slot, r llama4.Ref) error {
		name := s.GGUFName()
		switch {
		case s.IsVec():
			vec(name, *r.Vec)
		case s.Role == llama4.RoleOutput && w.Tied():
		case s.FFN == llama4.FFNRouted:
			experts = append(experts, *r.Mat)
			if s.Expert < c.Experts-1 {
				return nil
			}
			t, err := ggufStack(name, experts)
			experts = nil
			if err != nil {
				return err
			}
			ts = append(ts, t)
		default:
			t, err := ggufStack(name, []*tensor.Mat{*r.Mat})
			if err != nil {
				return err
			}
			t.Dims = t.Dims[:2]
			ts = append(ts, t)
		}
		if s.Role == llama4.RoleEmbed {
			ggufRopeFreqs(m, vec)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ts, nil
}

// ggufStack is the tensor of ggml dims {cols, rows, len(xs)} holding the
// matrices xs (all of one type and shape) one after another; the data is
// xs[0]'s own for a single matrix.
func ggufStack(name string, xs []*tensor.Mat) (gguf.WriteTensor, error) {
	x0 := xs[0]
	gt, ok := gguf.TypeOf(x0.DType)
	if !ok {
		return gguf.WriteTensor{}, fmt.Errorf("llama4: tensor %s is %s, which GGUF cannot store", name, x0.DType)
	}
	data := x0.Data
	if len(xs) > 1 {
		data = make([]byte, 0, len(xs)*len(x0.Data))
		for e, x := range xs {
			if x.DType != x0.DType || x.Rows != x0.Rows || x.Cols != x0.Cols {
				return gguf.WriteTensor{}, fmt.Errorf("llama4: tensor %s: expert %d is %s [%d, %d], expert 0 is %s [%d, %d]", name, e, x.DType, x.Rows, x.Cols, x0.DType, x0.Rows, x0.Cols)
			}
			data = append(data, x.Data...)
		}
	}
	return gguf.WriteTensor{Name: name, Type: gt, Dims: []uint64{uint64(x0.Cols), uint64(x0.Rows), uint64(len(xs))}, Data: data}, nil
}

// ggufRopeFreqs writes rope_freqs.weight when the RoPE is scaled or its
// frequencies were set directly (a GGUF's rope_freqs).
func ggufRopeFreqs(m *llama4.Model, vec func(string, []float32)) {
	c := m.Config
	if c.RopeScaling != nil {
		vec(llama4.GGUFRopeFreqs, RopeFreqsGGUF(c.HeadDim, c.RopeTheta, c.RopeScaling))
	} else if base := llama4.InvFreq(c.HeadDim, c.RopeTheta, nil); !equalF32(base, m.InvFreq()) {
		d := make([]float32, len(base))
		for i := range d {
			d[i] = float32(float64(base[i]) / float64(m.InvFreq()[i]))
		}
		vec(llama4.GGUFRopeFreqs, d)
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// WriteGGUF converts the model in place to opt.Type (ConvertGGUF) and
// writes it as a llama4 GGUF that llama.cpp loads: its metadata
// (GGUFMetadata), opt.Extra (the tokenizer), then the tensors
// (GGUFTensors).
func WriteGGUF(w io.Writer, m *llama4.Model, opt GGUFOptions) (*GGUFReport, error) {
	kvs, warn, err := GGUFMetadata(m, opt.Type, opt.Name)
	if err != nil {
		return nil, err
	}
	rep, err := convertGGUF(m, opt.Type, opt.Progress)
	if err != nil {
		return nil, err
	}
	rep.Warnings = warn
	ts, err := GGUFTensors(m)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if len(t.Dims) >= 2 {
			rep.ByType[t.Type.String()]++
		}
	}
	kvs = append(kvs, opt.Extra...)
	var meter *meter
	if opt.Progress != nil {
		// A dry run into a counter sizes the file (no data is copied).
		var size countWriter
		if err := gguf.Write(&size, kvs, ts, 0); err != nil {
			return nil, fmt.Errorf("llama4: %w", err)
		}
		meter = startMeter(opt.Progress, "write", size.n)
		w = meterWriter{w, meter}
	}
	if err := gguf.Write(w, kvs, ts, 0); err != nil {
		return nil, fmt.Errorf("llama4: %w", err)
	}
	meter.finish()
	return rep, nil
}

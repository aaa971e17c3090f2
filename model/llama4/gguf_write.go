package llama4

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"

	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/tensor"

	"github.com/herd-llm/herd/quant"
)

// GGUFTypes are the file types ConvertGGUF (herd convert --type) accepts.
var GGUFTypes = []string{"f32", "f16", "bf16", "q8_0", "q4_0", "q4_k", "q4_k_m", "q6_k"}

// ggufFileTypes are llama.cpp's llama_ftype numbers (general.file_type).
var ggufFileTypes = map[string]uint32{
	"f32": 0, "f16": 1, "q4_0": 2, "q8_0": 7, "q4_k": 14 /* Q4_K_S */, "q4_k_m": 15, "q6_k": 18, "bf16": 32,
}

// GGUFOptions choose what WriteGGUF writes.
type GGUFOptions struct {
	// Type is one of GGUFTypes ("" = f32).
	Type string
	// Name is general.name ("" to leave it out).
	Name string
	// Extra metadata appended after the model's (the tokenizer's).
	Extra []gguf.KV
}

// GGUFReport says what ConvertGGUF did.
type GGUFReport struct {
	Type     string
	ByType   map[string]int // matrices (expert stacks count once) per ggml type
	Warnings []string       // values llama.cpp will not honour
}

// ConvertGGUF converts the model's weights in place to what a GGUF of file
// type typ holds, as llama.cpp's converter and llama-quantize lay them out:
//   - f32, f16, bf16: every weight matrix in that type, except the MoE
//     routers (ffn_gate_inp), which llama.cpp keeps in F32;
//   - q8_0, q4_0, q4_k, q6_k: exactly Model.Quantize(typ) (the same matrices,
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
func (m *Model) ConvertGGUF(typ string) (*GGUFReport, error) {
	if typ == "" {
		typ = "f32"
	}
	rep := &GGUFReport{Type: typ, ByType: map[string]int{}}
	w := m.Weights
	tied := w.LMHead == w.Embed
	var jobs []convJob
	add := func(p **tensor.Mat, t tensor.DType) { jobs = append(jobs, convJob{p, t}) }
	routers := func(t tensor.DType) {
		for l := range w.Layers {
			if mo := w.Layers[l].MoE; mo != nil {
				add(&mo.Router, t)
			}
		}
	}
	all := func(t tensor.DType) {
		m.forEachMat(func(p **tensor.Mat, _ string, _ int) { add(p, t) })
	}
	switch typ {
	case "f32":
		all(tensor.F32)
	case "f16":
		all(tensor.F16)
		routers(tensor.F32)
	case "bf16":
		all(tensor.BF16)
		routers(tensor.F32)
	case "q8_0", "q4_0", "q4_k", "q6_k":
		if _, err := m.Quantize(typ); err != nil {
			return nil, err
		}
		routers(tensor.F32)
	case "q4_k_m":
		n := len(w.Layers)
		more := func(i int) bool { return i < n/8 || i >= 7*n/8 || (i-n/8)%3 == 2 }
		m.forEachMat(func(p **tensor.Mat, role string, l int) {
			t := tensor.Q4K
			switch {
			case role == "router":
				t = tensor.F32
			case role == "output":
				t = tensor.Q6K
			case (role == "attn_v" || role == "ffn_down") && more(l):
				t = tensor.Q6K
			}
			add(p, t)
		})
	default:
		return nil, fmt.Errorf("llama4: unknown GGUF type %q (want one of %v)", typ, GGUFTypes)
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
	if err := runConv(uniq); err != nil {
		return nil, err
	}
	if tied {
		w.LMHead = w.Embed
	}
	// Anything GGUF cannot store (FP8 a quantization left behind) becomes F32.
	var rest []convJob
	m.forEachMat(func(p **tensor.Mat, _ string, _ int) {
		if _, ok := gguf.TypeOf((*p).DType); !ok {
			rest = append(rest, convJob{p, tensor.F32})
		}
	})
	if err := runConv(rest); err != nil {
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

// runConv runs the conversions in parallel.
func runConv(jobs []convJob) error {
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			q, err := convertMat(*j.p, j.t)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			*j.p = q
		}()
	}
	wg.Wait()
	return firstErr
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

// forEachMat calls fn for every weight matrix with its role (embed, output,
// attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down, router)
// and layer (-1 outside layers). A tied output is visited once, as "output"
// (llama.cpp quantizes a tied token_embd with the output's rule).
func (m *Model) forEachMat(fn func(p **tensor.Mat, role string, layer int)) {
	w := m.Weights
	if w.LMHead == w.Embed {
		fn(&w.Embed, "output", -1)
	} else {
		fn(&w.Embed, "embed", -1)
		fn(&w.LMHead, "output", -1)
	}
	mlp := func(x *MLP, l int) {
		fn(&x.Gate, "ffn_gate", l)
		fn(&x.Up, "ffn_up", l)
		fn(&x.Down, "ffn_down", l)
	}
	for l := range w.Layers {
		lw := &w.Layers[l]
		fn(&lw.Q, "attn_q", l)
		fn(&lw.K, "attn_k", l)
		fn(&lw.V, "attn_v", l)
		fn(&lw.O, "attn_output", l)
		if lw.Dense != nil {
			mlp(lw.Dense, l)
		}
		if lw.MoE != nil {
			fn(&lw.MoE.Router, "router", l)
			mlp(&lw.MoE.Shared, l)
			for e := range lw.MoE.Experts {
				mlp(&lw.MoE.Experts[e], l)
			}
		}
	}
}

// GGUFMetadata returns the llama4 metadata llama.cpp's converter writes for
// this model (keys, types and order of convert_hf_to_gguf.py's Llama4Model),
// for file type typ. Values llama.cpp hard-codes but this model does not
// share (chunk size, temperature floor and scale, temperature tuning,
// QK-norm rule, NoPE interval) are added under ollama's key names, which
// herd and ollama read and llama.cpp ignores; warnings say so. A layer
// layout that llama4 GGUF cannot express is an error.
func (m *Model) GGUFMetadata(typ, name string) ([]gguf.KV, []string, error) {
	c := m.Config
	if typ == "" {
		typ = "f32"
	}
	ft, ok := ggufFileTypes[typ]
	if !ok {
		return nil, nil, fmt.Errorf("llama4: unknown GGUF type %q (want one of %v)", typ, GGUFTypes)
	}
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
func moeStep(c *Config) (int, error) {
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
func noRopeStep(c *Config) (int, error) {
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

func moeLayers(c *Config) []int {
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
func (m *Model) GGUFTensors() ([]gguf.WriteTensor, error) {
	c, w := m.Config, m.Weights
	var ts []gguf.WriteTensor
	var err error
	mat := func(name string, x *tensor.Mat) {
		if err != nil {
			return
		}
		gt, ok := gguf.TypeOf(x.DType)
		if !ok {
			err = fmt.Errorf("llama4: tensor %s is %s, which GGUF cannot store", name, x.DType)
			return
		}
		ts = append(ts, gguf.WriteTensor{Name: name, Type: gt, Dims: []uint64{uint64(x.Cols), uint64(x.Rows)}, Data: x.Data})
	}
	vec := func(name string, v []float32) {
		b := make([]byte, 4*len(v))
		for i, f := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
		}
		ts = append(ts, gguf.WriteTensor{Name: name, Type: gguf.F32, Dims: []uint64{uint64(len(v))}, Data: b})
	}
	stack := func(name string, xs []*tensor.Mat) {
		if err != nil {
			return
		}
		x0 := xs[0]
		gt, ok := gguf.TypeOf(x0.DType)
		if !ok {
			err = fmt.Errorf("llama4: tensor %s is %s, which GGUF cannot store", name, x0.DType)
			return
		}
		data := make([]byte, 0, len(xs)*len(x0.Data))
		for e, x := range xs {
			if x.DType != x0.DType || x.Rows != x0.Rows || x.Cols != x0.Cols {
				err = fmt.Errorf("llama4: tensor %s: expert %d is %s [%d, %d], expert 0 is %s [%d, %d]", name, e, x.DType, x.Rows, x.Cols, x0.DType, x0.Rows, x0.Cols)
				return
			}
			data = append(data, x.Data...)
		}
		ts = append(ts, gguf.WriteTensor{Name: name, Type: gt, Dims: []uint64{uint64(x0.Cols), uint64(x0.Rows), uint64(len(xs))}, Data: data})
	}
	mat("token_embd.weight", w.Embed)
	if c.RopeScaling != nil {
		vec("rope_freqs.weight", RopeFreqsGGUF(c.HeadDim, c.RopeTheta, c.RopeScaling))
	} else if base := InvFreq(c.HeadDim, c.RopeTheta, nil); !equalF32(base, m.invFreq) {
		// Frequencies set directly (a GGUF's rope_freqs): write them back.
		d := make([]float32, len(base))
		for i := range d {
			d[i] = float32(float64(base[i]) / float64(m.invFreq[i]))
		}
		vec("rope_freqs.weight", d)
	}
	for l := range w.Layers {
		lw := &w.Layers[l]
		p := fmt.Sprintf("blk.%d.", l)
		vec(p+"attn_norm.weight", lw.AttnNorm)
		mat(p+"attn_q.weight", lw.Q)
		mat(p+"attn_k.weight", lw.K)
		mat(p+"attn_v.weight", lw.V)
		mat(p+"attn_output.weight", lw.O)
		vec(p+"ffn_norm.weight", lw.FFNNorm)
		if lw.Dense != nil {
			mat(p+"ffn_gate.weight", lw.Dense.Gate)
			mat(p+"ffn_up.weight", lw.Dense.Up)
			mat(p+"ffn_down.weight", lw.Dense.Down)
			continue
		}
		mo := lw.MoE
		mat(p+"ffn_gate_inp.weight", mo.Router)
		var gate, up, down []*tensor.Mat
		for e := range mo.Experts {
			gate = append(gate, mo.Experts[e].Gate)
			up = append(up, mo.Experts[e].Up)
			down = append(down, mo.Experts[e].Down)
		}
		stack(p+"ffn_gate_exps.weight", gate)
		stack(p+"ffn_up_exps.weight", up)
		stack(p+"ffn_down_exps.weight", down)
		mat(p+"ffn_gate_shexp.weight", mo.Shared.Gate)
		mat(p+"ffn_up_shexp.weight", mo.Shared.Up)
		mat(p+"ffn_down_shexp.weight", mo.Shared.Down)
	}
	vec("output_norm.weight", w.Norm)
	if w.LMHead != w.Embed {
		mat("output.weight", w.LMHead)
	}
	if err != nil {
		return nil, err
	}
	return ts, nil
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
func (m *Model) WriteGGUF(w io.Writer, opt GGUFOptions) (*GGUFReport, error) {
	kvs, warn, err := m.GGUFMetadata(opt.Type, opt.Name)
	if err != nil {
		return nil, err
	}
	rep, err := m.ConvertGGUF(opt.Type)
	if err != nil {
		return nil, err
	}
	rep.Warnings = warn
	ts, err := m.GGUFTensors()
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if len(t.Dims) >= 2 {
			rep.ByType[t.Type.String()]++
		}
	}
	if err := gguf.Write(w, append(kvs, opt.Extra...), ts, 0); err != nil {
		return nil, fmt.Errorf("llama4: %w", err)
	}
	return rep, nil
}

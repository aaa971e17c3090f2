package train

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// LoadHF reads a Hugging Face Llama 4 text model directory (config.json plus
// single-file or sharded safetensors, any float dtype) into float32
// parameters. Every parameter must be present with its config-implied shape;
// tensors the text model does not use (other than vision ones) are an error.
func LoadHF(dir string) (*Params[float32], error) {
	cfg, err := checkpoint.LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer set.Close()
	p, err := NewParams[float32](cfg)
	if err != nil {
		return nil, err
	}
	if err := p.ReadSet(set); err != nil {
		return nil, fmt.Errorf("train: %s: %w", dir, err)
	}
	return p, nil
}

// ReadSet fills p from the tensors of set, by name, decoding any float dtype
// to F. Tensors of set that p lacks are an error unless they belong to the
// vision model (or a copy of a tied lm_head).
func (p *Params[F]) ReadSet(set *safetensors.Set) error {
	for _, t := range p.Tensors {
		st, err := set.Tensor(t.Name)
		if err != nil {
			return err
		}
		if !slices.Equal(st.Shape, t.Shape) {
			return fmt.Errorf("tensor %s has shape %v, config implies %v", t.Name, st.Shape, t.Shape)
		}
		v, err := st.Float32s()
		if err != nil {
			return err
		}
		for i, x := range v {
			t.Data[i] = F(x)
		}
	}
	tiedHead := p.Config.Prefix + llama4.ModelSlot(llama4.RoleOutput).HFName()
	for _, name := range set.Names() {
		if p.Get(name) != nil || llama4.IsHFVision(name) {
			continue
		}
		if name == tiedHead && p.LMHead == p.Embed {
			continue // a tied head saved anyway: the embedding is the head
		}
		return fmt.Errorf("unexpected tensor %s: checkpoint and config.json disagree", name)
	}
	return nil
}

// f32Bytes encodes values as little-endian float32.
func f32Bytes[F Float](v []F) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(x)))
	}
	return b
}

// WriteTensors writes tensors as float32 safetensors under their names
// (prefixed by prefix), in the given order, with metadata (nil:
// {"format": "pt"}).
func WriteTensors[F Float](w io.Writer, prefix string, tensors []*Tensor[F], metadata map[string]string) error {
	if metadata == nil {
		metadata = map[string]string{"format": "pt"}
	}
	wt := make([]safetensors.WriteTensor, len(tensors))
	for i, t := range tensors {
		wt[i] = safetensors.WriteTensor{Name: prefix + t.Name, DType: "F32", Shape: t.Shape, Data: f32Bytes(t.Data)}
	}
	return safetensors.Write(w, wt, metadata)
}

// WriteSafetensorsFile writes p's tensors (float32, HF names, sorted) to path
// atomically: parameters, gradients or optimizer moments alike.
func (p *Params[F]) WriteSafetensorsFile(path string) error {
	return checkpoint.WriteFileAtomic(path, func(w io.Writer) error { return WriteTensors(w, "", p.Tensors, nil) })
}

// SaveHF writes p as a Hugging Face Llama4ForCausalLM directory that
// checkpoint.LoadHF and LoadHF read: config.json (ConfigJSON) and
// model.safetensors (float32), each written atomically (write to a
// temporary file, fsync, rename, fsync the directory). The weights are
// written first, so a crash never leaves a new config beside old weights of
// another shape unnoticed: BindHF checks every shape.
func (p *Params[F]) SaveHF(dir string) error { return p.SaveHFAs(dir, "float32") }

// ExportDTypes are the weight dtypes SaveHFAs writes, by their torch_dtype
// names, with their safetensors dtypes (checkpoint.TorchDTypes).
var ExportDTypes = checkpoint.TorchDTypes

// SaveHFAs is SaveHF with the weights rounded to dtype ("float32",
// "bfloat16" or "float16", to nearest even), the config's torch_dtype set to
// match. Half-precision exports are half the size; checkpoint.LoadHF and LoadHF
// read them back. An empty dtype is "float32".
func (p *Params[F]) SaveHFAs(dir, dtype string) error {
	if dtype == "" {
		dtype = "float32"
	}
	st, ok := ExportDTypes[dtype]
	if !ok {
		return fmt.Errorf("train: export dtype %q is not one of float32, bfloat16, float16", dtype)
	}
	if p.Config.Prefix != "" {
		return fmt.Errorf("train: saving %s models is not supported; only Llama4ForCausalLM", p.Config.Architecture)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	cfg := *p.Config
	cfg.TorchDType = dtype
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	wt := make([]safetensors.WriteTensor, len(p.Tensors))
	for i, t := range p.Tensors {
		wt[i] = safetensors.WriteTensor{Name: t.Name, DType: st, Shape: t.Shape, Data: encodeFloats(t.Data, st)}
	}
	err := checkpoint.WriteFileAtomic(filepath.Join(dir, "model.safetensors"), func(w io.Writer) error {
		return safetensors.Write(w, wt, map[string]string{"format": "pt"})
	})
	if err != nil {
		return err
	}
	return checkpoint.WriteConfigJSON(dir, &cfg)
}

// encodeFloats encodes values as little-endian F32, BF16 or F16.
func encodeFloats[F Float](v []F, dtype string) []byte {
	switch dtype {
	case "BF16", "F16":
		b := make([]byte, 2*len(v))
		for i, x := range v {
			h := tensor.F32ToBF16(float32(x))
			if dtype == "F16" {
				h = tensor.F32ToF16(float32(x))
			}
			binary.LittleEndian.PutUint16(b[2*i:], h)
		}
		return b
	}
	return f32Bytes(v)
}

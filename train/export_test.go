package train

import (
	"math"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/tensor"
)

// TestSaveHFAs writes a model in each export dtype and reads it back: the
// values are the float32 ones rounded to the dtype, the config names the
// dtype, and checkpoint.LoadHF binds the matrices in that dtype.
func TestSaveHFAs(t *testing.T) {
	p, err := NewParams[float32](smallConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	InitParams(p, 5, 0.3)
	for _, tc := range []struct {
		dtype string
		round func(float32) float32
		want  tensor.DType
	}{
		{"float32", func(x float32) float32 { return x }, tensor.F32},
		{"bfloat16", func(x float32) float32 { return tensor.BF16ToF32(tensor.F32ToBF16(x)) }, tensor.BF16},
		{"float16", func(x float32) float32 { return tensor.F16ToF32(tensor.F32ToF16(x)) }, tensor.F16},
	} {
		dir := t.TempDir()
		if err := p.SaveHFAs(dir, tc.dtype); err != nil {
			t.Fatal(err)
		}
		q, err := LoadHF(dir)
		if err != nil {
			t.Fatal(err)
		}
		if q.Config.TorchDType != tc.dtype {
			t.Errorf("%s: config torch_dtype %q", tc.dtype, q.Config.TorchDType)
		}
		for i, a := range p.Tensors {
			for j, x := range a.Data {
				if got, want := q.Tensors[i].Data[j], tc.round(x); math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("%s: %s[%d] = %v, want %v", tc.dtype, a.Name, j, got, want)
				}
			}
		}
		m, err := checkpoint.LoadHF(dir)
		if err != nil {
			t.Fatal(err)
		}
		if m.Weights.Embed.DType != tc.want {
			t.Errorf("%s: embedding bound as %s", tc.dtype, m.Weights.Embed.DType)
		}
		m.Close()
	}
	if err := p.SaveHFAs(t.TempDir(), "int8"); err == nil {
		t.Error("int8 export: want an error")
	}
	o := smallOptions()
	o.ExportDType = "fp8"
	if err := o.validate(); err == nil {
		t.Error("ExportDType fp8: want a validation error")
	}
}

// TestPresets checks every preset: its config parses and its options are
// valid; the shakespeare model has the Llama 4 features and fits its BPE.
func TestPresets(t *testing.T) {
	for _, name := range PresetNames() {
		p, err := LookupPreset(name)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := p.ParseConfig()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Options.validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := NewParams[float32](cfg); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if p.Description == "" || p.Data == "" || p.Tokenizer == "" {
			t.Errorf("%s: incomplete preset %+v", name, p)
		}
	}
	p, _ := LookupPreset("shakespeare")
	cfg, _ := p.ParseConfig()
	if p.Tokenizer != "bpe:4096" || cfg.VocabSize != 4096+2048 || cfg.NumMoELayers() == 0 || cfg.LayerIsMoE[0] ||
		cfg.LayerUsesRoPE[cfg.Layers-1] || !cfg.LayerUsesRoPE[0] || !cfg.UseQKNorm || !cfg.TempTuning ||
		cfg.FloorScale > float64(p.Options.SeqLen) || p.Options.SeqLen > cfg.MaxPositions || p.ValFrac != 0.1 {
		t.Errorf("shakespeare preset: %+v\n%+v", p, *cfg)
	}
	if _, err := LookupPreset("nope"); err == nil {
		t.Error("unknown preset: want an error")
	}
}

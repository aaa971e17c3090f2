package train

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// TestWriteLossPlot plots a synthetic log and checks the PNG: its size, and
// that the validation curve (red) and training curve (blue) were drawn.
func TestWriteLossPlot(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(logHeader)
	for s := 1; s <= 200; s++ {
		l := 2 + 6*math.Exp(-float64(s)/40) + 0.1*math.Sin(float64(s))
		val := ","
		if s%50 == 0 {
			val = "3.1,2.2"
		}
		b.WriteString(strings.Join([]string{strconv.Itoa(s), "0.001", strconv.FormatFloat(l, 'f', 6, 64), "1", "0", "0", "0", val}, ",") + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, LogFile), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteLossPlot(dir); err != nil {
		t.Fatal(err)
	}
	f, err := os.ReadFile(filepath.Join(dir, PlotFile))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != plotW || r.Dy() != plotH {
		t.Fatalf("plot is %v", r)
	}
	count := map[[3]uint32]int{}
	for y := plotT; y < plotH-plotB; y++ {
		for x := plotL + 1; x < plotW-plotR; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			count[[3]uint32{r >> 8, g >> 8, bl >> 8}]++
		}
	}
	for name, c := range map[string][3]uint32{"train": {30, 90, 200}, "val": {210, 40, 40}, "raw": {170, 200, 235}} {
		if count[c] < 50 {
			t.Errorf("%s curve: %d pixels drawn", name, count[c])
		}
	}
	if err := os.WriteFile(filepath.Join(dir, LogFile), []byte(logHeader+"1,2,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteLossPlot(dir); err == nil {
		t.Error("a malformed log: want an error")
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

package train

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
)

// TestSaveLoadHF writes the tiny model with SaveHF and reads it back with
// LoadHF (bit-exact) and checkpoint.LoadHF; the bf16 copy loads as float32.
func TestSaveLoadHF(t *testing.T) {
	p := loadTinyParams(t)
	dir := t.TempDir()
	if err := p.SaveHF(dir); err != nil {
		t.Fatal(err)
	}
	q, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range p.Tensors {
		b := q.Tensors[i]
		if a.Name != b.Name {
			t.Fatalf("tensor %d: %s vs %s", i, a.Name, b.Name)
		}
		for j := range a.Data {
			if math.Float32bits(a.Data[j]) != math.Float32bits(b.Data[j]) {
				t.Fatalf("%s[%d] changed in the round trip", a.Name, j)
			}
		}
	}
	m, err := checkpoint.LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	bf, err := LoadHF(filepath.Join(tinyDir, "bf16"))
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := relErr(bf.Embed.Data, p.Embed.Data); r > 1.0/256 {
		t.Errorf("bf16 embedding differs from f32 by %g of its max", r)
	}
	if p.NumParams() != llama4Params(p.Config) {
		t.Errorf("%d parameters, config implies %d", p.NumParams(), llama4Params(p.Config))
	}
}

func llama4Params(c *llama4.Config) int64 { return c.Params().Text }

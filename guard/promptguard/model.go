package promptguard

import (
	"fmt"
	"path/filepath"

	"github.com/herd-llm/herd/format/safetensors"
)

// linear is a torch Linear layer: W is [Out][In], row-major.
type linear struct {
	W, B    []float32
	In, Out int
}

// norm is a LayerNorm's weight and bias.
type norm struct{ W, B []float32 }

type layer struct {
	q, k, v, o linear
	posK, posQ linear // without share_att_key
	attnNorm   norm
	inter, out linear
	outNorm    norm
}

// Model is a DeBERTa-v2 sequence classifier in float32.
type Model struct {
	Config  *Config
	word    []float32 // [Vocab][Hidden]
	pos     []float32 // [MaxPositions][Hidden] with position_biased_input
	typ     []float32 // [TypeVocab][Hidden]
	embNorm norm
	rel     []float32 // [2·span][Hidden]
	relNorm norm
	layers  []layer
	pooler  linear
	cls     linear
}

// span is the number of relative positions on each side.
func (c *Config) span() int {
	if c.PositionBuckets > 0 {
		return c.PositionBuckets
	}
	return c.MaxRelative
}

// Load reads a Hugging Face DeBERTa-v2 sequence classifier directory
// (config.json and safetensors weights; any float dtype).
func Load(dir string) (*Model, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("promptguard: %w", err)
	}
	defer set.Close()
	m := &Model{Config: cfg}
	get := func(name string, shape ...int) ([]float32, error) {
		t, err := set.Tensor(name)
		if err != nil {
			return nil, fmt.Errorf("promptguard: %s: %w", filepath.Base(dir), err)
		}
		if len(t.Shape) != len(shape) {
			return nil, fmt.Errorf("promptguard: %s has shape %v, want %v", name, t.Shape, shape)
		}
		for i := range shape {
			if t.Shape[i] != shape[i] {
				return nil, fmt.Errorf("promptguard: %s has shape %v, want %v", name, t.Shape, shape)
			}
		}
		return t.Float32s()
	}
	var firstErr error
	must := func(name string, shape ...int) []float32 {
		v, err := get(name, shape...)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	}
	lin := func(prefix string, out, in int) linear {
		return linear{W: must(prefix+".weight", out, in), B: must(prefix+".bias", out), In: in, Out: out}
	}
	ln := func(prefix string) norm {
		return norm{W: must(prefix+".weight", cfg.Hidden), B: must(prefix+".bias", cfg.Hidden)}
	}
	H, I := cfg.Hidden, cfg.Intermediate
	m.word = must("deberta.embeddings.word_embeddings.weight", cfg.VocabSize, H)
	if cfg.PositionBiased {
		m.pos = must("deberta.embeddings.position_embeddings.weight", cfg.MaxPositions, H)
	}
	if cfg.TypeVocabSize > 0 {
		m.typ = must("deberta.embeddings.token_type_embeddings.weight", cfg.TypeVocabSize, H)
	}
	m.embNorm = ln("deberta.embeddings.LayerNorm")
	m.rel = must("deberta.encoder.rel_embeddings.weight", 2*cfg.span(), H)
	if cfg.NormRelEmbed {
		m.relNorm = ln("deberta.encoder.LayerNorm")
	}
	for l := 0; l < cfg.Layers; l++ {
		p := fmt.Sprintf("deberta.encoder.layer.%d.", l)
		ly := layer{
			q: lin(p+"attention.self.query_proj", H, H), k: lin(p+"attention.self.key_proj", H, H),
			v: lin(p+"attention.self.value_proj", H, H), o: lin(p+"attention.output.dense", H, H),
			attnNorm: ln(p + "attention.output.LayerNorm"),
			inter:    lin(p+"intermediate.dense", I, H), out: lin(p+"output.dense", H, I),
			outNorm: ln(p + "output.LayerNorm"),
		}
		if !cfg.ShareAttKey {
			if cfg.C2P {
				ly.posK = lin(p+"attention.self.pos_key_proj", H, H)
			}
			if cfg.P2C {
				ly.posQ = lin(p+"attention.self.pos_query_proj", H, H)
			}
		}
		m.layers = append(m.layers, ly)
	}
	m.pooler = lin("pooler.dense", H, H)
	m.cls = lin("classifier", len(cfg.Labels), H)
	if firstErr != nil {
		return nil, firstErr
	}
	return m, nil
}

package promptguard

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Config is a DeBERTa-v2 sequence classifier's configuration
// (DebertaV2Config), normalised.
type Config struct {
	VocabSize       int
	Hidden          int
	Layers          int
	Heads           int
	Intermediate    int
	MaxPositions    int
	PositionBuckets int // > 0: log-bucketed relative positions
	MaxRelative     int // max_relative_positions (max_position_embeddings when < 1)
	LayerNormEps    float64
	ShareAttKey     bool
	C2P, P2C        bool // pos_att_type
	NormRelEmbed    bool // norm_rel_ebd has layer_norm
	PositionBiased  bool // position_biased_input: absolute position embeddings
	TypeVocabSize   int
	Labels          []string // id2label, in id order
	PadID, CLS, SEP int
}

// rawConfig is config.json as DebertaV2Config writes it.
type rawConfig struct {
	ModelType            string            `json:"model_type"`
	VocabSize            int               `json:"vocab_size"`
	HiddenSize           int               `json:"hidden_size"`
	NumHiddenLayers      int               `json:"num_hidden_layers"`
	NumAttentionHeads    int               `json:"num_attention_heads"`
	IntermediateSize     int               `json:"intermediate_size"`
	HiddenAct            string            `json:"hidden_act"`
	MaxPositionEmbedding int               `json:"max_position_embeddings"`
	TypeVocabSize        int               `json:"type_vocab_size"`
	LayerNormEps         float64           `json:"layer_norm_eps"`
	RelativeAttention    bool              `json:"relative_attention"`
	MaxRelativePositions int               `json:"max_relative_positions"`
	PositionBuckets      int               `json:"position_buckets"`
	NormRelEbd           string            `json:"norm_rel_ebd"`
	ShareAttKey          bool              `json:"share_att_key"`
	PosAttType           json.RawMessage   `json:"pos_att_type"`
	PositionBiasedInput  *bool             `json:"position_biased_input"`
	PoolerHiddenSize     int               `json:"pooler_hidden_size"`
	PoolerHiddenAct      string            `json:"pooler_hidden_act"`
	EmbeddingSize        int               `json:"embedding_size"`
	ID2Label             map[string]string `json:"id2label"`
	PadTokenID           int               `json:"pad_token_id"`
}

// ReadConfig reads dir/config.json.
func ReadConfig(dir string) (*Config, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("promptguard: %w", err)
	}
	return ParseConfig(b)
}

// ParseConfig reads a DeBERTa-v2 config.json, refusing what this encoder
// does not implement (absolute-only attention, a convolution layer, an
// embedding projection, an activation other than GELU).
func ParseConfig(b []byte) (*Config, error) {
	var r rawConfig
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("promptguard: config.json: %w", err)
	}
	if r.ModelType != "deberta-v2" {
		return nil, fmt.Errorf("promptguard: model_type %q is not deberta-v2", r.ModelType)
	}
	c := &Config{VocabSize: r.VocabSize, Hidden: r.HiddenSize, Layers: r.NumHiddenLayers, Heads: r.NumAttentionHeads,
		Intermediate: r.IntermediateSize, MaxPositions: r.MaxPositionEmbedding, PositionBuckets: r.PositionBuckets,
		MaxRelative: r.MaxRelativePositions, LayerNormEps: r.LayerNormEps, ShareAttKey: r.ShareAttKey,
		TypeVocabSize: r.TypeVocabSize, PadID: r.PadTokenID, CLS: 1, SEP: 2, PositionBiased: true}
	if r.PositionBiasedInput != nil {
		c.PositionBiased = *r.PositionBiasedInput
	}
	if c.MaxRelative < 1 {
		c.MaxRelative = c.MaxPositions
	}
	if c.LayerNormEps == 0 {
		c.LayerNormEps = 1e-7
	}
	for _, x := range strings.Split(strings.ToLower(r.NormRelEbd), "|") {
		c.NormRelEmbed = c.NormRelEmbed || strings.TrimSpace(x) == "layer_norm"
	}
	var types []string
	var s string
	if json.Unmarshal(r.PosAttType, &types) != nil && json.Unmarshal(r.PosAttType, &s) == nil {
		types = strings.Split(s, "|")
	}
	for _, t := range types {
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "c2p":
			c.C2P = true
		case "p2c":
			c.P2C = true
		}
	}
	for _, chk := range []struct {
		name string
		v    int
	}{{"vocab_size", c.VocabSize}, {"hidden_size", c.Hidden}, {"num_hidden_layers", c.Layers}, {"num_attention_heads", c.Heads},
		{"intermediate_size", c.Intermediate}, {"max_position_embeddings", c.MaxPositions}} {
		if chk.v <= 0 {
			return nil, fmt.Errorf("promptguard: %s = %d must be positive", chk.name, chk.v)
		}
	}
	switch {
	case c.Hidden%c.Heads != 0:
		return nil, fmt.Errorf("promptguard: hidden_size %d is not a multiple of num_attention_heads %d", c.Hidden, c.Heads)
	case !r.RelativeAttention:
		return nil, fmt.Errorf("promptguard: relative_attention is off: not a DeBERTa-v2/v3 classifier this encoder runs")
	case r.HiddenAct != "gelu" || r.PoolerHiddenAct != "" && r.PoolerHiddenAct != "gelu":
		return nil, fmt.Errorf("promptguard: activations %q/%q: only gelu is implemented", r.HiddenAct, r.PoolerHiddenAct)
	case r.EmbeddingSize != 0 && r.EmbeddingSize != r.HiddenSize:
		return nil, fmt.Errorf("promptguard: embedding_size %d ≠ hidden_size %d is not implemented", r.EmbeddingSize, r.HiddenSize)
	case r.PoolerHiddenSize != 0 && r.PoolerHiddenSize != r.HiddenSize:
		return nil, fmt.Errorf("promptguard: pooler_hidden_size %d ≠ hidden_size %d is not implemented", r.PoolerHiddenSize, r.HiddenSize)
	case !c.C2P && !c.P2C:
		return nil, fmt.Errorf("promptguard: pos_att_type %s names neither c2p nor p2c", r.PosAttType)
	}
	ids := make([]int, 0, len(r.ID2Label))
	for k := range r.ID2Label {
		id, err := strconv.Atoi(k)
		if err != nil {
			return nil, fmt.Errorf("promptguard: id2label key %q is not a number", k)
		}
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for i, id := range ids {
		if id != i {
			return nil, fmt.Errorf("promptguard: id2label ids must be 0…%d", len(ids)-1)
		}
		c.Labels = append(c.Labels, r.ID2Label[strconv.Itoa(id)])
	}
	if len(c.Labels) < 2 {
		return nil, fmt.Errorf("promptguard: id2label has %d labels, want at least 2", len(c.Labels))
	}
	return c, nil
}

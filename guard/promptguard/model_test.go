package promptguard

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTinyLogits compares the encoder with goldens that the upstream
// PyTorch DeBERTa-v2 code computed on a tiny random-weight model of Prompt
// Guard's architecture (testdata/tiny/README.md).
func TestTinyLogits(t *testing.T) {
	dir := filepath.Join("testdata", "tiny")
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			IDs    []int32   `json:"ids"`
			Logits []float64 `json:"logits"`
		} `json:"cases"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) < 5 {
		t.Fatalf("%d golden cases", len(g.Cases))
	}
	worst := 0.0
	for _, c := range g.Cases {
		got, err := m.Logits(c.IDs)
		if err != nil {
			t.Fatal(err)
		}
		for i := range c.Logits {
			d := math.Abs(float64(got[i]) - c.Logits[i])
			worst = max(worst, d)
			if d > 1e-4 {
				t.Errorf("%d tokens: logit %d = %g, upstream %g (diff %.2g)", len(c.IDs), i, got[i], c.Logits[i], d)
			}
		}
	}
	t.Logf("largest logit difference from upstream: %.2g", worst)
}

// TestBuckets checks log-bucketed relative positions at the bucket edges
// against values of the upstream make_log_bucket_position.
func TestBuckets(t *testing.T) {
	c := &Config{PositionBuckets: 256, MaxRelative: 512}
	for _, tc := range []struct{ rel, want int }{
		{0, 0}, {5, 5}, {-5, -5}, {127, 127}, {128, 128}, {-128, -128}, {129, 129}, {200, 169}, {300, 207}, {511, 255}, {-511, -255}, {1000, 317},
	} {
		if got := c.bucket(tc.rel); got != tc.want {
			t.Errorf("bucket(%d) = %d, want %d", tc.rel, got, tc.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	base := `"model_type":"deberta-v2","vocab_size":10,"hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":8,"hidden_act":"gelu","max_position_embeddings":16,"relative_attention":true,"pos_att_type":["c2p"],"id2label":{"0":"BENIGN","1":"MALICIOUS"}`
	if _, err := ParseConfig([]byte("{" + base + "}")); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tc := range []struct{ patch, err string }{
		{`"model_type":"bert"`, "not deberta-v2"},
		{`"relative_attention":false`, "relative_attention is off"},
		{`"hidden_act":"relu"`, "only gelu"},
		{`"num_attention_heads":3`, "not a multiple"},
		{`"id2label":null`, "at least 2"},
		{`"pos_att_type":"none"`, "neither c2p nor p2c"},
	} {
		// A later key overrides the earlier one in encoding/json.
		_, err := ParseConfig([]byte("{" + base + "," + tc.patch + "}"))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: %v, want %q", tc.patch, err, tc.err)
		}
	}
}

package checkpoint

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/internal/testmodel"
	. "github.com/herd-llm/herd/model/llama4"
)

// writeVariant writes the tiny f32 checkpoint into a temp dir after applying
// edit to its tensor list, with config (or the original config when "").
func writeVariant(t *testing.T, config string, edit func([]safetensors.WriteTensor) []safetensors.WriteTensor) string {
	t.Helper()
	src := testmodel.TinyWeights(t, "f32")
	set, err := safetensors.OpenDir(src)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	var ts []safetensors.WriteTensor
	for _, n := range set.Names() {
		tt, err := set.Tensor(n)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, safetensors.WriteTensor{Name: n, DType: tt.DType, Shape: tt.Shape, Data: append([]byte(nil), tt.Data...)})
	}
	if edit != nil {
		ts = edit(ts)
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if err := safetensors.Write(f, ts, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if config == "" {
		b, err := os.ReadFile(filepath.Join(src, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		config = string(b)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func drop(name string) func([]safetensors.WriteTensor) []safetensors.WriteTensor {
	return func(ts []safetensors.WriteTensor) []safetensors.WriteTensor {
		out := ts[:0]
		for _, x := range ts {
			if x.Name != name {
				out = append(out, x)
			}
		}
		return out
	}
}

func modify(name string, f func(*safetensors.WriteTensor)) func([]safetensors.WriteTensor) []safetensors.WriteTensor {
	return func(ts []safetensors.WriteTensor) []safetensors.WriteTensor {
		for i := range ts {
			if ts[i].Name == name {
				f(&ts[i])
			}
		}
		return ts
	}
}

func TestBindErrors(t *testing.T) {
	tinyCfg, err := os.ReadFile(filepath.Join(tinyDir, "f32", "config.json"))
	if err != nil {
		t.Skipf("tiny testdata model absent: %v", err)
	}
	for _, tc := range []struct {
		name   string
		config string
		edit   func([]safetensors.WriteTensor) []safetensors.WriteTensor
		want   []string
	}{
		{"missing tensor", "", drop("model.layers.2.self_attn.k_proj.weight"), []string{"model.layers.2.self_attn.k_proj.weight", "not found"}},
		{"missing expert stack", "", drop("model.layers.1.feed_forward.experts.down_proj"), []string{"model.layers.1.feed_forward.experts.down_proj"}},
		{"wrong shape", "", modify("model.layers.0.self_attn.q_proj.weight", func(w *safetensors.WriteTensor) {
			w.Shape = []int{256, 64}
		}), []string{"model.layers.0.self_attn.q_proj.weight", "[256 64]", "model.safetensors"}},
		{"unsupported dtype", "", modify("model.layers.0.self_attn.v_proj.weight", func(w *safetensors.WriteTensor) {
			w.DType = "I32"
		}), []string{"model.layers.0.self_attn.v_proj.weight", "I32"}},
		{"unexpected tensor", "", func(ts []safetensors.WriteTensor) []safetensors.WriteTensor {
			return append(ts, safetensors.WriteTensor{Name: "model.layers.9.mystery.weight", DType: "F32", Shape: []int{1}, Data: make([]byte, 4)})
		}, []string{"model.layers.9.mystery.weight", "disagree"}},
		{"config hidden mismatch", strings.Replace(string(tinyCfg), `"hidden_size": 128`, `"hidden_size": 64`, 1), nil,
			[]string{"model.embed_tokens.weight", "[512 128]", "[512 64]"}},
		{"config says dense, checkpoint MoE", strings.Replace(string(tinyCfg), `"moe_layers": [
    1,
    3
  ]`, `"moe_layers": [3]`, 1), nil, []string{"layer 1", "model.layers.1.feed_forward.gate_proj.weight"}},
		{"config missing key", `{"model_type":"llama4_text","vocab_size":512,"num_hidden_layers":4,"num_attention_heads":4}`, nil, []string{"config.json", `"hidden_size"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeVariant(t, tc.config, tc.edit)
			m, err := LoadHF(dir)
			if err == nil {
				m.Close()
				t.Fatal("loaded without error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestBindTruncatedFile(t *testing.T) {
	dir := writeVariant(t, "", nil)
	p := filepath.Join(dir, "model.safetensors")
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, st.Size()-1000); err != nil {
		t.Fatal(err)
	}
	_, err = LoadHF(dir)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("truncated checkpoint: error %v does not name %s", err, p)
	}
}

// TestBindNestedPrefix checks a Llama4ForConditionalGeneration layout (nested
// text_config, language_model. names) loads and gives the same logits.
func TestBindNestedPrefix(t *testing.T) {
	tinyCfg, err := os.ReadFile(filepath.Join(tinyDir, "f32", "config.json"))
	if err != nil {
		t.Skipf("tiny testdata model absent: %v", err)
	}
	nested := `{"architectures":["Llama4ForConditionalGeneration"],"model_type":"llama4","image_token_index":200092,"text_config":` + string(tinyCfg) + `}`
	dir := writeVariant(t, nested, func(ts []safetensors.WriteTensor) []safetensors.WriteTensor {
		for i := range ts {
			ts[i].Name = "language_model." + ts[i].Name
		}
		return ts
	})
	m, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ref := loadTiny(t, "f32")
	ids := []int32{5, 17, 300, 2}
	a, err := m.Forward(m.NewCache(4), ids, ForwardOptions{AllLogits: true})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ref.Forward(ref.NewCache(4), ids, ForwardOptions{AllLogits: true})
	if d, _ := testmodel.MaxAbsDiff(a, b); d != 0 {
		t.Fatalf("nested layout logits differ by %g", d)
	}
}

// TestShardedCheckpoint splits the tiny model into three shards with a
// model.safetensors.index.json and checks the logits are unchanged.
func TestShardedCheckpoint(t *testing.T) {
	single := writeVariant(t, "", nil)
	set, err := safetensors.OpenDir(single)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	dir := t.TempDir()
	names := set.Names()
	shards := make([][]safetensors.WriteTensor, 3)
	weightMap := map[string]string{}
	for i, n := range names {
		tt, err := set.Tensor(n)
		if err != nil {
			t.Fatal(err)
		}
		s := i % 3
		shards[s] = append(shards[s], safetensors.WriteTensor{Name: n, DType: tt.DType, Shape: tt.Shape, Data: tt.Data})
		weightMap[n] = fmt.Sprintf("model-%05d-of-00003.safetensors", s+1)
	}
	for s, ts := range shards {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("model-%05d-of-00003.safetensors", s+1)))
		if err != nil {
			t.Fatal(err)
		}
		if err := safetensors.Write(f, ts, nil); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	idx, _ := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": 0}, "weight_map": weightMap})
	os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), idx, 0o644)
	cfg, _ := os.ReadFile(filepath.Join(single, "config.json"))
	os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644)
	a, b := logitsOf(t, dir, dtypeIDs), logitsOf(t, single, dtypeIDs)
	if d, _ := testmodel.MaxAbsDiff(a, b); d != 0 {
		t.Fatalf("sharded logits differ by %g", d)
	}
}
